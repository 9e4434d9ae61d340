"""The checkout's SQL is bounded: a cart of 10 lines is ordered in under 20 statements."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from catalog.tests.factories import product_make, product_with_options_make
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.models import ShippingMethod, ShippingZone, TaxRate, Voucher
from shop.tests.factories import address_make

pytestmark = pytest.mark.django_db
TRANSACTION = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT"}


@pytest.mark.parametrize("lines", [1, 10])
def test_a_checkout_takes_a_bounded_number_of_statements(customer: User, lines: int) -> None:
    tee = product_with_options_make(options={"Size": ["S", "M", "L", "XL", "XXL"]}, stock=50)
    for variant in tee.variants.all()[: lines // 2]:
        cart_line_add(user=customer, variant_id=variant.pk, quantity=2)
    for _ in range(lines - lines // 2):
        cart_line_add(user=customer, product_id=product_make(stock=50).pk, quantity=1)
    address = address_make(user=customer)

    with CaptureQueriesContext(connection) as queries:
        order = order_create(user=customer, address_id=address.pk).order

    assert order.lines.count() == lines
    # cart locked, address, pending orders, lines, variants locked, one stock UPDATE,
    # movements, shipping methods, tax rates, order, order lines, cart emptied, event,
    # and 3 savepoints' 6 statements:
    # the same for 1 or 10 lines (the bound: under 20)
    assert len(queries) == 19, "\n".join(q["sql"][:120] for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_a_checkout_with_shipping_tax_and_a_voucher_stays_within_twenty_statements() -> None:
    customer = User.objects.create_user(email="ann@example.com", password="x")
    zone = ShippingZone.objects.create(name="United States", countries=["US"])
    method = ShippingMethod.objects.create(zone=zone, name="Standard", price=Decimal("5.00"))
    TaxRate.objects.create(name="Sales tax", country="US", rate=Decimal("8.875"))
    Voucher.objects.create(code="TEN", kind="percent", value=Decimal("10"), once_per_customer=True)
    for _ in range(10):
        cart_line_add(user=customer, product_id=product_make(stock=50).pk, quantity=1)
    address = address_make(user=customer)

    with CaptureQueriesContext(connection) as queries:
        order = order_create(
            user=customer, address_id=address.pk, shipping_method_id=method.pk, voucher_code="ten"
        ).order

    assert (order.voucher_code, order.lines.count()) == ("TEN", 10)
    # the 15 of a plain checkout outside a test transaction, shipping methods, tax rates,
    # the voucher locked, its once-per-customer check and its use counted (SQLite also
    # logs its BEGIN and COMMIT, PostgreSQL does not: they are not counted)
    statements = [q["sql"] for q in queries.captured_queries if q["sql"] not in TRANSACTION]
    assert len(statements) == 20, "\n".join(sql[:120] for sql in statements)
