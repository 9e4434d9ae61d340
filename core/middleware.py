"""Project-wide HTTP middleware."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

Handler = Callable[[HttpRequest], HttpResponse]


def no_store_with_credentials(get_response: Handler) -> Handler:
    """An answer to a request that carries credentials (`Authorization`) is about that
    caller: no cache, shared or the browser's, may keep it (`Cache-Control: no-store`).
    Anonymous answers keep whatever caching their view gives them."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if "Authorization" in request.headers:
            add_never_cache_headers(response)
        return response

    return middleware
