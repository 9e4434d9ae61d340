"""Spreadsheet import and export: the admin's preview/confirm flow, the validation and
all-or-nothing rules of the resources, formula escaping, round trips and broken files.

Files of one row per product (no handle, no options) are still valid files: each row
is a product with one variant, matched by its SKU. Products with options over several
rows are in test_import_variants.py."""

import html
import io
import re
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse as Response
from django.test import Client
from django.test.utils import CaptureQueriesContext
from import_export.formats.base_formats import CSV, XLSX

from accounts.models import User
from catalog.inventory import Reason, stock_reserve
from catalog.models import Category, Product, StockMovement, Variant
from catalog.resources import COLUMNS, CategoryResource, ProductResource
from catalog.tests.factories import category_make, product_make, stock_of

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/catalog/product/"
CATEGORIES = "/admin/catalog/category/"
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # the admin's formats: (CSV, XLSX)
HEADER = "sku,name,description,price,stock,category,is_active\n"


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def csv_upload(text: str, name: str = "products.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def preview(client: Client, upload: SimpleUploadedFile, fmt: str, url: str = PRODUCTS) -> Response:
    response = client.post(f"{url}import/", {"import_file": upload, "format": fmt, "resource": "0"})
    assert response.status_code == 200
    return response


def confirm(client: Client, preview_response: Response, url: str = PRODUCTS) -> Response:
    """Post the preview page's confirm form back, with the hidden fields it rendered.

    The answer is the import page read after the redirect (its messages), and
    `redirected_to` where the confirm redirected."""
    page = preview_response.content.decode()
    form = re.search(
        r'<form action="([^"]*process_import/)" method="post">(.*?)</form>', page, re.S
    )
    assert form, "the preview offers no confirm form"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[2]))
    assert {"import_file_name", "original_file_name", "format"} <= fields.keys()
    data = {name: html.unescape(value) for name, value in fields.items()}
    done = client.post(form[1], data)
    assert done.status_code == 302
    page = client.get(f"{url}import/")
    page.redirected_to = done["Location"]
    return page


