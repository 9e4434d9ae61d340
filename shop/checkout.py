"""Checkout: turn the caller's cart into a PENDING order that holds its stock.

One transaction: lock the cart (so one cart makes one order), replay an
`Idempotency-Key` seen before, reserve the lines' stock through catalog.inventory
(variants locked in primary-key order, every line checked, then decremented, each change
a movement of the order), price the lines at the locked variants' prices with the
shipping method, tax rates and voucher (shop.quote, the voucher row locked after the
variants; its use is taken), copy lines, figures and address onto the order, empty the
cart. A total that a card payment cannot take is refused; a total
of 0.00 needs no payment, so that order is confirmed (PAID) at once. Any problem raises
before anything is written, or rolls everything back.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import User
from catalog.inventory import Reason, Reservation, stock_reference_rename, stock_reserve
from catalog.models import Variant
from core.errors import NotFound
from shop.cart import cart_line_is_available
from shop.errors import (
    CartEmpty,
    IdempotencyKeyReused,
    OrderTotalTooHigh,
    OrderTotalTooLow,
    ProductUnavailable,
    TooManyPendingOrders,
)
from shop.models import (
    Address,
    Cart,
    CartLine,
    IdempotencyKey,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from shop.money import CENT, money_format
from shop.order_flow import order_email_on_commit, order_event_record, order_mark_paid
from shop.pricing import LinePrice
from shop.quote import Quote, QuoteLine, quote_make
from shop.shipping import Destination
from shop.vouchers import voucher_take

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read out


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    created: bool  # False: an earlier request with the same Idempotency-Key made it


def order_number_new() -> str:
    return "NC-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def _fingerprint(
    *, address_id: int, shipping_method_id: int | None, voucher_code: str | None
) -> str:
    """What an Idempotency-Key's request asked for (a v1 body keeps its v1 fingerprint)."""
    body: dict[str, object] = {"address_id": address_id}
    if shipping_method_id is not None:
        body["shipping_method_id"] = shipping_method_id
    if voucher_code := (voucher_code or "").strip().upper():
        body["voucher_code"] = voucher_code
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def address_destination(address: Address) -> Destination:
    return Destination(country=str(address.country), state=address.state)


def _address_copy(address: Address) -> dict[str, str]:
    return {
        "full_name": address.full_name,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "state": address.state,
        "postal_code": address.postal_code,
        "country": str(address.country),
        "phone": address.phone,
    }


def _pending_orders_check(user: User) -> None:
    """Refuse a new order while the user has too many unpaid ones (each holds stock).

    Call with the user's cart locked: checkouts of one user then run one at a time.
    """
    limit = settings.MAX_PENDING_ORDERS_PER_CUSTOMER
    pending = Order.objects.filter(user=user, status=OrderStatus.PENDING).count()
    if pending >= limit:
        raise TooManyPendingOrders(
            f"You already have {pending} unpaid order(s), the most allowed at once: pay or "
            "cancel one of them before placing another.",
            pending_orders=pending,
            limit=limit,
        )


def _lines_available_check(lines: list[CartLine]) -> None:
    """Refuse a cart with a line that is no longer on sale (the shopper must remove it)."""
    unavailable = [line for line in lines if not cart_line_is_available(line)]
    if unavailable:
        raise ProductUnavailable(
            "Some products in the cart are no longer available: "
            + ", ".join(line.name for line in unavailable)
            + ".",
            line_ids=[line.pk for line in unavailable],
        )


def _total_check(total: Decimal, currency: str) -> None:
    """Refuse a total that a card payment cannot take (0.00 needs none) or an order cannot hold."""
    field = Order._meta.get_field("total")
    storable = Decimal(10) ** (field.max_digits - field.decimal_places) - CENT  # 9,999,999,999.99
    maximum = min(settings.ORDER_TOTAL_MAX, storable)
    if total > maximum:
        raise OrderTotalTooHigh(
            f"The order total {money_format(total, currency)} is over the "
            f"{money_format(maximum, currency)} a payment can take: split it into smaller orders.",
            total=str(total),
            maximum=str(maximum),
        )
    if 0 < total < settings.ORDER_TOTAL_MIN:
        raise OrderTotalTooLow(
            f"The order total {money_format(total, currency)} is under the "
            f"{money_format(settings.ORDER_TOTAL_MIN, currency)} a card payment needs: add "
            "something to the cart.",
            total=str(total),
            minimum=str(settings.ORDER_TOTAL_MIN),
        )


