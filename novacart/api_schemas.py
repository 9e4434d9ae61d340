"""Schemas shared by every router: the error envelope, common response maps and types."""

from decimal import Decimal
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")

# A database id given in a body or query: a positive 64-bit integer, else 422.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]

# Money in: a number or decimal string, >= 0, at most 2 places and 12 digits (the column).
MoneyIn = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


def _money_str(value: Decimal) -> str:
    return str(value.quantize(CENT))


# Money out: always a decimal string with two places ("19.99"), never a float.
Money = Annotated[
    Decimal,
    PlainSerializer(_money_str, return_type=str),
    WithJsonSchema({"type": "string", "format": "decimal", "examples": ["19.99"]}),
]


class ErrorOut(Schema):
    """Every 4xx/5xx body: a human sentence and, for domain errors, a stable code."""

    model_config = ConfigDict(extra="allow")

    detail: Any
    code: str | None = None


ERRORS_400: dict[int, type[Schema]] = {400: ErrorOut}
ERRORS_401: dict[int, type[Schema]] = {401: ErrorOut}
