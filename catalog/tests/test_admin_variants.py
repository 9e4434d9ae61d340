"""The product page with options and variants: one-page creation, the rules of the rows
(checked by catalog.variants, nothing half-written), and the "Generate variants" action."""

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.groups import ORDER_MANAGERS
from accounts.models import User
from accounts.tests.factories import user_make
from catalog.models import Product, ProductOption, StockMovement, Variant
from catalog.tests.factories import (
    inline_rows,
    option_row,
    product_change_form,
    product_image_make,
    product_make,
    product_with_options_make,
    variant_make,
    variant_row,
)
from core.testing import dialog_post

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/catalog/product/"


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def add_form(
    *, options: list[dict[str, Any]], variants: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    """The add page as posted: the product, its option rows and variant rows (all new)."""
    return {
        "name": "Trail tee",
        "slug": "trail-tee",
        "tax_class": "standard",
        "is_active": "on",
        "description": "",
        **inline_rows("options", options),
        **inline_rows("variants", variants),
        **inline_rows("images", []),
        **fields,
    }


def new_variant(sku: str, price: str = "20.00", **fields: Any) -> dict[str, Any]:
    return {"sku": sku, "price": price, "is_active": "on", "position": 0, **fields}


SIZE_COLOUR = [
    {"position": 1, "name": "Size", "values": "S, M"},
    {"position": 2, "name": "Colour", "values": "Red\nDeep blue"},
]


def form_errors(response: Any) -> dict[str, Any]:
    """Every error the page shows: the product form's, each inline's rows' and its own."""
    errors: dict[str, Any] = {"product": response.context["adminform"].form.errors}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        errors[formset.prefix] = [dict(e) for e in formset.errors]
        errors[f"{formset.prefix}-all"] = list(formset.non_form_errors())
    return errors


def test_a_product_with_two_options_and_four_variants_is_created_in_one_post(
    admin_client: Client, superuser: User
) -> None:
    variants = [
        new_variant("TEE-S-RED", option1="s", option2="red", opening_stock=3),
        new_variant("TEE-S-BLUE", option1="S", option2="Deep blue"),
        new_variant("TEE-M-RED", "22.00", option1="M", option2="Red", compare_at_price="30,00"),
        new_variant("TEE-M-BLUE", "22.00", option1="M", option2="deep blue", weight_grams=180),
    ]

    response = admin_client.post(
        f"{PRODUCTS}add/", add_form(options=SIZE_COLOUR, variants=variants)
    )

    assert response.status_code == 302, form_errors(response)
    product = Product.objects.get(slug="trail-tee")
    assert [(o.name, o.values) for o in product.options.all()] == [
        ("Size", ["S", "M"]),
        ("Colour", ["Red", "Deep blue"]),
    ]
    rows = product.variants.order_by("sku").values_list(
        "sku", "option1", "option2", "price", "compare_at_price", "weight_grams", "stock"
    )
    assert list(rows) == [
        ("TEE-M-BLUE", "M", "Deep blue", Decimal("22.00"), None, 180, 0),
        ("TEE-M-RED", "M", "Red", Decimal("22.00"), Decimal("30.00"), None, 0),
        ("TEE-S-BLUE", "S", "Deep blue", Decimal("20.00"), None, None, 0),
        ("TEE-S-RED", "S", "Red", Decimal("20.00"), None, None, 3),
    ]
    opening = StockMovement.objects.get()
    assert (opening.sku, opening.delta, opening.reason, opening.actor) == (
        "TEE-S-RED",
        3,
        StockMovement.Reason.INITIAL,
        superuser,
    )


def test_a_product_cannot_be_saved_without_a_variant(admin_client: Client) -> None:
    response = admin_client.post(f"{PRODUCTS}add/", add_form(options=[], variants=[]))

    assert response.status_code == 200
    assert "at least one variant" in str(form_errors(response)["variants-all"])
    assert not Product.objects.exists()


def test_two_rows_with_the_same_options_are_refused_and_nothing_is_saved(
    admin_client: Client,
) -> None:
    variants = [
        new_variant("TEE-S-RED", option1="S", option2="Red"),
        new_variant("TEE-S-RED-2", option1="s", option2="RED"),
    ]

    response = admin_client.post(
        f"{PRODUCTS}add/", add_form(options=SIZE_COLOUR, variants=variants)
    )

    assert response.status_code == 200
    rows = form_errors(response)["variants"]
    assert "Another row has these option values (S / Red)" in str(rows[1]["option1"])
    assert not Product.objects.exists()
    assert not ProductOption.objects.exists()
    assert not Variant.objects.exists()


def test_a_sku_taken_by_another_product_is_an_error_on_the_sku(admin_client: Client) -> None:
    product_make(sku="TAKEN-1")
    variants = [new_variant("TAKEN-1")]

    response = admin_client.post(f"{PRODUCTS}add/", add_form(options=[], variants=variants))

    assert response.status_code == 200
    assert "sku" in form_errors(response)["variants"][0]
    assert Product.objects.count() == 1


def test_the_same_sku_twice_in_the_rows_is_an_error_on_the_sku(admin_client: Client) -> None:
    variants = [
        new_variant("TEE-1", option1="S", option2="Red"),
        new_variant("TEE-1", option1="M", option2="Red"),
    ]

    response = admin_client.post(
        f"{PRODUCTS}add/", add_form(options=SIZE_COLOUR, variants=variants)
    )

    assert response.status_code == 200
    assert "Another row has this SKU" in str(form_errors(response)["variants"][1]["sku"])
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"option1": "XL", "option2": "Red"}, "option1", "'XL' is not a value of Size"),
        ({"option1": "S"}, "option2", "A value for Colour is needed"),
        ({"option1": "S", "option2": "Red", "option3": "Cotton"}, "option3", "no option 3"),
        ({"option1": "S", "option2": "Red", "compare_at_price": "5.00"}, "compare_at_price", ""),
    ],
)
def test_a_variant_row_breaking_a_rule_names_its_field(
    admin_client: Client, row: dict[str, str], field: str, message: str
) -> None:
    response = admin_client.post(
        f"{PRODUCTS}add/", add_form(options=SIZE_COLOUR, variants=[new_variant("TEE-1", **row)])
    )

    assert response.status_code == 200
    errors = form_errors(response)["variants"][0]
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Product.objects.exists()


