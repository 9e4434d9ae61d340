"""The checkout's SQL is bounded: a cart of 10 lines is ordered in under 20 statements."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from catalog.tests.factories import product_make, product_with_options_make
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.tests.factories import address_make

pytestmark = pytest.mark.django_db


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
