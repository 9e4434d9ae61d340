"""The one place that does arithmetic on money: from lines, shipping, voucher and tax rates
to every figure of a quote and an order.

The order of the pipeline (API.md, "Shipping, tax, vouchers and totals"):
line subtotals → voucher discount (spread over the lines in proportion, the cents by
largest remainder) → shipping → tax per line and on shipping, each rounded half-up to the
cent → total. With `prices_include_tax` the prices are gross and the tax is the part of
them that is tax; otherwise it is added on top. Pure functions: what to charge is decided
by the callers (shop.quote) from the database; nothing here reads it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from shop.models import ZERO, VoucherKind
from shop.money import CENT

HUNDRED = Decimal(100)


def cents(amount: Decimal) -> Decimal:
    """Half-up to the cent: 7.985 → 7.99."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineIn:
    key: int  # what the caller knows the line by (a cart line's id)
    unit_price: Decimal
    quantity: int
    tax_rate: Decimal  # percent


@dataclass(frozen=True)
class ShippingIn:
    price: Decimal
    free_above: Decimal | None  # free when the subtotal after discount reaches it
    tax_rate: Decimal  # percent; 0 when shipping is not taxed


@dataclass(frozen=True)
class VoucherIn:
    kind: VoucherKind
    value: Decimal


@dataclass(frozen=True)
class LinePrice:
    key: int
    unit_price: Decimal
    quantity: int
    tax_rate: Decimal
    subtotal: Decimal  # unit_price x quantity
    discount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    lines: tuple[LinePrice, ...]
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    shipping_tax: Decimal
    tax_total: Decimal  # the lines' tax plus shipping_tax
    total: Decimal
    prices_include_tax: bool


def spread(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`amount` split in proportion to `weights`, in cents that add up to it exactly: each
    share rounded down, then the cents left over go to the largest remainders (ties: the
    earlier). Weights that sum to 0 get nothing."""
    whole = sum(weights, ZERO)
    if not whole or not amount:
        return [ZERO for _ in weights]
    exact = [amount * weight / whole for weight in weights]
    shares = [share.quantize(CENT, rounding=ROUND_DOWN) for share in exact]
    left = int((amount - sum(shares, ZERO)) / CENT)
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[:left]:
        shares[i] += CENT
    return shares


def tax_of(amount: Decimal, rate: Decimal, *, included: bool) -> Decimal:
    """The tax on `amount` at `rate` percent: on top, or the part of a gross `amount`."""
    if included:
        return cents(amount * rate / (HUNDRED + rate))
    return cents(amount * rate / HUNDRED)


def voucher_discount(voucher: VoucherIn | None, subtotal: Decimal) -> Decimal:
    """What a voucher takes off the lines (never more than they cost)."""
    if voucher is None:
        return ZERO
    if voucher.kind == VoucherKind.PERCENT:
        return min(cents(subtotal * voucher.value / HUNDRED), subtotal)
    if voucher.kind == VoucherKind.FIXED:
        return min(voucher.value, subtotal)
    return ZERO  # free shipping: the lines keep their price


def shipping_price(
    shipping: ShippingIn | None, *, discounted_subtotal: Decimal, voucher: VoucherIn | None
) -> Decimal:
    if shipping is None:
        return ZERO
    if voucher is not None and voucher.kind == VoucherKind.FREE_SHIPPING:
        return ZERO
    if shipping.free_above is not None and discounted_subtotal >= shipping.free_above:
        return ZERO
    return shipping.price


def price(
    *,
    lines: Sequence[LineIn],
    shipping: ShippingIn | None,
    voucher: VoucherIn | None,
    prices_include_tax: bool,
) -> Totals:
    """Every figure of an order of `lines` shipped by `shipping` with `voucher`."""
    line_subtotals = [line.unit_price * line.quantity for line in lines]
    subtotal = sum(line_subtotals, ZERO)
    discount_total = voucher_discount(voucher, subtotal)
    discounts = spread(discount_total, line_subtotals)
    shipping_total = shipping_price(
        shipping, discounted_subtotal=subtotal - discount_total, voucher=voucher
    )
    priced = tuple(
        LinePrice(
            key=line.key,
            unit_price=line.unit_price,
            quantity=line.quantity,
            tax_rate=line.tax_rate,
            subtotal=line_subtotal,
            discount=discount,
            tax=tax_of(line_subtotal - discount, line.tax_rate, included=prices_include_tax),
        )
        for line, line_subtotal, discount in zip(lines, line_subtotals, discounts, strict=True)
    )
    shipping_tax = (
        tax_of(shipping_total, shipping.tax_rate, included=prices_include_tax)
        if shipping is not None
        else ZERO
    )
    tax_total = sum((line.tax for line in priced), ZERO) + shipping_tax
    total = subtotal - discount_total + shipping_total
    if not prices_include_tax:
        total += tax_total
    return Totals(
        lines=priced,
        subtotal=subtotal,
        discount_total=discount_total,
        shipping_total=shipping_total,
        shipping_tax=shipping_tax,
        tax_total=tax_total,
        total=total,
        prices_include_tax=prices_include_tax,
    )
