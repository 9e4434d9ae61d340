"""Every answer under /api/ is JSON `{"detail", "code"}`, whatever went wrong; pages
outside it keep Django's HTML."""

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from ninja_jwt.tokens import AccessToken

from accounts.models import User
from accounts.tests.factories import PASSWORD, bearer
from core.middleware import api_json_errors
from core.testing import post_json

pytestmark = pytest.mark.django_db

JSON = "application/json; charset=utf-8"


def assert_error(response, status: int, code: str | None) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == JSON
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body.get("code") == code
    return body


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_route_is_404_json(client: Client, method: str) -> None:
    response = getattr(client, method)("/api/nope/")
    body = assert_error(response, 404, "not_found")
    assert body["detail"] == "Not found."


def test_wrong_method_is_405_json_with_allow(client: Client) -> None:
    response = client.delete("/api/health/")
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_path_without_its_slash_is_404_json_never_a_redirect(client: Client, method: str) -> None:
    response = client.generic(method, "/api/token", "{}", "application/json")
    body = assert_error(response, 404, "not_found")
    assert body["detail"] == "Not found: API paths end with a slash (/api/token/)."
    assert "Location" not in response


def test_admin_pages_keep_the_slash_redirect(client: Client) -> None:
    response = client.get("/admin")
    assert response.status_code == 301
    assert response["Location"] == "/admin/"


def test_head_is_answered_as_get_without_body(client: Client, rf: RequestFactory) -> None:
    response = client.head("/api/products/")
    assert response.status_code == 200
    assert response["Content-Type"] == JSON
    # The test client drops a HEAD body itself; a WSGI server may not: the middleware does.
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request.method or "")
        return HttpResponse(b"{}", content_type=JSON)

    answer = api_json_errors(view)(rf.head("/api/products/"))
    assert (seen, answer.content) == (["GET"], b"")


def test_the_schema_refuses_a_wrong_method(client: Client) -> None:
    response = client.post("/api/openapi.json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_api_root_without_slash_is_json_not_a_redirect(client: Client) -> None:
    response = client.post("/api", data="{}", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == JSON


def test_options_lists_the_allowed_methods(client: Client) -> None:
    response = client.options("/api/products/")
    assert response.status_code == 204
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}
    assert response.content == b""


def test_a_body_too_large_is_413(client: Client) -> None:
    body = json.dumps({"email": "a" * 20_000_000 + "@example.com", "password": PASSWORD})
    response = client.post("/api/token/", body, content_type="application/json")
    assert_error(response, 413, "body_too_large")


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_a_body_that_is_not_json_is_415(client: Client, content_type: str) -> None:
    response = client.generic("POST", "/api/token/", b"email=a&password=b", content_type)
    assert_error(response, 415, "unsupported_media_type")


def test_a_json_suffixed_content_type_is_json(client: Client, customer: User) -> None:
    body = json.dumps({"email": customer.email, "password": PASSWORD})
    response = client.post("/api/token/", body, content_type="application/vnd.api+json")
    assert response.status_code == 200


@pytest.mark.parametrize("body", [b"{bad", b"\xff\xfe"])
def test_malformed_json_is_400(client: Client, body: bytes) -> None:
    response = client.generic("POST", "/api/token/", body, "application/json")
    assert_error(response, 400, "malformed_json")


def test_validation_error_locations_name_the_fields_not_the_parameter(client: Client) -> None:
    response = post_json(client, "/api/token/", {"email": 1})
    assert response.status_code == 422
    assert response["Content-Type"] == JSON
    problems = response.json()["detail"]
    assert [problem["loc"] for problem in problems] == [["body", "email"], ["body", "password"]]
    assert all(problem["msg"] and problem["type"] for problem in problems)


def test_validation_error_of_a_body_that_is_no_object_is_located_at_the_body(
    client: Client,
) -> None:
    response = post_json(client, "/api/token/", [])
    assert response.status_code == 422
    assert [problem["loc"] for problem in response.json()["detail"]] == [["body"]]


def test_validation_error_of_a_query_keeps_its_location(client: Client) -> None:
    response = client.get("/api/products/", {"limit": 0})
    assert response.status_code == 422
    assert [problem["loc"] for problem in response.json()["detail"]] == [["query", "limit"]]


def test_no_token_is_401_token_missing(client: Client) -> None:
    response = client.get("/api/auth/me/")
    assert_error(response, 401, "token_missing")
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header", ["Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer", "Bearer "]
)
def test_a_bad_token_is_401_token_invalid(client: Client, header: str) -> None:
    response = client.get("/api/auth/me/", HTTP_AUTHORIZATION=header)
    assert_error(response, 401, "token_invalid")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_401_token_invalid(client: Client, customer: User) -> None:
    headers = bearer(customer)
    User.objects.filter(pk=customer.pk).update(token_version=customer.token_version + 1)
    response = client.get("/api/auth/me/", **headers)
    assert_error(response, 401, "token_invalid")


def test_an_expired_token_is_401_token_expired(client: Client, customer: User) -> None:
    headers = bearer(customer)
    token = headers["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    expired = AccessToken(token)
    expired.set_exp(lifetime=-timedelta(minutes=1))
    response = client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {expired}")
    assert_error(response, 401, "token_expired")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_wrong_password_is_401_with_www_authenticate(client: Client, customer: User) -> None:
    response = post_json(client, "/api/token/", {"email": customer.email, "password": "nope"})
    assert_error(response, 401, "invalid_credentials")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_staff_route_is_403_for_a_customer(client: Client, customer: User) -> None:
    response = client.delete("/api/products/1/", **bearer(customer))
    assert_error(response, 403, "permission_denied")


def test_a_crash_outside_the_api_views_is_still_json_500(
    monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("secret internals")

    settings.DEBUG = False
    monkeypatch.setattr(SessionMiddleware, "process_request", broken)
    response = Client(raise_request_exception=False).get("/api/products/")
    body = assert_error(response, 500, "server_error")
    assert body["detail"] == "Internal server error"
    assert b"secret internals" not in response.content


def test_pages_outside_the_api_keep_django_html(client: Client) -> None:
    response = client.get("/nope/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
