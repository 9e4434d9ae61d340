"""Domain errors: a stable code, an HTTP status and a human sentence.

Services raise them; `config.api` turns every one into the same JSON envelope
`{"detail": ..., "code": ..., **extra}`; admin actions show `message` to the merchant.
"""

from http import HTTPStatus
from typing import Any, ClassVar


class DomainError(Exception):
    code: str = "error"
    status: int = 400
    # The extra fields of its body (keyword arguments given when raised) and their types,
    # as the API schema declares them.
    fields: ClassVar[dict[str, Any]] = {}

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.extra = extra

    def as_body(self) -> dict[str, Any]:
        return {"detail": self.message, "code": self.code, **self.extra}


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Unauthenticated(DomainError):
    """No usable access token: `token_missing`, `token_invalid` or `token_expired` (401,
    with `WWW-Authenticate: Bearer`)."""

    code = "token_missing"
    status = 401


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class RetryLater(DomainError):
    """Refused for now: try again in `retry_after` seconds (also the Retry-After header)."""

    def __init__(self, message: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.retry_after = retry_after


class RateLimited(RetryLater):
    code = "rate_limited"
    status = 429


class ServerBusy(RetryLater):
    code = "server_busy"
    status = 503


class MalformedJSON(DomainError):
    code = "malformed_json"
    status = 400


class BodyTooLarge(DomainError):
    code = "body_too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


# The refusals of a request body before its schema is read (config/api.py).
BODY_ERRORS = (MalformedJSON, BodyTooLarge, UnsupportedMediaType)

# The codes of the answers the framework (not a domain error) gives, by status.
HTTP_ERROR_CODES = {
    400: "bad_request",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    500: "server_error",
}


def http_error_code(status: int) -> str:
    return HTTP_ERROR_CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
