"""Checkout: turn the caller's cart into a PENDING order that holds its stock.

One transaction: lock the cart (so one cart makes one order), replay an
`Idempotency-Key` seen before, lock the products in primary-key order, check every
line, decrement stock with F(), copy lines (from the locked products) and address onto
the order, empty the cart. A total that a card payment cannot take is refused; a total
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
from django.db.models import F

from accounts.models import User
from catalog.models import Product
from core.errors import NotFound
from shop.cart import cart_line_is_available
from shop.errors import (
    CartEmpty,
    IdempotencyKeyReused,
    OrderTotalTooHigh,
    OrderTotalTooLow,
    OutOfStock,
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

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read out


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    created: bool  # False: an earlier request with the same Idempotency-Key made it


def order_number_new() -> str:
    return "NC-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def _fingerprint(address_id: int) -> str:
    return hashlib.sha256(json.dumps({"address_id": address_id}).encode()).hexdigest()


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


def _products_reserve(lines: list[CartLine]) -> dict[int, Product]:
    """Lock the lines' products in pk order, check them all, then decrement stock.

    Returns the locked products: what the order copies (price, name, sku) is read there,
    not from the cart's earlier read, which a concurrent edit may have made stale.
    """
    unavailable = [line for line in lines if not cart_line_is_available(line)]
    if unavailable:
        raise ProductUnavailable(
            "Some products in the cart are no longer available: "
            + ", ".join(line.name for line in unavailable)
            + ".",
            line_ids=[line.pk for line in unavailable],
        )
    wanted = {line.product_id: line.quantity for line in lines}
    products = Product.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
    locked = {product.pk: product for product in products}
    short = [
        product
        for pk, product in locked.items()
        if not product.is_active or product.stock < wanted[pk]
    ]
    if short or len(locked) != len(wanted):
        raise OutOfStock(
            "Not enough stock for: " + ", ".join(p.name for p in short) + ".",
            product_ids=sorted({p.pk for p in short} | (set(wanted) - set(locked))),
            lines=[
                {"product_id": p.pk, "requested": wanted[p.pk], "available": p.stock} for p in short
            ],
        )
    for pk in sorted(wanted):
        Product.objects.filter(pk=pk).update(stock=F("stock") - wanted[pk])
    return locked


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


def _order_line(order: Order, product: Product, quantity: int) -> OrderLine:
    return OrderLine(
        order=order,
        product=product,
        sku=product.sku,
        name=product.name,
        unit_price=product.price,
        quantity=quantity,
        line_total=product.price * quantity,
    )


def _order_insert(**fields: object) -> Order:
    for _ in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(number=order_number_new(), **fields)
        except IntegrityError:  # the random number was taken: draw again
            continue
    raise RuntimeError("Could not draw a free order number.")


@transaction.atomic
def order_create(
    *, user: User, address_id: int, idempotency_key: str | None = None
) -> CheckoutResult:
    cart, _ = Cart.objects.get_or_create(user=user)
    cart = Cart.objects.select_for_update().get(pk=cart.pk)  # one checkout per cart at a time

    fingerprint = _fingerprint(address_id)
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
    lines = list(cart.lines.select_related("product").order_by("product_id"))
    if not lines:
        raise CartEmpty("The cart is empty.")

    products = _products_reserve(lines)
    subtotal = sum(
        (products[line.product_id].price * line.quantity for line in lines), Decimal("0.00")
    )
    currency = settings.NOVACART_CURRENCY
    _total_check(subtotal, currency)
    order = _order_insert(
        user=user,
        currency=currency,
        subtotal=subtotal,
        total=subtotal,
        shipping_address=_address_copy(address),
    )
    OrderLine.objects.bulk_create(
        [_order_line(order, products[line.product_id], line.quantity) for line in lines]
    )
    cart.lines.all().delete()
    if idempotency_key:
        IdempotencyKey.objects.create(
            user=user, key=idempotency_key, fingerprint=fingerprint, order=order
        )
    order_event_record(
        order=order,
        type=OrderEvent.Type.PLACED,
        message=f"Order placed: {len(lines)} line(s), {money_format(order.total, order.currency)}.",
        actor=user,
        to_status=order.status,
    )
    order_email_on_commit(order=order, template="order_placed")
    if not order.total:  # free: nothing for a payment to take, so it is confirmed now
        order_mark_paid(order=order, note="Nothing to pay: confirmed without a payment.")
    return CheckoutResult(order=order, created=True)
