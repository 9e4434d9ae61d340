"""Callbacks the Unfold admin settings point at."""

from django.conf import settings
from django.http import HttpRequest


def environment_callback(request: HttpRequest) -> list[str]:
    """The label Unfold shows next to the site name: which shop is this?"""
    if settings.DEBUG:
        return ["Development", "warning"]
    return ["Production", "danger"]
