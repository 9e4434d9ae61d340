"""Catalog request and response bodies (see the Catalog section of shared/API.md)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, get_args

from django.conf import settings
from django.db.models.fields.files import FieldFile
from ninja import Path as PathParam
from ninja import Schema
from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator
from pydantic.json_schema import SkipJsonSchema

from catalog.models import MAX_OPTIONS, Product, ProductImage, ProductOption, TaxClass, Variant
from catalog.selectors import (
    Ordering,
    product_images,
    product_options,
    product_price,
    product_sku,
    product_stock,
    product_variants,
)
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
Weight = json_int(ge=0, le=2**31 - 1)
Position = json_int(ge=0, le=2**31 - 1)
Slug = Annotated[str, PathParam(max_length=220)]
# A JSON string naming a tax class (strict bodies take no plain string for an enum).
TaxClassIn = Annotated[TaxClass, BeforeValidator(lambda value: TaxClass(value))]
OptionFilter = Annotated[str, Field(pattern=r"^[^:]+:.+$", max_length=200)]


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


class OptionOut(Schema):
    name: str
    values: list[str]


class VariantOut(Schema):
    id: int
    sku: str
    title: str = Field(description='"M / Red"; empty for a product without options.')
    options: dict[str, str] = Field(description='{"Size": "M", ...}; {} without options.')
    price: Money
    compare_at_price: Money | None = Field(description='The "was" price of a sale, or null.')
    currency: Currency
    stock: int
    in_stock: bool
    image: Url | None = Field(description="URL of the variant's own image, or null.")
    weight_grams: int | None
    position: int
    is_active: bool

    @staticmethod
    def resolve_options(obj: Variant) -> dict[str, str]:
        values = (obj.option1, obj.option2, obj.option3)
        return {option.name: values[option.position - 1] for option in product_options(obj.product)}

    @staticmethod
    def resolve_currency(obj: Variant) -> str:
        return settings.NOVACART_CURRENCY

    @staticmethod
    def resolve_image(obj: Variant, context: dict[str, Any]) -> str | None:
        return _absolute_url(obj.image.image, context) if obj.image else None


class ProductOut(Schema):
    id: int
    sku: str = Field(description="The first variant's SKU.")
    name: str
    slug: str
    description: str
    price: Money = Field(description="The lowest variant price.")
    currency: Currency
    stock: int = Field(description="All variants' stock together.")
    in_stock: bool = Field(description="true when any variant is in stock.")
    is_active: bool
    tax_class: TaxClass
    options: list[OptionOut]
    variants: list[VariantOut]
    category: CategoryRefOut | None
    image: Url | None = Field(description="URL of the first image, or null.")
    thumbnail: Url | None = Field(description="URL of the first image's thumbnail, or null.")
    images: list[ProductImageOut]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_sku(obj: Product) -> str:
        return product_sku(obj)

    @staticmethod
    def resolve_price(obj: Product) -> Decimal:
        return product_price(obj) or Decimal("0.00")

    @staticmethod
    def resolve_stock(obj: Product) -> int:
        return product_stock(obj)

    @staticmethod
    def resolve_in_stock(obj: Product) -> bool:
        return any(variant.stock > 0 for variant in product_variants(obj))

    @staticmethod
    def resolve_currency(obj: Product) -> str:
        return settings.NOVACART_CURRENCY

    @staticmethod
    def resolve_options(obj: Product) -> list[ProductOption]:
        return product_options(obj)

    @staticmethod
    def resolve_variants(obj: Product) -> list[Variant]:
        variants = product_variants(obj)
        for variant in variants:  # the variant's options are named by its product's
            variant.product = obj
        return variants

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
    """PUT (and v1 POST): a whole product of one variant; the optional fields fall back to
    their defaults."""

    sku: Sku
    name: Name
    price: MoneyIn
    stock: Stock
    description: Description = ""
    category_id: Id | None = None
    is_active: bool = True
    tax_class: TaxClassIn = TaxClass.STANDARD


OptionName = text_in(60)
OptionValue = text_in(100)


class OptionIn(BodyIn):
    name: OptionName
    values: Annotated[list[OptionValue], Field(min_length=1, max_length=100)]


class VariantIn(BodyIn):
    sku: Sku
    # Names and values are matched against the product's options by catalog.variants (an
    # unknown one is a 422 `invalid_product` naming it), not by the schema.
    options: Annotated[dict[str, str], Field(max_length=MAX_OPTIONS)] = Field(
        default_factory=dict, description='One value per option of the product: {"Size": "M"}.'
    )
    price: MoneyIn
    stock: Stock = 0
    compare_at_price: MoneyIn | None = None
    weight_grams: Weight | None = None
    position: Position | SkipJsonSchema[None] = unset()
    is_active: bool = True


class ProductCreateIn(ProductIn):
    """POST: a v1 product (`sku`, `price`, `stock`: one default variant), or `options`
    and `variants` (each option combination at most once); not both (422
    `invalid_product`, as for any other rule of a product)."""

    sku: Sku | SkipJsonSchema[None] = None
    price: MoneyIn | SkipJsonSchema[None] = None
    stock: Stock = 0
    options: Annotated[list[OptionIn], Field(max_length=MAX_OPTIONS)] = Field(default_factory=list)
    variants: Annotated[list[VariantIn], Field(max_length=1000)] | SkipJsonSchema[None] = None

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of catalog.services.product_create (which checks that
        the v1 fields or the variants are given, and not both)."""
        return {
            **self.dict(exclude={"options", "variants"}, exclude_none=True),
            "options": [option.dict() for option in self.options],
            "variants": None
            if self.variants is None
            else [variant.dict(exclude_unset=True) for variant in self.variants],
        }


class VariantPatch(BodyIn):
    """PATCH a variant: only the fields sent change (`stock` sets a new figure)."""

    sku: Sku | SkipJsonSchema[None] = unset()
    price: MoneyIn | SkipJsonSchema[None] = unset()
    stock: Stock | SkipJsonSchema[None] = unset()
    compare_at_price: MoneyIn | None = None
    weight_grams: Weight | None = None
    position: Position | SkipJsonSchema[None] = unset()
    is_active: bool | SkipJsonSchema[None] = unset()

    @field_validator("sku", "price", "stock", "position", "is_active", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("This field cannot be null.")
        return value


class ProductPatch(BodyIn):
    """PATCH: only the fields sent change; `category_id: null` files it under no category."""

    sku: Sku | SkipJsonSchema[None] = unset()
    name: Name | SkipJsonSchema[None] = unset()
    price: MoneyIn | SkipJsonSchema[None] = unset()
    stock: Stock | SkipJsonSchema[None] = unset()
    description: Description | SkipJsonSchema[None] = unset()
    category_id: Id | None = None
    is_active: bool | SkipJsonSchema[None] = unset()
    tax_class: TaxClassIn | SkipJsonSchema[None] = unset()

    @field_validator(
        "sku", "name", "price", "stock", "description", "is_active", "tax_class", mode="before"
    )
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
    option: list[OptionFilter] | None = Field(
        None,
        description='"Name:Value" (e.g. Size:M), repeatable: a variant with all of them.',
    )
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
