"""Catalog races: same-name products created at once; an import racing a checkout.

They run on whichever database the suite uses; the clashes they guard against only
happen on PostgreSQL, where writers do not queue for one database lock (CI's second run).
"""

import threading
from decimal import Decimal

import pytest
import tablib
from django.db import connection
from django.test import Client
from import_export.formats.base_formats import CSV

from accounts.tests.factories import bearer, user_make
from catalog.models import Product
from catalog.resources import ProductResource
from catalog.tests.factories import product_make
from core.testing import post_json, race
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.tests.factories import address_make

pytestmark = pytest.mark.django_db(transaction=True)


def test_same_name_products_created_at_once_all_get_a_free_slug() -> None:
    admin = bearer(user_make("boss@example.com", is_staff=True, is_superuser=True))
    skus = ["", *(f"-{n}" for n in range(7))]  # "-0" slugifies to "0", like a plain name

    def create(i: int) -> tuple[int, dict]:
        body = {"sku": f"TEE{skus[i]}", "name": "Tee", "price": "5.00", "stock": 1}
        response = post_json(Client(), "/api/products/", body, **admin)
        return response.status_code, response.json()

    results = race(create, len(skus))

    assert all(not isinstance(r, BaseException) for r in results), results
    assert [status for status, _ in results] == [201] * len(skus), results
    slugs = [body["slug"] for _, body in results]
    assert len(set(slugs)) == len(skus)
    assert sorted(Product.objects.values_list("slug", flat=True)) == sorted(slugs)


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: on SQLite a checkout cannot run while an import is open",
)


def _csv(text: str) -> tablib.Dataset:
    return CSV(encoding="utf-8").create_dataset(text.encode())


def _buyer_of(products: list[Product], name: str = "ann") -> tuple[object, int]:
    user = user_make(f"{name}@example.com")
    for product in products:
        cart_line_add(user=user, product_id=product.pk, quantity=3)
    return user, address_make(user=user).pk


def _import_with_a_checkout_after_row_1(text: str, buyer: tuple[object, int]) -> object:
    """Import `text`; while its first row is read, a checkout commits in another thread."""
    user, address_id = buyer

    def checkout() -> None:
        try:
            order_create(user=user, address_id=address_id)
        finally:
            connection.close()

    def on_row(number: int) -> None:
        if number == 1:
            thread = threading.Thread(target=checkout)
            thread.start()
            thread.join(timeout=30)

    return ProductResource(on_row=on_row).import_data(_csv(text), dry_run=False)


@needs_postgresql
def test_a_price_only_import_keeps_the_stock_a_checkout_took() -> None:
    product = product_make(sku="MUG", name="Mug", price=Decimal("5.00"), stock=10)

    result = _import_with_a_checkout_after_row_1(
        "sku,name,price\nMUG,Mug,6.00\n", _buyer_of([product])
    )

    assert not result.has_errors()
    assert not result.has_validation_errors()
    product.refresh_from_db()
    assert (product.price, product.stock) == (Decimal("6.00"), 7)


@needs_postgresql
def test_an_import_does_not_put_back_stock_a_checkout_took_meanwhile() -> None:
    product = product_make(sku="MUG", name="Mug", price=Decimal("5.00"), stock=10)

    result = _import_with_a_checkout_after_row_1(
        "sku,name,price,stock\nMUG,Mug,6.00,12\n", _buyer_of([product])
    )

    assert [error.error.code for error in result.base_errors] == ["stock_moved"]
    product.refresh_from_db()
    assert (product.price, product.stock) == (Decimal("5.00"), 7)  # nothing imported


def test_imports_and_checkouts_at_once_neither_deadlock_nor_lose_stock() -> None:
    products = [product_make(sku=f"P{n}", name=f"P{n}", stock=100) for n in range(6)]
    rounds = 4
    buyers = [_buyer_of(products, f"buyer{n}") for n in range(rounds)]
    # The file lists the products in reverse primary-key order; checkout locks in pk order.
    lines = [f"{p.sku},{p.name},{n}.00" for n, p in enumerate(reversed(products), start=1)]

    for buyer in buyers:

        def task(i: int, buyer: tuple[object, int] = buyer) -> object:
            if i == 0:
                return ProductResource().import_data(
                    _csv("sku,name,price\n" + "\n".join(lines)), dry_run=False
                )
            user, address_id = buyer
            return order_create(user=user, address_id=address_id)

        imported, ordered = race(task, 2)
        assert not isinstance(ordered, BaseException), ordered
        assert not isinstance(imported, BaseException), imported
        assert not imported.has_errors(), [e.error for e in imported.base_errors]

    assert sorted(Product.objects.values_list("stock", flat=True)) == [100 - 3 * rounds] * 6
