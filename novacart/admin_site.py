"""Callbacks the Unfold admin settings point at (environment label, sidebar permissions)."""

from django.conf import settings
from django.http import HttpRequest


def environment_callback(request: HttpRequest) -> list[str]:
    """The label Unfold shows next to the site name: which shop is this?"""
    if settings.DEBUG:
        return ["Development", "warning"]
    return ["Production", "danger"]


def can_view_users(request: HttpRequest) -> bool:
    return request.user.has_perm("accounts.view_user")


def can_view_groups(request: HttpRequest) -> bool:
    return request.user.has_perm("auth.view_group")
