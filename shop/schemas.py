"""Shop request and response bodies (see the Cart, Addresses and Orders sections of API.md)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from django.conf import settings
from django_countries import countries
from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints, field_validator

from catalog.schemas import ProductOut
from novacart.api_schemas import Id, Money
from shop.cart import MAX_LINE_QUANTITY, cart_line_is_available, cart_line_total, cart_totals
from shop.models import Cart, CartLine, Order, OrderStatus

Quantity = Annotated[int, Field(ge=1, le=MAX_LINE_QUANTITY)]


def _text(max_length: int, *, required: bool = True) -> type[str]:
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(strip_whitespace=True, min_length=int(required), max_length=max_length),
    ]


def _country_code(value: str) -> str:
    code = value.strip().upper()
    if code not in countries:
        raise ValueError("Enter an ISO 3166-1 alpha-2 country code, such as US or FR.")
    return code


Country = Annotated[str, AfterValidator(_country_code)]


# --- cart -----------------------------------------------------------------------------


class CartAddIn(Schema):
    product_id: Id
    quantity: Quantity = 1


class CartUpdateIn(Schema):
    quantity: Quantity


class CartItemOut(Schema):
    id: int
    product: ProductOut | None = Field(description="null when the product was deleted.")
    name: str
    sku: str
    quantity: int
    available: bool = Field(description="false: the product was deactivated or deleted.")
    line_total: Money

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
    currency: str

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


class AddressIn(Schema):
    full_name: _text(200)
    line1: _text(200)
    line2: _text(200, required=False) = ""
    city: _text(100)
    state: _text(100, required=False) = ""
    postal_code: _text(20)
    country: Country
    phone: _text(32, required=False) = ""
    is_default: bool = False


class AddressPatch(Schema):
    full_name: _text(200) | None = None
    line1: _text(200) | None = None
    line2: _text(200, required=False) | None = None
    city: _text(100) | None = None
    state: _text(100, required=False) | None = None
    postal_code: _text(20) | None = None
    country: Country | None = None
    phone: _text(32, required=False) | None = None
    is_default: bool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("This field cannot be null.")
        return value


class AddressOut(Schema):
    id: int
    full_name: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str
    is_default: bool

    @staticmethod
    def resolve_country(obj: object) -> str:
        return str(obj.country)


# --- orders ---------------------------------------------------------------------------


class OrderCreateIn(Schema):
    address_id: Id


class OrderLineOut(Schema):
    id: int
    product_id: int | None
    sku: str
    name: str
    unit_price: Money
    quantity: int
    line_total: Money


class ShippingAddressOut(Schema):
    full_name: str
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: str


class OrderEventOut(Schema):
    type: str
    message: str
    created_at: datetime


class OrderOut(Schema):
    id: int
    number: str
    status: OrderStatus
    items: list[OrderLineOut]
    subtotal: Money
    total: Money
    currency: str
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
