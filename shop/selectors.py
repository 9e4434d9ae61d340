"""Read functions for the shop API and admin: the joins each response needs, up front."""

from django.db.models import Prefetch, QuerySet

from catalog.selectors import product_images_prefetch
from novacart.accounts.models import User
from novacart.errors import NotFound
from shop.models import Address, Cart, CartLine, Order


def _cart_lines() -> QuerySet[CartLine]:
    return CartLine.objects.select_related("product__category").prefetch_related(
        product_images_prefetch("product__images")
    )


def cart_get(*, user: User) -> Cart:
    cart, _ = Cart.objects.get_or_create(user=user)
    return Cart.objects.prefetch_related(Prefetch("lines", queryset=_cart_lines())).get(pk=cart.pk)


def address_list(*, user: User) -> QuerySet[Address]:
    return Address.objects.filter(user=user)


def address_get(*, user: User, address_id: int) -> Address:
    address = address_list(user=user).filter(pk=address_id).first()
    if address is None:
        raise NotFound("Address not found.")
    return address


def order_list(*, user: User, status: str | None = None) -> QuerySet[Order]:
    orders = Order.objects.filter(user=user).prefetch_related("lines", "events")
    if status:
        orders = orders.filter(status=status)
    return orders.order_by("-created_at", "-id")


def order_get(*, user: User, order_id: int) -> Order:
    order = order_list(user=user).filter(pk=order_id).first()
    if order is None:
        raise NotFound("Order not found.")
    return order
