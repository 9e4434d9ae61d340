"""POST /api/payments/webhook/: signatures, the event ledger and each handler."""

import json
import time
from datetime import timedelta

import pytest
from django.tasks import default_task_backend
from django.test import Client
from django.utils import timezone

from accounts.models import User
from catalog.inventory import stock_adjust, stock_drift
from catalog.models import Product
from catalog.tests.factories import default_variant, product_make, stock_of
from payments.errors import GatewayError
from payments.models import Payment, Refund, WebhookEvent
from payments.refunds import refund_send_automatic
from payments.services import payment_intent_create, payment_succeeded_apply
from payments.tests.helpers import (
    WEBHOOK_URL,
    FakeGateway,
    charge_refunded_event,
    event_make,
    failed_event,
    post_webhook,
    refund_event,
    sign,
    succeeded_event,
)
from shop.models import Order, OrderEvent, OrderStatus
from shop.order_flow import order_cancel, orders_expire_pending
from shop.tests.factories import order_movements, order_place

pytestmark = pytest.mark.django_db
S = OrderStatus


def _reload(payment: Payment) -> tuple[Payment, Order]:
    payment.refresh_from_db()
    payment.order.refresh_from_db()
    return payment, payment.order


# --- signatures ---------------------------------------------------------------------------


def test_signed_success_marks_the_order_paid(client: Client, payment: Payment) -> None:
    event = succeeded_event(payment.intent_id, amount=2500, charge_id="ch_1")

    response = post_webhook(client, event)

    assert response.status_code == 200
    assert response.json() == {"status": "processed"}
    payment, order = _reload(payment)
    assert order.status == S.PAID
    assert order.paid_at is not None
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.amount_received == payment.amount == order.total
    assert payment.charge_id == "ch_1"
    ledger = WebhookEvent.objects.get()
    assert (ledger.stripe_id, ledger.type) == (event["id"], "payment_intent.succeeded")
    assert ledger.payload == event
    assert ledger.processed_at is not None
    assert ledger.outcome == "order paid"
    assert ledger.error == ""


def _assert_nothing_stored(payment: Payment) -> None:
    assert not WebhookEvent.objects.exists()
    payment, order = _reload(payment)
    assert order.status == S.PENDING
    assert payment.status == Payment.Status.REQUIRES_PAYMENT_METHOD


