"""Catalog reads: querysets shaped for the API, each loaded in a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import User
from catalog.constants import LOW_STOCK_THRESHOLD
from catalog.errors import ProductNotFound
from catalog.models import Category, Product, ProductImage, WishlistItem

Ordering = Literal["price", "-price", "name", "-name", "created_at", "-created_at"]


# Where the prefetched images of a product land: a plain list, in (position, id) order.
# Read through `product_images`; serializing reads it twice per product, and a list
# costs nothing to read where a related manager clones a queryset each time.
IMAGES_ATTR = "image_list"


def product_images_prefetch(lookup: str = "images") -> Prefetch:
    return Prefetch(
        lookup, queryset=ProductImage.objects.order_by("position", "id"), to_attr=IMAGES_ATTR
    )


def product_images(product: Product) -> list[ProductImage]:
    """The product's images: prefetched by the selectors above, else read now."""
    prefetched = getattr(product, IMAGES_ATTR, None)
    return list(product.images.all()) if prefetched is None else prefetched


def category_list() -> QuerySet[Category]:
    """Active categories with the number of active products filed directly under each."""
    return (
        Category.objects.filter(is_active=True)
        .annotate(product_count=Count("products", filter=Q(products__is_active=True)))
        .order_by("position", "name", "id")  # Meta.ordering does not apply with GROUP BY
    )


def category_subtree_ids(*, slug: str, include_inactive: bool = False) -> set[int]:
    """The category with `slug` and its descendants at any depth, read in one query.

    Without `include_inactive`, an inactive category hides itself and its sub-tree.
    """
    rows = Category.objects.order_by().values_list("id", "parent_id", "slug")
    if not include_inactive:
        rows = rows.filter(is_active=True)
    children: defaultdict[int | None, list[int]] = defaultdict(list)
    roots = []
    for category_id, parent_id, category_slug in rows:
        children[parent_id].append(category_id)
        if category_slug == slug:
            roots.append(category_id)
    found: set[int] = set()
    while roots:  # `found` also guards against a parent cycle made in the admin
        category_id = roots.pop()
        if category_id not in found:
            found.add(category_id)
            roots.extend(children[category_id])
    return found


def sees_hidden_products(user: User | AnonymousUser) -> bool:
    """Whether `user` sees inactive products and categories: staff who may view products
    in the admin (`catalog.view_product`), as the admin decides it."""
    return user.is_staff and user.has_perm("catalog.view_product")


def product_visible(*, user: User | AnonymousUser) -> QuerySet[Product]:
    """Products `user` may see (see `sees_hidden_products`: all, or active ones), API-ready."""
    products = Product.objects.select_related("category").prefetch_related(
        product_images_prefetch()
    )
    return products if sees_hidden_products(user) else products.filter(is_active=True)


def product_list(
    *,
    user: User | AnonymousUser,
    search: str | None = None,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    ordering: Ordering | None = None,
) -> QuerySet[Product]:
    products = product_visible(user=user)
    if search:
        products = products.filter(
            Q(name__icontains=search) | Q(sku__icontains=search) | Q(description__icontains=search)
        )
    if category:
        subtree = category_subtree_ids(slug=category, include_inactive=sees_hidden_products(user))
        products = products.filter(category_id__in=subtree)
    if min_price is not None:
        products = products.filter(price__gte=min_price)
    if max_price is not None:
        products = products.filter(price__lte=max_price)
    if in_stock is not None:
        products = products.filter(stock__gt=0) if in_stock else products.filter(stock=0)
    if ordering:  # the id breaks ties, so pages never overlap or skip a product
        products = products.order_by(ordering, "-id" if ordering.startswith("-") else "id")
    return products


def product_page(
    *, user: User | AnonymousUser, offset: int, limit: int, **filters: Any
) -> dict[str, object]:
    """One page of `product_list(user=user, **filters)` and the number of all its products."""
    products = product_list(user=user, **filters)
    return {"items": list(products[offset : offset + limit]), "count": products.count()}


def product_get(*, product_id: int, user: User | AnonymousUser) -> Product:
    """One product `user` may see, or 404 (an inactive product is hidden from non-staff)."""
    product = product_visible(user=user).filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound("No product with this id.")
    return product


def wishlist_list(*, user: User) -> QuerySet[WishlistItem]:
    """The user's wishlist, newest first, products included.

    A product deactivated since it was added is left out (its item is kept, and shows
    again when the product is back on sale): the shopper sees only what is on sale now.
    """
    return (
        WishlistItem.objects.filter(user=user, product__is_active=True)
        .select_related("product__category")
        .prefetch_related(product_images_prefetch("product__images"))
    )


def wishlist_item_get(*, user: User, item_id: int) -> WishlistItem:
    return wishlist_list(user=user).get(pk=item_id)


@dataclass(frozen=True)
class StockAlerts:
    out: int  # active products with no stock
    low: int  # active products with 1 to LOW_STOCK_THRESHOLD units


def stock_alert_counts() -> StockAlerts:
    """How many products on sale are sold out or running low, in one query."""
    counts = Product.objects.filter(is_active=True).aggregate(
        out=Count("id", filter=Q(stock__lte=0)),
        low=Count("id", filter=Q(stock__gte=1, stock__lte=LOW_STOCK_THRESHOLD)),
    )
    return StockAlerts(out=counts["out"], low=counts["low"])
