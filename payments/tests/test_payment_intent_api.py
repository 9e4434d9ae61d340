"""POST /api/payments/payment-intent/: an intent for the caller's PENDING order."""

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import bearer
from catalog.tests.factories import product_make
from core.testing import post_json
from payments.errors import GatewayError
from payments.models import Payment
from payments.tests.helpers import FakeGateway
from shop.models import Order, OrderEvent, OrderStatus
from shop.order_flow import order_mark_paid
from shop.tests.factories import order_place

pytestmark = pytest.mark.django_db
URL = "/api/payments/payment-intent/"


def test_creates_an_intent_for_the_order_total_in_cents(
    client: Client, customer: User, order: Order, gateway: FakeGateway
) -> None:
    response = post_json(client, URL, {"order_id": order.pk}, **bearer(customer))

    assert response.status_code == 200
    body = response.json()
    payment = Payment.objects.get(order=order)
    assert body == {
        "payment_intent_id": payment.intent_id,
        "client_secret": f"{payment.intent_id}_secret_x",
        "amount": 2500,
        "currency": "usd",
        "publishable_key": "pk_test_novacart",
    }
    assert (payment.amount, payment.currency, payment.status) == (
        order.total,
        "usd",
        Payment.Status.REQUIRES_PAYMENT_METHOD,
    )
    [call] = gateway.calls_of("intent_create")
    assert call == {
        "amount": 2500,
        "currency": "usd",
        "metadata": {"order_id": str(order.pk), "order_number": order.number},
        "idempotency_key": f"order-{order.pk}-intent",
    }
    assert order.events.filter(type=OrderEvent.Type.PAYMENT).exists()


def test_calling_again_returns_the_same_intent(
    client: Client, customer: User, order: Order, gateway: FakeGateway
) -> None:
    first = post_json(client, URL, {"order_id": order.pk}, **bearer(customer)).json()
    second = post_json(client, URL, {"order_id": order.pk}, **bearer(customer)).json()

    assert second == first
    assert len(gateway.calls_of("intent_create")) == 1
    assert Payment.objects.count() == 1


def test_asking_again_for_the_intent_is_a_constant_number_of_queries(
    client: Client, customer: User, order: Order, gateway: FakeGateway, django_assert_num_queries
) -> None:
    auth = bearer(customer)
    post_json(client, URL, {"order_id": order.pk}, **auth)
    with django_assert_num_queries(3):
        assert post_json(client, URL, {"order_id": order.pk}, **auth).status_code == 200


def test_zero_decimal_currencies_are_not_multiplied(
    client: Client, customer: User, gateway: FakeGateway, settings: object
) -> None:
    settings.NOVACART_CURRENCY = "jpy"  # type: ignore[attr-defined]
    order = order_place(user=customer, items=[(product_make(price="1500", stock=3), 2)])

    body = post_json(client, URL, {"order_id": order.pk}, **bearer(customer)).json()

    assert (body["amount"], body["currency"]) == (3000, "jpy")


@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.CANCELLED])
def test_an_order_that_is_not_pending_cannot_be_paid(
    client: Client, customer: User, order: Order, gateway: FakeGateway, status: OrderStatus
) -> None:
    Order.objects.filter(pk=order.pk).update(status=status)

    response = post_json(client, URL, {"order_id": order.pk}, **bearer(customer))

    assert response.status_code == 409
    assert response.json()["code"] == "payment_not_allowed"
    assert not gateway.calls
    assert not Payment.objects.exists()


def test_a_paid_order_with_an_intent_is_refused_too(
    client: Client, customer: User, payment: Payment
) -> None:
    order_mark_paid(order=payment.order)
    response = post_json(client, URL, {"order_id": payment.order_id}, **bearer(customer))
    assert response.status_code == 409


def test_someone_elses_order_is_not_found(
    client: Client, other_customer: User, order: Order, gateway: FakeGateway
) -> None:
    response = post_json(client, URL, {"order_id": order.pk}, **bearer(other_customer))

    assert response.status_code == 404
    assert not gateway.calls


def test_needs_a_token(client: Client, order: Order) -> None:
    assert post_json(client, URL, {"order_id": order.pk}).status_code == 401


@pytest.mark.parametrize("order_id", [0, -1, "x", None])
def test_bad_order_ids_are_422(client: Client, customer: User, order_id: object) -> None:
    response = post_json(client, URL, {"order_id": order_id}, **bearer(customer))
    assert response.status_code == 422


def test_provider_errors_are_502_and_store_nothing(
    client: Client, customer: User, order: Order, gateway: FakeGateway
) -> None:
    gateway.error = GatewayError("The payment provider did not complete the request: down.")

    response = post_json(client, URL, {"order_id": order.pk}, **bearer(customer))

    assert response.status_code == 502
    assert response.json()["code"] == "payment_provider_error"
    assert not Payment.objects.exists()


def test_without_a_stripe_key_the_answer_is_502_not_a_crash(
    client: Client, customer: User, order: Order, settings: object
) -> None:
    settings.STRIPE_SECRET_KEY = ""  # type: ignore[attr-defined]

    response = post_json(client, URL, {"order_id": order.pk}, **bearer(customer))

    assert response.status_code == 502
    assert "STRIPE_SECRET_KEY" in response.json()["detail"]


def test_a_free_order_needs_no_intent(client: Client, customer: User, gateway: FakeGateway) -> None:
    order = order_place(user=customer, items=[(product_make(price="0.00", stock=3), 1)])

    response = post_json(client, URL, {"order_id": order.pk}, **bearer(customer))

    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_pay"
    assert not gateway.calls
    assert not Payment.objects.exists()


def test_a_first_call_that_loses_the_race_answers_with_the_stored_intent(
    client: Client, customer: User, order: Order, gateway: FakeGateway, monkeypatch
) -> None:
    create = gateway.intent_create

    def raced(**arguments: object) -> object:
        winner = create(**arguments)  # the concurrent first call stores its intent first
        Payment.objects.create(order=order, intent_id=winner.id, amount=order.total, currency="usd")
        return create(**arguments)

    monkeypatch.setattr(gateway, "intent_create", raced)

    body = post_json(client, URL, {"order_id": order.pk}, **bearer(customer)).json()

    stored = Payment.objects.get(order=order)
    assert body["payment_intent_id"] == stored.intent_id
    assert body["client_secret"] == f"{stored.intent_id}_secret_x"
