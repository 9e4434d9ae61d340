"""The catalog admin pages: lists, filters, search, forms, image inline, bulk actions.

Options, variants and stock on the product page: test_admin_variants.py, test_admin_stock.py.
"""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS
from accounts.models import User
from accounts.tests.factories import user_make
from catalog.models import Category, Product, ProductImage, WishlistItem
from catalog.tests.factories import (
    category_make,
    inline_rows,
    png_bytes,
    product_change_form,
    product_image_make,
    product_make,
    product_with_options_make,
    variant_make,
)

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/catalog/product/"
CATEGORIES = "/admin/catalog/category/"
WISHLISTS = "/admin/catalog/wishlistitem/"


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def listed_names(client: Client, query: str = "") -> list[str]:
    response = client.get(f"{PRODUCTS}{query}")
    assert response.status_code == 200
    return sorted(p.name for p in response.context["cl"].result_list)


def inline_management(total: int = 0, initial: int = 0) -> dict[str, str | int]:
    return {
        "images-TOTAL_FORMS": total,
        "images-INITIAL_FORMS": initial,
        "images-MIN_NUM_FORMS": 0,
        "images-MAX_NUM_FORMS": 1000,
    }


def one_variant(sku: str = "TRAIL-1", price: str = "89.90", **fields: Any) -> dict[str, Any]:
    """The variants inline of the add page with one row filled in."""
    row = {"sku": sku, "price": price, "is_active": "on", "position": 0, **fields}
    return {**inline_rows("options", []), **inline_rows("variants", [row])}


def test_product_list_shows_columns_thumbnail_and_placeholder(admin_client: Client) -> None:
    shoes = category_make(name="Shoes")
    pictured = product_make(sku="PIC-1", name="Pictured", category=shoes, stock=3)
    product_image_make(product=pictured, position=1, name="second.png")
    primary = product_image_make(product=pictured, position=0, name="first.png")
    product_make(sku="BARE-1", name="Bare", is_active=False, stock=0)

    html = admin_client.get(PRODUCTS).content.decode()

    assert f'src="{primary.image.url}"' in html
    assert 'title="No image"' in html
    for text in ("Pictured", "Shoes", "Active", "Hidden", "Bare"):
        assert text in html


def test_product_list_shows_price_range_and_total_stock_of_the_variants(
    admin_client: Client,
) -> None:
    tee = product_with_options_make(name="Tee", options={"Size": ["S", "M"]}, stock=4)
    variant_make(product=tee, sku="TEE-XL", price="14.00", stock=2, option1="XL")
    product_make(name="Mug", price="9.50", stock=0)

    response = admin_client.get(PRODUCTS)

    rows = {p.name: p for p in response.context["cl"].result_list}
    admin = response.context["cl"].model_admin
    assert admin.price_range(rows["Tee"]) == "10.00 \N{EN DASH} 14.00 USD"
    assert admin.price_range(rows["Mug"]) == "9.50 USD"
    assert admin.stock_level(rows["Tee"]) == ("low", "10 (3 low)")
    assert admin.stock_level(rows["Mug"]) == ("out", "0 (1 sold out)")
    assert admin.variant_count(rows["Tee"]) == 3


def test_product_list_query_count_does_not_grow_with_rows(admin_client: Client) -> None:
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(PRODUCTS).status_code == 200
        return len(queries)

    for _ in range(2):
        product_image_make(product=product_make(category=category_make()))
    few = queries_for_list()
    for _ in range(8):
        product_image_make(product=product_make(category=category_make()))
    assert queries_for_list() == few


def test_product_list_query_count_is_the_same_with_1_or_30_variants_a_product(
    admin_client: Client,
) -> None:
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(PRODUCTS).status_code == 200
        return len(queries)

    products = [product_make(stock=3) for _ in range(3)]
    one = queries_for_list()
    for product in products:
        for n in range(29):
            variant_make(product=product, option1=f"V{n}", stock=n)
    assert queries_for_list() == one


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("out", ["S0", "Tee"]),
        ("low", ["S1", "S5", "Tee"]),
        ("in", ["S6", "S99", "S99"]),
        ("", ["S0", "S1", "S5", "S6", "S99", "S99", "Tee"]),
    ],
)
def test_stock_level_filter_goes_by_the_variants_on_sale(
    admin_client: Client, level: str, expected: list[str]
) -> None:
    """A product is under "out" if a variant on sale is sold out, "low" if one runs low."""
    for stock in (0, 1, 5, 6, 99):
        product_make(name=f"S{stock}", stock=stock)
    tee = product_with_options_make(name="Tee", options={"Size": ["S", "M", "L"]}, stock=50)
    tee.variants.filter(option1="S").update(stock=0)
    tee.variants.filter(option1="M").update(stock=2)
    hidden = variant_make(product=product_make(name="S99", stock=99), option1="Old", stock=0)
    hidden.product.variants.filter(pk=hidden.pk).update(is_active=False)  # not on sale
    assert listed_names(admin_client, f"?stock_level={level}") == expected


