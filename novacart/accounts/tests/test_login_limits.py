"""Login limits beyond the per-client throttle: per account, and password-hashing slots."""

from collections.abc import Iterator
from unittest import mock

import pytest
from django.test import Client

from novacart import throttling
from novacart.testing import PASSWORD, make_user, post_json

pytestmark = pytest.mark.django_db


def login(client: Client, email: str, password: str, address: str) -> object:
    body = {"email": email, "password": password}
    return post_json(client, "/api/token/", body, REMOTE_ADDR=address)


def test_login_is_limited_per_account_whatever_the_client_address(client: Client, settings) -> None:
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "6/hour"
    make_user("kite@example.com")
    # Six addresses, each far under its own limit, spelling the email differently
    # (dotless i, Kelvin sign, fullwidth domain: one stored address).
    spellings = ["KITE@example.com", "k\u0131te@example.com", "\u212aite@\uff45xample.com"]
    statuses = [
        login(client, spellings[i % 3], "wrong-password", f"10.0.0.{i}").status_code
        for i in range(6)
    ]
    assert statuses == [401] * 6

    response = login(client, "kite@example.com", PASSWORD, "10.0.1.1")  # even the right one
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 3600
    # Other accounts, from the same address, are not affected.
    make_user("bob@example.com")
    assert login(client, "bob@example.com", PASSWORD, "10.0.1.1").status_code == 200


def test_a_limited_account_costs_no_password_hashing(client: Client, settings) -> None:
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "1/hour"
    make_user()
    login(client, "ann@example.com", "wrong-password", "10.0.0.1")
    with mock.patch("django.contrib.auth.backends.ModelBackend.authenticate") as authenticate:
        response = login(client, "ann@example.com", "wrong-password", "10.0.0.2")
    assert response.status_code == 429
    authenticate.assert_not_called()


@pytest.fixture
def hashing_slots_taken(settings) -> Iterator[None]:
    """Every password-hashing slot of this process busy with someone else's login."""
    settings.PASSWORD_HASHING_WAIT = 0.01
    slots = throttling.password_hashing_slots
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    yield
    for _ in range(taken):
        slots.release()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/token/", {"email": "ann@example.com", "password": PASSWORD}),
        ("/api/auth/register/", {"email": "bob@example.com", "password": PASSWORD}),
    ],
)
def test_busy_password_hashing_is_503_with_retry_after(
    client: Client, hashing_slots_taken: None, path: str, body: dict
) -> None:
    make_user()
    hasher = "django.contrib.auth.hashers.MD5PasswordHasher"  # the tests' (conftest)
    with (
        mock.patch(f"{hasher}.encode") as encode,
        mock.patch(f"{hasher}.verify") as verify,
    ):
        response = post_json(client, path, body)
    assert response.status_code == 503
    assert response.json()["code"] == "server_busy"
    assert int(response["Retry-After"]) >= 1
    encode.assert_not_called()
    verify.assert_not_called()


def test_hashing_slots_are_freed_after_each_login(client: Client, settings) -> None:
    make_user()
    for _ in range(settings.PASSWORD_HASHING_CONCURRENCY + 1):
        assert login(client, "ann@example.com", PASSWORD, "10.0.0.1").status_code == 200
