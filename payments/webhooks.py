"""Stripe webhooks: verify, record in the ledger, apply, all or nothing.

The signature is checked over the raw body first (else 400, nothing stored). Then one
transaction inserts the `WebhookEvent` row (its unique Stripe id makes a repeat a
no-op) and applies the event. Any exception rolls all of it back and answers 500, so
Stripe retries; the failure is then recorded on the ledger, for staff to see and
process again. Handlers are monotonic: a late or repeated event never moves an order
backwards.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.utils import timezone

from payments.errors import WebhookFailed
from payments.gateway import (
    ChargeRefunds,
    Dispute,
    GatewayEvent,
    Intent,
    PaymentGateway,
    RefundState,
    from_minor_units,
    gateway_get,
)
from payments.models import WebhookEvent
from payments.refunds import refund_for_state, refund_state_apply, refunds_sync
from payments.selectors import payment_locked
from payments.services import (
    payment_failed_apply,
    payment_for_unknown_intent,
    payment_succeeded_apply,
)
from shop.order_flow import order_flag

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookReceipt:
    status: Literal["processed", "ignored", "duplicate"]
    outcome: str


def _intent_succeeded(intent: Intent) -> str:
    payment = payment_locked(intent_id=intent.id) or payment_for_unknown_intent(intent=intent)
    if payment is None:
        return f"ignored: no order has intent {intent.id}"
    return payment_succeeded_apply(payment=payment, intent=intent)


def _intent_failed(intent: Intent) -> str:
    payment = payment_locked(intent_id=intent.id)
    if payment is None:
        return f"ignored: no order has intent {intent.id}"
    return payment_failed_apply(payment=payment, intent=intent)


def _charge_refunded(charge: ChargeRefunds) -> str:
    payment = payment_locked(intent_id=charge.payment_intent_id, charge_id=charge.id)
    if payment is None:
        return f"ignored: no order has charge {charge.id}"
    refunds_sync(
        payment=payment, cumulative=from_minor_units(charge.amount_refunded, charge.currency)
    )
    return f"refunded {payment.amount_refunded} in all"


def _refund_updated(state: RefundState) -> str:
    refund = refund_for_state(state=state)
    if refund is None:
        return f"ignored: no order has refund {state.id}"
    return f"refund {refund_state_apply(refund=refund, state=state).status}"


def _dispute_created(dispute: Dispute) -> str:
    payment = payment_locked(intent_id=dispute.payment_intent_id, charge_id=dispute.charge_id)
    if payment is None:
        return f"ignored: no order has charge {dispute.charge_id}"
    amount = from_minor_units(dispute.amount, dispute.currency or payment.currency)
    order_flag(
        order=payment.order,
        reason=f"Dispute {dispute.id} opened on payment {payment.intent_id}: {amount} "
        f"{(dispute.currency or payment.currency).upper()}, reason "
        f"{dispute.reason or 'not given'}. Respond in the Stripe dashboard.",
    )
    return "dispute: order flagged"


# Event type → (what its object parses to, handler). Other types are answered and ignored.
HANDLERS: dict[str, tuple[type, Callable[[Any], str]]] = {
    "payment_intent.succeeded": (Intent, _intent_succeeded),
    "payment_intent.payment_failed": (Intent, _intent_failed),
    "charge.refunded": (ChargeRefunds, _charge_refunded),
    "refund.updated": (RefundState, _refund_updated),
    "charge.refund.updated": (RefundState, _refund_updated),  # its name before refund.updated
    "charge.dispute.created": (Dispute, _dispute_created),
}


def _ledger_claim(event: GatewayEvent) -> WebhookEvent | None:
    """This event's ledger row, new or failed before, locked; None if it was applied."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(
                stripe_id=event.id, type=event.type, payload=event.payload
            )
    except IntegrityError:  # seen before: applied (a repeat), or failed and now retried
        ledger = WebhookEvent.objects.select_for_update().get(stripe_id=event.id)
        return None if ledger.processed_at else ledger


@transaction.atomic
def _event_apply(*, event: GatewayEvent, gateway: PaymentGateway) -> WebhookReceipt:
    ledger = _ledger_claim(event)
    if ledger is None:
        return WebhookReceipt(status="duplicate", outcome="already applied")
    handler = HANDLERS.get(event.type)
    subject = gateway.event_subject(event) if handler else None
    if handler is None or not isinstance(subject, handler[0]):
        receipt = WebhookReceipt(status="ignored", outcome="ignored")
    else:
        receipt = WebhookReceipt(status="processed", outcome=handler[1](subject))
    ledger.processed_at = timezone.now()
    ledger.outcome = receipt.outcome[:255]
    ledger.error = ""
    ledger.save(update_fields=["processed_at", "outcome", "error"])
    return receipt


def _failure_record(*, event: GatewayEvent, error: str) -> None:
    with transaction.atomic():
        ledger, created = WebhookEvent.objects.get_or_create(
            stripe_id=event.id,
            defaults={"type": event.type, "payload": event.payload, "error": error},
        )
        if not created and ledger.processed_at is None:
            ledger.error = error
            ledger.save(update_fields=["error"])


def webhook_event_process(*, event: GatewayEvent, gateway: PaymentGateway) -> WebhookReceipt:
    """Apply a verified event once; on any error roll back, record it and raise WebhookFailed."""
    try:
        return _event_apply(event=event, gateway=gateway)
    except Exception as error:  # rolled back above; recorded and reported as a 500
        logger.exception("Stripe event %s (%s) failed", event.id, event.type)
        _failure_record(event=event, error=f"{type(error).__name__}: {error}")
        raise WebhookFailed(
            f"Event {event.id} could not be applied and was rolled back; Stripe will retry."
        ) from error


def webhook_receive(*, payload: bytes, signature: str | None) -> WebhookReceipt:
    """A webhook request: the raw body and its Stripe-Signature header."""
    gateway = gateway_get()
    event = gateway.event_verify(payload=payload, signature=signature)
    return webhook_event_process(event=event, gateway=gateway)


def webhook_event_reprocess(*, ledger: WebhookEvent) -> WebhookReceipt:
    """Staff: apply a stored event again (it was verified when it arrived)."""
    event = GatewayEvent(id=ledger.stripe_id, type=ledger.type, payload=ledger.payload)
    return webhook_event_process(event=event, gateway=gateway_get())