def test_category_and_active_filters(admin_client: Client) -> None:
    shoes = category_make(name="Shoes")
    product_make(name="A", category=shoes)
    product_make(name="B", category=shoes, is_active=False)
    product_make(name="C")

    assert listed_names(admin_client, f"?category__id__exact={shoes.pk}") == ["A", "B"]
    assert listed_names(admin_client, "?is_active__exact=0") == ["B"]


def test_search_matches_a_variant_sku_and_the_name(admin_client: Client) -> None:
    shirt = product_make(sku="TEE-RED", name="Red shirt")
    variant_make(product=shirt, sku="TEE-RED-XL", option1="XL")
    product_make(sku="MUG-1", name="Coffee mug")

    assert listed_names(admin_client, "?q=tee-red") == ["Red shirt"]  # once, two SKUs match
    assert listed_names(admin_client, "?q=coffee") == ["Coffee mug"]


def test_add_form_prepopulates_slug_and_creates_product(admin_client: Client) -> None:
    shoes = category_make(name="Shoes")
    form = admin_client.get(f"{PRODUCTS}add/")
    assert form.status_code == 200
    assert "prepopulated" in form.content.decode()

    response = admin_client.post(
        f"{PRODUCTS}add/",
        {
            "name": "Trail shoe",
            "slug": "trail-shoe",
            "category": shoes.pk,
            "tax_class": "reduced",
            "is_active": "on",
            "description": "Grippy.",
            **one_variant(opening_stock=4),
            **inline_management(total=1),
            "images-0-image": SimpleUploadedFile("trail.png", png_bytes(), "image/png"),
            "images-0-alt_text": "The shoe",
            "images-0-position": 0,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    product = Product.objects.get(variants__sku="TRAIL-1")
    variant = product.variants.get()
    assert (product.slug, product.category, product.tax_class) == ("trail-shoe", shoes, "reduced")
    assert (variant.price, variant.stock) == (Decimal("89.90"), 4)
    assert product.images.get().alt_text == "The shoe"


def test_change_form_shows_image_preview_and_keeps_slug_read_only(admin_client: Client) -> None:
    product = product_make(sku="KEEP-1", name="Keeper", slug="keeper")
    image = product_image_make(product=product, alt_text="front")

    form = admin_client.get(f"{PRODUCTS}{product.pk}/change/")
    html = form.content.decode()

    assert form.status_code == 200
    assert f'src="{image.image.url}"' in html
    assert 'name="slug"' not in html
    assert "Created at" in html
    assert 'value="KEEP-1"' in html  # the variants inline

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(
            product,
            name="Keeper renamed",
            **inline_management(total=1, initial=1),
            **{
                "images-0-id": image.pk,
                "images-0-product": product.pk,
                "images-0-alt_text": "back",
                "images-0-position": 0,
            },
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert (product.name, product.slug) == ("Keeper renamed", "keeper")
    assert ProductImage.objects.get(pk=image.pk).alt_text == "back"


def test_change_form_reports_catalog_rules(admin_client: Client) -> None:
    product = product_make(stock=2)
    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(product, name="Bad\x00name", **inline_management()),
    )
    assert response.status_code == 200
    assert "name" in response.context["adminform"].form.errors


@pytest.mark.parametrize(
    ("action", "message", "active_after"),
    [("activate", "2 products activated.", True), ("deactivate", "1 product deactivated.", False)],
)
def test_bulk_actions_report_how_many_changed(
    admin_client: Client, action: str, message: str, active_after: bool
) -> None:
    products = [
        product_make(is_active=False),
        product_make(is_active=False),
        product_make(is_active=True),
    ]
    selected = products[1:] if action == "deactivate" else products

    response = admin_client.post(
        PRODUCTS,
        {"action": action, "_selected_action": [p.pk for p in selected]},
        follow=True,
    )

    assert message in [str(m) for m in response.context["messages"]]
    assert {p.is_active for p in Product.objects.filter(pk__in=[p.pk for p in selected])} == {
        active_after
    }


def test_category_list_counts_products_without_a_query_per_row(admin_client: Client) -> None:
    shoes = category_make(name="Shoes")
    category_make(name="Boots", parent=shoes)
    for _ in range(3):
        product_make(category=shoes)

    with CaptureQueriesContext(connection) as few:
        response = admin_client.get(CATEGORIES)
    counts = {c.name: c.product_count for c in response.context["cl"].result_list}
    assert counts == {"Shoes": 3, "Boots": 0}

    for _ in range(5):
        category_make(parent=shoes)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(CATEGORIES)
    assert len(many) == len(few)


def test_category_search_and_active_filter(admin_client: Client) -> None:
    category_make(name="Shoes", slug="shoes")
    category_make(name="Hats", slug="hats", is_active=False)

    def names(query: str) -> list[str]:
        return [c.name for c in admin_client.get(f"{CATEGORIES}{query}").context["cl"].result_list]

    assert names("?q=sho") == ["Shoes"]
    assert names("?is_active__exact=0") == ["Hats"]


def test_category_add_form_creates_category(admin_client: Client) -> None:
    parent = category_make(name="Clothes")
    response = admin_client.post(
        f"{CATEGORIES}add/",
        {"name": "Hats", "slug": "hats", "parent": parent.pk, "is_active": "on", "position": 2},
    )
    assert response.status_code == 302
    assert Category.objects.get(slug="hats").parent == parent


def test_category_cannot_move_under_its_own_descendant(admin_client: Client) -> None:
    top = category_make(name="Top")
    child = category_make(name="Child", parent=top)

    response = admin_client.post(
        f"{CATEGORIES}{top.pk}/change/",
        {"name": "Top", "slug": top.slug, "parent": child.pk, "is_active": "on", "position": 0},
    )

    assert response.status_code == 200
    assert "inside itself" in str(response.context["adminform"].form.errors["parent"])
    top.refresh_from_db()
    assert top.parent is None


def test_wishlist_admin_is_a_read_only_list(admin_client: Client, customer: User) -> None:
    product = product_make(name="Lamp")
    item = WishlistItem.objects.create(user=customer, product=product)

    listing = admin_client.get(WISHLISTS)
    assert listing.status_code == 200
    assert customer.email in listing.content.decode()
    assert admin_client.get(f"{WISHLISTS}add/").status_code == 403
    assert admin_client.get(f"{WISHLISTS}{item.pk}/change/").status_code == 200
    admin_client.post(f"{WISHLISTS}{item.pk}/delete/", {"post": "yes"})
    assert WishlistItem.objects.filter(pk=item.pk).exists()


def test_sidebar_lists_the_catalog_for_staff_who_may_see_it(client: Client) -> None:
    merchant = user_make("merchant@example.com", is_staff=True)
    merchant.groups.add(Group.objects.get(name=CATALOG_MANAGERS))
    client.force_login(merchant)

    html = client.get("/admin/").content.decode()

    for link in (PRODUCTS, CATEGORIES, WISHLISTS):
        assert f'href="{link}"' in html


def test_staff_without_catalog_rights_sees_no_catalog(client: Client) -> None:
    client.force_login(user_make("nobody@example.com", is_staff=True))
    html = client.get("/admin/").content.decode()
    assert PRODUCTS not in html
    assert client.get(PRODUCTS).status_code == 403


def test_view_only_staff_may_export_but_not_import(client: Client) -> None:
    clerk = user_make("clerk@example.com", is_staff=True)
    clerk.groups.add(Group.objects.get(name=ORDER_MANAGERS))  # may view products only
    client.force_login(clerk)
    product_make()

    html = client.get(PRODUCTS).content.decode()

    assert f'href="{PRODUCTS}export/' in html
    assert f'href="{PRODUCTS}import/' not in html
    assert 'value="activate"' not in html
    assert client.get(f"{PRODUCTS}export/").status_code == 200
    assert client.get(f"{PRODUCTS}import/").status_code == 403


def _product_form(price: str) -> dict[str, Any]:
    return {
        "name": "Trail shoe",
        "slug": "trail-shoe",
        "tax_class": "standard",
        "is_active": "on",
        "description": "",
        **one_variant(price=price),
        **inline_management(total=0),
    }


@pytest.mark.parametrize("typed", ["12,50", "12.50"])
def test_a_decimal_comma_price_is_the_same_price(admin_client: Client, typed: str) -> None:
    response = admin_client.post(f"{PRODUCTS}add/", _product_form(price=typed))

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Product.objects.get().variants.get().price == Decimal("12.50")


@pytest.mark.parametrize("typed", ["1,250.00", "1.250,00", "12,5,0"])
def test_an_ambiguous_price_is_refused_never_multiplied(admin_client: Client, typed: str) -> None:
    response = admin_client.post(f"{PRODUCTS}add/", _product_form(price=typed))

    assert response.status_code == 200
    variants = response.context["inline_admin_formsets"][1].formset
    assert "price" in variants.errors[0]
    assert not Product.objects.exists()


def test_the_price_box_is_text_so_the_browser_sends_what_was_typed(admin_client: Client) -> None:
    """A number box may turn `12,50` into `1250` before it is sent."""
    html = admin_client.get(f"{PRODUCTS}add/").content.decode()

    assert re.search(r'<input type="text" name="variants-0-price"[^>]*inputmode="decimal"', html)


def _confirmation_form(html: str) -> list[tuple[str, str]]:
    """The fields the delete confirmation's form posts back."""
    form = re.search(r'<form method="post"(.*?)</form>', html, re.S)
    assert form, "no confirmation form"
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1))


