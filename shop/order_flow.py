"""The order state machine: every status change goes through `order_transition`.

PENDING → PAID → PROCESSING → SHIPPED → DELIVERED; PENDING → CANCELLED (stock goes
back); PAID/PROCESSING/SHIPPED/DELIVERED → REFUNDED. Each change locks the order row,
refuses illegal moves, records an `OrderEvent` and queues the customer's email after
commit. The payment webhooks add three things here: flags for staff, refunded amounts,
and the one system-only move, a late payment reviving an order that expiry cancelled.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from catalog.errors import OutOfStock
from catalog.inventory import Reason, stock_release, stock_reserve
from core.emails import email_send_on_commit
from shop.errors import InvalidTransition, TrackingNumberRequired
from shop.models import Order, OrderEvent, OrderLine
from shop.models import OrderStatus as S
from shop.money import money_format
from shop.vouchers import voucher_give_back, voucher_take

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.PROCESSING, S.REFUNDED}),
    S.PROCESSING: frozenset({S.SHIPPED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}

# The one move no person can make: a payment confirmed after expiry cancelled the order
# brings it back (`order_revive_paid`, called by the payment webhooks). The admin and the
# API only ever offer TRANSITIONS.
LATE_PAYMENT: dict[S, frozenset[S]] = {S.CANCELLED: frozenset({S.PAID})}

_TIMESTAMP_FIELD: dict[S, str] = {
    S.PAID: "paid_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.CANCELLED: "cancelled_at",
}

_CUSTOMER_EMAIL: dict[S, str] = {
    S.SHIPPED: "order_shipped",
    S.CANCELLED: "order_cancelled",
}


def order_can_transition(*, order: Order, to: S) -> bool:
    return to in TRANSITIONS[S(order.status)]


def order_email_context(order: Order, lines: Iterable[OrderLine]) -> dict[str, Any]:
    """What the order emails show; plain strings, so the task queue can store it."""
    return {
        "name": order.user.get_short_name(),
        "number": order.number,
        "status": S(order.status).label,
        "currency": order.currency.upper(),
        "subtotal": str(order.subtotal),
        "discount_total": str(order.discount_total),
        "voucher_code": order.voucher_code,
        "shipping_total": str(order.shipping_total),
        "shipping_method": order.shipping_method_name,
        "tax_total": str(order.tax_total),
        "prices_include_tax": order.prices_include_tax,
        "total": str(order.total),
        "tracking_number": order.tracking_number,
        "lines": [
            {
                "name": line.name,
                "variant": line.variant_title,
                "sku": line.sku,
                "quantity": line.quantity,
                "total": str(line.line_total),
            }
            for line in lines
        ],
        "order_url": f"{settings.FRONTEND_URL}/orders/{order.pk}",
    }


def order_email_on_commit(
    *, order: Order, template: str, lines: Iterable[OrderLine] | None = None
) -> None:
    """Email the customer about `order` once committed (`lines`: its lines, if at hand)."""
    email_send_on_commit(
        template=template,
        to=[order.email],
        context=order_email_context(order, order.lines.all() if lines is None else lines),
    )


def order_event_record(
    *,
    order: Order,
    type: OrderEvent.Type,
    message: str,
    actor: User | None = None,
    from_status: str = "",
    to_status: str = "",
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        type=type,
        message=message,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
    )


def order_transition(
    *,
    order: Order,
    to: S,
    actor: User | None,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> Order:
    """Move `order` to status `to` (plus optional field `changes`), or raise InvalidTransition.

    The caller's `order` instance is refreshed with what was saved.
    """
    return _transition(
        order=order, to=to, actor=actor, note=note, changes=changes, moves=TRANSITIONS
    )


@transaction.atomic
def _transition(
    *,
    order: Order,
    to: S,
    actor: User | None,
    note: str,
    changes: dict[str, Any] | None,
    moves: Mapping[S, frozenset[S]],
) -> Order:
    locked = Order.objects.select_for_update().select_related("user").get(pk=order.pk)
    current = S(locked.status)
    if to not in moves.get(current, frozenset()):
        raise InvalidTransition(
            f"Order {locked.number} is {current.label.lower()} and cannot become "
            f"{S(to).label.lower()}.",
            status_from=current.value,
            status_to=S(to).value,
        )
    fields = ["status", "updated_at", *(changes or {})]
    locked.status = to
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    if timestamp := _TIMESTAMP_FIELD.get(to):
        setattr(locked, timestamp, timezone.now())
        fields.append(timestamp)
    locked.save(update_fields=fields)
    message = f"Status changed from {current.label} to {S(to).label}."
    order_event_record(
        order=locked,
        type=OrderEvent.Type.STATUS,
        message=f"{message} {note}".strip(),
        actor=actor,
        from_status=current,
        to_status=to,
    )
    if template := _CUSTOMER_EMAIL.get(to):
        order_email_on_commit(order=locked, template=template)
    order.__dict__.update(
        {field: getattr(locked, field) for field in fields} | {"status": locked.status}
    )
    return order


def order_stock_release(*, order: Order, reason: Reason, actor: User | None = None) -> None:
    """Give the order's stock back to the catalog, once (call inside a transaction)."""
    released = Order.objects.filter(pk=order.pk, stock_reserved=True).update(stock_reserved=False)
    if not released:
        return
    order.stock_reserved = False
    stock_release(
        lines=order.lines.values_list("variant_id", "quantity"),
        reason=reason,
        reference=order.number,
        actor=actor,
    )


