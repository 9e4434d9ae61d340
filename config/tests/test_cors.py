"""CORS: a storefront on an allowed origin may call the API; other origins may not, and
pages outside /api/ never answer CORS."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client

from core.testing import post_json

pytestmark = pytest.mark.django_db

STOREFRONT = "http://localhost:3000"
STRANGER = "https://evil.example.com"


@pytest.fixture(autouse=True)
def _storefront(settings) -> None:
    settings.CORS_ALLOWED_ORIGINS = [STOREFRONT]


def preflight(client: Client, path: str, origin: str):
    return client.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )


def test_preflight_from_the_storefront_allows_the_api_headers(client: Client) -> None:
    response = preflight(client, "/api/orders/create/", STOREFRONT)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == STOREFRONT
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {
        "authorization",
        "content-type",
        "idempotency-key",
        "x-cart-token",
        "x-order-token",
    } <= allowed


def test_preflight_from_another_origin_allows_nothing(client: Client) -> None:
    response = preflight(client, "/api/orders/create/", STRANGER)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Headers" not in response


def test_simple_request_from_the_storefront_exposes_the_api_headers(client: Client) -> None:
    response = client.get("/api/products/", HTTP_ORIGIN=STOREFRONT)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == STOREFRONT
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"Retry-After", "Idempotent-Replayed", "X-Cart-Token"}


def test_an_error_from_the_storefront_carries_cors_too(client: Client) -> None:
    """A browser can read a 401 or a 404 only if it carries the CORS headers."""
    for response in (
        client.get("/api/auth/me/", HTTP_ORIGIN=STOREFRONT),
        client.get("/api/nope/", HTTP_ORIGIN=STOREFRONT),
        post_json(client, "/api/token", {}, HTTP_ORIGIN=STOREFRONT),
    ):
        assert response.status_code in {401, 404}
        assert response["Access-Control-Allow-Origin"] == STOREFRONT


def test_simple_request_from_another_origin_has_no_cors_headers(client: Client) -> None:
    response = client.get("/api/products/", HTTP_ORIGIN=STRANGER)
    assert response.status_code == 200  # answered; the browser keeps it from the page
    assert "Access-Control-Allow-Origin" not in response


def test_pages_outside_the_api_answer_no_cors(client: Client) -> None:
    response = client.get("/admin/login/", HTTP_ORIGIN=STOREFRONT)
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Origin" not in preflight(client, "/admin/login/", STOREFRONT)


def _allowed_origins(**env: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            "print(','.join(s.CORS_ALLOWED_ORIGINS))",
        ],
        cwd=django_settings.BASE_DIR,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.test", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize("unset", [{}, {"CORS_ALLOWED_ORIGINS": ""}])
def test_allowed_origins_default_to_the_frontend_url_origin(unset: dict[str, str]) -> None:
    assert _allowed_origins(FRONTEND_URL="https://shop.example.com/store/", **unset) == (
        "https://shop.example.com"
    )


def test_allowed_origins_come_from_the_environment() -> None:
    origins = "https://shop.example.com,http://localhost:5173"
    assert _allowed_origins(CORS_ALLOWED_ORIGINS=origins) == origins
