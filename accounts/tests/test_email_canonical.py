"""One mailbox, one account: every spelling of an address is stored and looked up as one."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.email_address import InvalidEmail, email_canonical
from accounts.models import User
from accounts.tests.factories import PASSWORD, user_make
from core.testing import post_json, race

pytestmark = pytest.mark.django_db

# Each spelling is the mailbox kite@example.com to a case-insensitive eye.
TWINS = [
    "KITE@example.com",
    "k\u0131te@example.com",  # dotless i (U+0131): UPPER() makes it I
    "\u212aite@example.com",  # the Kelvin sign K
    "kite@\uff45xample.com",  # a fullwidth e in the domain
    "kite@EXAMPLE.COM",
    " kite@example.com ",
]


@pytest.mark.parametrize("spelling", TWINS)
def test_twin_spellings_are_one_canonical_address(spelling: str) -> None:
    assert email_canonical(spelling) == "kite@example.com"


def test_domain_is_idna_encoded() -> None:
    assert email_canonical("Ann@B\u00fccher.Example") == "ann@xn--bcher-kva.example"


@pytest.mark.parametrize(
    "value",
    ['"kite"@example.com', '"ki te"@example.com', "kite", "kite@", "@example.com", "k\u00e9@x.com"],
)
def test_quoted_or_invalid_addresses_are_refused(value: str) -> None:
    with pytest.raises(InvalidEmail):
        email_canonical(value)


@pytest.mark.parametrize("spelling", TWINS)
def test_register_of_a_twin_is_409_and_login_works_for_every_spelling(
    client: Client, spelling: str
) -> None:
    user_make("kite@example.com")
    response = post_json(client, "/api/auth/register/", {"email": spelling, "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert User.objects.count() == 1
    login = post_json(client, "/api/token/", {"email": spelling, "password": PASSWORD})
    assert login.status_code == 200


def test_register_stores_the_canonical_address(client: Client) -> None:
    response = post_json(
        client, "/api/auth/register/", {"email": "K\u0131te@\uff25xample.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    assert response.json()["email"] == "kite@example.com"
    assert User.objects.get().email == "kite@example.com"


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/password/reset/"])
def test_quoted_address_is_refused_with_422(client: Client, path: str) -> None:
    response = post_json(client, path, {"email": '"kite"@example.com', "password": PASSWORD})
    assert response.status_code == 422
    assert User.objects.count() == 0


def test_password_reset_finds_the_account_by_any_spelling(
    client: Client, django_capture_on_commit_callbacks
) -> None:
    from django.core import mail

    user_make("kite@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(client, "/api/auth/password/reset/", {"email": TWINS[1]})
    assert response.status_code == 202
    assert [message.to for message in mail.outbox] == [["kite@example.com"]]


def test_manager_and_createsuperuser_store_the_canonical_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert User.objects.create_user(TWINS[2], PASSWORD).email == "kite@example.com"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(TWINS[1], PASSWORD)
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Boss@\uff25xample.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, verbosity=0)
    assert User.objects.filter(email="boss@example.com", is_superuser=True).exists()


def test_a_non_canonical_address_cannot_be_written_to_the_database() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Kite@example.com")


def test_admin_user_forms_store_the_canonical_address(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": TWINS[3],
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.filter(email="kite@example.com").exists()
    # a twin is refused by the form, not by a database error
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": TWINS[1],
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert b"already exists" in response.content
    assert User.objects.filter(email__startswith="k").count() == 1


@pytest.mark.django_db(transaction=True)
def test_twins_registering_at_once_make_one_account() -> None:
    """Two threads register kite@ and k\u0131te@ at the same moment (the issue's 500s)."""
    spellings = ["kite@example.com", "k\u0131te@example.com"]

    def register(index: int) -> tuple[int, str | None]:
        response = post_json(
            Client(), "/api/auth/register/", {"email": spellings[index], "password": PASSWORD}
        )
        return response.status_code, response.json().get("code")

    results = race(register, 2)

    assert sorted(results, key=str) == [(201, None), (409, "email_taken")], results
    assert list(User.objects.values_list("email", flat=True)) == ["kite@example.com"]
    for spelling in [*spellings, "KITE@example.com"]:
        login = post_json(Client(), "/api/token/", {"email": spelling, "password": PASSWORD})
        assert login.status_code == 200, (spelling, login.content)


def _migrate_emails() -> None:
    from importlib import import_module

    from django.apps import apps

    import_module("accounts.migrations.0004_email_canonical").emails_canonicalise(apps, None)


def test_migration_stores_existing_addresses_canonically() -> None:
    user = User.objects.create(email="k\u0131te@\uff45xample.com")  # as the old code stored it
    _migrate_emails()
    user.refresh_from_db()
    assert user.email == "kite@example.com"


def test_migration_refuses_twin_accounts_and_changes_nothing() -> None:
    User.objects.create(email="kite@example.com")
    User.objects.create(email="k\u0131te@example.com")
    with pytest.raises(RuntimeError, match=r"kite@example\.com: user"):
        _migrate_emails()
    assert sorted(User.objects.values_list("email", flat=True)) == [
        "kite@example.com",
        "k\u0131te@example.com",
    ]