def test_forged_signature_is_refused(client: Client, payment: Payment) -> None:
    body = json.dumps(succeeded_event(payment.intent_id, amount=2500))
    forged = sign(body, secret="whsec_someone_else")

    response = client.post(
        WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=forged
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    _assert_nothing_stored(payment)


def test_stale_signature_is_refused(client: Client, payment: Payment) -> None:
    body = json.dumps(succeeded_event(payment.intent_id, amount=2500))
    stale = sign(body, timestamp=int(time.time()) - 301)

    response = client.post(
        WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=stale
    )

    assert response.status_code == 400
    _assert_nothing_stored(payment)


def test_tampered_body_is_refused(client: Client, payment: Payment) -> None:
    event = succeeded_event(payment.intent_id, amount=100)
    header = sign(json.dumps(event))
    event["data"]["object"]["amount"] = event["data"]["object"]["amount_received"] = 2500

    response = post_webhook(client, event, HTTP_STRIPE_SIGNATURE=header)

    assert response.status_code == 400
    _assert_nothing_stored(payment)


@pytest.mark.parametrize("header", [None, "", "t=abc", "v1=deadbeef", "garbage"])
def test_missing_or_malformed_signature_is_refused(
    client: Client, payment: Payment, header: str | None
) -> None:
    body = json.dumps(succeeded_event(payment.intent_id, amount=2500))
    extra = {} if header is None else {"HTTP_STRIPE_SIGNATURE": header}

    response = client.post(WEBHOOK_URL, body, content_type="application/json", **extra)

    assert response.status_code == 400
    _assert_nothing_stored(payment)


@pytest.mark.parametrize("body", ["[]", '[{"id": "evt_1", "type": "x"}]', '"evt"', "{}", "1"])
def test_a_signed_body_that_is_not_an_event_is_refused(
    client: Client, payment: Payment, body: str
) -> None:
    response = client.post(
        WEBHOOK_URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert response.json()["detail"] == "The signed body is not a Stripe event."
    _assert_nothing_stored(payment)


def test_webhook_needs_no_token_and_no_csrf(payment: Payment) -> None:
    client = Client(enforce_csrf_checks=True)
    response = post_webhook(client, succeeded_event(payment.intent_id, amount=2500))
    assert response.status_code == 200


# --- the ledger -------------------------------------------------------------------------------


def test_a_repeated_event_is_a_no_op(client: Client, payment: Payment) -> None:
    event = succeeded_event(payment.intent_id, amount=2500)
    assert post_webhook(client, event).json() == {"status": "processed"}

    again = post_webhook(client, event)

    assert again.status_code == 200
    assert again.json() == {"status": "duplicate"}
    assert WebhookEvent.objects.count() == 1
    assert payment.order.events.filter(to_status=S.PAID).count() == 1


def test_unhandled_types_are_answered_and_ignored(client: Client, payment: Payment) -> None:
    event = event_make("customer.created", {"id": "cus_1", "object": "customer"})

    response = post_webhook(client, event)

    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    ledger = WebhookEvent.objects.get()
    assert ledger.processed_at is not None
    assert ledger.outcome == "ignored"


def test_an_intent_of_no_order_is_recorded_and_ignored(client: Client, db: None) -> None:
    response = post_webhook(client, succeeded_event("pi_elsewhere", amount=500))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().outcome == "ignored: no order has intent pi_elsewhere"


def test_a_failing_handler_rolls_back_answers_500_and_is_retried(
    client: Client, payment: Payment, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*, payment: Payment, intent: object) -> str:
        payment.order.status = S.PAID  # a write that must not survive
        payment.order.save(update_fields=["status"])
        raise RuntimeError("boom")

    monkeypatch.setattr("payments.webhooks.payment_succeeded_apply", explode)
    event = succeeded_event(payment.intent_id, amount=2500)

    response = post_webhook(client, event)

    assert response.status_code == 500
    assert response.json()["code"] == "webhook_failed"
    payment, order = _reload(payment)
    assert order.status == S.PENDING
    failed = WebhookEvent.objects.get()
    assert failed.processed_at is None
    assert failed.error == "RuntimeError: boom"

    monkeypatch.setattr("payments.webhooks.payment_succeeded_apply", payment_succeeded_apply)
    retried = post_webhook(client, event)

    assert retried.json() == {"status": "processed"}
    failed.refresh_from_db()
    assert failed.processed_at is not None
    assert failed.error == ""
    assert Order.objects.get(pk=order.pk).status == S.PAID


def test_success_is_applied_in_few_queries(
    client: Client, payment: Payment, django_assert_max_num_queries: object
) -> None:
    event = succeeded_event(payment.intent_id, amount=2500)
    with django_assert_max_num_queries(13):  # type: ignore[operator]
        assert post_webhook(client, event).status_code == 200


# --- payment_intent.succeeded -------------------------------------------------------------


def test_repeats_and_ignored_events_cost_a_fixed_number_of_queries(
    client: Client, payment: Payment, django_assert_num_queries
) -> None:
    event = succeeded_event(payment.intent_id, amount=2500)
    post_webhook(client, event)
    # a repeat only meets its ledger row; an ignored type only writes one
    with django_assert_num_queries(7):
        assert post_webhook(client, event).json() == {"status": "duplicate"}
    ignored = event_make("customer.created", {"id": "cus_1", "object": "customer"})
    with django_assert_num_queries(6):
        assert post_webhook(client, ignored).json() == {"status": "ignored"}


def test_older_payloads_with_a_charges_list_are_understood(
    client: Client, payment: Payment
) -> None:
    event = succeeded_event(payment.intent_id, amount=2500, charge_id="ch_old", legacy=True)
    assert "latest_charge" not in event["data"]["object"]

    assert post_webhook(client, event).status_code == 200

    payment, order = _reload(payment)
    assert order.status == S.PAID
    assert payment.charge_id == "ch_old"
    assert payment.amount_received == order.total


@pytest.mark.parametrize(
    ("amount", "currency"), [(2400, "usd"), (2600, "usd"), (2500, "eur")], ids=str
)
def test_amount_or_currency_mismatch_flags_the_order_and_does_not_mark_it_paid(
    client: Client, payment: Payment, amount: int, currency: str
) -> None:
    event = succeeded_event(payment.intent_id, amount=amount, currency=currency)

    assert post_webhook(client, event).status_code == 200

    payment, order = _reload(payment)
    assert order.status == S.PENDING
    assert order.flagged
    assert payment.intent_id in order.flag_reason
    assert "not marked paid" in order.flag_reason
    assert payment.status == Payment.Status.SUCCEEDED  # the money is there; staff decide
    assert order.events.filter(type=OrderEvent.Type.FLAG).count() == 1
    assert WebhookEvent.objects.get().outcome == "amount mismatch: order flagged, not paid"


def test_an_intent_we_never_stored_pays_the_order_in_its_metadata(
    client: Client, payment: Payment
) -> None:
    event = succeeded_event("pi_lost_race", amount=2500)
    event["data"]["object"]["metadata"] = {"order_id": str(payment.order_id)}

    assert post_webhook(client, event).json() == {"status": "processed"}

    payment, order = _reload(payment)
    assert order.status == S.PAID
    assert (payment.intent_id, payment.status) == ("pi_lost_race", Payment.Status.SUCCEEDED)
    assert order.events.filter(message__contains="replaces").exists()


def test_an_unknown_intent_for_an_order_already_paid_flags_it(
    client: Client, paid: Payment
) -> None:
    event = succeeded_event("pi_other", amount=2500)
    event["data"]["object"]["metadata"] = {"order_id": str(paid.order_id)}

    assert post_webhook(client, event).status_code == 200

    paid, order = _reload(paid)
    assert paid.intent_id != "pi_other"
    assert order.status == S.PAID
    assert order.flagged
    assert "pi_other of 25.00 USD was received too" in order.flag_reason


def test_late_payment_after_expiry_revives_the_order_when_stock_is_left(
    client: Client, payment: Payment, product: Product
) -> None:
    Order.objects.filter(pk=payment.order_id).update(created_at=timezone.now() - timedelta(hours=1))
    assert [o.pk for o in orders_expire_pending()] == [payment.order_id]
    assert stock_of(product) == 5

    assert post_webhook(client, succeeded_event(payment.intent_id, amount=2500)).status_code == 200

    payment, order = _reload(payment)
    assert order.status == S.PAID
    assert order.stock_reserved
    assert order.cancelled_at is None
    assert order.paid_at is not None
    assert stock_of(product) == 3
    sku = default_variant(product).sku
    assert order_movements(order) == [
        (sku, "checkout", -2, 3),
        (sku, "expiry", 2, 5),
        (sku, "late_payment", -2, 3),
    ]
    assert stock_drift() == []
    assert not Refund.objects.exists()
    assert WebhookEvent.objects.get().outcome == "late payment: order revived and paid"


def test_late_payment_after_expiry_is_refunded_when_the_stock_is_gone(
    client: Client,
    payment: Payment,
    product: Product,
    gateway: FakeGateway,
    django_capture_on_commit_callbacks,
) -> None:
    Order.objects.filter(pk=payment.order_id).update(created_at=timezone.now() - timedelta(hours=1))
    orders_expire_pending()
    # sold to someone else meanwhile
    stock_adjust(variant=default_variant(product), set_to=1, actor=None)

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        response = post_webhook(client, succeeded_event(payment.intent_id, amount=2500))
    assert response.status_code == 200
    assert gateway.calls_of("refund_create") == []  # never inside the transaction
    for callback in after_commit:
        callback()

    payment, order = _reload(payment)
    assert order.status == S.CANCELLED
    assert not order.stock_reserved
    assert stock_of(product) == 1
    assert [reason for _, reason, _, _ in order_movements(order)] == ["checkout", "expiry"]
    assert stock_drift() == []
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.created_by) == (order.total, "succeeded", None)
    assert "cancelled" in refund.reason
    assert product.name in refund.reason
    [call] = gateway.calls_of("refund_create")
    assert call["amount"] == 2500
    assert call["idempotency_key"] == f"refund-{refund.pk}"
    assert payment.amount_refunded == order.refunded_amount == order.total
    assert WebhookEvent.objects.get().outcome == "late payment: refunded"


def test_late_payment_takes_all_of_its_stock_or_none(
    client: Client, customer: User, gateway: FakeGateway
) -> None:
    plenty, scarce = product_make(price="5.00", stock=10), product_make(price="10.00", stock=2)
    order = order_place(user=customer, items=[(plenty, 1), (scarce, 2)])
    payment_intent_create(user=customer, order_id=order.pk)
    payment = Payment.objects.select_related("order").get(order=order)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=1))
    orders_expire_pending()
    stock_adjust(variant=default_variant(scarce), set_to=1, actor=None)

    post_webhook(client, succeeded_event(payment.intent_id, amount=2500))

    assert (stock_of(plenty), stock_of(scarce)) == (10, 1)
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    assert Refund.objects.get().amount == 25
    assert not any(reason == "late_payment" for _, reason, _, _ in order_movements(order))
    assert stock_drift() == []


