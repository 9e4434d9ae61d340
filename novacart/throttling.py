"""Rate limits for the unauthenticated account endpoints (login, register, reset).

Counters live in the default cache: process memory in development, Redis when
`REDIS_URL` is set, so every app instance shares them. Beyond the limit Ninja answers
429 with a `Retry-After` header.
"""

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    """`AUTH_RATE_LIMIT` requests per client address, counted per endpoint scope."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(settings.AUTH_RATE_LIMIT)

    def get_cache_key(self, request: HttpRequest) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
