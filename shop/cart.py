"""Cart services: one server-side cart per user, one line per product, stock checked."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from catalog.models import Product
from core.errors import NotFound
from shop.errors import OutOfStock, ProductUnavailable, QuantityLimit
from shop.models import Cart, CartLine

MAX_LINE_QUANTITY = 1000


@dataclass(frozen=True)
class CartTotals:
    item_count: int
    subtotal: Decimal


def cart_line_is_available(line: CartLine) -> bool:
    return line.product is not None and line.product.is_active


def cart_line_total(line: CartLine) -> Decimal:
    if not cart_line_is_available(line):
        return Decimal("0.00")
    return line.product.price * line.quantity


def cart_totals(lines: list[CartLine]) -> CartTotals:
    available = [line for line in lines if cart_line_is_available(line)]
    return CartTotals(
        item_count=sum(line.quantity for line in available),
        subtotal=sum((cart_line_total(line) for line in available), Decimal("0.00")),
    )


def _cart_lock(user: User) -> Cart:
    """The user's cart, created on first use, locked for this transaction."""
    Cart.objects.get_or_create(user=user)
    return Cart.objects.select_for_update().get(user=user)


def _quantity_check(*, product: Product, quantity: int) -> None:
    """A line's new quantity: within the stock and within MAX_LINE_QUANTITY."""
    if quantity > product.stock:
        raise OutOfStock(
            f"Only {product.stock} of {product.name} left in stock.",
            product_ids=[product.pk],
            available=product.stock,
        )
    if quantity > MAX_LINE_QUANTITY:
        raise QuantityLimit(f"At most {MAX_LINE_QUANTITY} of one product per order.")


def _active_product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise NotFound("Product not found.")
    return product


@transaction.atomic
def cart_line_add(*, user: User, product_id: int, quantity: int = 1) -> Cart:
    cart = _cart_lock(user)
    product = _active_product(product_id)
    line = cart.lines.filter(product=product).first()
    total = quantity + (line.quantity if line else 0)
    _quantity_check(product=product, quantity=total)
    if line is None:
        CartLine.objects.create(
            cart=cart, product=product, sku=product.sku, name=product.name, quantity=total
        )
    else:
        line.quantity = total
        line.save(update_fields=["quantity"])
    return cart


def _own_line(*, cart: Cart, line_id: int) -> CartLine:
    line = cart.lines.select_related("product").filter(pk=line_id).first()
    if line is None:
        raise NotFound("Cart line not found.")
    return line


@transaction.atomic
def cart_line_update(*, user: User, line_id: int, quantity: int) -> Cart:
    cart = _cart_lock(user)
    line = _own_line(cart=cart, line_id=line_id)
    if not cart_line_is_available(line):
        raise ProductUnavailable(
            f"{line.name} is no longer available: remove it from the cart.", line_ids=[line.pk]
        )
    _quantity_check(product=line.product, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return cart


@transaction.atomic
def cart_line_remove(*, user: User, line_id: int) -> None:
    cart = _cart_lock(user)
    _own_line(cart=cart, line_id=line_id).delete()