def test_payment_for_an_order_its_customer_cancelled_is_refunded(
    client: Client,
    payment: Payment,
    customer: User,
    product: Product,
    django_capture_on_commit_callbacks,
) -> None:
    order_cancel(order=payment.order, actor=customer)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, succeeded_event(payment.intent_id, amount=2500))
    assert response.status_code == 200

    payment, order = _reload(payment)
    assert order.status == S.CANCELLED
    assert stock_of(product) == 5  # stock left, but the customer did not want the order
    sku = default_variant(product).sku
    assert order_movements(order) == [(sku, "checkout", -2, 3), (sku, "cancel", 2, 5)]
    assert stock_drift() == []
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


def test_an_automatic_refund_stripe_refuses_flags_the_order(
    client: Client,
    payment: Payment,
    customer: User,
    gateway: FakeGateway,
    django_capture_on_commit_callbacks,
) -> None:
    order_cancel(order=payment.order, actor=customer)
    gateway.error = GatewayError("The payment provider did not complete the request: no.")

    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, succeeded_event(payment.intent_id, amount=2500))

    assert response.status_code == 200
    order = Order.objects.get(pk=payment.order_id)
    assert order.flagged
    assert "refund the customer by hand" in order.flag_reason
    assert Refund.objects.get().status == Refund.Status.FAILED


