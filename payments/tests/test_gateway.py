"""The gateway boundary: minor units, reading Stripe's payloads, verifying signatures."""

import json
import socket
import time
from decimal import Decimal

import pytest

from payments.errors import GatewayError, InvalidSignature
from payments.gateway import ChargeRefunds, Dispute, GatewayEvent, from_minor_units, to_minor_units
from payments.stripe_gateway import StripeGateway, intent_parse
from payments.tests.helpers import WEBHOOK_SECRET, event_make, intent_object, sign


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("19.99", "usd", 1999),
        ("19.99", "EUR", 1999),
        ("0.50", "usd", 50),
        ("1500", "jpy", 1500),
        ("1500.00", "JPY", 1500),
        ("999", "krw", 999),
        ("1.23", "kwd", 1230),
    ],
)
def test_minor_units_both_ways(amount: str, currency: str, minor: int) -> None:
    assert to_minor_units(Decimal(amount), currency) == minor
    assert from_minor_units(minor, currency) == Decimal(amount)


def test_what_a_currency_cannot_carry_rounds_half_up() -> None:
    assert to_minor_units(Decimal("0.005"), "usd") == 1
    assert to_minor_units(Decimal("10.50"), "jpy") == 11


def test_from_minor_units_has_two_places() -> None:
    assert str(from_minor_units(1999, "usd")) == "19.99"
    assert str(from_minor_units(1500, "jpy")) == "1500.00"


def test_intent_with_an_expanded_latest_charge() -> None:
    obj = intent_object("pi_1", amount=1000)
    obj["latest_charge"] = {"id": "ch_x", "object": "charge", "failure_message": None}
    intent = intent_parse(obj)
    assert (intent.charge_id, intent.amount_received, intent.status) == ("ch_x", 1000, "succeeded")


def test_older_intent_shape_reads_the_charges_list() -> None:
    obj = intent_object(
        "pi_1", amount=1000, status="requires_payment_method", failure="Declined.", legacy=True
    )
    intent = intent_parse(obj)
    assert intent.charge_id == "ch_test1"
    assert intent.failure_message == "Declined."
    assert intent.amount_received == 0


def test_intent_without_a_charge() -> None:
    obj = intent_object("pi_1", amount=1000, status="requires_payment_method")
    obj["latest_charge"] = None
    intent = intent_parse(obj)
    assert (intent.charge_id, intent.failure_message) == ("", "")


def _gateway() -> StripeGateway:
    return StripeGateway(secret_key="sk_test_x", webhook_secret=WEBHOOK_SECRET)


def test_verified_event_and_its_subject() -> None:
    dispute = {"id": "dp_1", "object": "dispute", "charge": {"id": "ch_1"}, "amount": 5}
    body = json.dumps(event_make("charge.dispute.created", dispute, event_id="evt_1"))

    event = _gateway().event_verify(payload=body.encode(), signature=sign(body))

    assert (event.id, event.type) == ("evt_1", "charge.dispute.created")
    assert _gateway().event_subject(event) == Dispute(
        id="dp_1", payment_intent_id="", charge_id="ch_1", amount=5, currency="", reason=""
    )


def test_subject_is_read_from_the_object_kind() -> None:
    charge = {"id": "ch_1", "object": "charge", "amount_refunded": 300, "currency": "USD"}
    event = GatewayEvent(id="evt_1", type="charge.refunded", payload=event_make("x", charge))
    assert _gateway().event_subject(event) == ChargeRefunds(
        id="ch_1", payment_intent_id="", amount_refunded=300, currency="usd"
    )
    other = GatewayEvent(id="evt_2", type="x", payload=event_make("x", {"object": "customer"}))
    assert _gateway().event_subject(other) is None


@pytest.mark.parametrize(
    ("body", "header"),
    [
        ('{"id": "evt_1", "type": "x"}', None),
        ("not json", "sign"),
        (json.dumps({"object": "event"}), "sign"),  # signed, but no id or type
        ('{"id": "evt_1", "object": "event", "type": "x"}', "old"),
    ],
)
def test_unverifiable_bodies_raise_invalid_signature(body: str, header: str | None) -> None:
    signature = {
        None: None,
        "sign": sign(body),
        "old": sign(body, timestamp=int(time.time()) - 3600),
    }[header]
    with pytest.raises(InvalidSignature):
        _gateway().event_verify(payload=body.encode(), signature=signature)


def test_an_unset_webhook_secret_verifies_nothing() -> None:
    body = json.dumps(event_make("x", {"object": "customer"}))
    gateway = StripeGateway(secret_key="sk_test_x", webhook_secret="")
    with pytest.raises(InvalidSignature):
        gateway.event_verify(payload=body.encode(), signature=sign(body))


def test_no_answer_from_stripe_is_an_ambiguous_gateway_error() -> None:
    with socket.socket() as probe:  # a local port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = StripeGateway(
        secret_key="sk_test_x", webhook_secret="", api_base=f"http://127.0.0.1:{port}"
    )
    with pytest.raises(GatewayError) as raised:
        gateway.intent_retrieve(intent_id="pi_1")
    assert raised.value.ambiguous
    assert raised.value.status == 502
