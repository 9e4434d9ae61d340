"""Refunds: never more than was received minus what is refunded or on its way back.

A refund row is written first (pending, holding its amount), then Stripe is asked with
the idempotency key `refund-<id>`, then its answer is applied. So staff refunds make the
network call outside any row lock, and a refund whose answer was lost (a timeout) is
sent again with the same key by reconciliation, which Stripe never carries out twice.
Refunded amounts only grow: the larger of Stripe's cumulative figure and our own sum.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet, Sum
from django.tasks import task
from django.utils import timezone

from accounts.models import User
from core.errors import NotFound
from payments.errors import GatewayError, RefundNotAllowed, RefundTooLarge
from payments.gateway import RefundState, from_minor_units, gateway_get, to_minor_units
from payments.models import Payment, Refund
from payments.selectors import payment_locked, refundable_amount
from shop.models import Order
from shop.money import money_format
from shop.order_flow import order_flag, order_refund_record

logger = logging.getLogger(__name__)

# A refund still without a Stripe id this long after it was written lost its answer;
# Stripe keeps idempotency keys for 24 hours, so it is sent again only before that.
UNSENT_AFTER = timedelta(minutes=10)
RESEND_UNTIL = timedelta(hours=23)
SETTLED = (Refund.Status.SUCCEEDED, Refund.Status.FAILED, Refund.Status.CANCELED)


def refund_open(
    *, payment: Payment, amount: Decimal | None, actor: User | None, reason: str
) -> Refund:
    """Write a pending refund of `amount` (default: all that is left), or refuse.

    Call inside a transaction, with `payment` locked (`payment_locked`).
    """
    order = payment.order
    if payment.status != Payment.Status.SUCCEEDED:
        raise RefundNotAllowed(f"Order {order.number} has no completed payment to refund.")
    left = refundable_amount(payment=payment)
    currency = payment.currency.upper()
    if left <= 0:
        raise RefundTooLarge(
            f"Nothing is left to refund on order {order.number}.", available="0.00"
        )
    # What the currency can carry (no cents in JPY).
    amount = from_minor_units(
        to_minor_units(left if amount is None else amount, currency), currency
    )
    if amount <= 0:
        raise RefundNotAllowed(f"A refund must be more than 0 {currency}.")
    if amount > left:
        raise RefundTooLarge(
            f"Only {left} {currency} is left to refund on order {order.number}.",
            available=str(left),
        )
    return Refund.objects.create(
        payment=payment,
        order=order,
        amount=amount,
        currency=payment.currency,
        reason=reason,
        created_by=actor,
    )


def refund_send(*, refund: Refund) -> Refund:
    """Ask Stripe for `refund` and apply the answer; a clear refusal marks it failed."""
    try:
        state = gateway_get().refund_create(
            intent_id=refund.payment.intent_id,
            amount=to_minor_units(refund.amount, refund.currency),
            metadata={"order_id": str(refund.order_id), "refund_id": str(refund.pk)},
            idempotency_key=f"refund-{refund.pk}",
        )
    except GatewayError as error:
        if not error.ambiguous:  # else it stays pending, to be sent again
            Refund.objects.filter(pk=refund.pk, stripe_id__isnull=True).update(
                status=Refund.Status.FAILED, failure_reason=error.message, updated_at=timezone.now()
            )
        raise
    return refund_state_apply(refund=refund, state=state)


@task()
def refund_send_automatic(*, refund_id: int) -> None:
    """Task: send a refund the system opened (a late payment), off the webhook's request.

    A lost answer leaves it pending for reconciliation to resend with the same key; a
    refusal flags the order, since the customer still has to get the money back. Any
    other error fails the task and leaves the refund pending for reconciliation too.
    """
    refund = Refund.objects.select_related("payment", "order").get(pk=refund_id)
    if refund.status != Refund.Status.PENDING or refund.stripe_id:
        return  # sent already (the task ran twice)
    try:
        refund_send(refund=refund)
    except GatewayError as error:
        logger.warning("Automatic refund %s not confirmed: %s", refund.pk, error.message)
        if not error.ambiguous:
            order_flag(
                order=refund.order,
                reason=f"Automatic refund of {money_format(refund.amount, refund.currency)} was "
                f"refused by Stripe ({error.message}): refund the customer by hand.",
            )


def refund_send_on_commit(*, refund: Refund) -> None:
    """Queue `refund_send_automatic` for once the refund row is committed."""
    transaction.on_commit(lambda: refund_send_automatic.enqueue(refund_id=refund.pk), robust=True)


def refund_create(
    *, order_id: int, amount: Decimal | None, actor: User | None, reason: str = ""
) -> Refund:
    """Staff: refund `amount` of the order's payment (default: all that is left)."""
    with transaction.atomic():
        payment = payment_locked(order_id=order_id)
        if payment is None:
            order = Order.objects.filter(pk=order_id).first()
            if order is None:
                raise NotFound("Order not found.")
            raise RefundNotAllowed(f"Order {order.number} has no payment to refund.")
        refund = refund_open(
            payment=payment, amount=amount, actor=actor, reason=reason or "Refunded by staff."
        )
    return refund_send(refund=refund)