def test_an_automatic_refund_is_a_task_queued_after_commit(
    client: Client,
    payment: Payment,
    customer: User,
    gateway: FakeGateway,
    settings: pytest.FixtureRequest,
    django_capture_on_commit_callbacks,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    order_cancel(order=payment.order, actor=customer)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, succeeded_event(payment.intent_id, amount=2500))

    assert response.status_code == 200
    assert gateway.calls_of("refund_create") == []  # not sent within the request
    refund = Refund.objects.get()
    [queued] = default_task_backend.results
    assert queued.task.name == "refund_send_automatic"
    assert queued.kwargs == {"refund_id": refund.pk}
    assert refund.status == Refund.Status.PENDING

    refund_send_automatic.call(refund_id=refund.pk)  # what the worker does
    refund_send_automatic.call(refund_id=refund.pk)  # run twice: sent once
    assert len(gateway.calls_of("refund_create")) == 1
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


def test_an_automatic_refund_that_crashes_keeps_the_webhook_a_200(
    client: Client,
    payment: Payment,
    customer: User,
    gateway: FakeGateway,
    django_capture_on_commit_callbacks,
) -> None:
    order_cancel(order=payment.order, actor=customer)
    gateway.error = RuntimeError("a bug, not a gateway error")  # type: ignore[assignment]

    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, succeeded_event(payment.intent_id, amount=2500))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().processed_at is not None
    assert Refund.objects.get().status == Refund.Status.PENDING  # reconciliation resends it


# --- payment_intent.payment_failed ---------------------------------------------------------


def test_a_failed_payment_is_recorded_and_the_order_stays_pending(
    client: Client, payment: Payment
) -> None:
    event = failed_event(
        payment.intent_id, amount=2500, failure="Your card has insufficient funds."
    )

    assert post_webhook(client, event).json() == {"status": "processed"}

    payment, order = _reload(payment)
    assert order.status == S.PENDING
    assert payment.status == Payment.Status.REQUIRES_PAYMENT_METHOD
    assert payment.last_error == "Your card has insufficient funds."
    assert order.events.filter(
        type=OrderEvent.Type.PAYMENT, message__contains="insufficient funds"
    ).exists()


