"""A Content-Security-Policy on every page, strict enough to stop injected scripts and
loose enough for what the pages run: Unfold (Alpine.js, htmx), its Chart.js dashboard
and Swagger UI at /api/docs, all served from our own static files."""

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from catalog.models import Product
from catalog.tests.factories import product_image_make, product_make
from shop.models import Order
from shop.order_flow import order_mark_paid
from shop.tests.factories import order_place

pytestmark = pytest.mark.django_db

# A <script> that runs inline: no src, and not a JSON data block.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
# An absolute URL a page loads from (not a link): <script src>, <link href>, <img src>.
EXTERNAL = re.compile(r'<(?:script|img)[^>]*\ssrc="(https?:)?//|<link[^>]*\shref="(https?:)?//')


def _policy(response: Any) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        directive.split()[0]: directive.split()[1:]
        for directive in header.split(";")
        if directive.strip()
    }


@pytest.fixture
def admin(client: Client, superuser: User, customer: User) -> Client:
    product = product_make(sku="CSP-1")
    product_image_make(product=product)
    order_mark_paid(order=order_place(user=customer, items=[(product, 1)]))  # a dashboard chart
    client.force_login(superuser)
    return client


def test_the_admin_sends_a_policy_that_allows_no_injected_script(admin: Client) -> None:
    policy = _policy(admin.get("/admin/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'", "'unsafe-eval'"]  # no 'unsafe-inline'
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]  # Unfold frames its own pages
    assert policy["form-action"] == ["'self'"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",  # the dashboard, with its chart
        "/admin/catalog/product/",
        "/admin/catalog/product/{product}/change/",
        "/admin/shop/order/{order}/change/",
        "/api/docs",
    ],
)
def test_pages_run_nothing_the_policy_blocks(admin: Client, path: str) -> None:
    url = path.format(product=Product.objects.get().pk, order=Order.objects.get().pk)
    _assert_runs_under_the_policy(admin.get(url))


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs"])
def test_public_pages_run_nothing_the_policy_blocks(client: Client, path: str) -> None:
    _assert_runs_under_the_policy(client.get(path))


def _assert_runs_under_the_policy(response: Any) -> None:
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html), INLINE_SCRIPT.findall(html)
    assert not EXTERNAL.search(html), EXTERNAL.search(html)


def test_the_api_answers_carry_the_policy_too(client: Client) -> None:
    assert _policy(client.get("/api/health/"))["default-src"] == ["'self'"]
