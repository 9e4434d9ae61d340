"""The admin login (/admin/login/) locks out per account and per client (django-axes)."""

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PASSWORD, user_make
from core.testing import post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db: None) -> User:
    return user_make("boss@example.com", is_staff=True, is_superuser=True)


def admin_login(client: Client, username: str, password: str, address: str = "10.0.0.1") -> object:
    return client.post(
        "/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_wrong_passwords_lock_the_account_out_with_a_readable_429(
    client: Client, admin_user: User, settings
) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        # From a new address each time, and in any case: one budget per account.
        response = admin_login(client, "BOSS@example.com", "wrong-password", f"10.0.0.{i}")
        assert response.status_code == 200  # the login form again, with its error
    last = admin_login(client, " boss@example.com", "wrong-password", "10.0.0.99")
    assert last.status_code == 429
    response = admin_login(client, "boss@example.com", PASSWORD, "10.0.1.1")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert b"Too many failed login attempts" in response.content
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_lock_the_client_address_out(
    client: Client, admin_user: User, settings
) -> None:
    for i in range(settings.AXES_FAILURE_LIMIT):
        admin_login(client, f"guess{i}@example.com", "wrong-password", "10.0.0.9")
    assert admin_login(client, "boss@example.com", PASSWORD, "10.0.0.9").status_code == 429
    # Another client may still log in.
    response = admin_login(Client(), "boss@example.com", PASSWORD, "10.0.0.10")
    assert response.status_code == 302


def test_the_client_address_follows_trusted_proxy_count(
    client: Client, admin_user: User, settings
) -> None:
    settings.NINJA_NUM_PROXIES = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/",
            {"username": "x@example.com", "password": "wrong"},
            REMOTE_ADDR="10.9.9.9",  # the proxy
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",  # spoofed, then the real client
        )
    other = Client().post(
        "/admin/login/",
        {"username": "boss@example.com", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert other.status_code == 302  # same proxy, another client: not locked
    locked = Client().post(
        "/admin/login/",
        {"username": "boss@example.com", "password": PASSWORD},
        REMOTE_ADDR="10.9.9.9",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429


def test_a_good_login_after_a_few_failures_works_and_api_login_is_not_locked(
    client: Client, admin_user: User, settings
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(client, "boss@example.com", "wrong-password")
    assert admin_login(client, "boss@example.com", PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    # API logins have their own limits (core/throttling.py), not axes'.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        body = {"email": "boss@example.com", "password": "wrong-password"}
        post_json(Client(), "/api/token/", body, REMOTE_ADDR="10.0.2.1")
    body = {"email": "boss@example.com", "password": PASSWORD}
    assert post_json(Client(), "/api/token/", body, REMOTE_ADDR="10.0.2.2").status_code == 200
    assert admin_login(Client(), "boss@example.com", PASSWORD, "10.0.2.3").status_code == 302


def test_test_client_login_helpers_still_work(client: Client, admin_user: User) -> None:
    assert client.login(email="boss@example.com", password=PASSWORD)
    assert client.get("/admin/").status_code == 200
    other = Client()
    other.force_login(admin_user)
    assert other.get("/admin/").status_code == 200
