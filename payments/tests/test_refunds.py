"""POST /api/payments/refunds/ and the refund rules: never more than is left."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import bearer
from core.testing import post_json
from payments.errors import GatewayError
from payments.models import Payment, Refund
from payments.services import payments_reconcile
from payments.tests.helpers import FakeGateway, post_webhook, refund_event
from shop.models import Order, OrderEvent, OrderStatus

pytestmark = pytest.mark.django_db
URL = "/api/payments/refunds/"
S = OrderStatus


def _refund(client: Client, staff: User, order_id: int, amount: str | None = None) -> object:
    body: dict[str, object] = {"order_id": order_id}
    if amount is not None:
        body["amount"] = amount
    return post_json(client, URL, body, **bearer(staff))


def _order(payment: Payment) -> Order:
    return Order.objects.get(pk=payment.order_id)


def test_staff_refund_defaults_to_everything_left(
    client: Client, staff: User, paid: Payment, gateway: FakeGateway
) -> None:
    response = _refund(client, staff, paid.order_id)

    assert response.status_code == 201
    refund = Refund.objects.get()
    assert response.json() == {
        "id": refund.pk,
        "order_id": paid.order_id,
        "amount": "25.00",
        "currency": "usd",
        "status": "succeeded",
    }
    assert refund.created_by == staff
    assert refund.stripe_id.startswith("re_fake")
    [call] = gateway.calls_of("refund_create")
    assert call["intent_id"] == paid.intent_id
    assert call["amount"] == 2500
    assert call["idempotency_key"] == f"refund-{refund.pk}"
    assert call["metadata"] == {"order_id": str(paid.order_id), "refund_id": str(refund.pk)}
    order = _order(paid)
    assert order.status == S.REFUNDED
    assert order.refunded_amount == 25


def test_a_refund_costs_a_fixed_number_of_queries(
    client: Client, staff: User, paid: Payment, django_assert_num_queries
) -> None:
    # pinned: the payment and order locked, what is left, the refund written before and
    # after Stripe's answer, the order's refunded amount and its event; the caller's
    # permissions (their own and their groups')
    with django_assert_num_queries(21):
        assert _refund(client, staff, paid.order_id, "10.00").status_code == 201


def test_partial_refund_then_the_rest(client: Client, staff: User, paid: Payment) -> None:
    first = _refund(client, staff, paid.order_id, "10.00")

    assert first.status_code == 201
    assert first.json()["amount"] == "10.00"
    order = _order(paid)
    assert (order.status, order.refunded_amount) == (S.PAID, 10)
    assert order.events.filter(type=OrderEvent.Type.REFUND).count() == 1

    rest = _refund(client, staff, paid.order_id)

    assert rest.json()["amount"] == "15.00"
    order = _order(paid)
    assert (order.status, order.refunded_amount) == (S.REFUNDED, 25)


def test_more_than_is_left_is_409_and_writes_nothing(
    client: Client, staff: User, paid: Payment, gateway: FakeGateway
) -> None:
    _refund(client, staff, paid.order_id, "10.00")

    response = _refund(client, staff, paid.order_id, "15.01")

    assert response.status_code == 409
    assert response.json()["code"] == "refund_too_large"
    assert response.json()["available"] == "15.00"
    assert Refund.objects.count() == 1
    assert len(gateway.calls_of("refund_create")) == 1


def test_nothing_left_is_409(client: Client, staff: User, paid: Payment) -> None:
    _refund(client, staff, paid.order_id)
    response = _refund(client, staff, paid.order_id, "1.00")
    assert response.status_code == 409
    assert response.json()["code"] == "refund_too_large"


def test_a_pending_refund_holds_its_amount(
    client: Client, staff: User, paid: Payment, gateway: FakeGateway
) -> None:
    gateway.refund_status = "pending"
    assert _refund(client, staff, paid.order_id, "20.00").json()["status"] == "pending"
    assert _order(paid).refunded_amount == 0

    assert _refund(client, staff, paid.order_id, "5.01").status_code == 409


def test_a_pending_refund_counts_once_stripe_says_it_succeeded(
    client: Client, staff: User, paid: Payment, gateway: FakeGateway
) -> None:
    gateway.refund_status = "pending"
    _refund(client, staff, paid.order_id, "20.00")
    refund = Refund.objects.get()

    event = refund_event(
        refund.stripe_id, intent_id=paid.intent_id, amount=2000, status="succeeded"
    )
    post_webhook(client, event)
    post_webhook(client, {**event, "id": "evt_again"})  # the same news twice: counted once

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert _order(paid).refunded_amount == 20


def test_a_refund_that_fails_after_it_succeeded_flags_the_order(
    client: Client, staff: User, paid: Payment
) -> None:
    _refund(client, staff, paid.order_id, "5.00")
    refund = Refund.objects.get()

    event = refund_event(refund.stripe_id, intent_id=paid.intent_id, amount=500, status="failed")
    post_webhook(client, event)

    refund.refresh_from_db()
    order = _order(paid)
    assert refund.status == Refund.Status.FAILED
    assert order.flagged
    assert refund.stripe_id in order.flag_reason
    assert order.refunded_amount == 5  # never lowered: staff check with the customer


def test_a_refused_refund_is_502_recorded_as_failed_and_frees_its_amount(
    client: Client, staff: User, paid: Payment, gateway: FakeGateway
) -> None:
    gateway.error = GatewayError("The payment provider did not complete the request: no.")

    response = _refund(client, staff, paid.order_id, "10.00")

    assert response.status_code == 502
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.FAILED
    assert "no." in refund.failure_reason
    gateway.error = None
    assert _refund(client, staff, paid.order_id).json()["amount"] == "25.00"


def test_an_unanswered_refund_stays_pending_and_reconciliation_sends_it_again(
    client: Client, staff: User, paid: Payment, gateway: FakeGateway
) -> None:
    gateway.error = GatewayError("Timed out.", ambiguous=True)
    assert _refund(client, staff, paid.order_id, "10.00").status_code == 502
    refund = Refund.objects.get()
    assert (refund.status, refund.stripe_id) == (Refund.Status.PENDING, None)
    gateway.error = None

    assert payments_reconcile().applied == []  # too recent: maybe still on its way
    report = payments_reconcile(now=timezone.now() + timedelta(minutes=11))

    assert report.applied == [f"refund {refund.pk}: Succeeded"]
    keys = [call["idempotency_key"] for call in gateway.calls_of("refund_create")]
    assert keys == [f"refund-{refund.pk}", f"refund-{refund.pk}"]
    assert _order(paid).refunded_amount == 10


def test_an_unpaid_order_has_nothing_to_refund(
    client: Client, staff: User, payment: Payment, order: Order
) -> None:
    response = _refund(client, staff, payment.order_id)
    assert response.status_code == 409
    assert response.json()["code"] == "refund_not_allowed"


def test_an_order_without_payment_is_409_and_an_unknown_one_404(
    client: Client, staff: User, order: Order
) -> None:
    assert _refund(client, staff, order.pk).json()["code"] == "refund_not_allowed"
    assert _refund(client, staff, order.pk + 1000).status_code == 404


def test_only_staff_can_refund(client: Client, customer: User, paid: Payment) -> None:
    assert _refund(client, customer, paid.order_id).status_code == 403
    assert post_json(client, URL, {"order_id": paid.order_id}).status_code == 401
    assert not Refund.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-1", "1.234", "abc", "10000000000000"])
def test_bad_amounts_are_422(client: Client, staff: User, paid: Payment, amount: str) -> None:
    assert _refund(client, staff, paid.order_id, amount).status_code == 422


def test_a_refund_whose_answer_was_lost_is_matched_by_its_metadata(
    client: Client, staff: User, paid: Payment, gateway: FakeGateway
) -> None:
    gateway.error = GatewayError("Timed out.", ambiguous=True)
    _refund(client, staff, paid.order_id, "10.00")
    refund = Refund.objects.get()
    metadata = {"order_id": str(paid.order_id), "refund_id": str(refund.pk)}

    event = refund_event(
        "re_lost", intent_id=paid.intent_id, amount=1000, status="succeeded", metadata=metadata
    )
    post_webhook(client, event)

    refund.refresh_from_db()
    assert (refund.stripe_id, refund.status) == ("re_lost", Refund.Status.SUCCEEDED)
    assert Refund.objects.count() == 1
    assert _order(paid).refunded_amount == 10
