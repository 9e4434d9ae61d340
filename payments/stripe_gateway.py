"""Stripe behind `payments.gateway.PaymentGateway`: the one module that imports `stripe`.

One `StripeClient` per gateway, pinned to an API version so that an SDK upgrade never
changes the shape of what comes back. Every write carries the caller's idempotency key.
Objects (API responses and webhook payloads) are read as plain dicts and turned into
the gateway's values, for the current payloads and older ones alike: an intent's charge
is `latest_charge` (an id, or an expanded object) or, before 2022-11-15, `charges.data`.
"""

import json
from collections.abc import Callable, Mapping
from typing import Any

import stripe
from django.conf import settings

from payments.errors import GatewayError, InvalidSignature
from payments.gateway import (
    ChargeRefunds,
    Dispute,
    EventSubject,
    GatewayEvent,
    Intent,
    RefundState,
)

STRIPE_API_VERSION = "2026-10-28.endive"
WEBHOOK_TOLERANCE = 300  # seconds: an older signature is refused (replays)
TIMEOUT = 20  # seconds per request; idempotency keys make the SDK's retries safe


def _id(value: Any) -> str:
    """An expandable field: an id, the expanded object, or null."""
    if isinstance(value, Mapping):
        return str(value.get("id") or "")
    return str(value or "")


def _metadata(obj: Mapping[str, Any]) -> dict[str, str]:
    return {str(key): str(value) for key, value in (obj.get("metadata") or {}).items()}


def intent_parse(obj: Mapping[str, Any]) -> Intent:
    charges = (obj.get("charges") or {}).get("data") or []  # API versions before 2022-11-15
    charge = obj.get("latest_charge") or (charges[0] if charges else None)
    error = obj.get("last_payment_error") or {}
    failure = error.get("message") or ""
    if not failure and isinstance(charge, Mapping):
        failure = charge.get("failure_message") or ""
    status = str(obj["status"])
    amount = int(obj["amount"])
    received = obj.get("amount_received")
    if received is None:  # not in every payload: then the whole amount, once it succeeded
        received = amount if status == "succeeded" else 0
    return Intent(
        id=str(obj["id"]),
        status=status,
        amount=amount,
        amount_received=int(received),
        currency=str(obj["currency"]).lower(),
        client_secret=str(obj.get("client_secret") or ""),
        charge_id=_id(charge),
        failure_message=str(failure),
        metadata=_metadata(obj),
    )


def charge_parse(obj: Mapping[str, Any]) -> ChargeRefunds:
    return ChargeRefunds(
        id=str(obj["id"]),
        payment_intent_id=_id(obj.get("payment_intent")),
        amount_refunded=int(obj.get("amount_refunded") or 0),
        currency=str(obj["currency"]).lower(),
    )


def refund_parse(obj: Mapping[str, Any]) -> RefundState:
    return RefundState(
        id=str(obj["id"]),
        payment_intent_id=_id(obj.get("payment_intent")),
        charge_id=_id(obj.get("charge")),
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).lower(),
        status=str(obj.get("status") or "succeeded"),  # older refunds had no status
        failure_reason=str(obj.get("failure_reason") or ""),
        metadata=_metadata(obj),
    )


def dispute_parse(obj: Mapping[str, Any]) -> Dispute:
    return Dispute(
        id=str(obj["id"]),
        payment_intent_id=_id(obj.get("payment_intent")),
        charge_id=_id(obj.get("charge")),
        amount=int(obj.get("amount") or 0),
        currency=str(obj.get("currency") or "").lower(),
        reason=str(obj.get("reason") or ""),
    )


_PARSERS: dict[str, Callable[[Mapping[str, Any]], EventSubject]] = {
    "payment_intent": intent_parse,
    "charge": charge_parse,
    "refund": refund_parse,
    "dispute": dispute_parse,
}


class StripeGateway:
    def __init__(self, *, secret_key: str, webhook_secret: str, api_base: str = "") -> None:
        self._client = stripe.StripeClient(
            secret_key,
            stripe_version=STRIPE_API_VERSION,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=TIMEOUT),
        )
        self._configured = bool(secret_key)
        self._webhook_secret = webhook_secret

    @classmethod
    def from_settings(cls) -> "StripeGateway":
        return cls(
            secret_key=settings.STRIPE_SECRET_KEY,
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            api_base=settings.STRIPE_API_BASE,
        )

    def _call[T](self, request: Callable[[], T]) -> T:
        if not self._configured:
            raise GatewayError("Payments are not configured: STRIPE_SECRET_KEY is not set.")
        try:
            return request()
        except stripe.StripeError as error:
            status = error.http_status or 500
            raise GatewayError(
                f"The payment provider did not complete the request: {error.user_message or error}",
                ambiguous=isinstance(error, stripe.APIConnectionError) or status >= 500,
                provider_code=error.code,
            ) from error

    def intent_create(
        self, *, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> Intent:
        intent = self._call(
            lambda: self._client.v1.payment_intents.create(
                params={"amount": amount, "currency": currency, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        )
        return intent_parse(intent.to_dict())

    def intent_retrieve(self, *, intent_id: str) -> Intent:
        intent = self._call(lambda: self._client.v1.payment_intents.retrieve(intent_id))
        return intent_parse(intent.to_dict())

    def refund_create(
        self, *, intent_id: str, amount: int, metadata: dict[str, str], idempotency_key: str
    ) -> RefundState:
        refund = self._call(
            lambda: self._client.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": amount, "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        )
        return refund_parse(refund.to_dict())

    def event_verify(self, *, payload: bytes, signature: str | None) -> GatewayEvent:
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, self._webhook_secret, tolerance=WEBHOOK_TOLERANCE
            )
            data = json.loads(payload)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise InvalidSignature(
                "The Stripe-Signature header is missing, stale or does not sign this body."
            ) from error
        # Signed, but not an event object (an array, a string): nothing to apply.
        if not isinstance(data, dict) or not data.get("id") or not data.get("type"):
            raise InvalidSignature("The signed body is not a Stripe event.")
        return GatewayEvent(id=str(data["id"]), type=str(data["type"]), payload=data)

    def event_subject(self, event: GatewayEvent) -> EventSubject | None:
        obj = (event.payload.get("data") or {}).get("object") or {}
        parse = _PARSERS.get(obj.get("object", ""))
        return parse(obj) if parse else None