def test_options_are_checked_together(admin_client: Client) -> None:
    options = [
        {"position": 1, "name": "Size", "values": "S, M"},
        {"position": 2, "name": "size", "values": "L"},
    ]

    response = admin_client.post(
        f"{PRODUCTS}add/", add_form(options=options, variants=[new_variant("TEE-1")])
    )

    assert response.status_code == 200
    assert "same name" in str(form_errors(response)["options-all"])
    assert not Product.objects.exists()


def test_the_variants_inline_shows_stock_read_only_with_its_dialog_and_movements(
    admin_client: Client,
) -> None:
    product = product_with_options_make(options={"Size": ["S", "M"]}, stock=4)
    small = product.variants.get(option1="S")

    page = admin_client.get(f"{PRODUCTS}{product.pk}/change/")
    html = page.content.decode()

    assert 'name="variants-0-stock"' not in html
    assert f"/admin/catalog/variant/{small.pk}/adjust_stock/?expected=4" in html
    assert f"/admin/catalog/stockmovement/?variant__id__exact={small.pk}" in html
    variants = page.context["inline_admin_formsets"][1].formset
    assert variants.form.base_fields["option1"].label == "Size"  # the column's heading


def test_saving_the_page_never_writes_stock_taken_meanwhile(admin_client: Client) -> None:
    product = product_with_options_make(options={"Size": ["S", "M"]}, stock=5)
    form = product_change_form(product, name="Renamed", **inline_rows("images", []))
    small = product.variants.get(option1="S")
    Variant.objects.filter(pk=small.pk).update(stock=2)  # a checkout took 3 meanwhile

    response = admin_client.post(f"{PRODUCTS}{product.pk}/change/", form)

    assert response.status_code == 302, form_errors(response)
    small.refresh_from_db()
    assert (Product.objects.get(pk=product.pk).name, small.stock) == ("Renamed", 2)


def test_a_variant_is_changed_and_another_added_on_the_page(admin_client: Client) -> None:
    product = product_with_options_make(options={"Size": ["S", "M"]}, stock=5)
    image = product_image_make(product=product)
    small, medium = product.variants.order_by("option1").reverse()
    rows = [
        variant_row(small, price="11.50", image=image.pk),
        variant_row(medium),
    ]
    options = [option_row(product.options.get()) | {"values": "S, M, L"}]
    new = new_variant("TEE-L", "12.00", option1="l", opening_stock=7)

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(
            product,
            variants=[*rows, new],
            **inline_rows("options", options),
            **inline_rows("images", []),
        ),
    )

    assert response.status_code == 302, form_errors(response)
    small.refresh_from_db()
    assert (small.price, small.image, small.stock) == (Decimal("11.50"), image, 5)
    large = product.variants.get(sku="TEE-L")
    assert (large.option1, large.price, large.stock) == ("L", Decimal("12.00"), 7)


def test_an_image_of_another_product_is_not_a_choice(admin_client: Client) -> None:
    product = product_make()
    foreign = product_image_make(product=product_make())
    row = variant_row(product.variants.get(), image=foreign.pk)

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(product, variants=[row], **inline_rows("images", [])),
    )

    assert response.status_code == 200
    assert "image" in form_errors(response)["variants"][0]
    assert product.variants.get().image is None


