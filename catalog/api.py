"""Catalog endpoints: /api/categories/ and /api/products/... (see shared/API.md)."""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status
from ninja.pagination import paginate

from accounts.auth import OPTIONAL_AUTH, jwt_auth, optional_jwt_auth, permission_required
from catalog import selectors, services, variants
from catalog.cache import catalog_response
from catalog.errors import (
    LastVariant,
    ProductInvalid,
    ProductNotFound,
    SkuTaken,
    SlugTaken,
    StockBelowZero,
    UnknownCategory,
    VariantNotFound,
    WishlistItemNotFound,
)
from catalog.models import Category, Product, Variant, WishlistItem
from catalog.schemas import (
    CategoryOut,
    ProductCreateIn,
    ProductFilters,
    ProductIn,
    ProductOut,
    ProductPageOut,
    ProductPatch,
    Slug,
    VariantIn,
    VariantOut,
    VariantPatch,
    WishlistIn,
    WishlistItemOut,
)
from core.api_schemas import error_responses
from core.errors import PermissionDenied
from core.pagination import BoundedLimitOffsetPagination

router = Router(tags=["catalog"])

# What a staff member's product write may meet (besides the product not being found).
PRODUCT_WRITE = (PermissionDenied, SkuTaken, SlugTaken, UnknownCategory, ProductInvalid)
VARIANT_WRITE = (PermissionDenied, SkuTaken, ProductInvalid, StockBelowZero)
STAFF = ["catalog", "staff"]


@router.get("categories/", operation_id="categoryList", response={200: list[CategoryOut]})
def category_list(request: HttpRequest) -> QuerySet[Category]:
    return selectors.category_list()


# The wishlist routes come before products/{id}/, which would otherwise capture them.
@router.get(
    "products/wishlist/",
    operation_id="wishlistList",
    response={
        200: list[WishlistItemOut],
        **error_responses("WishlistList", token=True, params=True),
    },
    auth=jwt_auth,
)
@paginate(BoundedLimitOffsetPagination)
def wishlist_list(request: HttpRequest) -> QuerySet[WishlistItem]:
    return selectors.wishlist_list(user=request.auth)


@router.post(
    "products/wishlist/",
    operation_id="wishlistAdd",
    response={
        200: WishlistItemOut,
        201: WishlistItemOut,
        **error_responses("WishlistAdd", ProductNotFound, token=True, body=True),
    },
    auth=jwt_auth,
)
def wishlist_add(request: HttpRequest, payload: WishlistIn) -> Status[WishlistItem]:
    item, created = services.wishlist_add(user=request.auth, product_id=payload.product_id)
    return Status(
        201 if created else 200, selectors.wishlist_item_get(user=request.auth, item_id=item.pk)
    )


@router.delete(
    "products/wishlist/{id}/",
    operation_id="wishlistRemove",
    response={
        204: None,
        **error_responses("WishlistRemove", WishlistItemNotFound, token=True, params=True),
    },
    auth=jwt_auth,
)
def wishlist_remove(request: HttpRequest, id: int) -> Status[None]:
    services.wishlist_remove(user=request.auth, item_id=id)
    return Status(204, None)


@router.get(
    "products/",
    operation_id="productList",
    response={200: ProductPageOut, **error_responses("ProductList", token=True, params=True)},
    auth=optional_jwt_auth,
    openapi_extra=OPTIONAL_AUTH,
)
def product_list(
    request: HttpRequest,
    filters: Query[ProductFilters],
    page: Query[BoundedLimitOffsetPagination.Input],
) -> HttpResponse:
    return catalog_response(
        request,
        user=request.auth,
        schema=ProductPageOut,
        params={"list": {**page.dict(), **filters.dict()}},
        build=lambda: selectors.product_page(user=request.auth, **page.dict(), **filters.dict()),
    )


@router.post(
    "products/",
    operation_id="productCreate",
    response={
        201: ProductOut,
        **error_responses("ProductCreate", *PRODUCT_WRITE, token=True, body=True),
    },
    auth=jwt_auth,
    tags=STAFF,
)
def product_create(request: HttpRequest, payload: ProductCreateIn) -> Status[Product]:
    permission_required(request.auth, "catalog.add_product")
    product = services.product_create(**payload.service_fields(), actor=request.auth)
    return Status(201, selectors.product_get(product_id=product.pk, user=request.auth))


