"""End to end against localstripe, a Stripe-compatible server run locally (never the real one).

A customer pays an order, localstripe's signed webhook reaches the live test server and
the order is PAID; staff refund it in part, then in full. localstripe's gaps shape the
steps: no `automatic_payment_methods` (we never send it), no confirm-with-payment-method
(the test sets the intent's payment method, then confirms), no refund events (refunds
are applied from Stripe's answer), and it sends `latest_charge` expanded.

localstripe itself: the plugin payments/tests/localstripe.py.
"""

import time
from collections.abc import Callable

import pytest
import stripe
from django.test import Client

from accounts.models import User
from accounts.tests.factories import bearer
from catalog.tests.factories import product_make
from core.testing import post_json
from payments.errors import GatewayError
from payments.models import Payment, Refund, WebhookEvent
from payments.services import payments_reconcile
from payments.stripe_gateway import STRIPE_API_VERSION, StripeGateway
from payments.tests.helpers import WEBHOOK_URL
from payments.tests.localstripe import LOCALSTRIPE_SECRET_KEY, webhook_to
from shop.models import Order, OrderStatus
from shop.tests.factories import order_place

pytestmark = pytest.mark.django_db(transaction=True)


def _wait_until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout}s waiting for {what}.")
        time.sleep(0.1)


@pytest.fixture
def stripe_at_localstripe(shop_at_localstripe: str) -> stripe.StripeClient:
    """Point the shop at localstripe; the client plays the customer's browser (Stripe.js)."""
    return stripe.StripeClient(
        LOCALSTRIPE_SECRET_KEY,
        base_addresses={"api": shop_at_localstripe},
        stripe_version=STRIPE_API_VERSION,
    )


def _pay(browser: stripe.StripeClient, intent_id: str, card: str) -> None:
    """Stripe.js confirming a card payment, in the two steps localstripe supports."""
    method = browser.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    browser.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    browser.v1.payment_intents.confirm(intent_id)


def _place_order(customer: User) -> Order:
    return order_place(user=customer, items=[(product_make(price="12.50", stock=5), 2)])


def test_customer_pays_through_the_webhook_and_staff_refund_in_part_then_in_full(
    live_server: object,
    localstripe: str,
    stripe_at_localstripe: stripe.StripeClient,
    client: Client,
    customer: User,
    staff: User,
) -> None:
    webhook_to(localstripe, f"{live_server.url}{WEBHOOK_URL}")  # type: ignore[attr-defined]
    order = _place_order(customer)

    response = post_json(
        client, "/api/payments/payment-intent/", {"order_id": order.pk}, **bearer(customer)
    )
    assert response.status_code == 200
    intent = response.json()
    assert (intent["amount"], intent["currency"]) == (2500, "usd")
    assert intent["client_secret"].startswith(intent["payment_intent_id"])

    _pay(stripe_at_localstripe, intent["payment_intent_id"], "4242424242424242")
    _wait_until(
        lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PAID,
        timeout=20,
        what="the payment_intent.succeeded webhook",
    )

    seen = client.get(f"/api/orders/{order.pk}/", **bearer(customer)).json()
    assert seen["status"] == "PAID"
    ledger = WebhookEvent.objects.get(type="payment_intent.succeeded")
    assert ledger.processed_at is not None
    assert ledger.outcome == "order paid"
    payment = Payment.objects.get(order=order)
    assert payment.amount_received == 25
    assert payment.charge_id.startswith("ch_")

    partial = post_json(
        client, "/api/payments/refunds/", {"order_id": order.pk, "amount": "10.00"}, **bearer(staff)
    )
    assert partial.status_code == 201
    assert (partial.json()["amount"], partial.json()["status"]) == ("10.00", "succeeded")
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.PAID, 10)

    rest = post_json(client, "/api/payments/refunds/", {"order_id": order.pk}, **bearer(staff))
    assert rest.status_code == 201
    assert rest.json()["amount"] == "15.00"
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (OrderStatus.REFUNDED, 25)
    assert Refund.objects.filter(order=order, stripe_id__startswith="re_").count() == 2

    at_stripe = stripe_at_localstripe.v1.payment_intents.retrieve(intent["payment_intent_id"])
    assert at_stripe.to_dict()["latest_charge"]["amount_refunded"] == 2500


def test_a_declined_card_leaves_the_order_pending_with_the_reason(
    live_server: object,
    localstripe: str,
    stripe_at_localstripe: stripe.StripeClient,
    client: Client,
    customer: User,
) -> None:
    webhook_to(localstripe, f"{live_server.url}{WEBHOOK_URL}")  # type: ignore[attr-defined]
    order = _place_order(customer)
    intent = post_json(
        client, "/api/payments/payment-intent/", {"order_id": order.pk}, **bearer(customer)
    ).json()

    with pytest.raises(stripe.CardError):
        _pay(stripe_at_localstripe, intent["payment_intent_id"], "4000000000000341")
    _wait_until(
        lambda: Payment.objects.get(order=order).last_error != "",
        timeout=20,
        what="the payment_intent.payment_failed webhook",
    )

    assert Payment.objects.get(order=order).last_error == "Your card was declined."
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING


def test_reconciliation_applies_a_payment_whose_webhook_was_lost(
    localstripe: str,
    stripe_at_localstripe: stripe.StripeClient,
    client: Client,
    customer: User,
) -> None:
    webhook_to(localstripe, "http://127.0.0.1:9/", events=["nothing.matches"])
    order = _place_order(customer)
    intent = post_json(
        client, "/api/payments/payment-intent/", {"order_id": order.pk}, **bearer(customer)
    ).json()
    _pay(stripe_at_localstripe, intent["payment_intent_id"], "4242424242424242")

    report = payments_reconcile()

    assert report.errors == []
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    assert not WebhookEvent.objects.exists()


def test_a_request_stripe_refuses_is_a_clear_gateway_error(
    stripe_at_localstripe: stripe.StripeClient,
) -> None:
    with pytest.raises(GatewayError) as raised:
        StripeGateway.from_settings().intent_create(
            amount=0, currency="usd", metadata={}, idempotency_key="zero-amount"
        )
    assert not raised.value.ambiguous
