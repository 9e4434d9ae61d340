"""Storefront browsing: GET /api/categories/, /api/products/ and /api/products/{id}/."""

from decimal import Decimal

import pytest
from django.db.models.fields.files import FieldFile
from django.test import Client

from accounts.groups import CATALOG_MANAGERS
from accounts.models import User
from accounts.tests.factories import bearer, staff_make, user_make
from catalog.models import Product
from catalog.tests.factories import (
    category_make,
    default_variant,
    product_image_make,
    product_make,
    product_with_options_make,
)

pytestmark = pytest.mark.django_db


def skus(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["sku"] for item in response.json()["items"]]


def test_product_shape(client: Client, settings) -> None:
    settings.NOVACART_CURRENCY = "eur"
    category = category_make(name="Mugs", slug="mugs")
    product = product_make(
        sku="MUG-1",
        name="Blue Mug",
        slug="blue-mug",
        price="19.9",
        stock=3,
        category=category,
        description="Holds tea.",
    )
    second = product_image_make(product=product, position=1, alt_text="Side")
    first = product_image_make(product=product, position=0, alt_text="Front")

    body = client.get(f"/api/products/{product.pk}/").json()

    assert body["price"] == "19.90"
    assert body["currency"] == "eur"
    assert body["category"] == {"id": category.pk, "name": "Mugs", "slug": "mugs"}
    assert body["images"] == [
        {"id": image.pk, "url": url, "thumbnail": url, "alt": image.alt_text}
        for image in (first, second)
        for url in [f"http://testserver{image.image.url}"]  # no thumbnail made: the original
    ]
    assert body["image"] == body["thumbnail"] == body["images"][0]["url"]
    assert {key: body[key] for key in ("id", "sku", "name", "slug", "description")} == {
        "id": product.pk,
        "sku": "MUG-1",
        "name": "Blue Mug",
        "slug": "blue-mug",
        "description": "Holds tea.",
    }
    assert (body["stock"], body["in_stock"], body["is_active"]) == (3, True, True)
    assert body["created_at"].endswith("Z") or "+" in body["created_at"]
    assert set(body) == {
        *("id", "sku", "name", "slug", "description", "price", "currency", "stock"),
        *("in_stock", "is_active", "category", "image", "thumbnail", "images"),
        *("created_at", "updated_at", "tax_class", "options", "variants"),
    }
    variant = default_variant(product)
    assert body["options"] == []
    assert body["variants"] == [
        {
            "id": variant.pk,
            "sku": "MUG-1",
            "title": "",
            "options": {},
            "price": "19.90",
            "compare_at_price": None,
            "currency": "eur",
            "stock": 3,
            "in_stock": True,
            "image": None,
            "weight_grams": None,
            "position": 0,
            "is_active": True,
        }
    ]


def test_product_without_images_or_category(client: Client) -> None:
    product = product_make(stock=0)
    body = client.get(f"/api/products/{product.pk}/").json()
    assert (body["image"], body["images"], body["category"]) == (None, [], None)
    assert body["in_stock"] is False


def test_first_image_ties_on_position_go_by_id(client: Client) -> None:
    product = product_make()
    first = product_image_make(product=product, position=2)
    product_image_make(product=product, position=2)
    body = client.get(f"/api/products/{product.pk}/").json()
    assert body["image"] == f"http://testserver{first.image.url}"


