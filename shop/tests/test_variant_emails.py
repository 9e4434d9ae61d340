"""Order emails name the variant bought ("Tee - M / Red"), copied onto the line."""

import pytest
from django.core import mail

from accounts.models import User
from catalog.tests.factories import product_with_options_make
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.tests.factories import address_make

pytestmark = pytest.mark.django_db


def test_the_placed_email_names_the_variant(
    customer: User, django_capture_on_commit_callbacks
) -> None:
    tee = product_with_options_make(
        name="Tee", options={"Size": ["M"], "Colour": ["Red"]}, price="12.00"
    )
    variant = tee.variants.get()
    cart_line_add(user=customer, variant_id=variant.pk, quantity=2)

    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(user=customer, address_id=address_make(user=customer).pk).order

    line = order.lines.get()
    assert (line.name, line.variant_title, line.sku) == ("Tee", "M / Red", variant.sku)
    (email,) = mail.outbox
    assert f"2 x Tee - M / Red ({variant.sku})" in email.body
    assert "Tee &ndash; M / Red" in email.alternatives[0][0]