def _order_line(order: Order, variant: Variant, priced: LinePrice) -> OrderLine:
    return OrderLine(
        order=order,
        product_id=variant.product_id,
        variant=variant,
        sku=variant.sku,
        name=variant.product.name,
        variant_title=variant.title,
        unit_price=priced.unit_price,
        quantity=priced.quantity,
        line_total=priced.subtotal,
        discount=priced.discount,
        tax=priced.tax,
        tax_rate=priced.tax_rate,
    )


def _order_figures(quote: Quote) -> dict[str, object]:
    """The order's copy of the quote's figures and choices."""
    totals, method, voucher = quote.totals, quote.shipping_method, quote.voucher
    return {
        "currency": quote.currency,
        "subtotal": totals.subtotal,
        "discount_total": totals.discount_total,
        "shipping_total": totals.shipping_total,
        "shipping_tax": totals.shipping_tax,
        "tax_total": totals.tax_total,
        "total": totals.total,
        "prices_include_tax": totals.prices_include_tax,
        "shipping_method": method,
        "shipping_method_name": method.name if method else "",
        "voucher": voucher,
        "voucher_code": voucher.code if voucher else "",
    }


def _order_insert(number: str, reservation: Reservation, **fields: object) -> Order:
    """Insert the order under `number`, which its stock movements name, or under a new one
    if another order has that number; the reservation's movements then follow it."""
    drawn = number
    for _ in range(5):
        try:
            with transaction.atomic():
                order = Order.objects.create(number=drawn, **fields)
        except IntegrityError:  # the random number was taken: draw again
            drawn = order_number_new()
            continue
        if drawn != number:
            stock_reference_rename(movements=reservation.movements, reference=drawn)
        return order
    raise RuntimeError("Could not draw a free order number.")


@transaction.atomic
def order_create(
    *,
    user: User,
    address_id: int,
    shipping_method_id: int | None = None,
    voucher_code: str | None = None,
    idempotency_key: str | None = None,
) -> CheckoutResult:
    carts = Cart.objects.select_for_update()  # one checkout per cart at a time
    cart = carts.filter(user=user).first()
    if cart is None:  # never added to: made now, so the checks below answer as for any cart
        cart = carts.get(pk=Cart.objects.get_or_create(user=user)[0].pk)

    fingerprint = _fingerprint(
        address_id=address_id, shipping_method_id=shipping_method_id, voucher_code=voucher_code
    )
    if idempotency_key:
        seen = (
            IdempotencyKey.objects.filter(user=user, key=idempotency_key)
            .select_related("order")
            .first()
        )
        if seen is not None:
            if seen.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was used with a different request body."
                )
            return CheckoutResult(order=seen.order, created=False)

    address = Address.objects.filter(pk=address_id, user=user).first()
    if address is None:
        raise NotFound("Address not found.")
    _pending_orders_check(user)
    lines = list(cart.lines.select_related("variant__product").order_by("variant_id"))
    if not lines:
        raise CartEmpty("The cart is empty.")
    _lines_available_check(lines)

    number = order_number_new()
    reservation = stock_reserve(
        lines=[(line.variant_id, line.quantity) for line in lines],
        reason=Reason.CHECKOUT,
        reference=number,
        actor=user,
    )
    variants = reservation.variants
    quote = quote_make(
        lines=[QuoteLine(line.pk, variants[line.variant_id], line.quantity) for line in lines],
        destination=address_destination(address),
        shipping_method_id=shipping_method_id,
        voucher_code=voucher_code,
        email=user.email,
        checkout=True,
    )
    _total_check(quote.totals.total, quote.currency)
    if quote.voucher is not None:
        voucher_take(voucher=quote.voucher)
    order = _order_insert(
        number,
        reservation,
        user=user,
        email=user.email,
        shipping_address=_address_copy(address),
        **_order_figures(quote),
    )
    priced = {line.key: line for line in quote.totals.lines}
    order_lines = OrderLine.objects.bulk_create(
        [_order_line(order, variants[line.variant_id], priced[line.pk]) for line in lines]
    )
    cart.lines.all().delete()
    if idempotency_key:
        IdempotencyKey.objects.create(
            user=user, key=idempotency_key, fingerprint=fingerprint, order=order
        )
    order_event_record(
        order=order,
        type=OrderEvent.Type.PLACED,
        message=f"Order placed: {len(lines)} line(s), {money_format(order.total, order.currency)}"
        + (f", voucher {order.voucher_code}." if order.voucher_code else "."),
        actor=user,
        to_status=order.status,
    )
    order_email_on_commit(order=order, template="order_placed", lines=order_lines)
    if not order.total:  # free: nothing for a payment to take, so it is confirmed now
        order_mark_paid(order=order, note="Nothing to pay: confirmed without a payment.")
    return CheckoutResult(order=order, created=True)
