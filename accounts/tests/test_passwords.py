"""Password change and reset."""

import re
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from ninja_jwt.tokens import RefreshToken

from accounts.models import User
from accounts.tests.factories import PASSWORD, bearer, user_make
from core.testing import post_json

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-secret-42"


@pytest.fixture
def client() -> Client:
    return Client()


def reset_link_params(body: str) -> tuple[str, str]:
    match = re.search(r"/reset-password\?uid=([\w-]+)&token=([\w-]+)", body)
    assert match, body
    return match.group(1), match.group(2)


def login_access(client: Client, password: str = NEW_PASSWORD) -> dict[str, str]:
    body = {"email": "ann@example.com", "password": password}
    return {
        "HTTP_AUTHORIZATION": f"Bearer {post_json(client, '/api/token/', body).json()['access']}"
    }


def test_password_change(client: Client, customer: User) -> None:
    refresh = str(RefreshToken.for_user(customer))
    auth = bearer(customer)
    response = post_json(
        client,
        "/api/auth/password/change/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        **auth,
    )
    assert response.status_code == 204
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    # every session is signed out, its access tokens at once too
    assert post_json(client, "/api/token/refresh/", {"refresh": refresh}).status_code == 401
    assert client.get("/api/auth/me/", **auth).status_code == 401
    assert client.get("/api/auth/me/", **login_access(client)).status_code == 200


def test_password_change_with_wrong_old_password_is_400(client: Client, customer: User) -> None:
    response = post_json(
        client,
        "/api/auth/password/change/",
        {"old_password": "not-it-at-all", "new_password": NEW_PASSWORD},
        **bearer(customer),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "wrong_password"
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_password_change_to_weak_password_is_400(client: Client, customer: User) -> None:
    response = post_json(
        client,
        "/api/auth/password/change/",
        {"old_password": PASSWORD, "new_password": "12345"},
        **bearer(customer),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_password"
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_password_change_needs_token(client: Client) -> None:
    response = post_json(
        client, "/api/auth/password/change/", {"old_password": "a", "new_password": "b"}
    )
    assert response.status_code == 401


def test_reset_emails_link_and_confirm_sets_password(
    client: Client, customer: User, settings, django_capture_on_commit_callbacks
) -> None:
    settings.FRONTEND_URL = "https://shop.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, "/api/auth/password/reset/", {"email": "ANN@example.com"})
    assert response.status_code == 202
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann@example.com"]
    assert "https://shop.example.com/reset-password?uid=" in message.body
    html = message.alternatives[0][0]
    assert "https://shop.example.com/reset-password?uid=" in html
    uid, token = reset_link_params(message.body)
    stolen = bearer(customer)

    confirm = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert post_json(client, "/api/auth/password/reset/confirm/", confirm).status_code == 204
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert client.get("/api/auth/me/", **stolen).status_code == 401  # access tokens die too

    # the link works once
    again = post_json(client, "/api/auth/password/reset/confirm/", confirm)
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"


def test_reset_email_carries_no_name_the_registrant_chose(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    user_make("victim@example.com", first_name="Win $1000 at https://evil.example/claim")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, "/api/auth/password/reset/", {"email": "victim@example.com"})
    assert response.status_code == 202
    [message] = mail.outbox
    for text in (message.subject, message.body, message.alternatives[0][0]):
        assert "evil.example" not in text


def test_reset_for_unknown_or_inactive_email_answers_the_same(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    User.objects.create_user("inactive@example.com", PASSWORD, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        known = post_json(client, "/api/auth/password/reset/", {"email": "inactive@example.com"})
        unknown = post_json(client, "/api/auth/password/reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert mail.outbox == []


def test_reset_with_invalid_email_is_422(client: Client) -> None:
    assert post_json(client, "/api/auth/password/reset/", {"email": "nope"}).status_code == 422


@pytest.mark.parametrize(
    ("uid", "token"),
    [("garbage", "set-by-test"), ("MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw", "x"), ("", "x")],
)
def test_reset_confirm_with_bad_uid_is_4xx(
    client: Client, customer: User, uid: str, token: str
) -> None:
    response = post_json(
        client,
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
    )
    assert response.status_code in (400, 422)
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_reset_confirm_with_someone_elses_token_is_400(
    client: Client, customer: User, other_customer: User
) -> None:
    uid = urlsafe_base64_encode(force_bytes(customer.pk))
    foreign_token = default_token_generator.make_token(other_customer)
    response = post_json(
        client,
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": foreign_token, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"


def test_reset_confirm_with_weak_password_is_400_and_token_stays_valid(
    client: Client, customer: User
) -> None:
    uid = urlsafe_base64_encode(force_bytes(customer.pk))
    token = default_token_generator.make_token(customer)
    weak = post_json(
        client,
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": "abc"},
    )
    assert weak.status_code == 400
    assert weak.json()["code"] == "invalid_password"
    ok = post_json(
        client,
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": NEW_PASSWORD},
    )
    assert ok.status_code == 204


def test_reset_email_waits_for_commit(customer: User, django_capture_on_commit_callbacks) -> None:
    from accounts.services import password_reset_request

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        password_reset_request(email="ann@example.com")
    assert mail.outbox == []
    assert len(callbacks) == 1


@pytest.mark.parametrize("email", ["ann@example.com", "nobody@example.com", "inactive@example.com"])
def test_reset_request_does_the_same_work_whether_or_not_the_account_exists(
    client: Client, customer: User, django_capture_on_commit_callbacks, email: str
) -> None:
    """The request only queues the email task, which looks the account up: no timing tell."""
    User.objects.create_user("inactive@example.com", PASSWORD, is_active=False)
    with (
        mock.patch("accounts.services.password_reset_email_send") as send,
        mock.patch("accounts.services.User.objects.filter") as lookup,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_json(client, "/api/auth/password/reset/", {"email": email})
    assert response.status_code == 202
    send.enqueue.assert_called_once_with(email=email)
    lookup.assert_not_called()
