"""Cached catalog answers: the rendered JSON of product pages, keyed by the catalog version.

A storefront reads the same pages of products over and over and they change rarely, so
the API keeps each rendered answer in the "catalog" cache (each process's memory) under
the catalog version (CatalogVersion, bumped by database triggers on any change to a
category, product or image), the site (scheme and host, which the answer's image URLs
contain) and the validated parameters the handler passes, separately for staff, who
see inactive products. Any change makes a new version, so an answer is never served
after the data it shows changed; old entries simply age out.

The key holds the parsed parameters, never the raw URL: `?limit=05&utm=1` and
`?limit=5` are one entry, so made-up query strings cannot fill the cache. The cache is
bounded in bytes (settings CATALOG_CACHE_MAX_BYTES, catalog/cache_backend.py).

A request that runs inside a transaction (a test's, or one opened by a caller) could
see writes nobody else sees yet, so it neither reads nor fills the cache.
"""

import hashlib
import json
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from ninja import Schema
from ninja.renderers import JSONRenderer

from accounts.models import User
from catalog.models import CatalogVersion
from catalog.selectors import sees_hidden_products

CACHE_ALIAS = "catalog"
_renderer = JSONRenderer()
_CONTENT_TYPE = f"{_renderer.media_type}; charset={_renderer.charset}"
_VERSION_SQL = f"SELECT value FROM {CatalogVersion._meta.db_table} WHERE id = 1"


def catalog_version() -> int | None:
    """The current catalog version (None if its row is missing: then nothing is cached)."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return None if row is None else row[0]


def _render(request: HttpRequest, schema: type[Schema], data: object) -> HttpResponse:
    """What Ninja answers for `data` under the response schema `schema`."""
    body = schema.model_validate(data, context={"request": request}).model_dump()
    return HttpResponse(
        _renderer.render(request, body, response_status=200), content_type=_CONTENT_TYPE
    )


def catalog_response(
    request: HttpRequest,
    *,
    user: User | AnonymousUser,
    schema: type[Schema],
    params: dict[str, object],
    build: Callable[[], object],
) -> HttpResponse:
    """The answer for this request: cached, or built by `build()`, rendered and cached.

    `params` names the answer: the endpoint and its validated parameters, which are all
    that `build` reads.
    """
    if connection.in_atomic_block:
        return _render(request, schema, build())
    version = catalog_version()
    if version is None:
        return _render(request, schema, build())
    audience = "staff" if sees_hidden_products(user) else "public"
    name = json.dumps([request.build_absolute_uri("/"), params], sort_keys=True, default=str)
    key = f"catalog:{version}:{audience}:{hashlib.sha256(name.encode()).hexdigest()}"
    cache = caches[CACHE_ALIAS]
    content = cache.get(key)
    if content is None:
        response = _render(request, schema, build())
        cache.set(key, response.content)
        return response
    return HttpResponse(content, content_type=_CONTENT_TYPE)
