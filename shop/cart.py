"""Cart services: one server-side cart per user, one line per variant, stock checked."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from catalog.errors import OutOfStock, VariantRequired
from catalog.models import Variant
from core.errors import NotFound
from shop.errors import ProductUnavailable, QuantityLimit
from shop.models import Cart, CartLine

MAX_LINE_QUANTITY = 1000


@dataclass(frozen=True)
class CartTotals:
    item_count: int
    subtotal: Decimal


def cart_line_is_available(line: CartLine) -> bool:
    variant = line.variant
    return variant is not None and variant.is_active and variant.product.is_active


def cart_line_total(line: CartLine) -> Decimal:
    if not cart_line_is_available(line):
        return Decimal("0.00")
    return line.variant.price * line.quantity


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


def _quantity_check(*, variant: Variant, quantity: int) -> None:
    """A line's new quantity: within the stock and within MAX_LINE_QUANTITY."""
    if quantity > variant.stock:
        name = (
            f"{variant.product.name} ({variant.title})" if variant.title else variant.product.name
        )
        raise OutOfStock(
            f"Only {variant.stock} of {name} left in stock.",
            product_ids=[variant.product_id],
            variant_ids=[variant.pk],
            available=variant.stock,
        )
    if quantity > MAX_LINE_QUANTITY:
        raise QuantityLimit(f"At most {MAX_LINE_QUANTITY} of one product per order.")


def cart_variant(*, variant_id: int | None = None, product_id: int | None = None) -> Variant:
    """The variant on sale that a cart add means: `variant_id` (of `product_id`, when
    both are given), or the one variant of `product_id` (a product with several, or no
    id at all: VariantRequired, naming the variants)."""
    on_sale = Variant.objects.filter(is_active=True, product__is_active=True).select_related(
        "product"
    )
    if product_id is not None:
        on_sale = on_sale.filter(product_id=product_id)
    if variant_id is not None:
        variant = on_sale.filter(pk=variant_id).first()
        if variant is None:
            raise NotFound("Variant not found.")
        return variant
    if product_id is None:
        raise VariantRequired("Say what to add: a variant_id (or a product_id).", variant_ids=[])
    variants = list(on_sale.order_by("position", "pk")[:100])
    if not variants:
        raise NotFound("Product not found.")
    if len(variants) > 1:
        raise VariantRequired(
            "This product comes in several variants: choose one (variant_id).",
            variant_ids=[variant.pk for variant in variants],
        )
    return variants[0]


@transaction.atomic
def cart_line_add(
    *, user: User, variant_id: int | None = None, product_id: int | None = None, quantity: int = 1
) -> Cart:
    """Add `quantity` of a variant (or of a product's one variant) to the user's cart."""
    cart = _cart_lock(user)
    variant = cart_variant(variant_id=variant_id, product_id=product_id)
    line = cart.lines.filter(variant=variant).first()
    total = quantity + (line.quantity if line else 0)
    _quantity_check(variant=variant, quantity=total)
    if line is None:
        CartLine.objects.create(
            cart=cart,
            variant=variant,
            sku=variant.sku,
            name=variant.product.name,
            variant_title=variant.title,
            quantity=total,
        )
    else:
        line.quantity = total
        line.save(update_fields=["quantity"])
    return cart


def _own_line(*, cart: Cart, line_id: int) -> CartLine:
    line = cart.lines.select_related("variant__product").filter(pk=line_id).first()
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
    _quantity_check(variant=line.variant, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return cart


@transaction.atomic
def cart_line_remove(*, user: User, line_id: int) -> None:
    cart = _cart_lock(user)
    _own_line(cart=cart, line_id=line_id).delete()
