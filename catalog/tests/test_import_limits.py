"""The admin refuses spreadsheets over its size and row limits before parsing them."""

import io
import zipfile
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pytest_django.fixtures import Settings

from accounts.models import User
from catalog.models import Product
from catalog.tests.test_import_export import (
    CSV_FORMAT,
    HEADER,
    PRODUCTS,
    XLSX_FORMAT,
    csv_upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

Maker = Callable[[int], SimpleUploadedFile]


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def _upload(client: Client, upload: SimpleUploadedFile, fmt: str) -> str:
    response = client.post(
        f"{PRODUCTS}import/", {"import_file": upload, "format": fmt, "resource": "0"}
    )
    assert response.status_code == 200
    assert "process_import" not in response.content.decode()  # no confirm form offered
    return response.content.decode()


def _xlsx(rows: int) -> SimpleUploadedFile:
    lines = [[f"S-{n}", "Name", "", "1.00", 1, "", 1] for n in range(rows)]
    data = xlsx_bytes([HEADER.strip().split(","), *lines])
    return SimpleUploadedFile("products.xlsx", data)


def _csv(rows: int) -> SimpleUploadedFile:
    return csv_upload(HEADER + "".join(f"S-{n},Name,,1.00,1,,1\n" for n in range(rows)))


def test_a_file_over_the_byte_limit_is_refused(admin_client: Client, settings: Settings) -> None:
    settings.IMPORT_MAX_FILE_BYTES = 1_000_000
    upload = csv_upload(HEADER + "S-1,Name," + "x" * 1_100_000 + ",1.00,1,,1\n")

    page = _upload(admin_client, upload, CSV_FORMAT)

    assert "The file is 1.1 MB; the limit is 1.0 MB." in page
    assert "manage.py import_products" in page
    assert not Product.objects.exists()


@pytest.mark.parametrize(("make", "fmt"), [(_csv, CSV_FORMAT), (_xlsx, XLSX_FORMAT)])
def test_a_file_over_the_row_limit_is_refused(
    admin_client: Client, settings: Settings, make: Maker, fmt: str
) -> None:
    settings.IMPORT_MAX_ROWS = 5
    page = _upload(admin_client, make(6), fmt)
    assert "The file has more than 5 rows." in page
    assert not Product.objects.exists()


@pytest.mark.parametrize(("make", "fmt"), [(_csv, CSV_FORMAT), (_xlsx, XLSX_FORMAT)])
def test_a_file_at_the_row_limit_is_previewed(
    admin_client: Client, settings: Settings, make: Maker, fmt: str
) -> None:
    settings.IMPORT_MAX_ROWS = 5
    response = admin_client.post(
        f"{PRODUCTS}import/", {"import_file": make(5), "format": fmt, "resource": "0"}
    )
    assert "process_import" in response.content.decode()


def test_a_small_workbook_that_unpacks_big_is_refused(
    admin_client: Client, settings: Settings
) -> None:
    settings.IMPORT_MAX_UNPACKED_BYTES = 1_000_000
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_xlsx(1).read())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for member in source.infolist():
            bomb.writestr(member, source.read(member))
        bomb.writestr("xl/padding.xml", b" " * 5_000_000)  # compresses to a few kB
    assert len(buffer.getvalue()) < 100_000

    page = _upload(admin_client, SimpleUploadedFile("bomb.xlsx", buffer.getvalue()), XLSX_FORMAT)

    assert "The workbook unpacks to 5.0 MB; the limit is 1.0 MB." in page
