"""Checkout with shipping, tax and vouchers: the order copies the quote's figures, a
voucher that cannot apply reserves and uses nothing, a cancel gives the use back once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import user_make
from catalog.models import Variant
from catalog.tests.factories import default_variant, product_make, stock_of
from core.testing import race
from shop.checkout import address_destination, order_create
from shop.errors import (
    InvalidTransition,
    ShippingMethodRequired,
    ShippingUnavailable,
    VoucherInvalid,
)
from shop.models import Address, ShippingMethod, ShippingZone, TaxRate, Voucher
from shop.order_flow import order_cancel
from shop.quote import QuoteLine, quote_make
from shop.tests.factories import address_make, cart_fill

pytestmark = pytest.mark.django_db


def _us_shop() -> ShippingMethod:
    """Tax on top (8.875 % in NY), flat 5.00 shipping, free from 50.00."""
    zone = ShippingZone.objects.create(name="United States", countries=["US"])
    TaxRate.objects.create(name="Sales tax", country="US", state="NY", rate=Decimal("8.875"))
    return ShippingMethod.objects.create(
        zone=zone, name="Standard", price=Decimal("5.00"), free_above=Decimal("50.00")
    )


def _checkout(user: User, address: Address, **choice: object) -> object:
    return order_create(user=user, address_id=address.pk, **choice).order


def test_a_us_style_order_copies_the_quoted_figures(customer: User) -> None:
    method = _us_shop()
    Voucher.objects.create(code="TENOFF", kind="percent", value=Decimal("10"))
    product = product_make(price=Decimal("33.33"), stock=5)
    cart_fill(user=customer, items=[(product, 3)])
    address = address_make(user=customer, state="ny")
    line = customer.cart.lines.get()
    quote = quote_make(
        lines=[QuoteLine(line.pk, default_variant(product), 3)],
        destination=address_destination(address),
        shipping_method_id=method.pk,
        voucher_code="tenoff",
        email=customer.email,
    )

    order = _checkout(customer, address, shipping_method_id=method.pk, voucher_code="tenoff")

    # 99.99 - 10.00 = 89.99 ships free (above 50), tax 8.875 % of 89.99 = 7.99
    figures = ("99.99", "10.00", "0.00", "7.99", "97.98")
    assert (
        str(order.subtotal),
        str(order.discount_total),
        str(order.shipping_total),
        str(order.tax_total),
        str(order.total),
    ) == figures
    assert order.total == quote.totals.total
    assert (order.voucher_code, order.shipping_method_name, order.email) == (
        "TENOFF",
        "Standard",
        customer.email,
    )
    order_line = order.lines.get()
    assert (order_line.discount, order_line.tax) == (Decimal("10.00"), Decimal("7.99"))
    assert Voucher.objects.get().used_count == 1


def test_an_eu_style_order_has_the_tax_inside_its_prices(customer: User, settings) -> None:
    settings.PRICES_INCLUDE_TAX = True
    zone = ShippingZone.objects.create(name="EU", countries=["FR", "DE"])
    method = ShippingMethod.objects.create(zone=zone, name="Colissimo", price=Decimal("6.00"))
    TaxRate.objects.create(name="TVA", country="FR", rate=Decimal("20"), applies_to_shipping=True)
    cart_fill(user=customer, items=[(product_make(price=Decimal("120.00")), 1)])

    order = _checkout(
        customer, address_make(user=customer, country="FR"), shipping_method_id=method.pk
    )

    assert (order.total, order.tax_total, order.shipping_tax) == (
        Decimal("126.00"),
        Decimal("21.00"),
        Decimal("1.00"),
    )
    assert order.prices_include_tax


def test_without_zones_shipping_is_free_and_optional(customer: User) -> None:
    cart_fill(user=customer, items=[(product_make(price=Decimal("12.00")), 1)])

    order = _checkout(customer, address_make(user=customer))

    assert (order.shipping_total, order.tax_total, order.total) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("12.00"),
    )


def test_shipping_must_be_chosen_and_must_serve_the_address(customer: User) -> None:
    method = _us_shop()
    product = product_make(stock=5)
    cart_fill(user=customer, items=[(product, 1)])
    home = address_make(user=customer)
    abroad = address_make(user=customer, country="FR")

    with pytest.raises(ShippingMethodRequired):
        _checkout(customer, home)
    with pytest.raises(ShippingUnavailable):
        _checkout(customer, abroad)
    with pytest.raises(ShippingUnavailable):
        _checkout(customer, home, shipping_method_id=method.pk + 1000)
    assert stock_of(product) == 5
    assert customer.cart.lines.count() == 1


@pytest.mark.parametrize(
    ("voucher", "reason"),
    [
        ({"code": "OTHER"}, "unknown"),
        ({"is_active": False}, "unknown"),
        ({"ends_at": timezone.now() - timedelta(days=1)}, "expired"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "not_started"),
        ({"usage_limit": 1, "used_count": 1}, "used_up"),
        ({"min_subtotal": Decimal("100.00")}, "min_subtotal"),
    ],
)
def test_a_voucher_that_cannot_apply_reserves_nothing(
    customer: User, voucher: dict[str, object], reason: str
) -> None:
    Voucher.objects.create(**{"code": "SAVE5", "kind": "fixed", "value": Decimal("5"), **voucher})
    product = product_make(stock=5)
    cart_fill(user=customer, items=[(product, 1)])

    with pytest.raises(VoucherInvalid) as refused:
        _checkout(customer, address_make(user=customer), voucher_code="save5")

    assert refused.value.extra == {"reason": reason}
    assert stock_of(product) == 5
    assert customer.cart.lines.count() == 1


def test_once_per_customer_counts_orders_not_cancelled(customer: User) -> None:
    voucher = Voucher.objects.create(
        code="WELCOME", kind="fixed", value=Decimal("2"), once_per_customer=True
    )
    address = address_make(user=customer)
    cart_fill(user=customer, items=[(product_make(), 1)])
    first = _checkout(customer, address, voucher_code="welcome")
    cart_fill(user=customer, items=[(product_make(), 1)])

    with pytest.raises(VoucherInvalid) as refused:
        _checkout(customer, address, voucher_code="WELCOME")
    assert refused.value.extra == {"reason": "already_used"}

    order_cancel(order=first, actor=customer)
    voucher.refresh_from_db()
    assert voucher.used_count == 0
    assert _checkout(customer, address, voucher_code="WELCOME").voucher_code == "WELCOME"


def test_a_cancel_gives_the_use_back_once(customer: User) -> None:
    voucher = Voucher.objects.create(code="ONCE", kind="fixed", value=Decimal("1"), usage_limit=1)
    cart_fill(user=customer, items=[(product_make(), 1)])
    order = _checkout(customer, address_make(user=customer), voucher_code="once")
    order_cancel(order=order, actor=customer)

    with pytest.raises(InvalidTransition):
        order_cancel(order=order, actor=customer)

    voucher.refresh_from_db()
    assert voucher.used_count == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: row locks")
def test_two_checkouts_racing_for_the_last_use_one_wins() -> None:
    Voucher.objects.create(code="LAST", kind="fixed", value=Decimal("1"), usage_limit=1)
    product = product_make(stock=10)
    buyers = []
    for i in range(2):
        user = user_make(f"racer{i}@example.com")
        cart_fill(user=user, items=[(product, 1)])
        buyers.append((user, address_make(user=user)))

    def buy(i: int) -> str:
        user, address = buyers[i]
        try:
            return _checkout(user, address, voucher_code="LAST").voucher_code
        except VoucherInvalid as refused:
            return refused.extra["reason"]

    assert sorted(race(buy, 2)) == ["LAST", "used_up"]
    assert Voucher.objects.get().used_count == 1
    assert stock_of(product) == 9
    assert Variant.objects.get().stock == 9