@router.get(
    "products/{id}/",
    operation_id="productGet",
    response={
        200: ProductOut,
        **error_responses("ProductGet", ProductNotFound, token=True, params=True),
    },
    auth=optional_jwt_auth,
    openapi_extra=OPTIONAL_AUTH,
)
def product_detail(request: HttpRequest, id: int) -> HttpResponse:
    return catalog_response(
        request,
        user=request.auth,
        schema=ProductOut,
        params={"detail": id},
        build=lambda: selectors.product_get(product_id=id, user=request.auth),
    )


@router.get(
    "products/by-slug/{slug}/",
    operation_id="productGetBySlug",
    response={
        200: ProductOut,
        **error_responses("ProductGetBySlug", ProductNotFound, token=True, params=True),
    },
    auth=optional_jwt_auth,
    openapi_extra=OPTIONAL_AUTH,
)
def product_detail_by_slug(request: HttpRequest, slug: Slug) -> HttpResponse:
    return catalog_response(
        request,
        user=request.auth,
        schema=ProductOut,
        params={"slug": slug},
        build=lambda: selectors.product_get_by_slug(slug=slug, user=request.auth),
    )


@router.put(
    "products/{id}/",
    operation_id="productReplace",
    response={
        200: ProductOut,
        **error_responses("ProductReplace", ProductNotFound, *PRODUCT_WRITE, token=True, body=True),
    },
    auth=jwt_auth,
    tags=STAFF,
)
def product_replace(request: HttpRequest, id: int, payload: ProductIn) -> Product:
    permission_required(request.auth, "catalog.change_product")
    product = selectors.product_get(product_id=id, user=request.auth)
    services.product_update(product=product, actor=request.auth, **payload.dict())
    return selectors.product_get(product_id=id, user=request.auth)


@router.patch(
    "products/{id}/",
    operation_id="productUpdate",
    response={
        200: ProductOut,
        **error_responses("ProductUpdate", ProductNotFound, *PRODUCT_WRITE, token=True, body=True),
    },
    auth=jwt_auth,
    tags=STAFF,
)
def product_update(request: HttpRequest, id: int, payload: ProductPatch) -> Product:
    permission_required(request.auth, "catalog.change_product")
    product = selectors.product_get(product_id=id, user=request.auth)
    services.product_update(product=product, actor=request.auth, **payload.dict(exclude_unset=True))
    return selectors.product_get(product_id=id, user=request.auth)


@router.delete(
    "products/{id}/",
    operation_id="productDelete",
    response={
        204: None,
        **error_responses(
            "ProductDelete", ProductNotFound, PermissionDenied, token=True, params=True
        ),
    },
    auth=jwt_auth,
    tags=STAFF,
)
def product_delete(request: HttpRequest, id: int) -> Status[None]:
    permission_required(request.auth, "catalog.delete_product")
    services.product_delete(product=selectors.product_get(product_id=id, user=request.auth))
    return Status(204, None)


@router.post(
    "products/{id}/variants/",
    operation_id="variantCreate",
    response={
        201: VariantOut,
        **error_responses("VariantCreate", ProductNotFound, *PRODUCT_WRITE, token=True, body=True),
    },
    auth=jwt_auth,
    tags=STAFF,
)
def variant_create(request: HttpRequest, id: int, payload: VariantIn) -> Status[Variant]:
    permission_required(request.auth, "catalog.change_product")
    product = selectors.product_get(product_id=id, user=request.auth)
    (variant,) = variants.variants_create(
        product=product, variants=[payload.dict(exclude_unset=True)], actor=request.auth
    )
    return Status(201, variant)


@router.patch(
    "variants/{id}/",
    operation_id="variantUpdate",
    response={
        200: VariantOut,
        **error_responses("VariantUpdate", VariantNotFound, *VARIANT_WRITE, token=True, body=True),
    },
    auth=jwt_auth,
    tags=STAFF,
)
def variant_update(request: HttpRequest, id: int, payload: VariantPatch) -> Variant:
    permission_required(request.auth, "catalog.change_product")
    variant = selectors.variant_get(variant_id=id, user=request.auth)
    return variants.variant_update(
        variant=variant, actor=request.auth, **payload.dict(exclude_unset=True)
    )


@router.delete(
    "variants/{id}/",
    operation_id="variantDelete",
    response={
        204: None,
        **error_responses(
            "VariantDelete", VariantNotFound, PermissionDenied, LastVariant, token=True, params=True
        ),
    },
    auth=jwt_auth,
    tags=STAFF,
)
def variant_delete(request: HttpRequest, id: int) -> Status[None]:
    permission_required(request.auth, "catalog.change_product")
    variants.variant_delete(variant=selectors.variant_get(variant_id=id, user=request.auth))
    return Status(204, None)
