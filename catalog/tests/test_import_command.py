"""`manage.py import_products`: summary, exit status, --dry-run, unreadable files."""

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from catalog.management.commands.import_products import Command
from catalog.models import Product, StockMovement, Variant
from catalog.resources import COLUMNS
from catalog.tests.factories import category_make, product_make

pytestmark = pytest.mark.django_db

HEADER = "sku,name,description,price,stock,category,is_active\n"


def write(tmp_path: Path, text: str, name: str = "products.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_products", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_summary_counts_created_updated_and_unchanged(tmp_path: Path) -> None:
    category_make(slug="mugs")
    product_make(sku="UPD", name="Old", price="1.00", stock=1)
    product_make(sku="SAME", name="Same", price="2.00", stock=2)
    path = write(
        tmp_path,
        HEADER + "UPD,New,,1.00,1,,1\nSAME,Same,,2.00,2,,1\nNEW,Mug,Big,3.50,4,mugs,1\n",
    )

    out, err = run(path)

    assert "products.csv: 3 rows in" in out
    assert "created 1, updated 1, unchanged 1, invalid 0." in out
    assert "Import done." in out
    assert "100%  3/3 rows" in err
    new = Variant.objects.get(sku="NEW")
    assert (new.price, new.stock, new.product.description) == (Decimal("3.50"), 4, "Big")
    assert Variant.objects.get(sku="UPD").product.name == "New"
    movement = StockMovement.objects.get(variant=new)
    assert (movement.reason, movement.delta, movement.actor) == ("import", 4, None)
    assert f"Stock movements: {movement.reference}" in out


def test_xlsx_file_is_read_by_its_extension(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["sku", "name", "price"])
    book.active.append(["X-1", "From a sheet", 4.2])
    path = tmp_path / "products.XLSX"
    book.save(path)

    out, _ = run(path)

    assert "created 1" in out
    assert Variant.objects.get(sku="X-1").price == Decimal("4.20")


def test_invalid_rows_are_listed_with_row_and_column_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    product_make(sku="KEEP", name="Before", price="1.00")
    path = write(
        tmp_path,
        HEADER + "KEEP,After,,1.00,,,\nNEG,Neg,,-2,1,,1\nCAT,Cat,,1,x,ghost,1\n",
    )
    out = io.StringIO()

    with pytest.raises(CommandError, match=r"Nothing was imported: 3 error\(s\) in products.csv"):
        call_command("import_products", str(path), stdout=out, stderr=io.StringIO())

    lines = out.getvalue().splitlines()
    assert "created 0, updated 1, unchanged 0, invalid 2." in lines[0]
    assert lines[1:] == [
        "  Row 2 (line 3): price: The price cannot be negative.",
        "  Row 3 (line 4): category: There is no category with the slug “ghost”.",
        "  Row 3 (line 4): stock: “x” is not a whole number.",
    ]
    assert list(Variant.objects.values_list("sku", "product__name")) == [("KEEP", "Before")]


def test_invalid_file_exits_with_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, HEADER + "NEG,Neg,,-2,1,,1\n")
    # run_from_argv closes the connections when done, which would end the test's database.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)

    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "import_products", str(path), "--skip-checks"])

    assert exit_info.value.code == 1
    assert "Nothing was imported" in capsys.readouterr().err
    assert not Product.objects.exists()


def test_wrong_header_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "name,title,price\nA,B,1\n")
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_products", str(path), stdout=out, stderr=io.StringIO())

    assert out.getvalue().splitlines()[1:] == [
        "  File: Wrong header row: missing column(s): sku; unknown column(s): title. "
        f"Expected: {', '.join(COLUMNS)}."
    ]


def test_dry_run_reports_and_writes_nothing(tmp_path: Path) -> None:
    product_make(sku="UPD", name="Old", price="1.00")
    path = write(tmp_path, HEADER + "UPD,New,,1.00,,,\nNEW,Fresh,,2.00,,,\n")

    out, _ = run(path, "--dry-run")

    assert "products.csv (dry run): 2 rows" in out
    assert "created 1, updated 1, unchanged 0, invalid 0." in out
    assert "Dry run: the file is valid; nothing was written." in out
    assert list(Variant.objects.values_list("sku", "product__name")) == [("UPD", "Old")]
    assert Product.objects.count() == 1


def test_dry_run_of_an_invalid_file_fails_too(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "A,,,1,,,\n")
    with pytest.raises(CommandError):
        run(path, "--dry-run")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "cannot read the file (No such file or directory)"),
        ("products.json", b"[]", "unsupported file type; use a .csv or .xlsx file"),
        ("latin.csv", "sku,name,price\nA,Caf\xe9,1\n".encode("latin-1"), "not UTF-8 text"),
        ("empty.csv", b"", "no rows to import"),
        ("header.csv", HEADER.encode(), "no rows to import"),
        ("junk.xlsx", b"not a workbook", "not a readable XLSX workbook"),
        ("ragged.csv", b"sku,name,price\nA,B,1,extra\n", "not a readable CSV"),
    ],
)
def test_unreadable_files_get_a_clear_error(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(path)
