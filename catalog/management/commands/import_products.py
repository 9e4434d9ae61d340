"""`manage.py import_products FILE [--dry-run]`: products from a CSV or XLSX file.

The same `ProductResource` as the admin's import: one row per variant, matched by SKU,
a product's rows grouped by `handle`, checked like the API, all or nothing; stock cells
become `import` stock movements, under one reference the summary names. A progress bar
goes to stderr, the summary to stdout; any invalid row (or an unreadable file) exits
with status 1 and writes nothing. The admin's size and
row limits (catalog.import_limits) do not apply here: big files belong on this path.
"""

import time
from pathlib import Path
from typing import Any

import tablib
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from import_export.formats.base_formats import CSV, XLSX, Format
from import_export.results import Result, RowResult

from catalog.models import StockMovement
from catalog.resources import COLUMNS, ProductResource

FORMATS: dict[str, type[Format]] = {".csv": CSV, ".xlsx": XLSX}


class ProgressBar:
    """`[#####.....]  50%  5000/10000 rows` on one line, redrawn at most ten times a second."""

    width = 30

    def __init__(self, stream: OutputWrapper, total: int) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.drawn_at = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if now - self.drawn_at >= 0.1:
            self.drawn_at = now
            self.draw(done)

    def finish(self) -> None:
        self.draw(self.total)
        self.stream.write("")

    def draw(self, done: int) -> None:
        filled = self.width * done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        text = f"\r[{bar}] {100 * done // self.total:3d}%  {done}/{self.total} rows"
        self.stream.write(text, style_func=str, ending="")
        self.stream.flush()


def read_dataset(path: Path) -> tablib.Dataset:
    """The file as a Dataset; CommandError with a sentence for anything unreadable."""
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise CommandError(f"{path}: unsupported file type; use a .csv or .xlsx file.")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CommandError(f"{path}: cannot read the file ({error.strerror}).") from error
    try:
        if file_format is CSV:
            dataset = CSV(encoding="utf-8-sig").create_dataset(data)
        else:
            dataset = XLSX().create_dataset(data)
    except UnicodeDecodeError as error:
        raise CommandError(f"{path}: not UTF-8 text; save the CSV as UTF-8.") from error
    except Exception as error:  # tablib/openpyxl raise many types for a broken file
        kind = "CSV" if file_format is CSV else "XLSX workbook"
        detail = f" ({error})" if str(error) else ""
        raise CommandError(f"{path}: not a readable {kind}{detail}.") from error
    if not dataset.headers or not len(dataset):
        raise CommandError(f"{path}: no rows to import (a header row and data rows are needed).")
    return dataset


def error_lines(result: Result) -> list[str]:
    """Every problem, one per line: the header first, then each row with its columns.

    Row N is the N-th data row, on line N + 1 of the file (after the header).
    """
    lines = [f"File: {error.error}" for error in result.base_errors]
    for number, errors in result.row_errors():
        lines += [f"Row {number} (line {number + 1}): {error.error}" for error in errors]
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            where = "" if column == "__all__" else f"{column}: "
            lines += [
                f"Row {row.number} (line {row.number + 1}): {where}{message}"
                for message in messages
            ]
    return lines


class CommandProductResource(ProductResource):
    """The admin's resource without the HTML diff of each row, which only the admin's
    preview shows (a tenth of the time of a big import)."""

    class Meta(ProductResource.Meta):
        skip_html_diff = True


class Command(BaseCommand):
    help = (
        "Import products from a CSV or XLSX file, one row per variant (columns: "
        f"{', '.join(COLUMNS)}; only sku is required). Rows are matched by SKU; the rows of "
        "one product share a handle (its slug). If any row is invalid, nothing is written "
        "and the command exits with status 1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        dry_run: bool = options["dry_run"]
        dataset = read_dataset(path)

        progress = ProgressBar(self.stderr, len(dataset))
        resource = CommandProductResource(on_row=progress.update)
        started = time.monotonic()
        result = resource.import_data(dataset, dry_run=dry_run, raise_errors=False)
        progress.finish()
        elapsed = time.monotonic() - started

        totals = result.totals
        errors = error_lines(result)
        invalid_rows = totals[RowResult.IMPORT_TYPE_INVALID] + totals[RowResult.IMPORT_TYPE_ERROR]
        label = f"{path.name} (dry run)" if dry_run else path.name
        self.stdout.write(
            f"{label}: {result.total_rows} rows in {elapsed:.1f}s - "
            f"created {totals[RowResult.IMPORT_TYPE_NEW]}, "
            f"updated {totals[RowResult.IMPORT_TYPE_UPDATE]}, "
            f"unchanged {totals[RowResult.IMPORT_TYPE_SKIP]}, "
            f"invalid {invalid_rows}."
        )
        for line in errors:
            self.stdout.write(f"  {line}")
        if errors:
            raise CommandError(f"Nothing was imported: {len(errors)} error(s) in {path.name}.")
        if dry_run:
            self.stdout.write("Dry run: the file is valid; nothing was written.")
        else:
            if StockMovement.objects.filter(reference=resource.reference).exists():
                self.stdout.write(f"Stock movements: {resource.reference}")
            self.stdout.write(self.style.SUCCESS("Import done."))
