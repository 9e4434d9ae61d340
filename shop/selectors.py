"""Read functions for the shop API and admin: the joins each response needs, up front."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from catalog.selectors import (
    product_images_prefetch,
    product_options_prefetch,
    product_variants_prefetch,
)
from core.errors import NotFound
from shop.models import Address, Cart, CartLine, Order, OrderEvent, OrderStatus

CENT = Decimal("0.01")
# Paid orders that still have to leave the warehouse.
ORDERS_TO_SHIP = (OrderStatus.PAID, OrderStatus.PROCESSING)


def _cart_lines() -> QuerySet[CartLine]:
    return CartLine.objects.select_related("variant__product__category").prefetch_related(
        product_images_prefetch("variant__product__images"),
        product_options_prefetch("variant__product__options"),
        product_variants_prefetch("variant__product__variants"),
    )


def cart_get(*, user: User) -> Cart:
    """The user's cart, made on first use, with its lines, their products and pictures."""
    carts = Cart.objects.prefetch_related(Prefetch("lines", queryset=_cart_lines()))
    cart = carts.filter(user=user).first()
    if cart is None:
        Cart.objects.get_or_create(user=user)  # a concurrent first request may make it too
        cart = carts.get(user=user)
    return cart


def address_list(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def address_get(*, user: User, address_id: int) -> Address:
    address = address_list(user=user).filter(pk=address_id).first()
    if address is None:
        raise NotFound("Address not found.")
    return address


def order_list(*, user: User, status: str | None = None) -> QuerySet[Order]:
    """The user's orders, with their lines and the customer-facing part of their timeline."""
    customer_events = OrderEvent.objects.filter(type__in=OrderEvent.CUSTOMER_TYPES)
    orders = Order.objects.filter(user=user).prefetch_related(
        "lines", Prefetch("events", queryset=customer_events)
    )
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at", "-id")


def order_get(*, user: User, order_id: int) -> Order:
    order = order_list(user=user).filter(pk=order_id).first()
    if order is None:
        raise NotFound("Order not found.")
    return order


# --- the merchant's dashboard ------------------------------------------------------------


@dataclass(frozen=True)
class DaySales:
    day: date
    revenue: Decimal  # totals of the orders paid that day, less what was refunded on them
    orders: int  # orders paid that day


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def sales_by_day(*, days: int, currency: str, today: date | None = None) -> list[DaySales]:
    """Net sales of each of the last `days` days, `today` (default: now) included, oldest first.

    A day is a calendar day of the current time zone. Its revenue is the total of the
    orders paid that day (`paid_at`) less what has been refunded on those orders since:
    a refund lowers the day its order was paid. Only orders in `currency`. One query.
    """
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    rows = (
        Order.objects.filter(
            currency=currency,
            paid_at__gte=_day_start(first),
            paid_at__lt=_day_start(today + timedelta(days=1)),
        )
        .annotate(day=TruncDate("paid_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            revenue=Sum(
                F("total") - F("refunded_amount"),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            ),
            orders=Count("id"),
        )
        .order_by()
    )
    found = {row["day"]: row for row in rows}
    sales = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        row = found.get(day, {"revenue": Decimal("0.00"), "orders": 0})
        revenue = row["revenue"].quantize(CENT)  # SQLite sums decimals as floats
        sales.append(DaySales(day=day, revenue=revenue, orders=row["orders"]))
    return sales


def orders_to_ship_count() -> int:
    return Order.objects.filter(status__in=ORDERS_TO_SHIP).count()


def orders_flagged_count() -> int:
    """Orders flagged for staff: disputes, payments that do not match, failed refunds."""
    return Order.objects.filter(flagged=True).count()


def orders_latest(*, limit: int) -> QuerySet[Order]:
    return Order.objects.select_related("user").order_by("-created_at", "-id")[:limit]