def test_deleting_a_variant_on_the_page_keeps_the_others(admin_client: Client) -> None:
    product = product_with_options_make(options={"Size": ["S", "M"]})
    small, medium = product.variants.order_by("option1").reverse()
    rows = [variant_row(small, DELETE="on"), variant_row(medium)]

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(product, variants=rows, **inline_rows("images", [])),
    )

    assert response.status_code == 302, form_errors(response)
    assert list(product.variants.values_list("option1", flat=True)) == ["M"]


def test_generate_variants_creates_the_missing_combinations_only(
    admin_client: Client, superuser: User
) -> None:
    product = product_with_options_make(options={"Size": ["S", "M"]}, price="15.00")
    ProductOption.objects.filter(product=product, name="Size").update(values=["S", "M", "L"])
    ProductOption.objects.create(product=product, position=2, name="Colour", values=["Red"])
    Variant.objects.filter(product=product).update(option2="Red")
    url = f"{PRODUCTS}{product.pk}/generate_variants/"

    dialog = admin_client.get(url)
    assert dialog.status_code == 200
    assert "Size x Colour: 3 combinations, 2 variants now" in dialog.content.decode()
    response = dialog_post(admin_client, url, follow=True)

    assert response.status_code == 200
    created = product.variants.exclude(option1__in=["S", "M"]).get()
    assert (created.option1, created.option2, created.price, created.stock) == (
        "L",
        "Red",
        Decimal("15.00"),
        0,
    )
    assert product.variants.count() == 3
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [f"1 variant created: {created.sku}."]

    again = dialog_post(admin_client, url, follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        "No variant was missing: every combination has one."
    ]
    assert product.variants.count() == 3


def test_generate_variants_without_options_says_so(admin_client: Client) -> None:
    product = product_make()

    response = dialog_post(admin_client, f"{PRODUCTS}{product.pk}/generate_variants/", follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "This product has no options to combine: add some."
    ]
    assert product.variants.count() == 1


def test_staff_who_may_only_view_products_cannot_generate_variants(client: Client) -> None:
    clerk = user_make("clerk@example.com", is_staff=True)
    clerk.groups.add(Group.objects.get(name=ORDER_MANAGERS))
    client.force_login(clerk)
    product = product_with_options_make(options={"Size": ["S"]})
    ProductOption.objects.filter(product=product).update(values=["S", "M"])

    response = dialog_post(client, f"{PRODUCTS}{product.pk}/generate_variants/")

    assert response.status_code == 403
    assert product.variants.count() == 1


def test_the_product_page_reads_the_same_queries_with_1_or_30_variants(
    admin_client: Client,
) -> None:
    product = product_make(stock=3)
    for n in range(2):
        product_image_make(product=product, position=n)
    url = f"{PRODUCTS}{product.pk}/change/"

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = admin_client.get(url)
        assert page.status_code == 200
        return len(queries)

    queries_for_page()  # the first request fills caches (content types, permissions)
    one = queries_for_page()
    for n in range(29):
        variant_make(product=product, option1=f"V{n}", stock=n)
    assert queries_for_page() == one


def test_dropping_a_value_a_variant_still_has_is_refused_and_nothing_changes(
    admin_client: Client,
) -> None:
    product = product_with_options_make(options={"Size": ["S", "M"]})
    options = [option_row(product.options.get()) | {"values": "S, L"}]

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(
            product, name="Renamed", **inline_rows("options", options), **inline_rows("images", [])
        ),
    )

    assert response.status_code == 200
    medium = next(row for row in form_errors(response)["variants"] if row)
    assert "'M' is not a value of Size" in " ".join(medium["option1"])
    assert product.options.get().values == ["S", "M"]
    assert Product.objects.get(pk=product.pk).name != "Renamed"


@pytest.mark.parametrize("swap", ["sku", "option1"])
def test_two_variants_swapping_a_value_in_one_save_is_refused_on_the_rows(
    admin_client: Client, swap: str
) -> None:
    product = product_with_options_make(options={"Size": ["S", "M"]})
    small, medium = product.variants.order_by("option1").reverse()
    rows = [
        variant_row(small, **{swap: getattr(medium, swap)}),
        variant_row(medium, **{swap: getattr(small, swap)}),
    ]

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(product, variants=rows, **inline_rows("images", [])),
    )

    assert response.status_code == 200  # the form says which rows clash; no 500
    assert all(row for row in form_errors(response)["variants"])
    assert sorted(product.variants.values_list("option1", "sku")) == sorted(
        [("S", small.sku), ("M", medium.sku)]
    )


def test_two_options_swapping_positions_in_one_save_is_refused_on_the_rows(
    admin_client: Client,
) -> None:
    product = product_with_options_make(options={"Size": ["S"], "Colour": ["Red"]})
    size, colour = product.options.order_by("position")
    options = [option_row(size) | {"position": 2}, option_row(colour) | {"position": 1}]

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(
            product, **inline_rows("options", options), **inline_rows("images", [])
        ),
    )

    assert response.status_code == 200, response.status_code
    assert list(product.options.order_by("position").values_list("name", flat=True)) == [
        "Size",
        "Colour",
    ]
