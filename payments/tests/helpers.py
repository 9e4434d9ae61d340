"""Test helpers: a Stripe gateway without network, signed webhook payloads, event builders."""

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from itertools import count
from typing import Any

import stripe
from django.test import Client

from payments.errors import GatewayError
from payments.gateway import Intent, RefundState
from payments.stripe_gateway import StripeGateway

WEBHOOK_SECRET = "whsec_test_novacart"
WEBHOOK_URL = "/api/payments/webhook/"
_ids = count(1)


class FakeGateway(StripeGateway):
    """Stripe's answers made up in memory; webhook signatures are verified for real."""

    def __init__(self) -> None:
        super().__init__(secret_key="sk_test_fake", webhook_secret=WEBHOOK_SECRET)
        self.intents: dict[str, Intent] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refund_status = "succeeded"
        self.error: GatewayError | None = None  # raised by the next calls, while set

    def _record(self, name: str, **arguments: Any) -> None:
        self.calls.append((name, arguments))
        if self.error is not None:
            raise self.error

    def calls_of(self, name: str) -> list[dict[str, Any]]:
        return [arguments for called, arguments in self.calls if called == name]

    def intent_create(
        self, *, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> Intent:
        self._record(
            "intent_create",
            amount=amount,
            currency=currency,
            metadata=metadata,
            idempotency_key=idempotency_key,
        )
        intent_id = f"pi_fake{next(_ids)}"
        intent = Intent(
            id=intent_id,
            status="requires_payment_method",
            amount=amount,
            amount_received=0,
            currency=currency,
            client_secret=f"{intent_id}_secret_x",
            metadata=metadata,
        )
        self.intents[intent_id] = intent
        return intent

    def intent_retrieve(self, *, intent_id: str) -> Intent:
        self._record("intent_retrieve", intent_id=intent_id)
        return self.intents[intent_id]

    def intent_update(self, intent_id: str, **changes: Any) -> None:
        """What happened at Stripe meanwhile (for reconciliation tests)."""
        self.intents[intent_id] = replace(self.intents[intent_id], **changes)

    def refund_create(
        self, *, intent_id: str, amount: int, metadata: dict[str, str], idempotency_key: str
    ) -> RefundState:
        self._record(
            "refund_create",
            intent_id=intent_id,
            amount=amount,
            metadata=metadata,
            idempotency_key=idempotency_key,
        )
        return RefundState(
            id=f"re_fake{next(_ids)}",
            payment_intent_id=intent_id,
            charge_id="",
            amount=amount,
            currency=self.intents[intent_id].currency,
            status=self.refund_status,
            metadata=metadata,
        )


def sign(body: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `body`, made with Stripe's own helper."""
    return stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)


def post_webhook(client: Client, event: Mapping[str, Any], **headers: Any) -> Any:
    """POST `event` signed with the test secret (pass HTTP_STRIPE_SIGNATURE to override)."""
    body = json.dumps(event)
    headers.setdefault("HTTP_STRIPE_SIGNATURE", sign(body))
    return client.post(WEBHOOK_URL, body, content_type="application/json", **headers)


def event_make(type: str, obj: Mapping[str, Any], *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test{next(_ids)}",
        "object": "event",
        "type": type,
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": dict(obj)},
    }


def intent_object(
    intent_id: str,
    *,
    amount: int,
    currency: str = "usd",
    status: str = "succeeded",
    charge_id: str = "ch_test1",
    failure: str = "",
    legacy: bool = False,
) -> dict:
    """A PaymentIntent as Stripe sends it; `legacy`: the pre-2022 shape (a `charges` list,
    no `latest_charge`, no `amount_received`)."""
    obj: dict[str, Any] = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "currency": currency,
        "status": status,
        "client_secret": f"{intent_id}_secret_x",
        "metadata": {},
    }
    if legacy:
        charge = {"id": charge_id, "object": "charge", "failure_message": failure or None}
        obj["charges"] = {"object": "list", "data": [charge]}
    else:
        obj["amount_received"] = amount if status == "succeeded" else 0
        obj["latest_charge"] = charge_id
        obj["last_payment_error"] = {"message": failure} if failure else None
    return obj


def succeeded_event(intent_id: str, *, amount: int, **fields: Any) -> dict:
    return event_make("payment_intent.succeeded", intent_object(intent_id, amount=amount, **fields))


def failed_event(intent_id: str, *, amount: int, failure: str = "Your card was declined.") -> dict:
    obj = intent_object(intent_id, amount=amount, status="requires_payment_method", failure=failure)
    return event_make("payment_intent.payment_failed", obj)


def charge_refunded_event(
    intent_id: str, *, amount: int, refunded: int, charge_id: str = "ch_test1"
) -> dict:
    obj = {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_refunded": refunded,
        "currency": "usd",
        "payment_intent": intent_id,
        "refunded": refunded >= amount,
    }
    return event_make("charge.refunded", obj)


def refund_event(
    refund_id: str,
    *,
    intent_id: str,
    amount: int,
    status: str,
    type: str = "refund.updated",
    metadata: dict[str, str] | None = None,
) -> dict:
    obj = {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "currency": "usd",
        "payment_intent": intent_id,
        "charge": "ch_test1",
        "status": status,
        "metadata": metadata or {},
    }
    return event_make(type, obj)
