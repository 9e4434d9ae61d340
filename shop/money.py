"""Money as people read it: one format for order events, flags and messages."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money_format(amount: Decimal, currency: str) -> str:
    """`Decimal("12.3400000000000"), "usd"` → `"12.34 USD"` (SQLite sums carry long tails)."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP)} {currency.upper()}"