def messages_of(response: Response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def variant(sku: str) -> Variant:
    return Variant.objects.select_related("product__category").get(sku=sku)


def writes_of(queries: CaptureQueriesContext) -> list[str]:
    """The INSERT and UPDATE statements run (an executemany shows as "N times: ...")."""
    return [q["sql"] for q in queries if re.match(r"(\d+ times: )?(INSERT|UPDATE) ", q["sql"])]


def import_csv(resource: ProductResource | CategoryResource, text: str, **kwargs: Any) -> Any:
    dataset = CSV(encoding="utf-8").create_dataset(text.encode())
    return resource.import_data(dataset, **kwargs)


def test_admin_csv_import_previews_then_confirms(admin_client: Client, superuser: User) -> None:
    shoes = category_make(name="Shoes", slug="shoes")
    product_make(sku="UPD-1", name="Old name", price="5.00", stock=1, category=shoes)
    product_make(sku="SAME-1", name="Same", price="7.50", stock=2, description="", category=None)
    upload = csv_upload(
        HEADER
        + "UPD-1,New name,,5.00,1,shoes,1\n"
        + "SAME-1,Same,,7.50,2,,1\n"
        + "NEW-1,Brand new,Fresh,19.99,8,shoes,yes\n"
    )

    page = preview(admin_client, upload, CSV_FORMAT)

    totals = page.context["result"].totals
    assert (totals["new"], totals["update"], totals["skip"]) == (1, 1, 1)
    for label in ("New", "Update", "Skipped", "Confirm import"):
        assert label in page.content.decode()
    assert not Variant.objects.filter(sku="NEW-1").exists()  # a preview writes nothing
    assert not StockMovement.objects.filter(reason=Reason.IMPORT).exists()

    done = confirm(admin_client, page)

    assert done.redirected_to == PRODUCTS
    assert "Import finished: 1 new, 1 updated, 0 deleted and 1 skipped products." in messages_of(
        done
    )
    new = variant("NEW-1")
    assert (new.product.name, new.price, new.stock, new.product.category, new.product.slug) == (
        "Brand new",
        Decimal("19.99"),
        8,
        shoes,
        "brand-new",
    )
    assert variant("UPD-1").product.name == "New name"
    opening = StockMovement.objects.get(variant=new)
    assert (opening.reason, opening.delta, opening.actor) == (Reason.IMPORT, 8, superuser)
    assert opening.reference.startswith("import-")


def test_admin_xlsx_import_matches_numeric_skus(admin_client: Client) -> None:
    product_make(sku="12345", name="Numbered", price="1.00")
    data = xlsx_bytes(
        [
            ["sku", "name", "price", "stock", "is_active"],
            [12345, "Numbered again", 2.5, 3, True],
            ["X-2", "Sheet product", 10, None, None],
        ]
    )
    upload = SimpleUploadedFile("products.xlsx", data)

    page = preview(admin_client, upload, XLSX_FORMAT)
    assert page.context["result"].totals["update"] == 1
    confirm(admin_client, page)

    assert variant("12345").price == Decimal("2.50")
    sheet = variant("X-2")
    assert (sheet.price, sheet.stock, sheet.product.is_active) == (Decimal("10.00"), 0, True)


def test_admin_preview_names_every_error_column_and_offers_no_confirm(
    admin_client: Client,
) -> None:
    category_make(slug="shoes")
    upload = csv_upload(
        HEADER
        + "OK-1,Fine,,1.00,1,shoes,1\n"
        + "NEG-1,Negative,,-1,1,,1\n"
        + "CAT-1,Lost,,1.00,1,nowhere,1\n"
        + "NUM-1,Bad number,,abc,1.5,,1\n"
        + ",No sku,,1.00,1,,1\n"
        + f"LONG-1,{'x' * 201},,1.00,1,,maybe\n"
    )

    page = preview(admin_client, upload, CSV_FORMAT)

    errors = {row.number: row.error_dict for row in page.context["result"].invalid_rows}
    assert errors == {
        2: {"price": ["The price cannot be negative."]},
        3: {"category": ["There is no category with the slug “nowhere”."]},
        4: {"price": ["“abc” is not a number."], "stock": ["“1.5” is not a whole number."]},
        5: {"sku": ["This field cannot be blank."]},
        6: {
            "is_active": ["“maybe” is not a yes/no value: use 1 or 0."],
            "name": ["Ensure this value has at most 200 characters (it has 201)."],
        },
    }
    text = html.unescape(page.content.decode())
    assert "Some rows failed to validate" in text
    assert "The price cannot be negative." in text
    assert "Confirm import" not in text
    assert not Product.objects.exists()


def test_admin_confirm_writes_nothing_if_the_file_became_invalid(admin_client: Client) -> None:
    shoes = category_make(slug="shoes")
    page = preview(
        admin_client, csv_upload(HEADER + "A-1,A,,1,1,,1\nB-1,B,,1,1,shoes,1\n"), CSV_FORMAT
    )
    shoes.delete()  # between the preview and the confirm

    done = confirm(admin_client, page)

    assert done.redirected_to == f"{PRODUCTS}import/"
    assert any(m.startswith("Nothing was imported") for m in messages_of(done))
    assert not Product.objects.exists()


def _sell_three(sku: str) -> None:  # a checkout between the preview and the confirm
    stock_reserve(lines=[(variant(sku).pk, 3)], reason=Reason.CHECKOUT)


def test_admin_confirm_keeps_stock_sold_since_the_preview(admin_client: Client) -> None:
    product_make(sku="MUG", name="Mug", price=Decimal("5.00"), stock=10)
    page = preview(admin_client, csv_upload(HEADER + "MUG,Mug,,6.00,10,,1\n"), CSV_FORMAT)
    _sell_three("MUG")

    confirm(admin_client, page)

    mug = variant("MUG")
    assert (mug.price, mug.stock) == (Decimal("6.00"), 7)
    assert not mug.movements.filter(reason=Reason.IMPORT).exists()


def test_admin_confirm_refuses_a_stock_change_overtaken_by_orders(admin_client: Client) -> None:
    product_make(sku="MUG", name="Mug", price=Decimal("5.00"), stock=10)
    page = preview(admin_client, csv_upload(HEADER + "MUG,Mug,,6.00,12,,1\n"), CSV_FORMAT)
    _sell_three("MUG")

    response = confirm(admin_client, page)

    assert any("Nothing was imported" in message for message in messages_of(response))
    mug = variant("MUG")
    assert (mug.price, mug.stock) == (Decimal("5.00"), 7)
    assert not mug.movements.filter(reason=Reason.IMPORT).exists()


def test_admin_confirm_with_an_expired_file_asks_for_a_new_upload(admin_client: Client) -> None:
    response = admin_client.post(
        f"{PRODUCTS}process_import/",
        {"import_file_name": "gone", "original_file_name": "p.csv", "format": CSV_FORMAT},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"{PRODUCTS}import/"
    assert "The uploaded file has expired: please upload it again." in messages_of(response)


@pytest.mark.parametrize(
    ("name", "content", "fmt", "message"),
    [
        ("cols.csv", b"name,title,price\nA,B,1\n", CSV_FORMAT, "missing column(s): sku"),
        (
            "cols.csv",
            b"sku,option4_name,option4_value\nA,B,1\n",
            CSV_FORMAT,
            "a product has at most 3 options",
        ),
        (
            "cols.csv",
            b"sku,name,price,colour\nA,B,1,red\n",
            CSV_FORMAT,
            "unknown column(s): colour",
        ),
        (
            "latin.csv",
            "sku,name,price\nA,Caf\xe9,1\n".encode("latin-1"),
            CSV_FORMAT,
            "UnicodeDecodeError",
        ),
        ("empty.csv", b"", CSV_FORMAT, "The submitted file is empty."),
        ("header.csv", HEADER.encode(), CSV_FORMAT, "No valid data to import"),
        ("ragged.csv", b"sku,name,price\nA,B,1,extra,cells\n", CSV_FORMAT, "InvalidDimensions"),
        ("junk.xlsx", b"this is not a workbook", XLSX_FORMAT, "BadZipFile"),
    ],
)
def test_admin_broken_files_get_a_readable_error(
    admin_client: Client, name: str, content: bytes, fmt: str, message: str
) -> None:
    page = preview(admin_client, SimpleUploadedFile(name, content), fmt)

    assert message in html.unescape(page.content.decode())
    assert "Confirm import" not in page.content.decode()
    assert not Product.objects.exists()


def export(client: Client, fmt: str, url: str = CATEGORIES) -> bytes:
    fields = {"categoryresource_name": "on"}
    response = client.post(f"{url}export/", {"format": fmt, "resource": "0", **fields})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return response.content


def export_products(fmt: str) -> bytes:
    """What the admin's export sends: the resource given the products, as CSV or XLSX."""
    dataset = ProductResource().export(queryset=Product.objects.all())
    data = (CSV() if fmt == CSV_FORMAT else XLSX()).export_data(dataset)
    return data.encode() if isinstance(data, str) else data


def test_admin_csv_export_neutralises_formulae(admin_client: Client) -> None:
    category_make(slug="-odd-slug")
    product_make(
        sku="=SKU",
        name="+1 deal",
        description="@SUM(A1)",
        category=Category.objects.get(slug="-odd-slug"),
    )
    product_make(sku="PLAIN", name="-5% off", description="\tindented")

    data = tablib.import_set(export_products(CSV_FORMAT).decode())
    rows = {row["sku"]: row for row in data.dict}

    assert (rows["'=SKU"]["name"], rows["'=SKU"]["description"]) == ("'+1 deal", "'@SUM(A1)")
    assert rows["'=SKU"]["category"] == "'-odd-slug"
    assert (rows["PLAIN"]["name"], rows["PLAIN"]["description"]) == ("'-5% off", "'\tindented")


def test_admin_xlsx_export_neutralises_formulae(admin_client: Client) -> None:
    product_make(sku="F-1", name='=HYPERLINK("http://evil")')
    sheet = openpyxl.load_workbook(io.BytesIO(export_products(XLSX_FORMAT))).active

    cell = sheet.cell(row=2, column=COLUMNS.index("name") + 1)
    assert cell.value == '\'=HYPERLINK("http://evil")'
    assert cell.data_type == "s"  # a string, not a formula


@pytest.mark.parametrize(("fmt", "name"), [(CSV_FORMAT, "p.csv"), (XLSX_FORMAT, "p.xlsx")])
def test_export_then_import_changes_nothing(admin_client: Client, fmt: str, name: str) -> None:
    shoes = category_make(slug="shoes")
    product_make(sku="R-1", name="=risky", description="multi\nline, with comma", category=shoes)
    product_make(sku="R-2", name="Plain", price="0.10", stock=0, is_active=False)
    product_make(sku="R-3", name="-dash", description="'quoted", price="12345678.99")

    page = preview(admin_client, SimpleUploadedFile(name, export_products(fmt)), fmt)

    result = page.context["result"]
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert result.totals["skip"] == 3
    assert result.totals["new"] == result.totals["update"] == 0


def test_category_round_trip_through_the_admin(admin_client: Client) -> None:
    top = category_make(name="Top", slug="top", position=1)
    category_make(name="Child", slug="child", parent=top, is_active=False)

    data = export(admin_client, CSV_FORMAT)
    assert data.decode().splitlines()[0] == "name"  # only the column that was ticked
    full = {f"categoryresource_{c}": "on" for c in CategoryResource.Meta.fields}
    data = admin_client.post(
        f"{CATEGORIES}export/", {"format": CSV_FORMAT, "resource": "0", **full}
    ).content
    page = preview(admin_client, SimpleUploadedFile("c.csv", data), CSV_FORMAT, CATEGORIES)
    assert page.context["result"].totals["skip"] == 2


def test_import_page_names_the_columns(admin_client: Client) -> None:
    page = admin_client.get(f"{PRODUCTS}import/")
    assert page.status_code == 200
    assert ", ".join(COLUMNS) in page.content.decode()


def test_import_needs_no_query_per_row() -> None:
    def queries_to_import(rows: int) -> int:
        Product.objects.all().delete()
        for n in range(rows):
            product_make(sku=f"OLD-{n}")
        lines = [f"OLD-{n},Renamed {n},,1.00,1,shoes,1" for n in range(rows)]
        lines += [f"NEW-{n},New {n},,2.00,2,shoes,0" for n in range(rows)]
        with CaptureQueriesContext(connection) as queries:
            result = import_csv(ProductResource(), HEADER + "\n".join(lines), dry_run=False)
        assert (result.totals["new"], result.totals["update"]) == (rows, rows)
        return len(queries)

    category_make(slug="shoes")
    assert queries_to_import(3) == queries_to_import(30)


def test_new_products_whose_names_are_taken_need_no_query_per_row() -> None:
    def queries_to_import(rows: int) -> int:
        Product.objects.all().delete()
        for n in range(rows):
            product_make(sku=f"OLD-{n}", name=f"Taken {n}", slug=f"taken-{n}")
        lines = [f"NEW-{n},Taken {n},,2.00,2,,1" for n in range(rows)]  # every name taken
        lines += [f"SAME-{n},Tee,,2.00,2,,1" for n in range(rows)]  # one name, many rows
        with CaptureQueriesContext(connection) as queries:
            result = import_csv(ProductResource(), HEADER + "\n".join(lines), dry_run=False)
        assert result.totals["new"] == 2 * rows
        return len(queries)

    assert queries_to_import(3) == queries_to_import(30)
    slugs = Product.objects.filter(variants__sku__startswith="SAME-").values_list("slug", flat=True)
    assert len(set(slugs)) == 30


def test_new_slugs_skip_every_slug_the_database_has() -> None:
    for sku, slug in (("A", "tee"), ("B", "tee-2"), ("X0", "tee-x")):
        product_make(sku=sku, name="Tee", slug=slug)
    text = HEADER + "X,Tee,,1,,,\nY,Tee,,1,,,\nX-2,Tee,,1,,,\n"

    import_csv(ProductResource(), text, dry_run=False)

    slugs = dict(Variant.objects.values_list("sku", "product__slug"))
    assert [slugs[sku] for sku in ("X", "Y", "X-2")] == ["tee-3", "tee-y", "tee-x-2"]


def test_an_update_writes_only_the_columns_it_changes() -> None:
    product_make(sku="U-1", name="Mug", price=Decimal("5.00"), stock=10)
    product_make(sku="U-2", name="Cup", price=Decimal("5.00"), stock=10)
    text = HEADER + "U-1,Mug,,6.00,10,,1\nU-2,Cup,,5.00,10,,1\n"  # U-2 unchanged

    with CaptureQueriesContext(connection) as queries:
        result = import_csv(ProductResource(), text, dry_run=False)

    assert (result.totals["update"], result.totals["skip"]) == (1, 1)
    writes = writes_of(queries)
    assert len(writes) == 1
    assert 'UPDATE "catalog_variant" SET "price" = %s, "updated_at" = %s' in writes[0]
    assert '"stock"' not in writes[0]
    assert variant("U-1").price == Decimal("6.00")
    assert not StockMovement.objects.filter(reason=Reason.IMPORT).exists()


def test_one_bad_row_means_nothing_is_written() -> None:
    product_make(sku="KEEP", name="Before", price="1.00")
    text = HEADER + "KEEP,After,,2.00,1,,1\nNEW-1,New,,3.00,1,,1\nBAD,Bad,,-3,1,,1\n"

    result = import_csv(ProductResource(), text, dry_run=False)

    assert [row.number for row in result.invalid_rows] == [3]
    assert Product.objects.get().name == "Before"
    assert list(Variant.objects.values_list("sku", "stock")) == [("KEEP", 10)]


def test_duplicate_skus_in_one_file_are_refused() -> None:
    result = import_csv(ProductResource(), HEADER + "D-1,A,,1,,,\nD-1,B,,1,,,\n", dry_run=False)

    assert result.invalid_rows[0].error_dict == {"sku": ["Row 1 of this file has the same sku."]}
    assert not Product.objects.exists()


def test_blank_cells_keep_stock_and_status_and_clear_the_category() -> None:
    shoes = category_make(slug="shoes")
    product_make(sku="B-1", stock=9, is_active=False, category=shoes, description="Keep?")

    import_csv(ProductResource(), HEADER + "B-1,Renamed,,1.00,,,\n", dry_run=False)

    product = variant("B-1").product
    assert (stock_of(product), product.is_active, product.category, product.description) == (
        9,
        False,
        None,
        "",
    )


def test_columns_are_matched_in_any_order_and_case_and_may_be_left_out() -> None:
    product_make(sku="C-1", name="Kept", description="Kept too", stock=4)

    result = import_csv(ProductResource(), " Price ,SKU,Name\n2.00,C-1,Kept\n", dry_run=False)

    assert result.totals["update"] == 1
    kept = variant("C-1")
    assert (kept.price, kept.product.description, kept.stock) == (Decimal("2.00"), "Kept too", 4)


def test_new_products_get_free_slugs_and_renames_keep_theirs() -> None:
    product_make(sku="OLD", name="Red shirt", slug="red-shirt")
    text = HEADER + "OLD,Blue shirt,,1,,,\nN-1,Red shirt,,1,,,\nN-2,Red shirt,,1,,,\n"

    import_csv(ProductResource(), text, dry_run=False)

    slugs = dict(Variant.objects.values_list("sku", "product__slug"))
    assert slugs == {"OLD": "red-shirt", "N-1": "red-shirt-n-1", "N-2": "red-shirt-n-2"}


def test_updates_touch_updated_at() -> None:
    product = product_make(sku="T-1", price="1.00")
    before = product.updated_at

    import_csv(ProductResource(), HEADER + "T-1,Changed,,1.00,,,\n", dry_run=False)

    product.refresh_from_db()
    assert product.name == "Changed"
    assert product.updated_at > before


def test_dry_run_writes_nothing_but_reports() -> None:
    result = import_csv(ProductResource(), HEADER + "D-1,A,,1,,,\n", dry_run=True)
    assert result.totals["new"] == 1
    assert not Product.objects.exists()


def test_categories_may_come_after_their_children() -> None:
    text = (
        "name,slug,parent,is_active,position\n"
        "Boots,boots,shoes,1,2\n"
        "Shoes,shoes,clothes,1,1\n"
        "Clothes,clothes,,1,0\n"
    )

    result = import_csv(CategoryResource(), text, dry_run=False)

    assert result.totals["new"] == 3
    parents = dict(Category.objects.values_list("slug", "parent__slug"))
    assert parents == {"boots": "shoes", "shoes": "clothes", "clothes": None}


def test_category_update_can_move_under_a_new_category_of_the_same_file() -> None:
    category_make(name="Boots", slug="boots")
    text = "name,slug,parent\nBoots,boots,shoes\nShoes,shoes,\n"

    result = import_csv(CategoryResource(), text, dry_run=False)

    assert (result.totals["update"], result.totals["new"]) == (1, 1)
    assert Category.objects.get(slug="boots").parent.slug == "shoes"


@pytest.mark.parametrize(
    ("rows", "bad_rows", "message"),
    [
        ("A,a,b\nB,b,a\n", [1, 2], "This parent would make the category its own ancestor."),
        ("A,a,a\n", [1], "This parent would make the category its own ancestor."),
        ("A,a,ghost\n", [1], "There is no category with the slug “ghost”."),
    ],
)
def test_category_parent_errors(rows: str, bad_rows: list[int], message: str) -> None:
    result = import_csv(CategoryResource(), "name,slug,parent\n" + rows, dry_run=False)

    assert [row.number for row in result.invalid_rows] == bad_rows
    assert all(row.error_dict["parent"] == [message] for row in result.invalid_rows)
    assert not Category.objects.exists()


def test_category_loop_through_existing_categories_is_refused() -> None:
    top = category_make(slug="top")
    category_make(slug="child", parent=top)

    result = import_csv(CategoryResource(), "name,slug,parent\nTop,top,child\n", dry_run=False)

    assert result.invalid_rows[0].error_dict == {
        "parent": ["This parent would make the category its own ancestor."]
    }
    assert Category.objects.get(slug="top").parent is None


def test_category_slug_must_be_a_slug() -> None:
    result = import_csv(CategoryResource(), "name,slug\nBad,not a slug\n", dry_run=False)
    assert list(result.invalid_rows[0].error_dict) == ["slug"]
