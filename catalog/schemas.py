"""Catalog request and response bodies (see the Catalog section of shared/API.md)."""

from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from django.db.models.fields.files import FieldFile
from ninja import Schema
from pydantic import Field, StringConstraints, field_validator

from catalog.models import Product, ProductImage
from catalog.selectors import Ordering
from novacart.api_schemas import Id, Money, MoneyIn

Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=20_000)]
Stock = Annotated[int, Field(ge=0, le=2**31 - 1)]  # the column is a 32-bit integer
# PostgreSQL refuses NUL characters in text, so a search must not carry one.
SearchText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^\x00]*$")
]


def _absolute_url(file: FieldFile, context: dict[str, Any]) -> str:
    """Local media URLs are relative: make them absolute; Cloudinary's already are."""
    return context["request"].build_absolute_uri(file.url)


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    parent_id: int | None
    product_count: int


class CategoryRefOut(Schema):
    id: int
    name: str
    slug: str


class ProductImageOut(Schema):
    id: int
    url: str
    alt: str

    @staticmethod
    def resolve_url(obj: ProductImage, context: dict[str, Any]) -> str:
        return _absolute_url(obj.image, context)

    @staticmethod
    def resolve_alt(obj: ProductImage) -> str:
        return obj.alt_text


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    slug: str
    description: str
    price: Money
    currency: str
    stock: int
    in_stock: bool
    is_active: bool
    category: CategoryRefOut | None
    image: str | None = Field(description="URL of the first image, or null.")
    images: list[ProductImageOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_currency(obj: Product) -> str:
        return settings.NOVACART_CURRENCY

    @staticmethod
    def resolve_image(obj: Product, context: dict[str, Any]) -> str | None:
        first = next(iter(obj.images.all()), None)  # prefetched in (position, id) order
        return None if first is None else _absolute_url(first.image, context)


class ProductIn(Schema):
    """POST and PUT: a whole product; the optional fields fall back to their defaults."""

    sku: Sku
    name: Name
    price: MoneyIn
    stock: Stock
    description: Description = ""
    category_id: Id | None = None
    is_active: bool = True


class ProductPatch(Schema):
    """PATCH: only the fields sent change; `category_id: null` files it under no category."""

    sku: Sku | None = None
    name: Name | None = None
    price: MoneyIn | None = None
    stock: Stock | None = None
    description: Description | None = None
    category_id: Id | None = None
    is_active: bool | None = None

    @field_validator("sku", "name", "price", "stock", "description", "is_active", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("This field cannot be null.")
        return value


class ProductFilters(Schema):
    search: SearchText | None = Field(
        None, description="Part of the name, SKU or description (any case)."
    )
    category: Annotated[str, Field(max_length=140)] | None = Field(
        None, description="A category slug; its sub-categories are included."
    )
    min_price: MoneyIn | None = None
    max_price: MoneyIn | None = None
    in_stock: bool | None = Field(None, description="true: stock > 0; false: sold out.")
    ordering: Ordering | None = None

    @field_validator("min_price", "max_price", "in_stock", "ordering", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: object) -> object:
        return None if value == "" else value  # a form sends `?min_price=` for "any price"


class WishlistIn(Schema):
    product_id: Id


class WishlistItemOut(Schema):
    id: int
    product: ProductOut
    created_at: datetime
