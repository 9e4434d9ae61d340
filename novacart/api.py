"""The NinjaAPI: routers, authentication, and one error envelope for domain errors."""

from django.db import DatabaseError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema, Status
from psycopg.errors import LockNotAvailable, QueryCanceled

from catalog.api import router as catalog_router
from novacart.accounts.api import router as accounts_router
from novacart.errors import DomainError
from payments.api import router as payments_router
from shop.api import router as shop_router

api = NinjaAPI(
    title="NovaCart API",
    version="1.0.0",
    description="Storefront API of NovaCart. Authenticate with `Authorization: Bearer <access>`.",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    return api.create_response(request, error.as_body(), status=error.status)


# Seconds a client should wait before retrying a request that found the database busy.
BUSY_RETRY_AFTER = 2


@api.exception_handler(OperationalError)
def database_busy(request: HttpRequest, error: OperationalError) -> HttpResponse:
    """A lock or statement timeout (PostgreSQL lock_timeout/statement_timeout): 503, retry.

    Any other operational error is not ours to soften: it stays a 500.
    """
    if not isinstance(error.__cause__, LockNotAvailable | QueryCanceled):
        raise error
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


class PingOut(Schema):
    pass


@api.get("ping/", response={200: PingOut}, tags=["health"])
def ping(request: HttpRequest) -> dict[str, str]:
    """Liveness only: `{}`, touching nothing (the load benchmark's floor)."""
    return {}


@api.get("health/", response={200: HealthOut, 503: HealthOut}, tags=["health"])
def health(request: HttpRequest) -> Status[dict[str, str]]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return Status(503, {"status": "error", "database": "unavailable"})
    return Status(200, {"status": "ok", "database": "ok"})


api.add_router("/", accounts_router)
api.add_router("/", catalog_router)
api.add_router("/", shop_router)
api.add_router("/", payments_router)
