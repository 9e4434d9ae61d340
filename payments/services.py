"""Payment services: intents for orders, applying what Stripe reports, reconciliation.

Everything that changes a payment goes through here, whether it comes from the API, a
webhook (`payments.webhooks`), the admin or `manage.py reconcile_payments`. Orders move
only through `shop.order_flow`. What Stripe reports is applied monotonically: a
succeeded or canceled payment never changes status again, refunded amounts only grow.
Refunds are in `payments.refunds`.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from catalog.errors import OutOfStock
from core.errors import NotFound
from payments.errors import NothingToPay, PaymentNotAllowed
from payments.gateway import Intent, from_minor_units, gateway_get, to_minor_units
from payments.models import Payment, Refund
from payments.refunds import (
    refund_open,
    refund_send,
    refund_send_on_commit,
    refunds_sync,
    refunds_unsent,
)
from payments.selectors import payment_locked
from shop.errors import InvalidTransition
from shop.models import Order, OrderEvent, OrderStatus
from shop.money import money_format
from shop.order_flow import order_event_record, order_flag, order_mark_paid, order_revive_paid

logger = logging.getLogger(__name__)

# Reconciliation also asks about orders cancelled this recently (by `cancelled_at`): a payment
# whose webhook was lost must still find its order (or be refunded).
RECONCILE_CANCELLED_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class PaymentIntentResult:
    payment_intent_id: str
    client_secret: str
    amount: int  # minor units
    currency: str
    publishable_key: str


def payment_intent_create(*, user: User, order_id: int) -> PaymentIntentResult:
    """The PaymentIntent of the caller's PENDING order: created once, then the same one.

    Stripe is called outside any transaction; its idempotency key `order-<id>-intent`
    makes two concurrent first calls get one intent, and the payment row is unique per
    order: a call that lost the race to store its intent answers with the stored one.
    """
    order = Order.objects.filter(pk=order_id, user=user).first()
    if order is None:
        raise NotFound("Order not found.")
    if not order.total:
        raise NothingToPay(
            f"Order {order.number} has nothing to pay: it is confirmed without a payment.",
            order_status=order.status,
        )
    if order.status != OrderStatus.PENDING:
        raise PaymentNotAllowed(
            f"Order {order.number} is {order.get_status_display().lower()}: only an order "
            "pending payment can be paid.",
            order_status=order.status,
        )
    gateway = gateway_get()
    payment = Payment.objects.filter(order=order).first()
    if payment is not None:
        intent = gateway.intent_retrieve(intent_id=payment.intent_id)
    else:
        intent = gateway.intent_create(
            amount=to_minor_units(order.total, order.currency),
            currency=order.currency,
            metadata={"order_id": str(order.pk), "order_number": order.number},
            idempotency_key=f"order-{order.pk}-intent",
        )
        with transaction.atomic():
            payment, created = Payment.objects.get_or_create(
                order=order,
                defaults={
                    "intent_id": intent.id,
                    "amount": order.total,
                    "currency": order.currency,
                    "status": intent.status,
                },
            )
            if created:
                order_event_record(
                    order=order,
                    type=OrderEvent.Type.PAYMENT,
                    message=f"Payment {intent.id} started.",
                )
        if payment.intent_id != intent.id:  # a concurrent first call stored its intent first
            intent = gateway.intent_retrieve(intent_id=payment.intent_id)
    return PaymentIntentResult(
        payment_intent_id=intent.id,
        client_secret=intent.client_secret,
        amount=intent.amount,
        currency=intent.currency,
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
    )


def _money(amount: int, currency: str) -> str:
    return money_format(from_minor_units(amount, currency), currency)


def payment_succeeded_apply(*, payment: Payment, intent: Intent) -> str:
    """The intent succeeded: mark the order paid if the money matches it (payment locked).

    Applied once: a payment already recorded as succeeded changes nothing. A payment for
    an order that expiry cancelled revives it, or is refunded if its stock is gone.
    """
    if payment.status == Payment.Status.SUCCEEDED:
        return "already applied"
    order = payment.order
    payment.status = Payment.Status.SUCCEEDED
    payment.amount_received = from_minor_units(intent.amount_received, intent.currency)
    payment.charge_id = intent.charge_id or payment.charge_id
    payment.last_error = ""
    payment.save(
        update_fields=["status", "amount_received", "charge_id", "last_error", "updated_at"]
    )
    received = _money(intent.amount_received, intent.currency)
    expected = to_minor_units(order.total, order.currency)
    if intent.currency != order.currency or intent.amount_received != expected:
        order_flag(
            order=order,
            reason=f"Payment {intent.id} received {received}, but the order total is "
            f"{money_format(order.total, order.currency)}: not marked paid. Check and refund.",
        )
        return "amount mismatch: order flagged, not paid"
    match order.status:
        case OrderStatus.PENDING:
            order_mark_paid(order=order, note=f"Payment {intent.id} of {received} received.")
        case OrderStatus.CANCELLED:
            return _late_payment_apply(payment=payment, intent=intent)
        case _:
            return f"order already {order.status}"
    if payment.amount_refunded:  # refund events that arrived before this one
        refunds_sync(payment=payment)
    return "order paid"


def _late_payment_apply(*, payment: Payment, intent: Intent) -> str:
    """Money for a cancelled order: revive it (expired, stock still there) or give it back."""
    try:
        order_revive_paid(
            order=payment.order,
            note=f"Payment {intent.id} came after the order expired; its stock is taken again.",
        )
    except (InvalidTransition, OutOfStock) as refusal:
        refund = refund_open(
            payment=payment,
            amount=None,
            actor=None,
            reason=f"Paid after the order was cancelled. {refusal.message} Refunded automatically.",
        )
        refund_send_on_commit(refund=refund)
        return "late payment: refunded"
    return "late payment: order revived and paid"


def payment_for_unknown_intent(*, intent: Intent) -> Payment | None:
    """The payment of the order named in the metadata of an intent we never stored.

    Two first calls for one order could each create an intent and only one was stored;
    money received on the other still belongs to that order. Its payment, while not yet
    settled, takes the intent over (payment and order locked); a settled one flags the
    order, as the money came twice. Call inside a transaction.
    """
    order_id = intent.metadata.get("order_id", "")
    payment = payment_locked(order_id=int(order_id)) if order_id.isdigit() else None
    if payment is None:
        return None
    if payment.settled:
        if intent.amount_received:  # the customer paid twice
            order_flag(
                order=payment.order,
                reason=f"Payment {intent.id} of {_money(intent.amount_received, intent.currency)}"
                f" was received too, but the order has payment {payment.intent_id}: refund "
                "it in the Stripe dashboard.",
            )
        return None
    previous, payment.intent_id = payment.intent_id, intent.id
    payment.save(update_fields=["intent_id", "updated_at"])
    order_event_record(
        order=payment.order,
        type=OrderEvent.Type.PAYMENT,
        message=f"Payment {intent.id} replaces {previous}, which was never paid.",
    )
    return payment


def payment_failed_apply(*, payment: Payment, intent: Intent) -> str:
    """An attempt failed: record why; the order stays PENDING so the customer can retry."""
    if payment.settled:
        return "ignored: payment already settled"
    payment.status = intent.status
    payment.last_error = intent.failure_message or "The payment failed."
    payment.save(update_fields=["status", "last_error", "updated_at"])
    order_event_record(
        order=payment.order,
        type=OrderEvent.Type.PAYMENT,
        message=f"Payment attempt failed: {payment.last_error}",
    )
    return "payment failure recorded"


@transaction.atomic
def payment_intent_apply(*, intent: Intent) -> str:
    """Apply an intent as Stripe has it now (reconciliation): success, a new failure, a status."""
    payment = payment_locked(intent_id=intent.id)
    if payment is None:
        return "unknown intent"
    if intent.status == Payment.Status.SUCCEEDED:
        return payment_succeeded_apply(payment=payment, intent=intent)
    if intent.failure_message and intent.failure_message != payment.last_error:
        return payment_failed_apply(payment=payment, intent=intent)
    if payment.settled or payment.status == intent.status:
        return "unchanged"
    payment.status = intent.status
    payment.save(update_fields=["status", "updated_at"])
    return f"status {intent.status}"


@dataclass
class ReconcileReport:
    applied: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def payments_reconcile(*, now: datetime | None = None) -> ReconcileReport:
    """Ask Stripe about every unsettled payment of a PENDING (or just expired) order.

    For webhooks that never arrived; safe to run at any time and again. Also sends
    refunds that were left without an answer from Stripe, with their idempotency key.
    Each payment is applied in its own transaction; one failure does not stop the rest.
    """
    now = now or timezone.now()
    report = ReconcileReport()
    payments = (
        Payment.objects.exclude(status__in=[Payment.Status.SUCCEEDED, Payment.Status.CANCELED])
        .filter(
            Q(order__status=OrderStatus.PENDING)
            | Q(
                order__status=OrderStatus.CANCELLED,
                order__cancelled_at__gte=now - RECONCILE_CANCELLED_WINDOW,
            )
        )
        .select_related("order")
        .order_by("pk")
    )
    gateway = gateway_get()
    for payment in payments:
        try:
            outcome = payment_intent_apply(
                intent=gateway.intent_retrieve(intent_id=payment.intent_id)
            )
        except Exception as error:  # reported; the other payments still get their turn
            logger.exception("Reconciling payment %s failed", payment.intent_id)
            report.errors.append(f"{payment.order.number} ({payment.intent_id}): {error}")
        else:
            report.applied.append(f"{payment.order.number} ({payment.intent_id}): {outcome}")
    for refund in refunds_unsent(now=now):
        try:
            sent = refund_send(refund=refund)
        except Exception as error:  # reported; the other refunds still get their turn
            logger.exception("Sending refund %s failed", refund.pk)
            report.errors.append(f"refund {refund.pk}: {error}")
        else:
            report.applied.append(f"refund {sent.pk}: {Refund.Status(sent.status).label}")
    return report
