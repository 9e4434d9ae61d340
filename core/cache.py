"""The default cache in production: Redis, failing safe to this process's memory.

The cache holds rate-limit counters (API throttles, admin login lockouts). If Redis
goes away, every cache call falls back to a local memory cache instead of raising, so
login, registration and password reset keep answering and keep being limited, per
process, until Redis is back; `/api/health/` reports the outage meanwhile.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


# After a failure, calls skip Redis for this long before trying it again, so a Redis
# that times out costs one timeout per interval, not one per cache call.
RETRY_INTERVAL = 5.0

# The local memory cache standing in for Redis (one per process, whatever the client).
FALLBACK_LOCATION = "novacart-redis-fallback"


def _failing_over(name: str) -> Callable[..., Any]:
    """`RedisCacheClient.<name>`, answered by the local fallback while Redis fails."""
    redis_method = getattr(RedisCacheClient, name)

    def method(self: "FailSafeRedisCacheClient", *args: Any) -> Any:
        if time.monotonic() < self.retry_at:
            return getattr(self.fallback, name)(*args)
        try:
            result = redis_method(self, *args)
        except RedisError as error:
            if self.retry_at == 0:
                logger.error("Redis unreachable, caching in process memory: %s", error)
            self.retry_at = time.monotonic() + RETRY_INTERVAL
            return getattr(self.fallback, name)(*args)
        if self.retry_at:
            logger.warning("Redis reachable again")
            self.retry_at = 0
        return result

    method.__name__ = name
    return method


class FailSafeRedisCacheClient(RedisCacheClient):
    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        self.retry_at = 0.0  # 0: Redis is believed reachable
        self.fallback = LocMemCache(FALLBACK_LOCATION, {"OPTIONS": {"MAX_ENTRIES": 10000}})

    add = _failing_over("add")
    get = _failing_over("get")
    set = _failing_over("set")
    touch = _failing_over("touch")
    delete = _failing_over("delete")
    get_many = _failing_over("get_many")
    has_key = _failing_over("has_key")
    incr = _failing_over("incr")
    set_many = _failing_over("set_many")
    delete_many = _failing_over("delete_many")
    clear = _failing_over("clear")


class FailSafeRedisCache(RedisCache):
    """Django's Redis cache whose calls never raise for an unreachable Redis."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = FailSafeRedisCacheClient

    def ping(self) -> bool:
        try:
            return bool(self._cache.get_client(write=True).ping())
        except RedisError:
            return False


def cache_reachable() -> bool:
    """Whether the default cache answers itself (a local memory cache always does)."""
    backend = caches["default"]
    return not isinstance(backend, FailSafeRedisCache) or backend.ping()
