"""Reads of payments: a payment by its Stripe ids (locked) or its order, what is left to
refund, and the webhook events that failed."""

from decimal import Decimal

from django.db.models import Q, Sum

from payments.models import Payment, Refund, WebhookEvent

# A webhook event that was received but could not be applied (it waits to be processed again).
WEBHOOK_FAILED = Q(processed_at__isnull=True, error__gt="")


def payment_locked(
    *, intent_id: str = "", charge_id: str = "", order_id: int = 0
) -> Payment | None:
    """A payment, row-locked with its order: by intent, by charge (older payloads), by order.

    Call inside a transaction.
    """
    payments = Payment.objects.select_for_update(of=("self", "order")).select_related("order")
    if intent_id and (payment := payments.filter(intent_id=intent_id).first()):
        return payment
    if charge_id and (payment := payments.filter(charge_id=charge_id).first()):
        return payment
    if order_id:
        return payments.filter(order_id=order_id).first()
    return None


def payment_of_order(*, order_id: int) -> Payment | None:
    return Payment.objects.filter(order_id=order_id).first()


def refundable_amount(*, payment: Payment) -> Decimal:
    """Received minus what is refunded or on its way back (pending refunds hold their amount)."""
    if payment.status != Payment.Status.SUCCEEDED:
        return Decimal("0.00")
    held = payment.refunds.filter(status__in=Refund.HELD).aggregate(total=Sum("amount"))["total"]
    taken = max(payment.amount_refunded, held or Decimal("0.00"))
    return max(payment.amount_received - taken, Decimal("0.00"))


def webhook_failures_count() -> int:
    return WebhookEvent.objects.filter(WEBHOOK_FAILED).count()
