"""Shop request and response bodies (see the Cart, Addresses and Orders sections of API.md)."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from django.conf import settings
from django_countries import countries
from ninja import Schema
from pydantic import BeforeValidator, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from catalog.schemas import ProductOut
from core.api_schemas import BodyIn, Currency, Id, Money, json_int, text_in, unset
from shop.cart import MAX_LINE_QUANTITY, cart_line_is_available, cart_line_total, cart_totals
from shop.models import Cart, CartLine, Order, OrderEvent, OrderStatus

Quantity = json_int(ge=1, le=MAX_LINE_QUANTITY)


# ISO 3166-1 alpha-2 codes: the schema lists them upper case, as they are stored and
# answered; input may be lower case too ("us"), read as upper case.
CountryCode = StrEnum("CountryCode", {code: code for code, _ in countries})


def _country_code(value: object) -> object:
    if not isinstance(value, str):
        return value  # refused by the enum (a JSON string is required)
    try:
        return CountryCode(value.upper())
    except ValueError:
        raise ValueError("Enter an ISO 3166-1 alpha-2 country code, such as US or FR.") from None


Country = Annotated[CountryCode, BeforeValidator(_country_code)]


# --- cart -----------------------------------------------------------------------------


class CartAddIn(BodyIn):
    """`variant_id`, or `product_id` for a product with one variant (a product with more,
    or neither id: 422 `variant_required`); both: the variant must be that product's."""

    variant_id: Id | SkipJsonSchema[None] = Field(None, description="The variant to add.")
    product_id: Id | SkipJsonSchema[None] = Field(
        None, description="A product with a single variant (v1)."
    )
    quantity: Quantity = 1


class CartUpdateIn(BodyIn):
    quantity: Quantity


class CartItemOut(Schema):
    id: int
    product: ProductOut | None = Field(
        description="null when the product or variant was deactivated or deleted: then only "
        "the name, sku and variant title copied into the line are shown."
    )
    variant_id: int | None
    variant_title: str = Field(description='"M / Red"; empty for a product without options.')
    name: str
    sku: str
    quantity: int
    available: bool = Field(description="false: the product was deactivated or deleted.")
    line_total: Money

    @staticmethod
    def resolve_product(obj: CartLine) -> object:
        return obj.variant.product if cart_line_is_available(obj) else None

    @staticmethod
    def resolve_available(obj: CartLine) -> bool:
        return cart_line_is_available(obj)

    @staticmethod
    def resolve_line_total(obj: CartLine) -> Decimal:
        return cart_line_total(obj)


class CartOut(Schema):
    items: list[CartItemOut]
    item_count: int
    subtotal: Money
    currency: Currency

    @staticmethod
    def resolve_items(obj: Cart) -> list[CartLine]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_item_count(obj: Cart) -> int:
        return cart_totals(list(obj.lines.all())).item_count

    @staticmethod
    def resolve_subtotal(obj: Cart) -> Decimal:
        return cart_totals(list(obj.lines.all())).subtotal

    @staticmethod
    def resolve_currency(obj: Cart) -> str:
        return settings.NOVACART_CURRENCY


# --- addresses ------------------------------------------------------------------------


FullName = text_in(200)
Line = text_in(200)
OptionalLine = text_in(200, required=False)
City = text_in(100)
State = text_in(100, required=False)
PostalCode = text_in(20)
Phone = text_in(32, required=False)


class AddressIn(BodyIn):
    full_name: FullName
    line1: Line
    line2: OptionalLine = ""
    city: City
    state: State = ""
    postal_code: PostalCode
    country: Country
    phone: Phone = ""
    is_default: bool = False


class AddressPatch(BodyIn):
    full_name: FullName | SkipJsonSchema[None] = unset()
    line1: Line | SkipJsonSchema[None] = unset()
    line2: OptionalLine | SkipJsonSchema[None] = unset()
    city: City | SkipJsonSchema[None] = unset()
    state: State | SkipJsonSchema[None] = unset()
    postal_code: PostalCode | SkipJsonSchema[None] = unset()
    country: Country | SkipJsonSchema[None] = unset()
    phone: Phone | SkipJsonSchema[None] = unset()
    is_default: bool | SkipJsonSchema[None] = unset()

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("This field cannot be null.")
        return value


class ShippingAddressOut(Schema):
    """An address as orders keep a copy of it."""

    full_name: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: CountryCode
    phone: str


class AddressOut(ShippingAddressOut):
    id: int
    is_default: bool

    @staticmethod
    def resolve_country(obj: object) -> str:
        return str(obj.country)


# --- orders ---------------------------------------------------------------------------


class OrderCreateIn(BodyIn):
    address_id: Id


class OrderLineOut(Schema):
    id: int
    product_id: int | None
    variant_id: int | None
    variant_title: str
    sku: str
    name: str
    unit_price: Money
    quantity: int
    line_total: Money


OrderEventType = StrEnum("OrderEventType", {kind.name: kind.value for kind in OrderEvent.Type})


class OrderEventOut(Schema):
    type: OrderEventType
    message: str
    created_at: datetime


class OrderOut(Schema):
    id: int
    number: str
    status: OrderStatus
    items: list[OrderLineOut]
    subtotal: Money
    total: Money
    currency: Currency
    shipping_address: ShippingAddressOut
    tracking_number: str
    refunded_amount: Money
    created_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None
    events: list[OrderEventOut]

    @staticmethod
    def resolve_items(obj: Order) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_events(obj: Order) -> list:
        return list(obj.events.all())


class OrderFilters(Schema):
    status: OrderStatus | None = None
