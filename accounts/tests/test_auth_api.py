"""Register, tokens, logout and profile endpoints."""

import logging

import pytest
from django.core import mail
from django.test import Client
from ninja_jwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from accounts.tests.factories import PASSWORD, bearer, user_make
from core.testing import patch_json, post_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client()


def login(client: Client, email: str = "ann@example.com", password: str = PASSWORD):
    return post_json(client, "/api/token/", {"email": email, "password": password})


# --- register -------------------------------------------------------------------------


def test_register_creates_user_and_sends_welcome_email(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client,
            "/api/auth/register/",
            {"email": "New@Example.com", "password": PASSWORD, "first_name": "Nia"},
        )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "email": "new@example.com",
        "first_name": "Nia",
        "last_name": "",
    }
    user = User.objects.get(pk=body["id"])
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert [m.to for m in mail.outbox] == [["new@example.com"]]
    assert "Welcome" in mail.outbox[0].subject


SPAM_NAME = "Win $1000 at https://evil.example/claim"


def test_welcome_email_carries_no_text_the_registrant_chose(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    """The address is nobody's confirmed one: mail to it must not carry a stranger's words."""
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(
            client,
            "/api/auth/register/",
            {"email": "victim@example.com", "password": PASSWORD, "first_name": SPAM_NAME},
        )
    assert response.status_code == 201
    [message] = mail.outbox
    for text in (message.subject, message.body, message.alternatives[0][0]):
        assert "evil.example" not in text
        assert "$1000" not in text


def test_register_duplicate_email_in_other_case_is_409(client: Client, customer: User) -> None:
    response = post_json(
        client, "/api/auth/register/", {"email": "ANN@EXAMPLE.COM", "password": PASSWORD}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["123", "password", "12345678901", "ann@example.com"])
def test_register_weak_password_is_400_with_reasons(client: Client, password: str) -> None:
    response = post_json(
        client, "/api/auth/register/", {"email": "ann@example.com", "password": password}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_password"
    assert body["errors"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "", "password": PASSWORD},
        {"password": PASSWORD},
        {"email": "ann@example.com"},
        {"email": 42, "password": PASSWORD},
        {"email": "ann@example.com", "password": PASSWORD, "first_name": "x" * 151},
        [],
        "just a string",
    ],
)
def test_register_malformed_payload_is_422(client: Client, payload: object) -> None:
    response = post_json(client, "/api/auth/register/", payload)
    assert response.status_code == 422
    assert "detail" in response.json()
    assert not User.objects.exists()


def test_register_body_that_is_not_json_is_400(client: Client) -> None:
    response = client.post("/api/auth/register/", "{email:", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


# --- tokens ---------------------------------------------------------------------------


def test_login_returns_token_pair_for_any_email_case(client: Client, customer: User) -> None:
    response = login(client, email="ANN@example.com")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert AccessToken(body["access"])["user_id"] == customer.pk
    customer.refresh_from_db()
    assert customer.last_login is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [("ann@example.com", "wrong-password-1"), ("nobody@example.com", PASSWORD)],
)
def test_login_with_wrong_credentials_is_401(
    client: Client, customer: User, email: str, password: str
) -> None:
    response = login(client, email=email, password=password)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_of_inactive_user_is_401(client: Client) -> None:
    user_make("ann@example.com", is_active=False)
    assert login(client).status_code == 401


def test_token_lifetimes_are_60_minutes_and_7_days(customer: User) -> None:
    refresh = RefreshToken.for_user(customer)
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600
    access = refresh.access_token
    assert access["exp"] - access["iat"] == 3600


def test_refresh_rotates_and_old_refresh_token_is_dead(client: Client, customer: User) -> None:
    first = login(client).json()
    response = post_json(client, "/api/token/refresh/", {"refresh": first["refresh"]})
    assert response.status_code == 200
    second = response.json()
    assert second["refresh"] != first["refresh"]
    assert AccessToken(second["access"])["user_id"] == customer.pk

    reused = post_json(client, "/api/token/refresh/", {"refresh": first["refresh"]})
    assert reused.status_code == 401
    assert (
        post_json(client, "/api/token/refresh/", {"refresh": second["refresh"]}).status_code == 200
    )


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_refresh_with_invalid_token_is_4xx(client: Client, token: str) -> None:
    response = post_json(client, "/api/token/refresh/", {"refresh": token})
    assert response.status_code in (401, 422)


def test_refresh_with_access_token_is_401(client: Client, customer: User) -> None:
    access = login(client).json()["access"]
    assert post_json(client, "/api/token/refresh/", {"refresh": access}).status_code == 401


def test_refresh_of_deactivated_user_is_401(client: Client, customer: User) -> None:
    refresh = login(client).json()["refresh"]
    User.objects.filter(pk=customer.pk).update(is_active=False)
    assert post_json(client, "/api/token/refresh/", {"refresh": refresh}).status_code == 401


def test_expired_refresh_token_is_401(client: Client, customer: User) -> None:
    from datetime import timedelta

    token = RefreshToken.for_user(customer)
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert post_json(client, "/api/token/refresh/", {"refresh": str(token)}).status_code == 401


