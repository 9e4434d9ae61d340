"""Catalog reads: querysets shaped for the API, each loaded in a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.models import User
from catalog.constants import LOW_STOCK_THRESHOLD
from catalog.errors import ProductNotFound, VariantNotFound
from catalog.models import Category, Product, ProductImage, ProductOption, Variant, WishlistItem

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


# The same for a product's variants (those the reader may see, in position order) and
# its options.
VARIANTS_ATTR = "variant_list"
OPTIONS_ATTR = "option_list"


def _variants_seen(*, hidden: bool) -> QuerySet[Variant]:
    """Variants a reader sees: all (staff, `hidden`), else only those on sale."""
    variants = Variant.objects.all() if hidden else Variant.objects.filter(is_active=True)
    return variants.order_by("position", "id")


def product_variants_prefetch(lookup: str = "variants", *, hidden: bool = False) -> Prefetch:
    return Prefetch(
        lookup,
        queryset=_variants_seen(hidden=hidden).select_related("image"),
        to_attr=VARIANTS_ATTR,
    )


def product_options_prefetch(lookup: str = "options") -> Prefetch:
    return Prefetch(
        lookup, queryset=ProductOption.objects.order_by("position"), to_attr=OPTIONS_ATTR
    )


def product_variants(product: Product) -> list[Variant]:
    """The product's variants as the reader sees them: prefetched, else read now (all)."""
    prefetched = getattr(product, VARIANTS_ATTR, None)
    return list(product.variants.order_by("position", "id")) if prefetched is None else prefetched


def product_options(product: Product) -> list[ProductOption]:
    prefetched = getattr(product, OPTIONS_ATTR, None)
    return list(product.options.order_by("position")) if prefetched is None else prefetched


def product_sku(product: Product) -> str:
    """The v1 `sku`: the first variant's."""
    variants = product_variants(product)
    return variants[0].sku if variants else ""


def product_price(product: Product) -> Decimal | None:
    """The v1 `price`: the lowest variant price."""
    return min((variant.price for variant in product_variants(product)), default=None)


def product_stock(product: Product) -> int:
    """The v1 `stock`: all variants' stock together."""
    return sum(variant.stock for variant in product_variants(product))


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
    """Products `user` may see (see `sees_hidden_products`: all, or active ones with a
    variant on sale), API-ready: category, images, options and variants in four queries."""
    hidden = sees_hidden_products(user)
    products = Product.objects.select_related("category").prefetch_related(
        product_images_prefetch(),
        product_options_prefetch(),
        product_variants_prefetch(hidden=hidden),
    )
    if hidden:
        return products
    return products.filter(is_active=True).filter(Exists(_variants_of(hidden=False)))


def _variants_of(*, hidden: bool, **conditions: Any) -> QuerySet[Variant]:
    """The seen variants of the outer query's product that meet `conditions`."""
    return _variants_seen(hidden=hidden).filter(product=OuterRef("pk"), **conditions)


def _option_match(name: str, value: str) -> Q:
    """A variant whose value of the product's option `name` is `value` (any case)."""
    match = Q()
    for position in (1, 2, 3):
        named = ProductOption.objects.filter(
            product=OuterRef("product"), position=position, name__iexact=name
        )
        match |= Q(Exists(named), **{f"option{position}__iexact": value})
    return match


def product_list(
    *,
    user: User | AnonymousUser,
    search: str | None = None,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool | None = None,
    option: list[str] | None = None,
    ordering: Ordering | None = None,
) -> QuerySet[Product]:
    """Filters on prices and stock match a product when any variant it shows matches;
    `option` ("Size:M", each AND) when one variant has all the values."""
    hidden = sees_hidden_products(user)
    products = product_visible(user=user)
    if search:
        sku_match = Exists(_variants_of(hidden=hidden, sku__icontains=search))
        products = products.filter(
            Q(name__icontains=search) | Q(description__icontains=search) | sku_match
        )
    if category:
        subtree = category_subtree_ids(slug=category, include_inactive=hidden)
        products = products.filter(category_id__in=subtree)
    prices = {
        **({"price__gte": min_price} if min_price is not None else {}),
        **({"price__lte": max_price} if max_price is not None else {}),
    }
    if prices:
        products = products.filter(Exists(_variants_of(hidden=hidden, **prices)))
    if in_stock is not None:
        stocked = Exists(_variants_of(hidden=hidden, stock__gt=0))
        products = products.filter(stocked if in_stock else ~stocked)
    if option:
        matching = _variants_of(hidden=hidden)
        for name, _, value in (pair.partition(":") for pair in option):
            matching = matching.filter(_option_match(name.strip(), value.strip()))
        products = products.filter(Exists(matching))
    if ordering:  # the id breaks ties, so pages never overlap or skip a product
        if ordering.lstrip("-") == "price":
            lowest = _variants_of(hidden=hidden).order_by().values("product")
            products = products.annotate(
                price=Subquery(lowest.annotate(low=Min("price")).values("low"))
            )
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


def product_get_by_slug(*, slug: str, user: User | AnonymousUser) -> Product:
    """The same as `product_get`, found by its slug."""
    product = product_visible(user=user).filter(slug=slug).first()
    if product is None:
        raise ProductNotFound("No product with this slug.")
    return product


def variant_get(*, variant_id: int, user: User | AnonymousUser) -> Variant:
    """One variant of a product `user` may see (staff: any), with its product, or 404."""
    variants = Variant.objects.select_related("product", "image")
    if not sees_hidden_products(user):
        variants = variants.filter(is_active=True, product__is_active=True)
    variant = variants.filter(pk=variant_id).first()
    if variant is None:
        raise VariantNotFound("No variant with this id.")
    return variant


def wishlist_list(*, user: User) -> QuerySet[WishlistItem]:
    """The user's wishlist, newest first, products included.

    A product deactivated since it was added is left out (its item is kept, and shows
    again when the product is back on sale): the shopper sees only what is on sale now.
    """
    return (
        WishlistItem.objects.filter(user=user, product__is_active=True)
        .select_related("product__category")
        .prefetch_related(
            product_images_prefetch("product__images"),
            product_options_prefetch("product__options"),
            product_variants_prefetch("product__variants"),
        )
    )


def wishlist_item_get(*, user: User, item_id: int) -> WishlistItem:
    return wishlist_list(user=user).get(pk=item_id)


@dataclass(frozen=True)
class StockAlerts:
    out: int  # variants on sale with no stock
    low: int  # variants on sale with 1 to LOW_STOCK_THRESHOLD units


def stock_alert_counts() -> StockAlerts:
    """How many variants on sale are sold out or running low, in one query."""
    counts = Variant.objects.filter(is_active=True, product__is_active=True).aggregate(
        out=Count("id", filter=Q(stock__lte=0)),
        low=Count("id", filter=Q(stock__gte=1, stock__lte=LOW_STOCK_THRESHOLD)),
    )
    return StockAlerts(out=counts["out"], low=counts["low"])
