"""Catalog request and response bodies (see the Catalog section of shared/API.md)."""

from datetime import datetime
from typing import Annotated, Any, get_args

from django.conf import settings
from django.db.models.fields.files import FieldFile
from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator
from pydantic.json_schema import SkipJsonSchema

from catalog.models import Product, ProductImage
from catalog.selectors import Ordering, product_images
from core.api_schemas import (
    MONEY_PATTERN,
    BodyIn,
    Currency,
    Id,
    Money,
    MoneyIn,
    Url,
    json_int,
    text_in,
    unset,
)

Sku = text_in(64)
Name = text_in(200)
Description = text_in(20_000, required=False)
Stock = json_int(ge=0, le=2**31 - 1)  # the column is a 32-bit integer
SearchText = text_in(200, required=False)


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
    url: Url
    thumbnail: Url = Field(description="URL of a small copy (the original's until made).")
    alt: str

    @staticmethod
    def resolve_url(obj: ProductImage, context: dict[str, Any]) -> str:
        return _absolute_url(obj.image, context)

    @staticmethod
    def resolve_thumbnail(obj: ProductImage, context: dict[str, Any]) -> str:
        return _absolute_url(obj.preview, context)

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
    currency: Currency
    stock: int
    in_stock: bool
    is_active: bool
    category: CategoryRefOut | None
    image: Url | None = Field(description="URL of the first image, or null.")
    thumbnail: Url | None = Field(description="URL of the first image's thumbnail, or null.")
    images: list[ProductImageOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_currency(obj: Product) -> str:
        return settings.NOVACART_CURRENCY

    @staticmethod
    def resolve_image(obj: Product, context: dict[str, Any]) -> str | None:
        images = product_images(obj)
        return _absolute_url(images[0].image, context) if images else None

    @staticmethod
    def resolve_thumbnail(obj: Product, context: dict[str, Any]) -> str | None:
        images = product_images(obj)
        return _absolute_url(images[0].preview, context) if images else None

    @staticmethod
    def resolve_images(obj: Product) -> list[ProductImage]:
        return product_images(obj)


class ProductPageOut(Schema):
    items: list[ProductOut]
    count: int


class ProductIn(BodyIn):
    """POST and PUT: a whole product; the optional fields fall back to their defaults."""

    sku: Sku
    name: Name
    price: MoneyIn
    stock: Stock
    description: Description = ""
    category_id: Id | None = None
    is_active: bool = True


class ProductPatch(BodyIn):
    """PATCH: only the fields sent change; `category_id: null` files it under no category."""

    sku: Sku | SkipJsonSchema[None] = unset()
    name: Name | SkipJsonSchema[None] = unset()
    price: MoneyIn | SkipJsonSchema[None] = unset()
    stock: Stock | SkipJsonSchema[None] = unset()
    description: Description | SkipJsonSchema[None] = unset()
    category_id: Id | None = None
    is_active: bool | SkipJsonSchema[None] = unset()

    @field_validator("sku", "name", "price", "stock", "description", "is_active", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("This field cannot be null.")
        return value


# A form sends an empty field for "any" (`?min_price=`): allowed, and read as absent.
_EMPTY = {"type": "string", "maxLength": 0}


def _true_or_false(value: object) -> object:
    """Exactly `true` or `false` (Pydantic alone would also take 1, yes, on, ...)."""
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError("Use true or false.")
    return value == "true" if isinstance(value, str) else value


MoneyFilter = Annotated[
    MoneyIn | None,
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": MONEY_PATTERN}, _EMPTY]}),
]
BoolFilter = Annotated[
    bool | None,
    BeforeValidator(_true_or_false),
    WithJsonSchema({"anyOf": [{"type": "boolean"}, _EMPTY]}),
]
OrderingFilter = Annotated[
    Ordering | None,
    WithJsonSchema({"anyOf": [{"type": "string", "enum": list(get_args(Ordering))}, _EMPTY]}),
]


class ProductFilters(Schema):
    search: SearchText | None = Field(
        None, description="Part of the name, SKU or description (any case)."
    )
    category: Annotated[str, Field(max_length=140)] | None = Field(
        None, description="A category slug; its sub-categories are included."
    )
    min_price: MoneyFilter = None
    max_price: MoneyFilter = None
    in_stock: BoolFilter = Field(None, description="true: stock > 0; false: sold out.")
    ordering: OrderingFilter = None

    @field_validator("min_price", "max_price", "in_stock", "ordering", mode="before")
    @classmethod
    def _empty_is_absent(cls, value: object) -> object:
        return None if value == "" else value


class WishlistIn(BodyIn):
    product_id: Id


class WishlistItemOut(Schema):
    id: int
    product: ProductOut
    created_at: datetime
