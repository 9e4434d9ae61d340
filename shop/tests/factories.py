"""Helpers that build shop state for tests: addresses, filled carts, placed orders."""

from typing import Any

from accounts.models import User
from catalog.models import Product
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.models import Address, Order


def address_make(*, user: User, **fields: Any) -> Address:
    values = {
        "full_name": "Ann Buyer",
        "line1": "1 Main Street",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "US",
        **fields,
    }
    return Address.objects.create(user=user, **values)


def order_place(
    *, user: User, items: list[tuple[Product, int]], address: Address | None = None
) -> Order:
    """Fill the user's cart with `items` and check out through the real services."""
    for product, quantity in items:
        cart_line_add(user=user, product_id=product.pk, quantity=quantity)
    address = address or address_make(user=user)
    return order_create(user=user, address_id=address.pk).order
