"""Login limits beyond the per-client throttle: per account, and password-hashing slots."""

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from unittest import mock

import pytest
from django.test import Client

from accounts.tests.factories import PASSWORD, user_make
from core import throttling
from core.testing import post_json

pytestmark = pytest.mark.django_db


def login(client: Client, email: str, password: str, address: str) -> object:
    body = {"email": email, "password": password}
    return post_json(client, "/api/token/", body, REMOTE_ADDR=address)


def test_login_is_limited_per_account_whatever_the_client_address(client: Client, settings) -> None:
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "6/hour"
    user_make("kite@example.com")
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
    user_make("bob@example.com")
    assert login(client, "bob@example.com", PASSWORD, "10.0.1.1").status_code == 200


def test_a_limited_account_costs_no_password_hashing(client: Client, settings) -> None:
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "1/hour"
    user_make()
    login(client, "ann@example.com", "wrong-password", "10.0.0.1")
    with mock.patch("django.contrib.auth.backends.ModelBackend.authenticate") as authenticate:
        response = login(client, "ann@example.com", "wrong-password", "10.0.0.2")
    assert response.status_code == 429
    authenticate.assert_not_called()


@pytest.fixture
def hashing_slots_taken(settings) -> Iterator[None]:
    """Every password-hashing slot of the host busy with someone else's login."""
    settings.PASSWORD_HASHING_CONCURRENCY = 2
    settings.PASSWORD_HASHING_WAIT = 0.01
    with ExitStack() as stack:
        for _ in range(settings.PASSWORD_HASHING_CONCURRENCY):
            assert stack.enter_context(throttling.password_hashing_slots().hold(wait=0))
        yield


def test_a_slot_held_by_another_process_is_taken_from_this_one(settings) -> None:
    """The slots bound the host's workers together, not each process on its own."""
    settings.PASSWORD_HASHING_CONCURRENCY = 1
    script = (
        "import sys, time; from pathlib import Path; from core.host_slots import HostSlots\n"
        "with HostSlots(Path(sys.argv[1]), 1).hold(wait=0) as held:\n"
        "    print(held, flush=True); time.sleep(30)\n"
    )
    lock_dir = settings.PASSWORD_HASHING_LOCK_DIR
    other = subprocess.Popen(
        [sys.executable, "-c", script, lock_dir], stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout.readline().strip() == "True"
        with throttling.password_hashing_slots().hold(wait=0.05) as held:
            assert not held
    finally:
        other.kill()
        other.wait()
    # A worker that dies frees its slot at once (the kernel drops its lock).
    with throttling.password_hashing_slots().hold(wait=0.5) as held:
        assert held


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
    user_make()
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
    user_make()
    for _ in range(settings.PASSWORD_HASHING_CONCURRENCY + 1):
        assert login(client, "ann@example.com", PASSWORD, "10.0.0.1").status_code == 200
