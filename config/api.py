"""The NinjaAPI: routers, authentication, and one error envelope for every error."""

import logging
from typing import Any

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from ninja import NinjaAPI, Schema, Status
from ninja.errors import (
    AuthenticationError,
    HttpError,
    Throttled,
    ValidationError,
    ValidationErrorContext,
)
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.responses import Response
from ninja.types import DictStrAny
from psycopg.errors import LockNotAvailable, QueryCanceled

from accounts.api import router as accounts_router
from catalog.api import router as catalog_router
from core.cache import cache_reachable
from core.errors import (
    BodyTooLarge,
    DomainError,
    MalformedJSON,
    RetryLater,
    Unauthenticated,
    UnsupportedMediaType,
    http_error_code,
)
from payments.api import router as payments_router
from shop.api import router as shop_router

# Response headers the schema declares wherever their status is answered.
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer"},
    }
}
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string", "examples": ["Bearer"]}}},
    "429": RETRY_AFTER,
    "503": RETRY_AFTER,
}


class JSONParser(Parser):
    """Bodies are JSON, and say so: `application/json` or `application/<...>+json`."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        kind = request.content_type or ""
        if kind != "application/json" and not (
            kind.startswith("application/") and kind.endswith("+json")
        ):
            raise UnsupportedMediaType("Send the body as JSON (Content-Type: application/json).")
        return super().parse_body(request)


class StorefrontAPI(NinjaAPI):
    """NinjaAPI whose 422 locates a body field by its name, and whose schema states what a
    generated client needs to know: a route a visitor may call without a token has an empty
    `security` (a route that reads an optional token keeps Ninja's `[{bearer}, {}]`), and
    the headers of 401, 429 and 503 answers."""

    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> ValidationError:
        """Ninja's 422, whose `loc` of a body field names the field, not the view's
        parameter that holds the body: `["body", "email"]`, not `["body", "payload", "email"]`."""
        errors = []
        for context in error_contexts:
            parameter = getattr(context.model, "__read_from_single_attr__", None)
            for error in super().validation_error_from_error_contexts([context]).errors:
                loc = tuple(error["loc"])
                if parameter and loc[1:2] == (parameter,):
                    error["loc"] = loc[:1] + loc[2:]
                errors.append(error)
        return ValidationError(errors)

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation.setdefault("security", [])  # a route without auth: no token
                for status, response in operation["responses"].items():
                    if str(status) in RESPONSE_HEADERS:
                        response.setdefault("headers", {}).update(RESPONSE_HEADERS[str(status)])
        return schema


api = StorefrontAPI(
    title="NovaCart API",
    version="1.0.0",
    description="Storefront API of NovaCart. Authenticate with `Authorization: Bearer <access>`.",
    urls_namespace="api",
    parser=JSONParser(),
)
logger = logging.getLogger(__name__)
DJANGO_CLIENT_ERRORS = (BadRequest, PermissionDenied, SuspiciousOperation)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    response = api.create_response(request, error.as_body(), status=error.status)
    if isinstance(error, RetryLater):
        response["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    """A protected route without an Authorization header (a refused token raises
    `Unauthenticated` itself, with its code)."""
    return domain_error(request, Unauthenticated("Authentication credentials were not provided."))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    """Ninja's own refusals; a body it cannot parse is 415 (not JSON) or 400 (bad JSON)."""
    cause = error.__cause__
    if isinstance(cause, DomainError):  # the parser's UnsupportedMediaType
        return domain_error(request, cause)
    if isinstance(cause, ValueError):  # json.JSONDecodeError, UnicodeDecodeError
        return domain_error(request, MalformedJSON("The body is not valid JSON."))
    body = {"detail": str(error), "code": http_error_code(error.status_code)}
    return api.create_response(request, body, status=error.status_code)


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    return domain_error(request, BodyTooLarge("The request body is too large."))


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, error: Throttled) -> HttpResponse:
    """A route's throttle said no (Ninja adds `Retry-After`)."""
    body = {"detail": "Too many requests. Try again later.", "code": "rate_limited"}
    return api.create_response(request, body, status=429)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, error: Exception) -> HttpResponse:
    """Anything unexpected: the traceback goes to the log, never to the caller (not even
    in DEBUG, where Ninja would answer with it). Django's own client errors (a bad Host,
    too many fields, ...) keep Django's 400/403, in JSON (`core.middleware.api_json_errors`)."""
    if isinstance(error, DJANGO_CLIENT_ERRORS):
        raise error
    logger.exception("Internal server error: %s %s", request.method, request.path)
    body = {"detail": "Internal server error", "code": "server_error"}
    return api.create_response(request, body, status=500)


# Seconds a client should wait before retrying a request that found the database busy.
BUSY_RETRY_AFTER = 2


@api.exception_handler(OperationalError)
def database_busy(request: HttpRequest, error: OperationalError) -> HttpResponse:
    """A lock or statement timeout (PostgreSQL lock_timeout/statement_timeout): 503, retry.

    Any other operational error is not ours to soften: it stays a 500.
    """
    if not isinstance(error.__cause__, LockNotAvailable | QueryCanceled):
        return server_error(request, error)
    response = api.create_response(
        request,
        {"detail": "The shop is busy right now: try again in a moment.", "code": "busy"},
        status=503,
    )
    response["Retry-After"] = str(BUSY_RETRY_AFTER)
    return response


class HealthOut(Schema):
    status: str
    database: str
    cache: str


class PingOut(Schema):
    pass


@require_safe
def openapi_json(request: HttpRequest) -> HttpResponse:
    """`/api/openapi.json`: the schema, its server the one the request came to."""
    schema = api.get_openapi_schema()
    schema["servers"] = [{"url": request.build_absolute_uri("/").rstrip("/")}]
    return Response(schema)


@api.get("ping/", operation_id="ping", response={200: PingOut}, tags=["health"])
def ping(request: HttpRequest) -> dict[str, str]:
    """Liveness only: `{}`, touching nothing (the load benchmark's floor)."""
    return {}


def _database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


@api.get(
    "health/", operation_id="health", response={200: HealthOut, 503: HealthOut}, tags=["health"]
)
def health(request: HttpRequest) -> Status[dict[str, str]]:
    """The database and the rate-limit cache (Redis).

    503 only when the database is unreachable: nothing works then. Without the cache the
    shop goes on (rate limits fall back to each process's memory), so the answer is 200
    `"status": "degraded"`, for a monitor to page on, and the platform's health check
    does not take every instance out of service for a cache outage.
    """
    checks = {"database": _database_reachable(), "cache": cache_reachable()}
    body = {name: "ok" if up else "unavailable" for name, up in checks.items()}
    if not checks["database"]:
        return Status(503, {"status": "error", **body})
    return Status(200, {"status": "ok" if checks["cache"] else "degraded", **body})


api.add_router("/", accounts_router)
api.add_router("/", catalog_router)
api.add_router("/", shop_router)
api.add_router("/", payments_router)
