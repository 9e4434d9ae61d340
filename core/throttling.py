"""Rate limits for the unauthenticated account endpoints (login, register, reset).

Counters live in the default cache: process memory in development, Redis when
`REDIS_URL` is set, so every app instance shares them (core/cache.py keeps them in
process memory while Redis is down). Beyond a limit the answer is 429
`code=rate_limited` with a `Retry-After` header.

Three limits guard the password checks, whose hashing is slow on purpose:
- `AUTH_RATE_LIMIT` per client address and endpoint (a Ninja throttle on the route);
- `LOGIN_ACCOUNT_RATE_LIMIT` login attempts per account, from any number of addresses;
- `PASSWORD_HASHING_CONCURRENCY` passwords hashed at once on the host, by all its worker
  processes together (core/host_slots.py); a request that finds no free slot within
  `PASSWORD_HASHING_WAIT` seconds is answered 503 `code=server_busy`. Kept below the
  number of workers, a flood of logins leaves workers and cores for the rest of the shop.
"""

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle, SimpleRateThrottle

from core.errors import RateLimited, ServerBusy
from core.host_slots import HostSlots


def client_address(request: HttpRequest) -> str | None:
    """The client's address: `TRUSTED_PROXY_COUNT` hops from the right of X-Forwarded-For."""
    return BaseThrottle().get_ident(request)


class ClientRateThrottle(SimpleRateThrottle):
    """`AUTH_RATE_LIMIT` requests per client address, counted per endpoint scope."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(settings.AUTH_RATE_LIMIT)

    def get_cache_key(self, request: HttpRequest) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}


class AccountRateThrottle(SimpleRateThrottle):
    """`LOGIN_ACCOUNT_RATE_LIMIT` login attempts per account (its normalised email)."""

    def __init__(self, account: str) -> None:
        self.account = account
        super().__init__(settings.LOGIN_ACCOUNT_RATE_LIMIT)

    def get_cache_key(self, request: HttpRequest) -> str:
        digest = hashlib.sha256(self.account.encode()).hexdigest()
        return self.cache_format % {"scope": "login_account", "ident": digest}


def password_hashing_slots() -> HostSlots:
    """The host's password-hashing slots, shared by all its workers (processes, threads)."""
    return HostSlots(
        Path(settings.PASSWORD_HASHING_LOCK_DIR), settings.PASSWORD_HASHING_CONCURRENCY
    )


@contextmanager
def password_hashing_slot() -> Iterator[None]:
    """Hold one of the host's password-hashing slots, or raise `ServerBusy`."""
    with password_hashing_slots().hold(wait=settings.PASSWORD_HASHING_WAIT) as held:
        if not held:
            raise ServerBusy("Too many sign-ins at once. Try again in a moment.", retry_after=1)
        yield


@contextmanager
def login_attempt(*, request: HttpRequest, account: str) -> Iterator[None]:
    """Count a login attempt on `account`, then hold a hashing slot for its check."""
    throttle = AccountRateThrottle(account)
    if not throttle.allow_request(request):
        raise RateLimited(
            "Too many login attempts for this account. Try again later.",
            retry_after=math.ceil(throttle.wait() or throttle.duration),
        )
    with password_hashing_slot():
        yield
