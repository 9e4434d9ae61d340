"""Vouchers: whether a code applies, and its uses taken and given back.

A use is taken when an order is created, under the voucher's row lock (two checkouts
racing for the last use: the second waits, then finds it used up), and given back once
when that order is cancelled or expires. Once-per-customer means once per email among the
orders that were not cancelled.
"""

from datetime import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from shop.errors import VoucherInvalid, VoucherReason
from shop.models import Order, OrderStatus, Voucher
from shop.money import money_format


def voucher_find(*, code: str, lock: bool = False) -> Voucher:
    """The active voucher of `code` (any case); `lock`: row-locked for this transaction."""
    vouchers = Voucher.objects.select_for_update() if lock else Voucher.objects.all()
    voucher = vouchers.filter(code=code.strip().upper(), is_active=True).first()
    if voucher is None:
        raise VoucherInvalid("This voucher code is not valid.", reason=VoucherReason.UNKNOWN)
    return voucher


def voucher_check(
    *, voucher: Voucher, subtotal: Decimal, email: str, currency: str, now: datetime | None = None
) -> None:
    """Raise VoucherInvalid (with its reason) unless `voucher` applies to this order."""
    now = now or timezone.now()
    if voucher.starts_at is not None and now < voucher.starts_at:
        raise VoucherInvalid("This voucher cannot be used yet.", reason=VoucherReason.NOT_STARTED)
    if voucher.ends_at is not None and now >= voucher.ends_at:
        raise VoucherInvalid("This voucher has expired.", reason=VoucherReason.EXPIRED)
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherInvalid("This voucher has been used up.", reason=VoucherReason.USED_UP)
    if voucher.min_subtotal is not None and subtotal < voucher.min_subtotal:
        raise VoucherInvalid(
            f"This voucher needs a subtotal of at least "
            f"{money_format(voucher.min_subtotal, currency)}.",
            reason=VoucherReason.MIN_SUBTOTAL,
        )
    if voucher.once_per_customer and email and _used_by(voucher, email):
        raise VoucherInvalid(
            "This voucher can be used once per customer, and you have used it.",
            reason=VoucherReason.ALREADY_USED,
        )


def _used_by(voucher: Voucher, email: str) -> bool:
    orders = Order.objects.filter(voucher=voucher, email__iexact=email)
    return orders.exclude(status=OrderStatus.CANCELLED).exists()


def voucher_take(*, voucher: Voucher) -> None:
    """Count one use (call with the voucher locked, after voucher_check)."""
    Voucher.objects.filter(pk=voucher.pk).update(used_count=F("used_count") + 1)
    voucher.used_count += 1


def voucher_give_back(*, order: Order) -> None:
    """The cancelled `order` no longer uses its voucher (call once, inside its cancel)."""
    if order.voucher_id is not None:
        Voucher.objects.filter(pk=order.voucher_id, used_count__gt=0).update(
            used_count=F("used_count") - 1
        )
