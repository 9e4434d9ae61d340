"""The rate-limit store: Redis when configured, this process's memory while it is down."""

import time
from collections.abc import Iterator
from unittest import mock

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client, override_settings

from accounts.tests.factories import PASSWORD, user_make
from core.cache import FALLBACK_LOCATION
from core.testing import post_json

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fallback_emptied() -> Iterator[None]:
    """What a test counted while Redis was down must not lock out the next test."""
    yield
    LocMemCache(FALLBACK_LOCATION, {}).clear()


# The project's Redis cache, pointed at a port where nothing listens.
REDIS_DOWN = {
    "default": {
        "BACKEND": "core.cache.FailSafeRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@override_settings(CACHES=REDIS_DOWN)
@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/token/", {"email": "ann@example.com", "password": PASSWORD}, 200),
        ("/api/auth/register/", {"email": "bob@example.com", "password": PASSWORD}, 201),
        ("/api/auth/password/reset/", {"email": "ann@example.com"}, 202),
    ],
)
def test_redis_down_auth_endpoints_answer_and_still_limit(
    client: Client, settings, path: str, body: dict, status: int
) -> None:
    user_make()
    limit = int(settings.AUTH_RATE_LIMIT.split("/")[0])
    assert post_json(client, path, body).status_code == status
    for _ in range(limit - 1):
        post_json(client, path, body)
    response = post_json(client, path, body)
    assert response.status_code == 429  # counted in this process's memory meanwhile
    assert int(response["Retry-After"]) > 0


@override_settings(CACHES=REDIS_DOWN)
def test_health_says_degraded_when_the_cache_is_down(client: Client) -> None:
    response = client.get("/api/health/")
    assert response.status_code == 200  # the shop still serves: no instance taken out
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}


@override_settings(CACHES=REDIS_DOWN)
def test_redis_down_admin_login_works_and_still_locks_out(client: Client, settings) -> None:
    user_make("boss@example.com", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "boss@example.com", "password": "wrong"})
    locked = client.post("/admin/login/", {"username": "boss@example.com", "password": PASSWORD})
    assert locked.status_code == 429
    other = Client().post(
        "/admin/login/",
        {"username": "boss@example.com", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
    )
    assert other.status_code == 429  # the account's counter, kept in process memory


@override_settings(CACHES=REDIS_DOWN)
def test_redis_down_is_retried_only_after_an_interval() -> None:
    from django.core.cache import cache
    from django.core.cache.backends.redis import RedisCacheClient

    connect_to_redis = cache._cache.get_client
    with mock.patch.object(RedisCacheClient, "get_client", wraps=connect_to_redis) as connect:
        cache.set("a", 1)
        assert cache.get("a") == 1  # from the fallback
        cache.set("b", 2)
        assert connect.call_count == 1  # the later calls did not wait for Redis again
        with mock.patch("core.cache.time.monotonic", return_value=time.monotonic() + 60):
            cache.get("a")
        assert connect.call_count == 2