def test_absolute_storage_urls_are_kept(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    cloud = "https://res.cloudinary.com/demo/image/upload/v1/media/"
    monkeypatch.setattr(FieldFile, "url", property(lambda file: cloud + file.name))
    image = product_image_make(product=product_make())
    body = client.get(f"/api/products/{image.product_id}/").json()
    assert body["image"] == cloud + image.image.name


def test_price_is_a_string_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    price = schema["components"]["schemas"]["ProductOut"]["properties"]["price"]
    assert price["type"] == "string"
    for path in (
        "/api/categories/",
        "/api/products/",
        "/api/products/{id}/",
        "/api/products/wishlist/",
        "/api/products/wishlist/{id}/",
    ):
        assert path in schema["paths"]


def test_anonymous_sees_only_active_products(client: Client) -> None:
    product_make(sku="ON", name="B on")
    hidden = product_make(sku="OFF", name="A off", is_active=False)
    assert skus(client.get("/api/products/")) == ["ON"]
    assert client.get(f"/api/products/{hidden.pk}/").status_code == 404


def test_customer_sees_only_active_products(client: Client, customer: User) -> None:
    hidden = product_make(sku="OFF", name="A off", is_active=False)
    assert skus(client.get("/api/products/", **bearer(customer))) == []
    assert client.get(f"/api/products/{hidden.pk}/", **bearer(customer)).status_code == 404


def test_staff_sees_inactive_products(client: Client, staff: User) -> None:
    product_make(sku="ON", name="B on")
    hidden = product_make(sku="OFF", name="A off", is_active=False)
    assert sorted(skus(client.get("/api/products/", **bearer(staff)))) == ["OFF", "ON"]
    response = client.get(f"/api/products/{hidden.pk}/", **bearer(staff))
    assert response.status_code == 200
    assert response.json()["is_active"] is False


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_a_bad_token_on_a_public_route_is_401(client: Client, header: str) -> None:
    product_make()
    assert client.get("/api/products/", HTTP_AUTHORIZATION=header).status_code == 401


def test_unknown_product_is_404(client: Client) -> None:
    response = client.get("/api/products/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/products/abc/", 422),
        ("/api/products/1.5/", 422),
        (f"/api/products/{2**63}/", 404),
        (f"/api/products/{2**80}/", 404),
        ("/api/products/-1/", 404),
    ],
)
def test_odd_product_ids_never_500(client: Client, path: str, status: int) -> None:
    assert client.get(path).status_code == status


# --- Filters and ordering ---------------------------------------------------------------


def test_search_matches_name_sku_and_description_in_any_case(client: Client) -> None:
    product_make(sku="A-1", name="Blue Mug")
    product_make(sku="BLUE-2", name="Teapot")
    product_make(sku="C-3", name="Cup", description="A light blue glaze.")
    product_make(sku="D-4", name="Plate")
    assert sorted(skus(client.get("/api/products/?search=bLuE"))) == ["A-1", "BLUE-2", "C-3"]
    assert skus(client.get("/api/products/?search=d-4")) == ["D-4"]


def test_category_filter_includes_sub_categories_at_any_depth(client: Client) -> None:
    home = category_make(slug="home")
    kitchen = category_make(slug="kitchen", parent=home)
    mugs = category_make(slug="mugs", parent=kitchen)
    garden = category_make(slug="garden")
    product_make(sku="HOME", category=home)
    product_make(sku="KITCHEN", category=kitchen)
    product_make(sku="MUG", category=mugs)
    product_make(sku="GARDEN", category=garden)
    product_make(sku="NONE")

    assert sorted(skus(client.get("/api/products/?category=home"))) == ["HOME", "KITCHEN", "MUG"]
    assert sorted(skus(client.get("/api/products/?category=kitchen"))) == ["KITCHEN", "MUG"]
    assert skus(client.get("/api/products/?category=mugs")) == ["MUG"]
    assert skus(client.get("/api/products/?category=nope")) == []


def test_inactive_category_hides_its_subtree_from_the_public_filter(
    client: Client, staff: User
) -> None:
    home = category_make(slug="home")
    kitchen = category_make(slug="kitchen", parent=home, is_active=False)
    mugs = category_make(slug="mugs", parent=kitchen)
    product_make(sku="HOME", category=home)
    product_make(sku="MUG", category=mugs)
    assert skus(client.get("/api/products/?category=home")) == ["HOME"]
    assert skus(client.get("/api/products/?category=kitchen")) == []
    staff_view = client.get("/api/products/?category=home", **bearer(staff))
    assert sorted(skus(staff_view)) == ["HOME", "MUG"]


def test_a_category_cycle_does_not_hang_the_filter(client: Client) -> None:
    first = category_make(slug="first")
    second = category_make(slug="second", parent=first)
    first.parent = second
    first.save()
    product_make(sku="P", category=second)
    assert skus(client.get("/api/products/?category=first")) == ["P"]


