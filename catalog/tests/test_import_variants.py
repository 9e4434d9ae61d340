"""Importing products with variants: one row per variant, a product's rows grouped by
handle, options and their values, stock through the inventory module, and bad input
refused with its row and column and nothing written."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from import_export.results import Result

from accounts.models import User
from catalog.inventory import Reason, stock_drift, stock_reserve
from catalog.models import Product, ProductOption, StockMovement, Variant
from catalog.resources import ProductResource
from catalog.tests.factories import category_make, product_make, product_with_options_make
from catalog.tests.test_import_export import (
    CSV_FORMAT,
    confirm,
    csv_upload,
    import_csv,
    preview,
    writes_of,
)

pytestmark = pytest.mark.django_db

HEADER = (
    "handle,name,description,category,is_active,option1_name,option1_value,"
    "option2_name,option2_value,sku,price,compare_at_price,stock,weight_grams\n"
)
TEE = HEADER + (
    "tee,Tee,Soft cotton,shirts,1,Size,S,Colour,Red,TEE-S-RED,20.00,25.00,5,180\n"
    "tee,,,,,,M,,Red,TEE-M-RED,20.00,,4,200\n"
    "tee,Tee,Soft cotton,shirts,1,Size,S,Colour,Blue,TEE-S-BLUE,21.00,,0,\n"
    "tee,,,,,,M,,Blue,TEE-M-BLUE,21.00,,,\n"
)


def run(text: str, **kwargs: Any) -> Result:
    return import_csv(ProductResource(), text, dry_run=False, **kwargs)


def errors_of(result: Result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in result.invalid_rows}


def snapshot() -> tuple[Any, ...]:
    """Everything an import could write, to prove a refused file wrote nothing."""
    return (
        sorted(Product.objects.values_list("slug", "name", "description", "is_active")),
        sorted(ProductOption.objects.values_list("product__slug", "position", "name", "values")),
        sorted(Variant.objects.values_list("sku", "option1", "option2", "price", "stock")),
        StockMovement.objects.count(),
    )


def test_a_product_with_options_over_several_rows() -> None:
    shirts = category_make(slug="shirts")

    result = run(TEE)

    assert not result.has_validation_errors(), errors_of(result)
    assert result.totals["new"] == 4
    tee = Product.objects.get(slug="tee")
    assert (tee.name, tee.description, tee.category, tee.is_active) == (
        "Tee",
        "Soft cotton",
        shirts,
        True,
    )
    assert list(tee.options.values_list("name", "values")) == [
        ("Size", ["S", "M"]),
        ("Colour", ["Red", "Blue"]),
    ]
    variants = tee.variants.order_by("position")
    assert [(v.sku, v.title, v.price, v.stock) for v in variants] == [
        ("TEE-S-RED", "S / Red", Decimal("20.00"), 5),
        ("TEE-M-RED", "M / Red", Decimal("20.00"), 4),
        ("TEE-S-BLUE", "S / Blue", Decimal("21.00"), 0),
        ("TEE-M-BLUE", "M / Blue", Decimal("21.00"), 0),
    ]
    first = variants[0]
    assert (first.compare_at_price, first.weight_grams) == (Decimal("25.00"), 180)


def test_a_stock_import_records_import_movements_that_sum_to_the_stock() -> None:
    category_make(slug="shirts")
    run(TEE)
    again = TEE.replace("TEE-S-RED,20.00,25.00,5", "TEE-S-RED,20.00,25.00,2").replace(
        "TEE-M-BLUE,21.00,,", "TEE-M-BLUE,21.00,,7"
    )

    result = run(again)

    assert (result.totals["update"], result.totals["skip"]) == (2, 2)
    movements = StockMovement.objects.filter(reason=Reason.IMPORT)
    assert sorted(movements.values_list("sku", "delta", "quantity_after")) == [
        ("TEE-M-BLUE", 7, 7),
        ("TEE-M-RED", 4, 4),
        ("TEE-S-RED", -3, 2),
        ("TEE-S-RED", 5, 5),
    ]
    assert len(set(movements.values_list("reference", flat=True))) == 2  # one per import
    assert stock_drift() == []
    assert dict(Variant.objects.values_list("sku", "stock")) == {
        "TEE-S-RED": 2,
        "TEE-M-RED": 4,
        "TEE-S-BLUE": 0,
        "TEE-M-BLUE": 7,
    }


def test_a_price_only_file_leaves_stock_and_movements_alone() -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]}, stock=6)
    skus = list(tee.variants.order_by("pk").values_list("sku", flat=True))
    movements = StockMovement.objects.count()
    text = "sku,price\n" + "".join(f"{sku},12.50\n" for sku in skus)

    with CaptureQueriesContext(connection) as queries:
        result = run(text)

    assert result.totals["update"] == 2
    assert list(tee.variants.values_list("price", "stock")) == [(Decimal("12.50"), 6)] * 2
    assert StockMovement.objects.count() == movements
    writes = writes_of(queries)
    assert writes == [
        '2 times: UPDATE "catalog_variant" SET "price" = %s, "updated_at" = %s WHERE "id" = %s'
    ]


def test_an_update_matches_values_in_any_case_and_adds_new_values() -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]}, name="Tee")
    small = tee.variants.get(option1="S")
    text = (
        "handle,option1_name,option1_value,sku,price,stock\n"
        f"{tee.slug},size,s,{small.sku},10.00,\n"
        f"{tee.slug},,L,TEE-L,11.00,3\n"
    )

    result = run(text)

    assert not result.has_validation_errors(), errors_of(result)
    assert (result.totals["skip"], result.totals["new"]) == (1, 1)
    assert list(tee.options.values_list("name", "values")) == [("Size", ["S", "M", "L"])]
    large = Variant.objects.get(sku="TEE-L")
    assert (large.product, large.option1, large.stock, large.position) == (tee, "L", 3, 2)


def test_without_a_handle_an_existing_sku_finds_its_product() -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]}, name="Tee")
    small = tee.variants.get(option1="S")

    result = run(f"sku,name\n{small.sku},Better tee\n")

    assert not result.has_validation_errors(), errors_of(result)
    assert result.totals["update"] == 1
    tee.refresh_from_db()
    assert tee.name == "Better tee"
    assert Product.objects.count() == 1


def test_export_writes_one_row_per_variant_that_imports_unchanged() -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"], "Colour": ["Red"]}, name="Tee")
    product_make(sku="MUG", name="Mug")

    dataset = ProductResource().export(queryset=Product.objects.all())

    rows = {row["sku"]: row for row in dataset.dict}
    assert len(rows) == 3
    small = rows[tee.variants.get(option1="S").sku]
    assert (small["handle"], small["option1_name"], small["option1_value"]) == (
        tee.slug,
        "Size",
        "S",
    )
    assert (small["option2_name"], small["option2_value"], small["option3_name"]) == (
        "Colour",
        "Red",
        "",
    )
    assert rows["MUG"]["option1_name"] == ""
    result = ProductResource().import_data(dataset, dry_run=False)
    assert not result.has_validation_errors(), errors_of(result)
    assert result.totals["skip"] == 3


def test_rows_of_one_handle_that_disagree_on_a_product_field_are_refused() -> None:
    category_make(slug="shirts")
    before = snapshot()
    text = TEE.replace("tee,,,,,,M,,Red", "tee,Other name,,,,,M,,Red").replace(
        "tee,Tee,Soft cotton,shirts,1,Size,S,Colour,Blue",
        "tee,Tee,Soft cotton,shirts,0,Size,S,Colour,Blue",
    )

    result = run(text)

    message = "Row 1 of this file, this product's first, says otherwise: a product's later rows"
    errors = errors_of(result)
    assert sorted(errors) == [2, 3]
    assert list(errors[2]) == ["name"]
    assert errors[2]["name"][0].startswith(message)
    assert list(errors[3]) == ["is_active"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("rows", "row", "column", "message"),
    [
        (
            "tee,Tee,Size,S,T-1,1\ntee,,,S,T-2,1\n",
            2,
            "option1_value",
            "Row 1 of this file has the same option values for this product.",
        ),
        ("tee,Tee,Size,S,T-1,1\ntee,,,,T-2,1\n", 2, "option1_value", "A value for Size is needed."),
        (
            "tee,Tee,,,T-1,1\ntee,,,,T-2,1\n",
            2,
            "option1_value",
            "Row 1 of this file is this product's variant already: a product without options "
            "has one (give option columns to tell variants apart).",
        ),
        (
            "tee,Tee,Size,S,T-1,1\nmug,Mug,,,T-1,1\n",
            2,
            "sku",
            "Row 1 of this file has the same sku.",
        ),
        (
            "tee,Tee,,S,T-1,1\n",
            1,
            "option1_value",
            "This product has no option 1: name it in option1_name on the product's first row.",
        ),
        ("tee,Tee,Size,S,T-1,\n", 1, "price", "A new variant needs a price."),
        ("Not a slug,Tee,,,T-1,1\n", 1, "handle", "Enter a valid “slug” consisting of letters"),
    ],
)
def test_bad_rows_are_refused_with_their_row_and_column(
    rows: str, row: int, column: str, message: str
) -> None:
    before = snapshot()

    result = run("handle,name,option1_name,option1_value,sku,price\n" + rows)

    errors = errors_of(result)
    assert list(errors) == [row], errors
    assert list(errors[row]) == [column]
    assert errors[row][column][0].startswith(message)
    assert snapshot() == before


def test_four_options_are_refused_by_the_header() -> None:
    result = run("handle,option4_name,option4_value,sku,price\ntee,Fit,Slim,T-1,1\n")

    assert [str(error.error) for error in result.base_errors] == [
        "Wrong header row: unknown column(s): option4_name, option4_value (a product has at "
        "most 3 options: option1 to option3). Expected: handle, name, description, category, "
        "is_active, option1_name, option1_value, option2_name, option2_value, option3_name, "
        "option3_value, sku, price, compare_at_price, stock, weight_grams."
    ]
    assert not Product.objects.exists()


def test_an_existing_variant_combination_not_in_the_file_is_taken() -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]})
    before = snapshot()

    result = run(f"handle,option1_value,sku,price\n{tee.slug},m,NEW-M,5\n")

    medium = tee.variants.get(option1="M")
    assert errors_of(result) == {
        1: {"option1_value": [f"The product has a variant M already (SKU {medium.sku})."]}
    }
    assert snapshot() == before


def test_an_import_neither_renames_options_nor_moves_variants() -> None:
    tee = product_with_options_make(options={"Size": ["S"]})
    mug = product_make(sku="MUG")
    small = tee.variants.get()
    before = snapshot()
    text = (
        "handle,option1_name,option1_value,sku,price\n"
        f"{tee.slug},Fit,S,{small.sku},1\n"
        f"{tee.slug},,S,MUG,1\n"
    )

    result = run(text)

    errors = errors_of(result)
    assert errors[2]["handle"] == [
        f"SKU MUG is a variant of the product “{mug.slug}”: an import does not move "
        "variants between products."
    ]
    assert {1: errors[1]} == {
        1: {
            "option1_name": [
                "This product's options are: Size. An import does not add, rename or remove "
                "options (the admin's product page does)."
            ]
        },
    }
    assert snapshot() == before


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ("10.00,10.00,1", "compare_at_price", "The compare-at price must be above the price"),
        ("10.00,,-1", "stock", "Stock cannot be negative."),
    ],
)
def test_variant_rules_are_the_apis(cells: str, column: str, message: str) -> None:
    result = run(f"name,sku,price,compare_at_price,stock\nTee,T-1,{cells}\n")

    errors = errors_of(result)
    assert list(errors[1]) == [column]
    assert errors[1][column][0].startswith(message)
    assert not Variant.objects.exists()


def test_products_with_variants_import_in_a_constant_number_of_queries() -> None:
    def queries_to_import(products: int) -> int:
        Product.objects.all().delete()
        for n in range(products):
            product_with_options_make(options={"Size": ["S", "M"]}, name=f"Old {n}")
        existing = list(Variant.objects.values_list("product__slug", "option1", "sku"))
        lines = [f"{slug},Renamed,Size,{size},{sku},2.00,3" for slug, size, sku in existing]
        lines += [
            f"new-{n},New,Size,{size},N-{n}-{size},1.00,2" for n in range(products) for size in "SM"
        ]
        with CaptureQueriesContext(connection) as queries:
            result = run(
                "handle,name,option1_name,option1_value,sku,price,stock\n" + "\n".join(lines)
            )
        assert not result.has_validation_errors(), errors_of(result)
        assert (result.totals["new"], result.totals["update"]) == (2 * products, 2 * products)
        return len(queries)

    assert queries_to_import(3) == queries_to_import(30)
    assert stock_drift() == []


def test_the_admin_previews_and_confirms_a_product_with_options(
    client: Client, superuser: User
) -> None:
    category_make(slug="shirts")
    client.force_login(superuser)

    page = preview(client, csv_upload(TEE), CSV_FORMAT)

    assert page.context["result"].totals["new"] == 4
    assert not Variant.objects.exists()
    done = confirm(client, page)

    assert done.redirected_to == "/admin/catalog/product/"
    tee = Product.objects.get(slug="tee")
    assert tee.variants.count() == 4
    movements = StockMovement.objects.filter(reason=Reason.IMPORT)
    assert sorted(movements.values_list("sku", "delta")) == [("TEE-M-RED", 4), ("TEE-S-RED", 5)]
    assert set(movements.values_list("actor", flat=True)) == {superuser.pk}


def test_the_admin_confirm_keeps_each_variants_sales_since_the_preview(
    client: Client, superuser: User
) -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]}, stock=10)
    small, medium = tee.variants.order_by("position")
    client.force_login(superuser)
    text = f"sku,price,stock\n{small.sku},11.00,10\n{medium.sku},11.00,15\n"
    page = preview(client, csv_upload(text), CSV_FORMAT)
    stock_reserve(lines=[(small.pk, 2)], reason=Reason.CHECKOUT)  # a sale meanwhile

    confirm(client, page)

    assert list(tee.variants.order_by("position").values_list("price", "stock")) == [
        (Decimal("11.00"), 8),  # the preview's 10 was the stock then: the sale stays
        (Decimal("11.00"), 15),
    ]
    assert stock_drift() == []
