"""Races: refunds never exceed what was paid, an event applies once, expiry meets payment.

Like shop's, they run on whichever database the suite uses: on PostgreSQL the row locks
and the ledger's unique index are exercised for real.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import bearer, staff_make, user_make
from catalog.inventory import stock_drift
from catalog.tests.factories import product_make, stock_of
from core.testing import lock_timeout, post_json, race, row_locked
from payments.models import Payment, Refund, WebhookEvent
from payments.services import payment_intent_create
from payments.tests.helpers import FakeGateway, post_webhook, refund_event, succeeded_event
from shop.models import Order, OrderStatus
from shop.order_flow import orders_expire_pending
from shop.tests.factories import order_movements, order_place

pytestmark = pytest.mark.django_db(transaction=True)


def _payment(gateway: FakeGateway) -> Payment:
    """A PENDING order of 25.00 USD (stock 5, 2 reserved) with its intent."""
    customer = user_make("ann@example.com")
    order = order_place(user=customer, items=[(product_make(price="12.50", stock=5), 2)])
    payment_intent_create(user=customer, order_id=order.pk)
    return Payment.objects.select_related("order").get(order=order)


def test_four_refunds_at_once_never_exceed_the_payment(gateway: FakeGateway) -> None:
    payment = _payment(gateway)
    post_webhook(Client(), succeeded_event(payment.intent_id, amount=2500))
    staff = bearer(staff_make())

    def refund(_: int) -> int:
        body = {"order_id": payment.order_id, "amount": "10.00"}
        return post_json(Client(), "/api/payments/refunds/", body, **staff).status_code

    statuses = race(refund, 4)

    assert sorted(statuses) == [201, 201, 409, 409], statuses
    assert Refund.objects.count() == 2
    assert Order.objects.get(pk=payment.order_id).refunded_amount == 20


def test_one_event_delivered_four_times_at_once_applies_once(gateway: FakeGateway) -> None:
    payment = _payment(gateway)
    event = succeeded_event(payment.intent_id, amount=2500)

    responses = race(lambda _: post_webhook(Client(), event).json()["status"], 4)

    assert sorted(responses) == ["duplicate"] * 3 + ["processed"], responses
    assert WebhookEvent.objects.count() == 1
    order = Order.objects.get(pk=payment.order_id)
    assert order.status == OrderStatus.PAID
    assert order.events.filter(to_status=OrderStatus.PAID).count() == 1


def test_expiry_and_payment_at_once_end_paid_with_the_stock_taken_once(
    gateway: FakeGateway,
) -> None:
    payment = _payment(gateway)
    Order.objects.filter(pk=payment.order_id).update(created_at=timezone.now() - timedelta(hours=1))
    event = succeeded_event(payment.intent_id, amount=2500)

    def run(i: int) -> object:
        if i == 0:
            return orders_expire_pending()
        return post_webhook(Client(), event).status_code

    results = race(run, 2)

    assert results[1] == 200, results
    order = Order.objects.get(pk=payment.order_id)
    assert order.status == OrderStatus.PAID
    assert order.stock_reserved
    assert stock_of(order.lines.get().product) == 3
    reasons = [reason for _, reason, _, _ in order_movements(order)]
    # the payment came first, or the expiry did and the payment took the stock again
    assert reasons in (["checkout"], ["checkout", "expiry", "late_payment"]), reasons
    assert stock_drift() == []
    assert not Refund.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: lock_timeout and row locks"
)
def test_a_webhook_that_waits_too_long_for_a_lock_answers_500_for_a_retry(
    gateway: FakeGateway,
) -> None:
    payment = _payment(gateway)

    with row_locked(payment.order), lock_timeout(200):
        response = post_webhook(Client(), succeeded_event(payment.intent_id, amount=2500))

    assert response.status_code == 500  # not 503: Stripe retries a 500
    assert response.json()["code"] == "webhook_failed"
    ledger = WebhookEvent.objects.get()
    assert ledger.processed_at is None
    assert "LockNotAvailable" in ledger.error or "lock timeout" in ledger.error
    assert Order.objects.get(pk=payment.order_id).status == OrderStatus.PENDING
    assert (
        post_webhook(Client(), succeeded_event(payment.intent_id, amount=2500)).status_code == 200
    )


def test_two_events_of_one_dashboard_refund_at_once_make_one_refund(
    gateway: FakeGateway,
) -> None:
    payment = _payment(gateway)
    post_webhook(Client(), succeeded_event(payment.intent_id, amount=2500))
    events = [
        refund_event("re_dash", intent_id=payment.intent_id, amount=1000, status="succeeded"),
        refund_event(
            "re_dash",
            intent_id=payment.intent_id,
            amount=1000,
            status="succeeded",
            type="charge.refund.updated",
        ),
    ]

    statuses = race(lambda i: post_webhook(Client(), events[i]).status_code, 2)

    assert statuses == [200, 200], statuses
    refund = Refund.objects.get()
    assert (refund.stripe_id, refund.amount, refund.status) == ("re_dash", 10, "succeeded")
    assert Order.objects.get(pk=payment.order_id).refunded_amount == 10
