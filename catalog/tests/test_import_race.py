"""The import racing checkouts on PostgreSQL: no lost update, no deadlock, no 500.

Checkouts go through the real API (`POST /api/orders/create/`), the import through the
real `ProductResource`. On SQLite a checkout cannot run while an import is open (one
database lock), so these tests need PostgreSQL (CI's second run).
"""

import threading
from decimal import Decimal
from typing import Any

import pytest
import tablib
from django.db import connection
from django.test import Client
from import_export.formats.base_formats import CSV
from import_export.results import Result

from accounts.tests.factories import bearer, user_make
from catalog.inventory import Reason, stock_drift
from catalog.models import StockMovement, Variant
from catalog.resources import ProductResource
from catalog.tests.factories import product_with_options_make
from core.testing import post_json, race
from shop.cart import cart_line_add
from shop.tests.factories import address_make

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: on SQLite a checkout cannot run while an import is open",
    ),
]

BOUGHT = 3  # units of every variant each buyer's cart holds


def _dataset(text: str) -> tablib.Dataset:
    return CSV(encoding="utf-8").create_dataset(text.encode())


def _buyer(variants: list[Variant], name: str) -> dict[str, Any]:
    """Headers and body of a checkout of BOUGHT units of each of `variants`."""
    user = user_make(f"{name}@example.com")
    for variant in variants:
        cart_line_add(user=user, variant_id=variant.pk, quantity=BOUGHT)
    return {"headers": bearer(user), "body": {"address_id": address_make(user=user).pk}}


def _checkout(buyer: dict[str, Any]) -> int:
    response = post_json(Client(), "/api/orders/create/", buyer["body"], **buyer["headers"])
    return response.status_code


def _file(variants: list[Variant], cells: str) -> str:
    """A file of `variants` in reverse primary-key order (checkouts lock in pk order)."""
    lines = [f"{v.sku},{cells.format(n=n)}" for n, v in enumerate(reversed(variants), 1)]
    return "sku,price,stock\n" + "\n".join(lines) + "\n"


def _catalog() -> list[Variant]:
    for n in range(4):
        product_with_options_make(options={"Size": ["S", "M", "L"]}, stock=100, name=f"Tee {n}")
    return list(Variant.objects.order_by("pk"))


def _ledger_is_the_stock() -> None:
    assert stock_drift() == []


def test_price_imports_racing_checkouts_keep_every_sale() -> None:
    variants = _catalog()
    rounds = 4
    buyers = [_buyer(variants, f"buyer{n}") for n in range(rounds)]

    for round_number, buyer in enumerate(buyers, start=1):
        text = _file(variants, f"{round_number}.{{n:02d}},")

        def task(i: int, buyer: dict[str, Any] = buyer, text: str = text) -> Any:
            if i == 0:
                return ProductResource().import_data(_dataset(text), dry_run=False)
            return _checkout(buyer)

        imported, status = race(task, 2)
        assert status == 201, status
        assert isinstance(imported, Result), imported
        assert not imported.has_errors(), [error.error for error in imported.base_errors]

    stocks = set(Variant.objects.values_list("stock", flat=True))
    assert stocks == {100 - BOUGHT * rounds}
    assert not StockMovement.objects.filter(reason=Reason.IMPORT).exists()
    assert Variant.objects.get(pk=variants[-1].pk).price == Decimal(f"{rounds}.01")
    _ledger_is_the_stock()


def test_stock_imports_racing_checkouts_neither_deadlock_nor_lose_an_update() -> None:
    """Each round, an import sets every stock to 50 while a buyer checks out 3 of each.

    Whoever locks first wins the order: the import then the checkout (47), the checkout
    then the import reading its result (50); a checkout that commits after the import
    read but before it locked makes the import stop with stock_moved (3 fewer than
    before the round, nothing imported). Never a lost update: the ledger sums to the
    stock every time.
    """
    variants = _catalog()
    buyers = [_buyer(variants, f"buyer{n}") for n in range(4)]
    before = 100

    for buyer in buyers:

        def task(i: int, buyer: dict[str, Any] = buyer) -> Any:
            if i == 0:
                return ProductResource().import_data(
                    _dataset(_file(variants, "10.00,50")), dry_run=False
                )
            return _checkout(buyer)

        imported, status = race(task, 2)
        assert status == 201, status
        assert isinstance(imported, Result), imported
        codes = [error.error.code for error in imported.base_errors]
        assert codes in ([], ["stock_moved"]), [e.error for e in imported.base_errors]
        stocks = set(Variant.objects.values_list("stock", flat=True))
        assert len(stocks) == 1, stocks  # all or nothing, per file and per checkout
        (stock,) = stocks
        assert stock in ({47, 50} if not codes else {before - BOUGHT}), (codes, before, stock)
        _ledger_is_the_stock()
        before = stock


def _import_with_a_checkout_after_row_1(text: str, buyer: dict[str, Any]) -> Result:
    """Import `text`; while its first row is read, a checkout commits in another thread."""
    statuses: list[int] = []

    def checkout() -> None:
        try:
            statuses.append(_checkout(buyer))
        finally:
            connection.close()

    def on_row(number: int) -> None:
        if number == 1:
            thread = threading.Thread(target=checkout)
            thread.start()
            thread.join(timeout=30)

    result = ProductResource(on_row=on_row).import_data(_dataset(text), dry_run=False)
    assert statuses == [201]
    return result


def test_a_price_only_import_keeps_the_stock_a_checkout_took_meanwhile() -> None:
    (variant, *_) = _catalog()

    result = _import_with_a_checkout_after_row_1(
        f"sku,price\n{variant.sku},6.00\n", _buyer([variant], "ann")
    )

    assert not result.has_errors()
    variant.refresh_from_db()
    assert (variant.price, variant.stock) == (Decimal("6.00"), 100 - BOUGHT)
    _ledger_is_the_stock()


def test_an_import_does_not_put_back_stock_a_checkout_took_meanwhile() -> None:
    (variant, *_) = _catalog()

    result = _import_with_a_checkout_after_row_1(
        f"sku,price,stock\n{variant.sku},6.00,120\n", _buyer([variant], "ann")
    )

    assert [error.error.code for error in result.base_errors] == ["stock_moved"]
    variant.refresh_from_db()
    assert (variant.price, variant.stock) == (Decimal("10.00"), 100 - BOUGHT)  # nothing imported
    assert not variant.movements.filter(reason=Reason.IMPORT).exists()
    _ledger_is_the_stock()