@transaction.atomic
def refund_state_apply(*, refund: Refund, state: RefundState) -> Refund:
    """Record what Stripe says about `refund`; its amount counts once it succeeded.

    A settled refund does not go back to pending. One that fails after it succeeded
    flags the order: the customer may not have the money back.
    """
    refunds = Refund.objects.select_for_update(of=("self",)).select_related("payment__order")
    locked = refunds.get(pk=refund.pk)
    previous = locked.status
    if not (previous in SETTLED and state.status not in SETTLED):
        locked.status = state.status
    locked.stripe_id = locked.stripe_id or state.id
    locked.failure_reason = state.failure_reason or locked.failure_reason
    locked.save(update_fields=["stripe_id", "status", "failure_reason", "updated_at"])
    if previous == Refund.Status.SUCCEEDED and locked.status != previous:
        order_flag(
            order=locked.payment.order,
            reason=f"Refund {state.id} of {money_format(locked.amount, locked.currency)} is "
            f"{locked.status} after it had succeeded ({state.failure_reason or 'no reason given'})"
            ": the customer may not have the money back.",
        )
    refunds_sync(payment=locked.payment)
    return locked


def refunds_sync(*, payment: Payment, cumulative: Decimal | None = None) -> None:
    """Raise the payment's and its order's refunded amounts to what is known (never lower).

    `cumulative`: Stripe's own total (charge.refunded), which includes refunds made in
    the Stripe dashboard. Call inside a transaction.
    """
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    ours = Refund.objects.filter(payment=payment, status=Refund.Status.SUCCEEDED).aggregate(
        total=Sum("amount")
    )["total"]
    total = max(locked.amount_refunded, ours or Decimal("0.00"), cumulative or Decimal("0.00"))
    if total != locked.amount_refunded:
        Payment.objects.filter(pk=payment.pk).update(
            amount_refunded=total, updated_at=timezone.now()
        )
    payment.amount_refunded = total
    if total:
        order_refund_record(order=payment.order, refunded=total)


def refund_for_state(*, state: RefundState) -> Refund | None:
    """Our row for a refund Stripe reports: by its id, by our metadata, or a new row for a
    refund made in the Stripe dashboard. None if its payment is not ours.
    """
    refunds = Refund.objects.select_related("payment__order")
    refund = refunds.filter(stripe_id=state.id).first()
    if refund is None and (ours := state.metadata.get("refund_id", "")).isdigit():
        unsaved = refunds.filter(pk=int(ours), stripe_id__isnull=True)  # its answer was lost
        refund = unsaved.filter(payment__intent_id=state.payment_intent_id).first()
    if refund is not None:
        return refund
    payment = payment_locked(intent_id=state.payment_intent_id, charge_id=state.charge_id)
    if payment is None:
        return None
    # Looked up again under the payment's lock: two events about one dashboard refund
    # (refund.updated, charge.refund.updated) arriving at once make one row.
    refund, _ = refunds.get_or_create(
        stripe_id=state.id,
        defaults={
            "payment": payment,
            "order": payment.order,
            "amount": from_minor_units(state.amount, state.currency),
            "currency": state.currency,
            "reason": "Made in the Stripe dashboard.",
        },
    )
    return refund


def refunds_unsent(*, now: datetime) -> QuerySet[Refund]:
    """Refunds that never got Stripe's answer (a lost connection), young enough to resend."""
    return (
        Refund.objects.filter(
            status=Refund.Status.PENDING,
            stripe_id__isnull=True,
            created_at__lt=now - UNSENT_AFTER,
            created_at__gte=now - RESEND_UNTIL,
        )
        .select_related("payment__order")
        .order_by("pk")
    )
