"""Cached product answers: served in one query, never after the data they show changed.

These tests commit (the cache is only used outside transactions), on SQLite and, in
CI's second run, on PostgreSQL, where the version is bumped at commit time.
"""

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client

from accounts.models import User
from accounts.tests.factories import bearer, staff_make, user_make
from catalog import services
from catalog.cache import catalog_version
from catalog.inventory import Reason, stock_reserve
from catalog.models import Category, Product, Variant
from catalog.tests.factories import (
    category_make,
    default_variant,
    product_image_make,
    product_make,
)
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.tests.factories import address_make

pytestmark = pytest.mark.django_db(transaction=True)


def _listed(client: Client, **headers: str) -> dict[str, dict]:
    return {p["sku"]: p for p in client.get("/api/products/", **headers).json()["items"]}


def test_a_cached_page_is_answered_with_one_query(
    client: Client, django_assert_num_queries
) -> None:
    product_make(sku="A")
    first = client.get("/api/products/?limit=5")
    with django_assert_num_queries(1):  # the catalog version
        again = client.get("/api/products/?limit=5")
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]


def _rename(product: Product) -> None:
    services.product_update(product=product, name="Renamed")


def _sell_one(product: Product) -> None:  # a checkout's F() update, no model save
    stock_reserve(lines=[(default_variant(product).pk, 1)], reason=Reason.CHECKOUT)


def _add_picture(product: Product) -> None:
    product_image_make(product=product)


def _rename_category(product: Product) -> None:
    Category.objects.filter(pk=product.category_id).update(name="Renamed category")


def _deactivate(product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(is_active=False)


@pytest.mark.parametrize(
    ("change", "seen"),
    [
        (_rename, lambda p: p and p["name"] == "Renamed"),
        (_sell_one, lambda p: p and p["stock"] == 4),
        (_add_picture, lambda p: p and p["image"] is not None),
        (_rename_category, lambda p: p and p["category"]["name"] == "Renamed category"),
        (_deactivate, lambda p: p is None),
    ],
    ids=["rename", "sell", "picture", "category", "deactivate"],
)
def test_any_change_to_the_catalog_shows_at_once(
    client: Client, change: Callable[[Product], None], seen: Callable[[dict | None], bool]
) -> None:
    product = product_make(sku="A", stock=5, category=category_make())
    detail = f"/api/products/{product.pk}/"
    assert not seen(_listed(client).get("A"))  # both answers cached before the change
    assert client.get(detail).status_code == 200

    change(product)

    assert seen(_listed(client).get("A"))
    answer = client.get(detail)
    assert seen(answer.json() if answer.status_code == 200 else None)


def test_a_checkout_shows_in_the_cached_stock(client: Client) -> None:
    product = product_make(stock=3)
    buyer = user_make("ann@example.com")
    assert client.get(f"/api/products/{product.pk}/").json()["stock"] == 3

    cart_line_add(user=buyer, product_id=product.pk, quantity=2)
    order_create(user=buyer, address_id=address_make(user=buyer).pk)

    assert client.get(f"/api/products/{product.pk}/").json()["stock"] == 1


def test_staff_and_customers_never_share_an_answer(client: Client) -> None:
    product_make(sku="ON")
    product_make(sku="OFF", is_active=False)
    staff: User = staff_make()
    assert set(_listed(client)) == {"ON"}
    assert set(_listed(client, **bearer(staff))) == {"ON", "OFF"}
    assert set(_listed(client)) == {"ON"}
    assert (
        client.get(f"/api/products/{Product.objects.get(variants__sku='OFF').pk}/").status_code
        == 404
    )


def test_the_version_grows_with_each_committed_change() -> None:
    product = product_make(price=Decimal("1.00"))
    before = catalog_version()
    with transaction.atomic():
        Variant.objects.filter(product=product).update(price=Decimal("2.00"))
        Variant.objects.filter(product=product).update(price=Decimal("3.00"))
    after = catalog_version()
    assert after > before
    if connection.vendor == "postgresql":
        assert after == before + 1  # once per transaction, at its commit


def test_inside_a_transaction_the_cache_is_neither_read_nor_filled(
    client: Client, django_assert_num_queries
) -> None:
    product_make()
    client.get("/api/products/")
    # count, products, images, options, variants
    with transaction.atomic(), django_assert_num_queries(5):
        client.get("/api/products/")


def test_parameters_the_api_does_not_read_make_no_new_entry(
    client: Client, django_assert_num_queries
) -> None:
    product = product_make(sku="A")
    first = client.get("/api/products/?limit=5&utm=1")
    with django_assert_num_queries(1):  # the catalog version: the same entry
        again = client.get("/api/products/?utm=2&limit=05&offset=0")
    assert again.content == first.content
    client.get(f"/api/products/{product.pk}/?utm=1")
    with django_assert_num_queries(1):
        assert client.get(f"/api/products/{product.pk}/?utm=2").json()["sku"] == "A"
    assert len(caches["catalog"]._cache) == 2


def test_the_cache_holds_no_more_bytes_than_its_budget(
    client: Client, settings: pytest.FixtureRequest
) -> None:
    budget = 20_000
    settings.CACHES = {
        **settings.CACHES,
        "catalog": {**settings.CACHES["catalog"], "OPTIONS": {"MAX_BYTES": budget}},
    }
    for n in range(10):
        product_make(sku=f"P{n}", description="x" * 1000)
    pages = [client.get(f"/api/products/?limit={limit}").content for limit in range(1, 11)]
    assert sum(map(len, pages)) > 2 * budget
    assert 0 < caches["catalog"].bytes_used <= budget