def test_success_after_a_failure_marks_the_order_paid(client: Client, payment: Payment) -> None:
    post_webhook(client, failed_event(payment.intent_id, amount=2500))
    post_webhook(client, succeeded_event(payment.intent_id, amount=2500))

    payment, order = _reload(payment)
    assert order.status == S.PAID
    assert payment.last_error == ""


def test_a_late_failure_never_moves_a_paid_order_back(client: Client, paid: Payment) -> None:
    response = post_webhook(client, failed_event(paid.intent_id, amount=2500))

    assert response.status_code == 200
    payment, order = _reload(paid)
    assert order.status == S.PAID
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.last_error == ""
    assert WebhookEvent.objects.latest("id").outcome == "ignored: payment already settled"


# --- refunds and disputes ------------------------------------------------------------------


def test_partial_then_full_charge_refunds(client: Client, paid: Payment) -> None:
    post_webhook(client, charge_refunded_event(paid.intent_id, amount=2500, refunded=1000))

    payment, order = _reload(paid)
    assert order.refunded_amount == payment.amount_refunded == 10
    assert order.status == S.PAID

    post_webhook(client, charge_refunded_event(paid.intent_id, amount=2500, refunded=2500))

    payment, order = _reload(paid)
    assert order.refunded_amount == 25
    assert order.status == S.REFUNDED
    assert order.events.filter(type=OrderEvent.Type.REFUND).count() == 2


def test_an_older_smaller_cumulative_figure_never_lowers_the_refund(
    client: Client, paid: Payment
) -> None:
    post_webhook(client, charge_refunded_event(paid.intent_id, amount=2500, refunded=1500))
    post_webhook(client, charge_refunded_event(paid.intent_id, amount=2500, refunded=500))

    payment, order = _reload(paid)
    assert order.refunded_amount == payment.amount_refunded == 15


def test_a_refund_that_arrives_before_the_payment_still_ends_refunded(
    client: Client, payment: Payment
) -> None:
    post_webhook(client, charge_refunded_event(payment.intent_id, amount=2500, refunded=2500))
    _, order = _reload(payment)
    assert order.status == S.PENDING

    post_webhook(client, succeeded_event(payment.intent_id, amount=2500))

    _, order = _reload(payment)
    assert order.status == S.REFUNDED
    assert order.paid_at is not None


def test_refund_made_in_the_stripe_dashboard_is_recorded(client: Client, paid: Payment) -> None:
    event = refund_event("re_dash", intent_id=paid.intent_id, amount=700, status="succeeded")

    assert post_webhook(client, event).json() == {"status": "processed"}

    refund = Refund.objects.get()
    assert (refund.stripe_id, refund.amount, refund.status) == ("re_dash", 7, "succeeded")
    assert refund.created_by is None
    _, order = _reload(paid)
    assert order.refunded_amount == 7


def test_the_customers_refund_event_shows_money_with_two_places(
    client: Client, paid: Payment
) -> None:
    event = refund_event("re_cents", intent_id=paid.intent_id, amount=1234, status="succeeded")

    post_webhook(client, event)

    _, order = _reload(paid)
    message = order.events.get(type=OrderEvent.Type.REFUND).message
    assert message == "Refunded 12.34 USD; 12.34 USD of 25.00 USD refunded in all."


def test_refund_updates_under_the_older_event_name_are_applied(
    client: Client, paid: Payment
) -> None:
    event = refund_event(
        "re_old",
        intent_id=paid.intent_id,
        amount=2500,
        status="succeeded",
        type="charge.refund.updated",
    )

    post_webhook(client, event)

    _, order = _reload(paid)
    assert order.status == S.REFUNDED


def test_dispute_flags_the_order_for_staff(client: Client, paid: Payment) -> None:
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 2500,
        "currency": "usd",
        "charge": "ch_test1",  # older payloads have no payment_intent: found by charge
        "reason": "fraudulent",
        "status": "needs_response",
    }

    response = post_webhook(client, event_make("charge.dispute.created", dispute))

    assert response.json() == {"status": "processed"}
    _, order = _reload(paid)
    assert order.flagged
    assert "dp_1" in order.flag_reason
    assert "fraudulent" in order.flag_reason
    assert order.status == S.PAID
    assert order.events.filter(type=OrderEvent.Type.FLAG).exists()
