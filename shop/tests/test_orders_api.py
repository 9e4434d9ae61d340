"""Order endpoints: create, history, detail, cancel."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import bearer
from catalog.inventory import stock_adjust, stock_drift
from catalog.tests.factories import (
    default_variant,
    product_make,
    product_with_options_make,
    stock_of,
)
from core.testing import post_json
from shop.cart import cart_line_add
from shop.models import CartLine, Order, OrderStatus
from shop.order_flow import order_flag, order_flag_clear, order_mark_paid, order_refund_record
from shop.tests.factories import address_make, order_movements, order_place

pytestmark = pytest.mark.django_db


def checkout(client: Client, user: User, address_id: int, **headers: str):
    return post_json(
        client, "/api/orders/create/", {"address_id": address_id}, **bearer(user), **headers
    )


def test_create_returns_pending_order_and_reserves_stock(client: Client, customer: User) -> None:
    mug = product_make(name="Mug", sku="MUG-1", price="12.50", stock=5)
    cart_line_add(user=customer, product_id=mug.pk, quantity=2)
    address = address_make(user=customer)

    response = checkout(client, customer, address.pk)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "PENDING"
    assert body["number"].startswith("NC-")
    assert body["subtotal"] == body["total"] == "25.00"
    assert body["refunded_amount"] == "0.00"
    assert body["currency"] == "usd"
    assert body["items"] == [
        {
            "id": body["items"][0]["id"],
            "product_id": mug.pk,
            "variant_id": default_variant(mug).pk,
            "variant_title": "",
            "sku": "MUG-1",
            "name": "Mug",
            "unit_price": "12.50",
            "quantity": 2,
            "line_total": "25.00",
        }
    ]
    assert body["shipping_address"]["postal_code"] == "12345"
    assert body["paid_at"] is None
    assert body["events"][0]["type"] == "placed"
    assert stock_of(mug) == 3
    order = Order.objects.get()
    assert order_movements(order) == [("MUG-1", "checkout", -2, 3)]
    assert stock_drift() == []
    assert client.get("/api/cart/", **bearer(customer)).json()["items"] == []


def test_order_lines_answer_their_variant(client: Client, customer: User) -> None:
    tee = product_with_options_make(
        name="Tee", options={"Size": ["M"], "Colour": ["Red"]}, price="20.00", stock=5
    )
    medium_red = default_variant(tee)
    cart_line_add(user=customer, variant_id=medium_red.pk, quantity=1)

    response = checkout(client, customer, address_make(user=customer).pk)

    assert response.status_code == 201
    [item] = response.json()["items"]
    assert (item["product_id"], item["variant_id"], item["variant_title"], item["sku"]) == (
        tee.pk,
        medium_red.pk,
        "M / Red",
        medium_red.sku,
    )
    detail = client.get(f"/api/orders/{response.json()['id']}/", **bearer(customer)).json()
    assert detail["items"][0]["variant_title"] == "M / Red"


def test_create_with_empty_cart_is_400(client: Client, customer: User) -> None:
    response = checkout(client, customer, address_make(user=customer).pk)
    assert response.status_code == 400
    assert response.json()["code"] == "cart_empty"


def test_create_short_line_is_409_listing_products(client: Client, customer: User) -> None:
    scarce = product_make(stock=3)
    cart_line_add(user=customer, product_id=scarce.pk, quantity=3)
    stock_adjust(variant=default_variant(scarce), set_to=2, actor=None)
    response = checkout(client, customer, address_make(user=customer).pk)
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert response.json()["product_ids"] == [scarce.pk]
    assert response.json()["variant_ids"] == [default_variant(scarce).pk]
    assert stock_of(scarce) == 2
    assert CartLine.objects.filter(cart__user=customer).exists()


@pytest.mark.parametrize(
    "body", [{}, {"address_id": "x"}, {"address_id": -1}, {"address_id": 2**64}]
)
def test_create_bad_body_is_422(client: Client, customer: User, body: dict) -> None:
    response = post_json(client, "/api/orders/create/", body, **bearer(customer))
    assert response.status_code == 422


def test_create_with_foreign_address_is_404(
    client: Client, customer: User, other_customer: User
) -> None:
    cart_line_add(user=customer, product_id=product_make(stock=3).pk, quantity=1)
    response = checkout(client, customer, address_make(user=other_customer).pk)
    assert response.status_code == 404
    assert not Order.objects.exists()


def test_idempotency_key_replay_and_mismatch(client: Client, customer: User) -> None:
    cart_line_add(user=customer, product_id=product_make(stock=3).pk, quantity=1)
    home = address_make(user=customer)
    work = address_make(user=customer, city="Work")
    first = checkout(client, customer, home.pk, HTTP_IDEMPOTENCY_KEY="abc-123")
    replay = checkout(client, customer, home.pk, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert (first.status_code, replay.status_code) == (201, 200)
    assert "Idempotent-Replayed" not in first.headers
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    other_body = checkout(client, customer, work.pk, HTTP_IDEMPOTENCY_KEY="abc-123")
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_overlong_idempotency_key_is_422(client: Client, customer: User) -> None:
    cart_line_add(user=customer, product_id=product_make(stock=3).pk, quantity=1)
    response = checkout(
        client, customer, address_make(user=customer).pk, HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    assert response.status_code == 422
    assert not Order.objects.exists()


def test_my_orders_newest_first_paginated_and_filtered(
    client: Client, customer: User, other_customer: User
) -> None:
    product = product_make(stock=50)
    orders = [order_place(user=customer, items=[(product, 1)]) for _ in range(3)]
    order_place(user=other_customer, items=[(product, 1)])
    order_mark_paid(order=orders[0])
    auth = bearer(customer)

    body = client.get("/api/orders/my/?limit=2", **auth).json()
    assert body["count"] == 3
    assert [o["id"] for o in body["items"]] == [orders[2].pk, orders[1].pk]
    paid = client.get("/api/orders/my/?status=PAID", **auth).json()
    assert [o["id"] for o in paid["items"]] == [orders[0].pk]
    assert client.get("/api/orders/my/?status=LOST", **auth).status_code == 422
    assert client.get("/api/orders/my/?limit=1000", **auth).status_code == 422


def test_order_detail_and_isolation(client: Client, customer: User, other_customer: User) -> None:
    order = order_place(user=customer, items=[(product_make(stock=3), 1)])
    assert (
        client.get(f"/api/orders/{order.pk}/", **bearer(customer)).json()["number"] == order.number
    )
    assert client.get(f"/api/orders/{order.pk}/", **bearer(other_customer)).status_code == 404
    assert client.get("/api/orders/abc/", **bearer(customer)).status_code == 422
    assert client.get(f"/api/orders/{2**64}/", **bearer(customer)).status_code == 422
    assert client.get(f"/api/orders/{order.pk}/").status_code == 401


def test_cancel_pending_returns_stock(client: Client, customer: User) -> None:
    product = product_make(stock=3)
    order = order_place(user=customer, items=[(product, 2)])
    response = client.post(f"/api/orders/cancel/{order.pk}/", **bearer(customer))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "CANCELLED"
    assert body["cancelled_at"] is not None
    assert [e["type"] for e in body["events"]] == ["placed", "status"]
    assert stock_of(product) == 3
    sku = default_variant(product).sku
    assert order_movements(order) == [(sku, "checkout", -2, 1), (sku, "cancel", 2, 3)]
    assert stock_drift() == []


def test_cancel_paid_order_is_409_and_changes_nothing(client: Client, customer: User) -> None:
    product = product_make(stock=3)
    order = order_place(user=customer, items=[(product, 2)])
    order_mark_paid(order=order)
    response = client.post(f"/api/orders/cancel/{order.pk}/", **bearer(customer))
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert stock_of(product) == 1
    assert [reason for _, reason, _, _ in order_movements(order)] == ["checkout"]


def test_cancel_someone_elses_order_is_404(
    client: Client, customer: User, other_customer: User
) -> None:
    order = order_place(user=other_customer, items=[(product_make(stock=3), 1)])
    assert client.post(f"/api/orders/cancel/{order.pk}/", **bearer(customer)).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


@pytest.mark.parametrize("count", [1, 15])
def test_order_list_and_detail_query_counts_are_constant(
    client: Client, customer: User, count: int, django_assert_num_queries, settings
) -> None:
    settings.MAX_PENDING_ORDERS_PER_CUSTOMER = count
    product = product_make(stock=100)
    orders = [
        order_place(user=customer, items=[(product, 1), (product_make(), 2)]) for _ in range(count)
    ]
    auth = bearer(customer)
    # auth user, count, orders, lines, events
    with django_assert_num_queries(5):
        assert client.get("/api/orders/my/?limit=100", **auth).status_code == 200
    # auth user, order, lines, events
    with django_assert_num_queries(4):
        assert client.get(f"/api/orders/{orders[0].pk}/", **auth).status_code == 200


def test_create_refuses_a_customer_at_the_pending_order_limit(
    client: Client, customer: User, settings: pytest.FixtureRequest
) -> None:
    settings.MAX_PENDING_ORDERS_PER_CUSTOMER = 2
    mug = product_make(stock=30)
    first = order_place(user=customer, items=[(mug, 10)])
    order_place(user=customer, items=[(mug, 10)])
    cart_line_add(user=customer, product_id=mug.pk, quantity=10)
    address = address_make(user=customer)

    response = checkout(client, customer, address.pk)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "too_many_pending_orders"
    assert "pay or cancel" in body["detail"]
    assert (body["pending_orders"], body["limit"]) == (2, 2)
    assert Order.objects.filter(user=customer).count() == 2
    assert CartLine.objects.filter(cart__user=customer).count() == 1
    assert stock_of(mug) == 10

    order_mark_paid(order=first)  # a paid order holds no unpaid stock: room again
    assert checkout(client, customer, address.pk).status_code == 201


@pytest.mark.parametrize(
    ("price", "quantity", "code"),
    [("9999999999.99", 1000, "order_total_too_high"), ("0.01", 1, "order_total_too_low")],
)
def test_create_refuses_totals_a_payment_cannot_take(
    client: Client, customer: User, price: str, quantity: int, code: str
) -> None:
    cart_line_add(
        user=customer, product_id=product_make(price=price, stock=1000).pk, quantity=quantity
    )

    response = checkout(client, customer, address_make(user=customer).pk)

    assert response.status_code == 409
    assert response.json()["code"] == code
    assert not Order.objects.exists()


def test_customers_see_only_customer_facing_events(
    client: Client, customer: User, staff: User
) -> None:
    order = order_place(user=customer, items=[(product_make(stock=5), 1)])
    order_mark_paid(order=order, note="Payment pi_1 of 10.00 USD received.")
    order_flag(order=order, reason="Dispute du_1 (fraudulent). Respond in the Stripe dashboard.")
    order_flag_clear(order=order, actor=staff, note="Won the dispute.")
    order_refund_record(order=order, refunded=Decimal("4"))

    for url in (f"/api/orders/{order.pk}/", "/api/orders/my/"):
        body = client.get(url, **bearer(customer)).json()
        events = body["events"] if "events" in body else body["items"][0]["events"]
        assert [event["type"] for event in events] == ["placed", "status", "refund"]
        assert "Dispute" not in json.dumps(events)
        assert "Flag cleared" not in json.dumps(events)
    assert order.events.count() == 5  # staff still see the whole timeline
