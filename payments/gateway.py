"""The payment gateway boundary: a small interface and the plain values that cross it.

Services talk to a `PaymentGateway` (`gateway_get()`); only `payments.stripe_gateway`
knows Stripe. Amounts cross the boundary as integers in the currency's minor unit
(cents); `to_minor_units` / `from_minor_units` convert from and to the Decimal money of
the models. Stripe's status strings are passed through as they are.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

# Currencies that Stripe charges in whole units (no cents): 1500 JPY is `1500`.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv"}
    | {"xaf", "xof", "xpf"}
)
# Currencies with three decimals (Stripe wants the last digit 0): 1.230 KWD is `1230`.
THREE_DECIMAL_CURRENCIES = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})


def _exponent(currency: str) -> int:
    currency = currency.lower()
    if currency in ZERO_DECIMAL_CURRENCIES:
        return 0
    if currency in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """`Decimal("19.99"), "usd"` → `1999`; `Decimal("1500"), "jpy"` → `1500` (half up)."""
    scaled = amount.scaleb(_exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled)


def from_minor_units(amount: int, currency: str) -> Decimal:
    """`1999, "usd"` → `Decimal("19.99")`; `1500, "jpy"` → `Decimal("1500.00")`."""
    return Decimal(amount).scaleb(-_exponent(currency)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Intent:
    """A PaymentIntent. `amount_received` is 0 until it succeeded."""

    id: str
    status: str
    amount: int
    amount_received: int
    currency: str
    client_secret: str = ""
    charge_id: str = ""
    failure_message: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChargeRefunds:
    """A charge's refund state: `amount_refunded` is Stripe's cumulative figure."""

    id: str
    payment_intent_id: str
    amount_refunded: int
    currency: str


@dataclass(frozen=True)
class RefundState:
    id: str
    payment_intent_id: str
    charge_id: str
    amount: int
    currency: str
    status: str
    failure_reason: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Dispute:
    id: str
    payment_intent_id: str
    charge_id: str
    amount: int
    currency: str
    reason: str


type EventSubject = Intent | ChargeRefunds | RefundState | Dispute


@dataclass(frozen=True)
class GatewayEvent:
    """A verified webhook event: its id, type and whole payload (as the ledger keeps it)."""

    id: str
    type: str
    payload: dict[str, Any]


class PaymentGateway(Protocol):
    def intent_create(
        self, *, amount: int, currency: str, metadata: dict[str, str], idempotency_key: str
    ) -> Intent: ...

    def intent_retrieve(self, *, intent_id: str) -> Intent: ...

    def refund_create(
        self, *, intent_id: str, amount: int, metadata: dict[str, str], idempotency_key: str
    ) -> RefundState: ...

    def event_verify(self, *, payload: bytes, signature: str | None) -> GatewayEvent:
        """The event if `signature` signs `payload` (webhook secret), else InvalidSignature."""
        ...

    def event_subject(self, event: GatewayEvent) -> EventSubject | None:
        """What the event is about, as a plain value; None for types the shop ignores."""
        ...


def gateway_get() -> PaymentGateway:
    """The configured gateway (Stripe, from settings)."""
    from payments.stripe_gateway import StripeGateway  # here: it imports this module

    return StripeGateway.from_settings()
