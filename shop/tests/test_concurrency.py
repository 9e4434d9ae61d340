"""Races through the real API: no oversell, one order per cart, never a 500.

They run on whichever database the suite uses: on PostgreSQL (CI's second run) the
row locks are exercised for real; on SQLite writers queue for the database lock.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import bearer, user_make
from catalog.models import Product
from catalog.tests.factories import product_make
from core.testing import lock_timeout, post_json, race, row_locked
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.models import Order
from shop.order_flow import orders_expire_pending
from shop.tests.factories import address_make, order_place

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_buyers_for_the_last_five_units() -> None:
    product = product_make(stock=5)
    buyers = []
    for i in range(20):
        user = user_make(f"buyer{i}@example.com")
        cart_line_add(user=user, product_id=product.pk, quantity=1)
        buyers.append((bearer(user), address_make(user=user).pk))

    def buy(i: int) -> int:
        headers, address_id = buyers[i]
        return post_json(
            Client(), "/api/orders/create/", {"address_id": address_id}, **headers
        ).status_code

    statuses = race(buy, 20)

    assert sorted(statuses) == [201] * 5 + [409] * 15, statuses
    product.refresh_from_db()
    assert product.stock == 0
    assert Order.objects.count() == 5


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
    product.refresh_from_db()
    assert product.stock == 8


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
    product.refresh_from_db()
    assert product.stock == 5


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
    assert Product.objects.get(pk=product.pk).cart_lines.get().quantity == 3


def test_two_expiry_runs_at_once_return_stock_once() -> None:
    product = product_make(stock=10)
    for i in range(3):
        user = user_make(f"late{i}@example.com")
        cart_line_add(user=user, product_id=product.pk, quantity=2)
        order_create(user=user, address_id=address_make(user=user).pk)
    Order.objects.update(created_at=timezone.now() - timedelta(hours=1))

    results = race(lambda _: len(orders_expire_pending()), 2)

    assert sum(results) == 3, results
    product.refresh_from_db()
    assert product.stock == 10
    assert set(Order.objects.values_list("status", flat=True)) == {"CANCELLED"}


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
