"""Schemas shared by every router: the error envelope and common response maps."""

from typing import Any

from ninja import Schema
from pydantic import ConfigDict


class ErrorOut(Schema):
    """Every 4xx/5xx body: a human sentence and, for domain errors, a stable code."""

    model_config = ConfigDict(extra="allow")

    detail: Any
    code: str | None = None


ERRORS_400: dict[int, type[Schema]] = {400: ErrorOut}
ERRORS_401: dict[int, type[Schema]] = {401: ErrorOut}
