"""Schemas shared by every router: the error envelope, common response maps and types.

Every input type here validates exactly what its JSON schema says, so the published
OpenAPI document is the truth a client (or a fuzzer) can rely on: a value the schema
allows always passes validation, and a value it forbids never does.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from http import HTTPStatus
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    create_model,
    model_validator,
)

from core.errors import BODY_ERRORS, DomainError

CENT = Decimal("0.01")


def _json_integer(value: object) -> object:
    """JSON Schema's integer is a number without a fraction: 5 and 5.0, never "5" or true."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def json_int(*, ge: int, le: int) -> Any:
    """An integer from `ge` to `le` in a body (validated strictly, see BodyIn)."""
    return Annotated[int, Field(ge=ge, le=le), BeforeValidator(_json_integer)]


# A database id given in a body: a positive 64-bit integer, else 422.
Id = json_int(ge=1, le=2**63 - 1)

# Patterns are matched as JSON Schema's `pattern` is (a search, Python's reading), by the
# same expression the schema publishes.
#
# Money in: a decimal string, >= 0, at most 10 digits before the point (no leading zero)
# and 2 after it, which the 12-digit columns hold. Never a JSON number: a float cannot
# carry cents exactly. The positive variant refuses zero.
MONEY_PATTERN = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"
POSITIVE_MONEY_PATTERN = r"^([1-9][0-9]{0,9}(\.[0-9]{1,2})?|0\.(0[1-9]|[1-9][0-9]?))$"


def _decimal_text(pattern: str) -> Callable[[object], object]:
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, str) and compiled.search(value):
            return Decimal(value)
        raise ValueError('Enter an amount as a decimal string such as "19.99".')

    return check


MoneyIn = Annotated[
    Decimal,
    BeforeValidator(_decimal_text(MONEY_PATTERN)),
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["19.99"]}),
]
PositiveMoneyIn = Annotated[
    Decimal,
    BeforeValidator(_decimal_text(POSITIVE_MONEY_PATTERN)),
    WithJsonSchema({"type": "string", "pattern": POSITIVE_MONEY_PATTERN, "examples": ["19.99"]}),
]

# Text that reaches the database: PostgreSQL refuses NUL characters in text.
NO_NUL = re.compile(r"^[^\x00]*$")
# ... and that must say something: a character other than NUL and ASCII space.
_SPACE = " \t\n\r\f\v"
_FILLED = re.compile(r"^[^\x00]*[^\x00 \t\n\r\f\v][^\x00]*$")


def _strip(value: str) -> str:
    return value.strip(_SPACE)


def text_in(max_length: int, *, required: bool = True) -> Any:
    """A text field: at most `max_length` characters as sent, no NUL, stored without
    surrounding spaces; a `required` one must hold something else than spaces (else 422)."""
    constraints = Field(max_length=max_length, pattern=_FILLED if required else NO_NUL)
    return Annotated[str, constraints, AfterValidator(_strip)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def unset() -> Any:
    """Default of a PATCH field: left out, it keeps its value. Declare the field as
    `T | SkipJsonSchema[None]`, so the schema shows no null: null is refused (422)."""
    return Field(None, json_schema_extra=_no_default)


class BodyIn(Schema):
    """Base of every request body: a JSON object whose values have the JSON types its
    schema states, strictly (no "5" for 5, no 0 for false), else 422.

    It replaces Ninja's root validator (hence the name), which reads any value as an
    object with attributes: a list `[]` passed as a body whose fields are all optional.
    """

    model_config = ConfigDict(strict=True)

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Schema], info: ValidationInfo
    ) -> Schema:
        if not isinstance(values, dict):
            raise ValueError("The body must be a JSON object.")
        return handler(values)


def _money_str(value: Decimal) -> str:
    return str(value.quantize(CENT))


# Money out: always a decimal string with two places ("19.99"), never a float.
MONEY_OUT_PATTERN = r"^-?\d+\.\d{2}$"
Money = Annotated[
    Decimal,
    PlainSerializer(_money_str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": MONEY_OUT_PATTERN, "examples": ["19.99"]}),
]
# An ISO 4217 currency code, lower case as Stripe writes it (the shop's is a setting,
# NOVACART_CURRENCY, so the schema states its form rather than one value).
Currency = Annotated[
    str,
    WithJsonSchema({"type": "string", "pattern": "^[a-z]{3}$", "examples": ["usd"]}),
]
# An absolute URL in an answer.
Url = Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]


class ErrorOut(Schema):
    """A 4xx/5xx body: a human sentence and a stable code."""

    detail: str
    code: str


class ValidationIssue(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    """The framework's 422: a value that fails its schema, one issue per problem."""

    detail: list[ValidationIssue]


# The codes of a 401 from the bearer-token check (see API.md, Conventions).
TOKEN_ERROR_CODES = ("token_missing", "token_invalid", "token_expired")


def _optional() -> Any:
    return Field(None, json_schema_extra=_no_default)


def _error_model(name: str, status: int, codes: list[str], fields: dict[str, Any]) -> type[Schema]:
    phrase = HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")
    return create_model(
        f"{name}{phrase}Error",
        __base__=ErrorOut,
        __module__=__name__,
        # An enum even of one code (pydantic would write a `const`), as generators expect.
        code=(
            Annotated[Literal[tuple(codes)], WithJsonSchema({"type": "string", "enum": codes})],
            ...,
        ),
        **{field: (kind, _optional()) for field, kind in fields.items()},
    )


def error_responses(
    name: str,
    *errors: type[DomainError],
    token: bool = False,
    body: bool = False,
    params: bool = False,
) -> dict[int, Any]:
    """The error answers of the operation `name` (its operationId in PascalCase).

    Per status, one body whose `code` is an enum of the codes of `errors` that answer
    with it, with the extra fields those errors carry (`DomainError.fields`). `token`: a
    bearer token is checked (401 with the token codes); `params`: query, path or header
    values are validated (422 with the framework's list); `body`: a JSON body is read too
    (also 400 `malformed_json`, 413 `body_too_large`, 415 `unsupported_media_type`).
    """
    codes: dict[int, list[str]] = {}
    fields: dict[int, dict[str, Any]] = {}
    for error in (*errors, *BODY_ERRORS) if body else errors:
        codes.setdefault(error.status, []).append(error.code)
        fields.setdefault(error.status, {}).update(error.fields)
    if token:
        codes.setdefault(401, []).extend(TOKEN_ERROR_CODES)
    declared: dict[int, Any] = {
        status: _error_model(name, status, sorted(set(group)), fields.get(status, {}))
        for status, group in sorted(codes.items())
    }
    if body or params:
        validation = ValidationErrorOut
        declared[422] = validation | declared[422] if 422 in declared else validation
    return dict(sorted(declared.items()))
