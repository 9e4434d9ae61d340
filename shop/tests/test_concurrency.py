"""Races through the real API: no oversell, one order per cart, never a 500.

They run on whichever database the suite uses: on PostgreSQL (CI's second run) the
row locks are exercised for real; on SQLite writers queue for the database lock.
"""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import bearer, user_make
from catalog.inventory import stock_drift
from catalog.models import Product, StockMovement, Variant
from catalog.tests.factories import product_make, product_with_options_make, stock_of
from core.testing import lock_timeout, post_json, race, row_locked
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.models import CartLine, Order
from shop.order_flow import orders_expire_pending
from shop.tests.factories import address_make, cart_fill, order_movements, order_place

pytestmark = pytest.mark.django_db(transaction=True)


Items = list[tuple[Product | Variant, int]]


def _buyers(count: int, items: Callable[[int], Items]) -> list[tuple[dict[str, str], int]]:
    """`count` customers, the i-th with `items(i)` in the cart: their bearer headers and
    address."""
    buyers = []
    for i in range(count):
        user = user_make(f"buyer{i}@example.com")
        cart_fill(user=user, items=items(i))
        buyers.append((bearer(user), address_make(user=user).pk))
    return buyers


def _checkouts(buyers: list[tuple[dict[str, str], int]]) -> list[int | BaseException]:
    def buy(i: int) -> int:
        headers, address_id = buyers[i]
        return post_json(
            Client(), "/api/orders/create/", {"address_id": address_id}, **headers
        ).status_code

    return race(buy, len(buyers))


def test_twenty_buyers_for_the_last_five_units() -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]}, stock=5)
    small, medium = tee.variants.order_by("pk")

    statuses = _checkouts(_buyers(20, lambda i: [(medium, 1)]))

    assert sorted(statuses) == [201] * 5 + [409] * 15, statuses
    medium.refresh_from_db()
    small.refresh_from_db()
    assert (medium.stock, small.stock) == (0, 5)
    assert Order.objects.count() == 5
    checkouts = StockMovement.objects.filter(reason="checkout")
    assert sorted(checkouts.values_list("delta", "quantity_after")) == [
        (-1, 0),
        (-1, 1),
        (-1, 2),
        (-1, 3),
        (-1, 4),
    ]
    assert set(checkouts.values_list("reference", flat=True)) == set(
        Order.objects.values_list("number", flat=True)
    )
    assert stock_drift() == []


def test_carts_holding_two_variants_of_one_product_in_either_order_never_deadlock() -> None:
    """Each checkout locks both variants; taken in pk order whatever the cart's order."""
    tee = product_with_options_make(options={"Size": ["S", "M"]}, stock=5)
    small, medium = tee.variants.order_by("pk")
    orders = [[(small, 1), (medium, 1)], [(medium, 1), (small, 1)]]

    statuses = _checkouts(_buyers(10, lambda i: orders[i % 2]))

    assert sorted(statuses) == [201] * 5 + [409] * 5, statuses
    small.refresh_from_db()
    medium.refresh_from_db()
    assert (small.stock, medium.stock) == (0, 0)
    for order in Order.objects.all():
        assert sorted(delta for _, _, delta, _ in order_movements(order)) == [-1, -1]
    assert stock_drift() == []


@pytest.mark.parametrize("idempotency_key", [None, "same-key"])
def test_one_cart_submitted_four_times_makes_one_order(idempotency_key: str | None) -> None:
    product = product_make(stock=10)
    user = user_make("ann@example.com")
    cart_line_add(user=user, product_id=product.pk, quantity=2)
    address_id = address_make(user=user).pk
    headers = bearer(user) | ({"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {})

    def submit(_: int):
        return post_json(Client(), "/api/orders/create/", {"address_id": address_id}, **headers)

    responses = race(submit, 4)

    assert all(not isinstance(r, BaseException) for r in responses), responses
    statuses = sorted(r.status_code for r in responses)
    if idempotency_key:
        assert statuses == [200] * 3 + [201]  # one made it, three are replays
        assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == [""] + ["true"] * 3
        assert len({r.json()["id"] for r in responses}) == 1
    else:
        assert statuses == [201] + [400] * 3
    assert Order.objects.count() == 1
    assert stock_of(product) == 8
    assert [delta for _, _, delta, _ in order_movements(Order.objects.get())] == [-2]
    assert stock_drift() == []


def test_concurrent_cancel_returns_stock_once() -> None:
    product = product_make(stock=5)
    user = user_make("ann@example.com")
    cart_line_add(user=user, product_id=product.pk, quantity=3)
    order = order_create(user=user, address_id=address_make(user=user).pk).order
    headers = bearer(user)

    def cancel(_: int) -> int:
        return Client().post(f"/api/orders/cancel/{order.pk}/", **headers).status_code

    statuses = race(cancel, 4)

    assert sorted(statuses) == [200, 409, 409, 409]
    assert stock_of(product) == 5
    assert [reason for _, reason, _, _ in order_movements(order)] == ["checkout", "cancel"]
    assert stock_drift() == []


def test_concurrent_cart_adds_never_exceed_stock() -> None:
    product = product_make(stock=3)
    user = user_make("ann@example.com")
    headers = bearer(user)

    def add(_: int) -> int:
        return post_json(
            Client(), "/api/cart/add/", {"product_id": product.pk}, **headers
        ).status_code

    statuses = race(add, 6)

    assert sorted(statuses) == [200] * 3 + [409] * 3
    assert CartLine.objects.get(variant__product=product).quantity == 3


def test_two_expiry_runs_at_once_return_stock_once() -> None:
    product = product_make(stock=10)
    for i in range(3):
        user = user_make(f"late{i}@example.com")
        cart_line_add(user=user, product_id=product.pk, quantity=2)
        order_create(user=user, address_id=address_make(user=user).pk)
    Order.objects.update(created_at=timezone.now() - timedelta(hours=1))

    results = race(lambda _: len(orders_expire_pending()), 2)

    assert sum(results) == 3, results
    assert stock_of(product) == 10
    assert set(Order.objects.values_list("status", flat=True)) == {"CANCELLED"}
    assert StockMovement.objects.filter(reason="expiry").count() == 3
    assert stock_drift() == []


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: lock_timeout and row locks"
)
def test_a_row_locked_too_long_answers_503_busy_not_a_hung_worker() -> None:
    user = user_make("ann@example.com")
    order = order_place(user=user, items=[(product_make(stock=5), 1)])
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "5s"  # DB_LOCK_TIMEOUT_MS, below gunicorn's 30 s
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "20s"

    with row_locked(order), lock_timeout(200):
        response = Client().post(f"/api/orders/cancel/{order.pk}/", **bearer(user))

    assert response.status_code == 503
    assert response.json() == {
        "detail": "The shop is busy right now: try again in a moment.",
        "code": "busy",
    }
    assert response["Retry-After"] == "2"
    assert Order.objects.get(pk=order.pk).status == "PENDING"
