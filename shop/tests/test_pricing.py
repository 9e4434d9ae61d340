"""shop.pricing: the figures of an order, cent for cent."""

from decimal import Decimal as D

import pytest

from shop.models import VoucherKind
from shop.pricing import LineIn, ShippingIn, VoucherIn, price, spread


def _lines(*specs: tuple[str, int, str]) -> list[LineIn]:
    return [
        LineIn(key=i, unit_price=D(unit), quantity=qty, tax_rate=D(rate))
        for i, (unit, qty, rate) in enumerate(specs)
    ]


@pytest.mark.parametrize(
    ("lines", "shipping", "voucher", "included", "expected"),
    [
        # 3 x 33.33 = 99.99, 10 % off = 10.00 (not 3 x 3.33 = 9.99), 8.875 % on 89.99 = 7.99
        (
            _lines(("33.33", 3, "8.875")),
            None,
            VoucherIn(VoucherKind.PERCENT, D("10")),
            False,
            ("99.99", "10.00", "0.00", "7.99", "97.98"),
        ),
        # VAT 20 % included in 120.00 is 20.00; shipping 6.00 taxed at 20 %: 1.00 of it
        (
            _lines(("120.00", 1, "20")),
            ShippingIn(price=D("6.00"), free_above=None, tax_rate=D("20")),
            None,
            True,
            ("120.00", "0.00", "6.00", "21.00", "126.00"),
        ),
        # free above 50 after the discount: 55 - 10 = 45 pays shipping
        (
            _lines(("55.00", 1, "0")),
            ShippingIn(price=D("5.00"), free_above=D("50.00"), tax_rate=D("0")),
            VoucherIn(VoucherKind.FIXED, D("10.00")),
            False,
            ("55.00", "10.00", "5.00", "0.00", "50.00"),
        ),
        (
            _lines(("60.00", 1, "0")),
            ShippingIn(price=D("5.00"), free_above=D("50.00"), tax_rate=D("0")),
            None,
            False,
            ("60.00", "0.00", "0.00", "0.00", "60.00"),
        ),
        # free shipping voucher; a fixed voucher above the subtotal takes the subtotal only
        (
            _lines(("10.00", 2, "0")),
            ShippingIn(price=D("7.50"), free_above=None, tax_rate=D("0")),
            VoucherIn(VoucherKind.FREE_SHIPPING, D("0")),
            False,
            ("20.00", "0.00", "0.00", "0.00", "20.00"),
        ),
        (
            _lines(("10.00", 1, "10")),
            ShippingIn(price=D("4.00"), free_above=None, tax_rate=D("10")),
            VoucherIn(VoucherKind.FIXED, D("25.00")),
            False,
            ("10.00", "10.00", "4.00", "0.40", "4.40"),
        ),
    ],
)
def test_price_figures(
    lines: list[LineIn],
    shipping: ShippingIn | None,
    voucher: VoucherIn | None,
    included: bool,
    expected: tuple[str, ...],
) -> None:
    totals = price(lines=lines, shipping=shipping, voucher=voucher, prices_include_tax=included)

    figures = (
        totals.subtotal,
        totals.discount_total,
        totals.shipping_total,
        totals.tax_total,
        totals.total,
    )
    assert tuple(str(figure) for figure in figures) == expected
    assert sum(line.discount for line in totals.lines) == totals.discount_total


def test_a_discount_is_spread_by_largest_remainder() -> None:
    # 10.00 over three equal lines: 3.34, 3.33, 3.33 (the first takes the odd cent)
    assert spread(D("10.00"), [D("1"), D("1"), D("1")]) == [D("3.34"), D("3.33"), D("3.33")]
    assert spread(D("1.00"), [D("0"), D("0")]) == [D("0.00"), D("0.00")]