@transaction.atomic
def order_cancel(
    *, order: Order, actor: User | None, note: str = "", reason: Reason = Reason.CANCEL
) -> Order:
    """Cancel a PENDING order, return its stock and give its voucher's use back (`reason`:
    cancel, or expiry). The transition happens once, so the use comes back once."""
    order_transition(order=order, to=S.CANCELLED, actor=actor, note=note)
    order_stock_release(order=order, reason=reason, actor=actor)
    voucher_give_back(order=order)
    return order


def order_mark_paid(*, order: Order, actor: User | None = None, note: str = "") -> Order:
    return order_transition(order=order, to=S.PAID, actor=actor, note=note)


def _cancelled_by_system(order: Order) -> bool:
    """Whether the order's cancellation had no actor (expiry), not a customer or staff."""
    cancel = (
        order.events.filter(type=OrderEvent.Type.STATUS, to_status=S.CANCELLED)
        .order_by("-created_at", "-id")
        .first()
    )
    return cancel is not None and cancel.actor_id is None


def _order_stock_take(order: Order) -> None:
    """Reserve the order's stock again, all or nothing (through catalog.inventory)."""
    lines = list(order.lines.all())
    gone = [line.name for line in lines if line.variant_id is None]
    if gone:
        raise OutOfStock(
            f"Order {order.number} cannot be filled any more: {', '.join(gone)}.",
            product_ids=[],
            variant_ids=[],
        )
    stock_reserve(
        lines=[(line.variant_id, line.quantity) for line in lines],
        reason=Reason.LATE_PAYMENT,
        reference=order.number,
    )


@transaction.atomic
def order_revive_paid(*, order: Order, note: str = "") -> Order:
    """A payment confirmed after expiry cancelled `order`: reserve its stock again, take
    its voucher's use again (the customer paid the discounted total, even past the voucher's
    limit), mark it PAID.

    Only an order that the system cancelled comes back; one that its customer or staff
    cancelled stays cancelled (InvalidTransition). A line whose product is gone, hidden
    or short raises OutOfStock, and nothing changes.
    """
    locked = (
        Order.objects.select_for_update(of=("self",)).select_related("voucher").get(pk=order.pk)
    )
    if locked.status != S.CANCELLED or not _cancelled_by_system(locked):
        raise InvalidTransition(
            f"Order {locked.number} was not cancelled by expiry, so a payment cannot revive it.",
            status_from=locked.status,
            status_to=S.PAID.value,
        )
    if not locked.stock_reserved:
        _order_stock_take(locked)
    if locked.voucher is not None:
        voucher_take(voucher=locked.voucher)
    return _transition(
        order=order,
        to=S.PAID,
        actor=None,
        note=note,
        changes={"stock_reserved": True, "cancelled_at": None},
        moves=LATE_PAYMENT,
    )