def test_logout_blacklists_the_refresh_token(client: Client, customer: User) -> None:
    tokens = login(client).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    assert (
        post_json(client, "/api/auth/logout/", {"refresh": tokens["refresh"]}, **auth).status_code
        == 204
    )
    assert (
        post_json(client, "/api/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401
    )
    # logging out twice is harmless
    again = login(client).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {again['access']}"}
    assert (
        post_json(client, "/api/auth/logout/", {"refresh": tokens["refresh"]}, **auth).status_code
        == 204
    )


def me_status(client: Client, access: str) -> int:
    return client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code


def test_logout_revokes_access_tokens_at_once(client: Client, customer: User) -> None:
    tokens = login(client).json()
    other_device = login(client).json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    assert (
        post_json(client, "/api/auth/logout/", {"refresh": tokens["refresh"]}, **auth).status_code
        == 204
    )
    assert me_status(client, tokens["access"]) == 401
    assert me_status(client, other_device["access"]) == 401
    # another device's session goes on: its refresh token gets it a working access token
    renewed = post_json(client, "/api/token/refresh/", {"refresh": other_device["refresh"]})
    assert renewed.status_code == 200
    assert me_status(client, renewed.json()["access"]) == 200
    # and a new login works
    assert me_status(client, login(client).json()["access"]) == 200


def test_access_token_without_version_claim_is_401(client: Client, customer: User) -> None:
    access = RefreshToken.for_user(customer).access_token  # not issued by NovaCart's login
    assert me_status(client, str(access)) == 401


def test_logout_with_someone_elses_refresh_token_is_400(
    client: Client, customer: User, other_customer: User
) -> None:
    foreign = str(RefreshToken.for_user(other_customer))
    response = post_json(client, "/api/auth/logout/", {"refresh": foreign}, **bearer(customer))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    assert post_json(client, "/api/token/refresh/", {"refresh": foreign}).status_code == 200


@pytest.mark.parametrize("refresh", ["0" * 600, "not-a-jwt", "a.b.c"])
def test_logout_with_a_malformed_refresh_token_is_400(
    client: Client, customer: User, refresh: str
) -> None:
    # Found by fuzzing: a string that is no JWT at all answered 500.
    response = post_json(client, "/api/auth/logout/", {"refresh": refresh}, **bearer(customer))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"


def test_logout_needs_authentication(client: Client) -> None:
    assert post_json(client, "/api/auth/logout/", {"refresh": "x"}).status_code == 401


# --- me -------------------------------------------------------------------------------


def test_me_query_counts(client: Client, customer: User, django_assert_num_queries) -> None:
    auth = bearer(customer)
    with django_assert_num_queries(1):  # the token's user
        assert client.get("/api/auth/me/", **auth).status_code == 200
    with django_assert_num_queries(2):  # the token's user, the update
        response = patch_json(client, "/api/auth/me/", {"first_name": "Anna"}, **auth)
    assert response.status_code == 200


def test_me_returns_profile(client: Client, customer: User) -> None:
    response = client.get("/api/auth/me/", **bearer(customer))
    assert response.status_code == 200
    assert response.json() == {
        "id": customer.pk,
        "email": "ann@example.com",
        "first_name": "Ann",
        "last_name": "Buyer",
        "is_staff": False,
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer nope"}, {"HTTP_AUTHORIZATION": "Basic abc"}],
)
def test_me_without_valid_token_is_401(client: Client, headers: dict[str, str]) -> None:
    assert client.get("/api/auth/me/", **headers).status_code == 401


@pytest.mark.parametrize("debug", [True, False])
def test_token_sent_with_another_scheme_is_never_logged(
    client: Client, customer: User, settings, caplog: pytest.LogCaptureFixture, debug: bool
) -> None:
    settings.DEBUG = debug
    token = str(RefreshToken.for_user(customer).access_token)
    with caplog.at_level(logging.DEBUG):
        response = client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401
    assert token not in caplog.text
    assert token.split(".")[1] not in caplog.text  # not even its claims
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert any("Authorization" in record.getMessage() for record in caplog.records)


def test_me_with_token_of_deactivated_user_is_401(client: Client, customer: User) -> None:
    headers = bearer(customer)
    User.objects.filter(pk=customer.pk).update(is_active=False)
    assert client.get("/api/auth/me/", **headers).status_code == 401


def test_me_patch_updates_only_given_names(client: Client, customer: User) -> None:
    response = patch_json(client, "/api/auth/me/", {"first_name": "Annie"}, **bearer(customer))
    assert response.status_code == 200
    assert response.json()["first_name"] == "Annie"
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Annie", "Buyer")


def test_me_patch_cannot_make_user_staff_or_change_email(client: Client, customer: User) -> None:
    response = patch_json(
        client, "/api/auth/me/", {"is_staff": True, "email": "x@example.com"}, **bearer(customer)
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert not customer.is_staff
    assert customer.email == "ann@example.com"


def test_me_patch_rejects_overlong_name(client: Client, customer: User) -> None:
    response = patch_json(client, "/api/auth/me/", {"last_name": "x" * 151}, **bearer(customer))
    assert response.status_code == 422
