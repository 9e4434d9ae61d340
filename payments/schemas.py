"""Payments request and response bodies (see the Payments section of API.md)."""

from enum import StrEnum
from typing import Any

from ninja import Schema
from pydantic import Field

from core.api_schemas import BodyIn, Currency, Id, Money, PositiveMoneyIn
from payments.models import Refund

RefundStatus = StrEnum("RefundStatus", {status.name: status.value for status in Refund.Status})


class PaymentIntentIn(BodyIn):
    order_id: Id


class PaymentIntentOut(Schema):
    payment_intent_id: str
    client_secret: str
    amount: int = Field(description="In the currency's minor unit (cents; yen for jpy).")
    currency: Currency
    publishable_key: str


class WebhookOut(Schema):
    status: str = Field(
        description="processed, ignored (a type the shop does not use) or duplicate."
    )


class RefundIn(BodyIn):
    order_id: Id
    amount: PositiveMoneyIn | None = Field(
        default=None, description="Decimal string; default: all that is left to refund."
    )


class RefundOut(Schema):
    id: int
    order_id: int
    amount: Money
    currency: Currency
    status: RefundStatus


# The webhook reads its raw body (the signature covers the exact bytes), so its OpenAPI
# entry is written out: a Stripe event, JSON, signed in the Stripe-Signature header.
WEBHOOK_OPENAPI: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": "Stripe-Signature",
            "required": True,
            "schema": {"type": "string"},
            "description": "Stripe's signature of the raw body (`t=...,v1=...`).",
        }
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "A Stripe event (https://docs.stripe.com/api/events/object).",
                    "required": ["id", "type"],
                    "properties": {
                        "id": {"type": "string", "minLength": 1},
                        "type": {"type": "string", "minLength": 1},
                        "data": {"type": "object"},
                    },
                }
            }
        },
    },
}
