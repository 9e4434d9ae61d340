"""Project-wide HTTP middleware."""

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware
from django.urls import is_valid_path
from django.utils.cache import add_never_cache_headers

from core.errors import http_error_code

Handler = Callable[[HttpRequest], HttpResponseBase]

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX) or request.path_info == API_PREFIX[:-1]


def no_store_with_credentials(get_response: Handler) -> Handler:
    """An answer to a request that carries credentials (`Authorization`) is about that
    caller: no cache, shared or the browser's, may keep it (`Cache-Control: no-store`).
    Anonymous answers keep whatever caching their view gives them."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        if "Authorization" in request.headers:
            add_never_cache_headers(response)
        return response

    return middleware


class CommonMiddleware(DjangoCommonMiddleware):
    """Django's, except that an API path without its trailing slash is not redirected
    (a redirected POST arrives as a GET; in DEBUG, Django raises instead): it is a 404."""

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return not is_api(request) and super().should_redirect_with_slash(request)


def _error_detail(request: HttpRequest, status: int) -> str:
    if status == 404 and is_valid_path(f"{request.path_info}/"):
        return f"Not found: API paths end with a slash ({request.path_info}/)."
    if status >= 500:
        return "Internal server error"
    return f"{HTTPStatus(status).phrase.capitalize()}."


def _as_json(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """`response` if it is JSON or no error; else the same error as the API's JSON envelope,
    with the original's other headers (`Allow`, CORS, caching)."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    status = response.status_code
    body = {"detail": _error_detail(request, status), "code": http_error_code(status)}
    envelope = JsonResponse(body, status=status, content_type="application/json; charset=utf-8")
    for header, value in response.headers.items():
        if header.lower() not in {"content-type", "content-length"}:
            envelope[header] = value
    return envelope


def api_json_errors(get_response: Handler) -> Handler:
    """Every answer under /api/ is JSON, whatever went wrong and wherever (Django's own
    404, 405, 400 and 500 pages become `{"detail", "code"}`); other pages keep Django's.

    HEAD is answered as GET without the body; OPTIONS (not a CORS preflight, which the
    CORS middleware answers) with 204 and the path's `Allow` header.
    """

    def middleware(request: HttpRequest) -> HttpResponseBase:
        if not is_api(request):
            return get_response(request)
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        response = _as_json(request, get_response(request))
        if head and isinstance(response, HttpResponse):
            response.content = b""
        if request.method == "OPTIONS" and response.status_code == 405:
            allowed = HttpResponse(status=204, headers={"Allow": response["Allow"]})
            del allowed["Content-Type"]
            return allowed
        return response

    return middleware