def test_price_range_is_inclusive(client: Client) -> None:
    for price in ("5.00", "10.00", "15.50", "20.00"):
        product_make(sku=f"P{price}", price=price)
    response = client.get("/api/products/?min_price=10&max_price=15.50&ordering=price")
    assert skus(response) == ["P10.00", "P15.50"]
    assert skus(client.get("/api/products/?min_price=20")) == ["P20.00"]
    assert skus(client.get("/api/products/?max_price=5")) == ["P5.00"]


def test_in_stock_filter(client: Client) -> None:
    product_make(sku="IN", stock=2)
    product_make(sku="OUT", stock=0)
    assert skus(client.get("/api/products/?in_stock=true")) == ["IN"]
    assert skus(client.get("/api/products/?in_stock=false")) == ["OUT"]
    assert len(skus(client.get("/api/products/"))) == 2


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("price", ["B", "C", "A"]),
        ("-price", ["A", "C", "B"]),
        ("name", ["A", "B", "C"]),
        ("-name", ["C", "B", "A"]),
        ("created_at", ["C", "A", "B"]),
        ("-created_at", ["B", "A", "C"]),
        (None, ["B", "A", "C"]),
    ],
)
def test_ordering(client: Client, ordering: str | None, expected: list[str]) -> None:
    product_make(sku="C", name="Cup", price="5.00")
    product_make(sku="A", name="Anvil", price="30.00")
    product_make(sku="B", name="Bowl", price="1.00")
    query = f"?ordering={ordering}" if ordering else ""
    assert skus(client.get(f"/api/products/{query}")) == expected


def test_equal_prices_page_in_a_stable_order(client: Client) -> None:
    for n in range(5):
        product_make(sku=f"S{n}", price="9.99")
    pages = [
        skus(client.get(f"/api/products/?ordering=price&limit=2&offset={o}")) for o in (0, 2, 4)
    ]
    assert [sku for page in pages for sku in page] == [f"S{n}" for n in range(5)]


# --- Pagination --------------------------------------------------------------------------


def test_pagination_defaults_to_20_and_counts_everything(client: Client) -> None:
    for n in range(25):
        product_make(sku=f"P{n:02d}")
    body = client.get("/api/products/?ordering=name").json()
    assert body["count"] == 25
    assert len(body["items"]) == 20


def test_limit_and_offset(client: Client) -> None:
    for n in range(5):
        product_make(sku=f"P{n}", name=f"Product {n}")
    response = client.get("/api/products/?ordering=name&limit=2&offset=3")
    assert skus(response) == ["P3", "P4"]
    assert response.json()["count"] == 5


def test_deep_offsets_work(client: Client) -> None:
    for n in range(3):
        product_make(sku=f"P{n}")
    response = client.get("/api/products/?offset=150")
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 3}


def test_empty_filters_mean_any(client: Client) -> None:
    product_make(sku="P")
    query = "search=&category=&min_price=&max_price=&in_stock=&ordering="
    assert skus(client.get(f"/api/products/?{query}")) == ["P"]


def test_limit_of_100_is_allowed(client: Client) -> None:
    assert client.get("/api/products/?limit=100").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=-5",
        f"limit={10**30}",
        "limit=ten",
        "offset=-1",
        f"offset={2**63}",
        f"offset={10**30}",
        "offset=x",
        "min_price=abc",
        "min_price=-1",
        "max_price=-0.01",
        "max_price=1e400",
        "min_price=NaN",
        "max_price=Infinity",
        "min_price=1.234",
        "in_stock=maybe",
        "ordering=stock",
        "ordering=-id",
        "search=" + "x" * 201,
        "search=mug%00",
        "category=" + "x" * 141,
    ],
)
def test_bad_query_parameters_are_422(client: Client, query: str) -> None:
    assert client.get(f"/api/products/?{query}").status_code == 422


# --- Categories --------------------------------------------------------------------------


