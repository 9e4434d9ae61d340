"""manage.py reconcile_payments: what Stripe has, applied for webhooks that were lost."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from catalog.tests.factories import product_make
from payments.errors import GatewayError
from payments.models import Payment
from payments.services import payment_intent_create, payments_reconcile
from payments.tests.helpers import FakeGateway
from shop.models import Order, OrderStatus
from shop.order_flow import orders_expire_pending
from shop.tests.factories import order_place

pytestmark = pytest.mark.django_db
S = OrderStatus


def _succeed(gateway: FakeGateway, payment: Payment) -> None:
    gateway.intent_update(
        payment.intent_id, status="succeeded", amount_received=2500, charge_id="ch_r"
    )


def _run() -> str:
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    return out.getvalue()


def test_a_lost_success_marks_the_order_paid_and_a_rerun_changes_nothing(
    payment: Payment, gateway: FakeGateway
) -> None:
    _succeed(gateway, payment)

    output = _run()

    assert f"{payment.order.number} ({payment.intent_id}): order paid" in output
    assert "1 checked, 0 failed." in output
    order = Order.objects.get(pk=payment.order_id)
    assert order.status == S.PAID
    assert Payment.objects.get(pk=payment.pk).charge_id == "ch_r"
    assert "0 checked, 0 failed." in _run()
    assert order.events.filter(to_status=S.PAID).count() == 1


def test_a_lost_failure_is_recorded_once(payment: Payment, gateway: FakeGateway) -> None:
    gateway.intent_update(payment.intent_id, failure_message="Your card was declined.")

    _run()
    _run()

    payment.refresh_from_db()
    assert payment.last_error == "Your card was declined."
    assert payment.order.events.filter(message__contains="declined").count() == 1
    assert Order.objects.get(pk=payment.order_id).status == S.PENDING


def test_a_payment_lost_before_expiry_still_finds_its_order(
    payment: Payment, gateway: FakeGateway
) -> None:
    Order.objects.filter(pk=payment.order_id).update(created_at=timezone.now() - timedelta(hours=1))
    orders_expire_pending()
    _succeed(gateway, payment)

    payments_reconcile()

    assert Order.objects.get(pk=payment.order_id).status == S.PAID


def test_the_window_counts_from_the_cancellation_not_the_payment(
    payment: Payment, gateway: FakeGateway
) -> None:
    long_ago = timezone.now() - timedelta(days=3)
    Order.objects.filter(pk=payment.order_id).update(created_at=long_ago)
    Payment.objects.filter(pk=payment.pk).update(created_at=long_ago)
    orders_expire_pending()  # expiry ran late: cancelled just now
    _succeed(gateway, payment)

    payments_reconcile()

    assert Order.objects.get(pk=payment.order_id).status == S.PAID


def test_old_cancelled_orders_are_left_alone(payment: Payment, gateway: FakeGateway) -> None:
    Order.objects.filter(pk=payment.order_id).update(
        status=S.CANCELLED, cancelled_at=timezone.now()
    )

    report = payments_reconcile(now=timezone.now() + timedelta(days=2))

    assert report.applied == report.errors == []
    assert not gateway.calls_of("intent_retrieve")


def test_one_failure_does_not_stop_the_others_and_fails_the_command(
    payment: Payment, customer: User, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = order_place(user=customer, items=[(product_make(price="25.00"), 1)])
    payment_intent_create(user=customer, order_id=other.pk)
    other_payment = Payment.objects.get(order=other)
    _succeed(gateway, other_payment)
    retrieve = gateway.intent_retrieve

    def flaky(*, intent_id: str) -> object:
        if intent_id == payment.intent_id:
            raise GatewayError("Stripe is down.", ambiguous=True)
        return retrieve(intent_id=intent_id)

    monkeypatch.setattr(gateway, "intent_retrieve", flaky)
    err = StringIO()

    with pytest.raises(CommandError, match="1 failed"):
        call_command("reconcile_payments", stdout=StringIO(), stderr=err)

    assert "Stripe is down." in err.getvalue()
    assert Order.objects.get(pk=other.pk).status == S.PAID
