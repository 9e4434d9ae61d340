"""Helpers that build shop state for tests: addresses, filled carts, placed orders."""

from typing import Any

from accounts.models import User
from catalog.models import Product, StockMovement, Variant
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


def cart_fill(*, user: User, items: list[tuple[Product | Variant, int]]) -> None:
    """Put `items` into the user's cart: a variant by its id, a product (made with one
    variant) by the product id, as a v1 client does."""
    for item, quantity in items:
        key = {"variant_id": item.pk} if isinstance(item, Variant) else {"product_id": item.pk}
        cart_line_add(user=user, quantity=quantity, **key)


def order_place(
    *, user: User, items: list[tuple[Product | Variant, int]], address: Address | None = None
) -> Order:
    """Fill the user's cart with `items` and check out through the real services."""
    cart_fill(user=user, items=items)
    address = address or address_make(user=user)
    return order_create(user=user, address_id=address.pk).order


def order_movements(order: Order) -> list[tuple[str, str, int, int]]:
    """The stock movements recorded under the order's number, oldest first:
    (sku, reason, delta, quantity after); what a test of a stock change asserts."""
    movements = StockMovement.objects.filter(reference=order.number).order_by("created_at", "pk")
    return list(movements.values_list("sku", "reason", "delta", "quantity_after"))
