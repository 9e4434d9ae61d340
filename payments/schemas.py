"""Payments request and response bodies (see the Payments section of API.md)."""

from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import Field

from novacart.api_schemas import Id, Money

# A refund amount: a decimal string or number, > 0, at most 2 places and 12 digits.
RefundAmount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class PaymentIntentIn(Schema):
    order_id: Id


class PaymentIntentOut(Schema):
    payment_intent_id: str
    client_secret: str
    amount: int = Field(description="In the currency's minor unit (cents; yen for jpy).")
    currency: str
    publishable_key: str


class WebhookOut(Schema):
    status: str = Field(
        description="processed, ignored (a type the shop does not use) or duplicate."
    )


class RefundIn(Schema):
    order_id: Id
    amount: RefundAmount | None = Field(
        default=None, description="Decimal string; default: all that is left to refund."
    )


class RefundOut(Schema):
    id: int
    order_id: int
    amount: Money
    currency: str
    status: str