def test_categories_list_active_ones_with_active_product_counts(client: Client) -> None:
    home = category_make(name="Home", slug="home", position=1)
    mugs = category_make(name="Mugs", slug="mugs", parent=home, position=0)
    category_make(name="Hidden", slug="hidden", is_active=False)
    product_make(category=mugs)
    product_make(category=mugs)
    product_make(category=mugs, is_active=False)

    assert client.get("/api/categories/").json() == [
        {"id": mugs.pk, "name": "Mugs", "slug": "mugs", "parent_id": home.pk, "product_count": 2},
        {"id": home.pk, "name": "Home", "slug": "home", "parent_id": None, "product_count": 0},
    ]


# --- Query budget: constant in the number of rows ----------------------------------------


def catalog_of(size: int, *, variants: int = 1) -> None:
    """`size` products with two images each; `variants` > 1: that many sizes each."""
    category = category_make(slug="all")
    sizes = {"Size": [f"S{n}" for n in range(variants)]}
    for _ in range(size):
        if variants == 1:
            product = product_make(category=category)
        else:
            product = product_with_options_make(options=sizes, category=category)
        product_image_make(product=product, position=1)
        product_image_make(product=product, position=0)


@pytest.mark.parametrize(("size", "variants"), [(1, 1), (50, 1), (1, 30), (50, 30)])
def test_product_list_query_count(
    client: Client, django_assert_num_queries, size: int, variants: int
) -> None:
    catalog_of(size, variants=variants)
    # count, products + category, images, options, variants
    with django_assert_num_queries(5):
        response = client.get("/api/products/?limit=100")
    items = response.json()["items"]
    assert len(items) == size
    assert {len(item["variants"]) for item in items} == {variants}


def test_option_filters_and_price_ordering_keep_the_query_count(
    client: Client, django_assert_num_queries
) -> None:
    catalog_of(20, variants=3)
    with django_assert_num_queries(5):
        response = client.get("/api/products/?option=Size:S1&min_price=1.00&ordering=-price")
    assert response.json()["count"] == 20


@pytest.mark.parametrize("size", [1, 50])
def test_filtered_staff_product_list_query_count(
    client: Client, staff: User, django_assert_num_queries, size: int
) -> None:
    catalog_of(size)
    headers = bearer(staff)
    # user, its permissions (own, groups'), category tree, count, products, images, options,
    # variants
    with django_assert_num_queries(9):
        response = client.get("/api/products/?limit=100&category=all&in_stock=true", **headers)
    assert len(response.json()["items"]) == size


def test_staff_without_product_view_permission_see_only_active_products(client: Client) -> None:
    product_make(sku="ON", name="B on")
    product_make(sku="OFF", name="A off", is_active=False)
    bare = user_make("bare-staff@example.com", is_staff=True)
    merchant = staff_make("merchant@example.com", groups=(CATALOG_MANAGERS,))
    for user, skus in [(bare, ["ON"]), (merchant, ["OFF", "ON"])]:
        items = client.get("/api/products/?ordering=name", **bearer(user)).json()["items"]
        assert [item["sku"] for item in items] == skus
        hidden = Product.objects.get(variants__sku="OFF").pk
        status = client.get(f"/api/products/{hidden}/", **bearer(user)).status_code
        assert status == (200 if "OFF" in skus else 404)


def test_product_detail_query_count(client: Client, django_assert_num_queries) -> None:
    catalog_of(1)
    product = product_make()
    for position in range(5):
        product_image_make(product=product, position=position)
    with django_assert_num_queries(4):  # product + category, images, options, variants
        response = client.get(f"/api/products/{product.pk}/")
    assert len(response.json()["images"]) == 5


@pytest.mark.parametrize("size", [1, 50])
def test_categories_query_count(client: Client, django_assert_num_queries, size: int) -> None:
    for _ in range(size):
        product_make(category=category_make())
    with django_assert_num_queries(1):
        response = client.get("/api/categories/")
    assert len(response.json()) == size


def test_prices_keep_two_places(client: Client) -> None:
    product_make(price=Decimal("7"))
    assert client.get("/api/products/").json()["items"][0]["price"] == "7.00"