def test_deleting_every_product_across_pages_posts_no_field_per_product(
    admin_client: Client, settings: Any
) -> None:
    """ "Select all" then delete: the confirmation posts `select_across`, not one id per
    product, so it stays under DATA_UPLOAD_MAX_NUMBER_FIELDS however many there are."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    Product.objects.bulk_create(Product(name=f"Bulk {n}", slug=f"bulk-{n}") for n in range(300))
    product_make(sku="KEEP-1", name="Keep me")
    on_page = list(Product.objects.filter(name__startswith="Bulk").values_list("pk", flat=True))
    asked = {"action": "delete_selected", "select_across": "1", "index": "0"}

    confirm = admin_client.post(f"{PRODUCTS}?q=bulk", {**asked, "_selected_action": on_page[:50]})
    assert confirm.status_code == 200
    fields = _confirmation_form(confirm.content.decode())
    assert len(fields) < 10
    assert ("select_across", "1") in fields

    done = admin_client.post(f"{PRODUCTS}?q=bulk", dict(fields))

    assert done.status_code == 302
    assert list(Product.objects.values_list("name", flat=True)) == ["Keep me"]


def test_deleting_selected_products_deletes_only_those(admin_client: Client) -> None:
    doomed, kept = product_make(name="Doomed"), product_make(name="Kept")
    asked = {"action": "delete_selected", "select_across": "0", "index": "0"}

    confirm = admin_client.post(PRODUCTS, {**asked, "_selected_action": [doomed.pk]})
    fields = _confirmation_form(confirm.content.decode())
    assert ("_selected_action", str(doomed.pk)) in fields
    assert admin_client.post(PRODUCTS, dict(fields)).status_code == 302

    assert list(Product.objects.values_list("name", flat=True)) == [kept.name]


# --- product images: files follow their rows; a size cap ---------------------------------


def test_deleting_an_image_in_the_inline_deletes_its_file(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    product = product_make()
    image = product_image_make(product=product)
    storage, name = image.image.storage, image.image.name
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"{PRODUCTS}{product.pk}/change/",
            product_change_form(
                product,
                **inline_management(total=1, initial=1),
                **{
                    "images-0-id": image.pk,
                    "images-0-product": product.pk,
                    "images-0-position": 0,
                    "images-0-DELETE": "on",
                },
            ),
        )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not ProductImage.objects.exists()
    assert not storage.exists(name)


def test_an_image_over_the_pixel_cap_is_refused_with_a_form_error(admin_client: Client) -> None:
    """26 megapixels in a small PNG: decoding it would take ~80 MB per thumbnail."""
    product = product_make()
    huge = SimpleUploadedFile("huge.png", png_bytes(size=(5200, 5000), mode="1"), "image/png")

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(
            product,
            **inline_management(total=1),
            **{"images-0-image": huge, "images-0-position": 0},
        ),
    )

    assert response.status_code == 200
    inlines = response.context["inline_admin_formsets"]
    errors = next(i.formset for i in inlines if i.formset.prefix == "images").errors
    assert "at most 25 megapixels" in str(errors[0]["image"])
    assert not ProductImage.objects.exists()