@transaction.atomic
def order_refund_record(
    *, order: Order, refunded: Decimal, actor: User | None = None, note: str = ""
) -> Order:
    """Raise the order's refunded amount to `refunded` (all its payment's refunds so far).

    Never lowers it and never goes past the total. Once the whole total is refunded, an
    order that was paid becomes REFUNDED (also when the refund was recorded before the
    payment, as late webhooks can make it).
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    amount = min(refunded, locked.total)
    if amount > locked.refunded_amount:
        Order.objects.filter(pk=locked.pk).update(refunded_amount=amount, updated_at=timezone.now())
        currency = locked.currency
        message = (
            f"Refunded {money_format(amount - locked.refunded_amount, currency)}; "
            f"{money_format(amount, currency)} of {money_format(locked.total, currency)} "
            "refunded in all."
        )
        order_event_record(
            order=locked,
            type=OrderEvent.Type.REFUND,
            message=f"{message} {note}".strip(),
            actor=actor,
        )
        order.refunded_amount = locked.refunded_amount = amount
    if 0 < locked.total <= amount and order_can_transition(order=locked, to=S.REFUNDED):
        order_transition(order=order, to=S.REFUNDED, actor=actor, note=note)
    return order


@transaction.atomic
def order_flag(*, order: Order, reason: str, actor: User | None = None) -> Order:
    """Flag `order` for staff (a dispute, a payment that does not match) and record why."""
    Order.objects.filter(pk=order.pk).update(
        flagged=True, flag_reason=reason, updated_at=timezone.now()
    )
    order.flagged, order.flag_reason = True, reason
    order_event_record(order=order, type=OrderEvent.Type.FLAG, message=reason, actor=actor)
    return order


@transaction.atomic
def order_flag_clear(*, order: Order, actor: User | None, note: str = "") -> Order:
    """Staff dealt with what flagged `order`: clear the flag; the timeline keeps the story."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if not locked.flagged:
        return order
    Order.objects.filter(pk=order.pk).update(flagged=False, updated_at=timezone.now())
    order.flagged = False
    order_event_record(
        order=order,
        type=OrderEvent.Type.NOTE,
        message=f"Flag cleared (it said: {locked.flag_reason or 'no reason'}). {note}".strip(),
        actor=actor,
    )
    return order


def order_mark_processing(*, order: Order, actor: User | None) -> Order:
    return order_transition(order=order, to=S.PROCESSING, actor=actor)


def order_ship(*, order: Order, actor: User | None, tracking_number: str) -> Order:
    tracking_number = tracking_number.strip()
    if not tracking_number:
        raise TrackingNumberRequired("A tracking number is needed to ship an order.")
    return order_transition(
        order=order,
        to=S.SHIPPED,
        actor=actor,
        note=f"Tracking number {tracking_number}.",
        changes={"tracking_number": tracking_number},
    )


def order_mark_delivered(*, order: Order, actor: User | None) -> Order:
    return order_transition(order=order, to=S.DELIVERED, actor=actor)


def orders_expire_pending(*, now: datetime | None = None) -> list[Order]:
    """Cancel unpaid orders older than ORDER_PENDING_TTL and return their stock.

    Each order is handled in its own transaction under its row lock, so two runs at
    once (or a payment arriving meanwhile) never cancel or release anything twice.
    """
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.ORDER_PENDING_TTL)
    expired = []
    candidates = Order.objects.filter(status=S.PENDING, created_at__lt=cutoff).order_by("pk")
    for order in candidates:
        try:
            order_cancel(
                order=order, actor=None, note="Unpaid in time: expired.", reason=Reason.EXPIRY
            )
        except InvalidTransition:  # paid or cancelled since we looked
            continue
        expired.append(order)
    return expired
