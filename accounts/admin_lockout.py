"""Admin login lockout (django-axes): per account and per client address, in the cache.

Failed logins at /admin/login/ are counted in the default cache (Redis in production,
so every worker shares them) under the normalised username and, separately, under the
client address (the one rate limits use, see `core.throttling.client_address`).
`AXES_FAILURE_LIMIT` failures on either lock it out for `AXES_COOLOFF_TIME`: the admin
answers a readable 429 page. The API's login is not counted here; it has its own
limits (core/throttling.py).
"""

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.email_address import email_lookup_key


class AdminLockoutBackend(AxesStandaloneBackend):
    """Refuses locked-out admin logins; authenticates nobody itself.

    Without a request (the shell, the test client's `login()`) there is no client to
    lock out, so it stands aside instead of raising as axes' own backend does.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            super().authenticate(request, username, password, **kwargs)


class AdminLockoutHandler(AxesCacheHandler):
    """Axes' cache handler, counting only the admin's own logins."""

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        if request is not None and self.is_admin_request(request):
            super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        if self.is_admin_request(request):
            super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        if self.is_admin_request(request):
            super().user_logged_out(sender, request, user, **kwargs)


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account a login names, as login matches it (email, whatever its case)."""
    username = (credentials or request.POST).get("username")
    return email_lookup_key(username) if username else None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The admin's own page: too many attempts, try again in so many minutes."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed login attempts",
        "minutes": max(1, seconds // 60),
    }
    response = render(
        request, "admin/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
