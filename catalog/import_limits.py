"""How big a spreadsheet the admin imports: checked before the file is parsed.

A web worker has a few seconds and a share of memory per request, so the admin refuses
a file over `IMPORT_MAX_FILE_BYTES`, an XLSX whose packed parts unpack to more than
`IMPORT_MAX_UNPACKED_BYTES` (a small zip can hold a huge sheet), and a file with more
than `IMPORT_MAX_ROWS` data rows (counted while streaming, before anything is loaded).
`manage.py import_products` has no such limits: it runs outside the web server.
"""

import codecs
import csv
import zipfile
from itertools import islice
from typing import IO

import openpyxl
from django.conf import settings

from catalog.errors import ImportTooLarge

_BIG_FILES = "Split it, or import it with `manage.py import_products`."


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def import_file_check(*, file: IO[bytes], size: int, xlsx: bool) -> None:
    """Refuse (ImportTooLarge) a file over the admin's limits; `file` is left at its start."""
    if size > settings.IMPORT_MAX_FILE_BYTES:
        raise ImportTooLarge(
            f"The file is {_megabytes(size)}; the limit is "
            f"{_megabytes(settings.IMPORT_MAX_FILE_BYTES)}. {_BIG_FILES}"
        )
    try:
        rows = _xlsx_rows(file) if xlsx else _csv_rows(file)
    finally:
        file.seek(0)
    if rows > settings.IMPORT_MAX_ROWS:
        raise ImportTooLarge(
            f"The file has more than {settings.IMPORT_MAX_ROWS:,} rows. {_BIG_FILES}"
        )


def _limit() -> int:
    """Rows worth counting: the header, the allowed rows and one more."""
    return settings.IMPORT_MAX_ROWS + 2


def _csv_rows(file: IO[bytes]) -> int:
    lines = codecs.iterdecode(file, "utf-8-sig", errors="replace")
    return max(sum(1 for _ in islice(csv.reader(lines), _limit())) - 1, 0)


def _xlsx_rows(file: IO[bytes]) -> int:
    """Data rows of the active sheet (the one the import reads); 0 if not a workbook,
    which the import then reports as unreadable."""
    try:
        unpacked = sum(member.file_size for member in zipfile.ZipFile(file).infolist())
    except zipfile.BadZipFile:
        return 0
    if unpacked > settings.IMPORT_MAX_UNPACKED_BYTES:
        raise ImportTooLarge(
            f"The workbook unpacks to {_megabytes(unpacked)}; the limit is "
            f"{_megabytes(settings.IMPORT_MAX_UNPACKED_BYTES)}. {_BIG_FILES}"
        )
    file.seek(0)
    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken workbook
        return 0
    try:
        sheet = book.active
        return max(sum(1 for _ in islice(sheet.iter_rows(values_only=True), _limit())) - 1, 0)
    finally:
        book.close()
