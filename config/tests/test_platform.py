"""Project wiring: health, OpenAPI, rate limits, admin, settings, management commands."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import DatabaseError
from django.test import Client

from accounts.models import User
from accounts.tests.factories import PASSWORD, bearer
from core.testing import post_json

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def test_health_touches_database(client: Client) -> None:
    response = client.get("/api/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_health_costs_one_query_and_ping_none(client: Client, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        assert client.get("/api/health/").status_code == 200
    with django_assert_num_queries(0):
        response = client.get("/api/ping/")
    assert response.status_code == 200
    assert response.json() == {}


def test_health_is_503_when_database_fails(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.backends.utils import CursorWrapper

    def broken(*args: object, **kwargs: object) -> None:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/api/health/")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_openapi_and_docs_are_served(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/auth/register/", "/api/token/", "/api/token/refresh/", "/api/health/"):
        assert path in schema["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert b"cdn." not in docs.content  # Swagger UI comes from our own static files


def test_unknown_api_path_is_404_json(client: Client) -> None:
    response = client.get("/api/nope/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/token/", {"email": "ann@example.com", "password": "wrong-password"}),
        ("/api/auth/register/", {"email": "bad", "password": "x"}),
        ("/api/auth/password/reset/", {"email": "ann@example.com"}),
    ],
)
def test_auth_endpoints_are_rate_limited(client: Client, settings, path: str, body: dict) -> None:
    limit = int(settings.AUTH_RATE_LIMIT.split("/")[0])
    statuses = [post_json(client, path, body).status_code for _ in range(limit)]
    assert 429 not in statuses
    response = post_json(client, path, body)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "rate_limited"


def test_rate_limit_is_per_client(client: Client, settings) -> None:
    limit = int(settings.AUTH_RATE_LIMIT.split("/")[0])
    body = {"email": "x@example.com", "password": "wrong-password"}
    for _ in range(limit + 1):
        post_json(client, "/api/token/", body, REMOTE_ADDR="10.0.0.1")
    assert post_json(client, "/api/token/", body, REMOTE_ADDR="10.0.0.2").status_code == 401


def test_admin_redirects_anonymous_to_login(client: Client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        "/admin/auth/group/",
        "/admin/accounts/user/?q=ann&is_staff__exact=1",
    ],
)
def test_admin_pages_render_for_staff(
    client: Client, superuser: User, customer: User, path: str
) -> None:
    client.force_login(superuser)
    response = client.get(path)
    assert response.status_code == 200
    assert b"NovaCart" in response.content
    assert b"username" not in response.content.lower()


def test_admin_user_change_page_has_no_username(
    client: Client, superuser: User, customer: User
) -> None:
    client.force_login(superuser)
    response = client.get(f"/admin/accounts/user/{customer.pk}/change/")
    assert response.status_code == 200
    assert b"ann@example.com" in response.content
    assert b"username" not in response.content.lower()


def test_admin_can_add_user_by_email(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(email="new@example.com").check_password(PASSWORD)


def test_admin_setting_a_password_signs_the_user_out_everywhere(
    client: Client, superuser: User, customer: User
) -> None:
    stolen = bearer(customer)
    assert client.get("/api/auth/me/", **stolen).status_code == 200
    client.force_login(superuser)
    new_password = "another-horse-battery-7"
    response = client.post(
        f"/admin/accounts/user/{customer.pk}/password/",
        {"password1": new_password, "password2": new_password, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    customer.refresh_from_db()
    assert customer.check_password(new_password)
    assert client.get("/api/auth/me/", **stolen).status_code == 401


def test_admin_login_works_with_email(client: Client, superuser: User) -> None:
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "ROOT@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_login_without_next_lands_on_the_dashboard(client: Client, superuser: User) -> None:
    """Unfold's login form posts no `next`: a login at /admin/login/ lands in the admin."""
    response = client.post("/admin/login/", {"username": superuser.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/admin/"


def test_staff_groups_exist() -> None:
    names = set(Group.objects.values_list("name", flat=True))
    assert {"Catalog managers", "Order managers"} <= names
    order_managers = Group.objects.get(name="Order managers")
    assert order_managers.permissions.filter(codename="view_user").exists()


def test_email_is_unique_regardless_of_case_in_database() -> None:
    from django.db import IntegrityError, transaction

    User.objects.create_user("case@example.com", PASSWORD)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="CASE@example.com")


def test_createsuperuser_noinput_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "boss@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", interactive=False, verbosity=0)
    boss = User.objects.get(email="boss@example.com")
    assert boss.is_superuser
    assert boss.is_staff
    assert boss.check_password(PASSWORD)


def test_seed_demo_creates_users_once(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("seed_demo")
    assert User.objects.filter(is_superuser=True).count() == 1
    assert "admin@novacart.local" in capsys.readouterr().out
    count = User.objects.count()
    call_command("seed_demo")
    assert User.objects.count() == count


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "x9Z!q" * 12,
    "ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "sqlite:////tmp/novacart-deploy-check.sqlite3",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
}


def test_check_deploy_is_clean_in_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr + result.stdout


def test_production_refuses_to_start_without_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_settings_follow_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);"
        "print(s.CACHES['default']['BACKEND']);"
        "m = s.MAILERS['default']; o = m['OPTIONS'];"
        "print(m['BACKEND'], o['host'], o['port'], o['use_tls']);"
        "print(s.TASKS['default']['BACKEND']);"
        "print(s.STORAGES['staticfiles']['BACKEND'])"
    )
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgres://u:p@db.example.com:5432/shop",
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "EMAIL_URL": "smtp+tls://u:p@smtp.example.com:587",
        "TASKS_BACKEND": "database",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:5] == [
        "django.db.backends.postgresql",
        "core.cache.FailSafeRedisCache",
        "django.core.mail.backends.smtp.EmailBackend smtp.example.com 587 True",
        "django_tasks_db.DatabaseBackend",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


def test_development_defaults_without_environment(settings) -> None:
    assert settings.DATABASES["default"]["ENGINE"] in (
        "django.db.backends.sqlite3",
        "django.db.backends.postgresql",
    )
    assert settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend")


def test_sidebar_shows_what_the_staff_group_may_see(client: Client) -> None:
    catalog_manager = User.objects.create_user("cat@example.com", PASSWORD, is_staff=True)
    catalog_manager.groups.add(Group.objects.get(name="Catalog managers"))
    client.force_login(catalog_manager)
    page = client.get("/admin/").content.decode()
    assert "/admin/catalog/product/" in page
    assert "/admin/shop/order/" not in page
    assert "/admin/accounts/user/" not in page


@pytest.mark.parametrize(
    ("name", "label"),
    [("development", ["Development", "warning"]), ("production", ["Production", "danger"])],
)
def test_admin_shows_the_environment(settings, rf, name: str, label: list[str]) -> None:
    from config.dashboard import environment_callback

    settings.ENVIRONMENT_NAME = name
    assert environment_callback(rf.get("/admin/")) == label


def test_settings_without_debug_and_secret_key_refuse_to_start() -> None:
    result = _manage("check", env={"ALLOWED_HOSTS": "shop.example.com"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr
    assert "set DEBUG=true" in result.stderr  # the way to development is said


def test_debug_is_off_when_unset() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s;"
            "print(s.DEBUG, s.ENVIRONMENT_NAME)",
        ],
        cwd=BASE_DIR,
        env={
            "PATH": os.environ["PATH"],
            "SECRET_KEY": PRODUCTION_ENV["SECRET_KEY"],
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "production"]


def test_api_500_is_json_without_traceback_even_in_debug(
    client: Client, settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db.backends.utils import CursorWrapper

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    settings.DEBUG = True
    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/api/health/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"detail": "Internal server error", "code": "server_error"}
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
    assert "secret internals" in caplog.text  # the traceback goes to the log


@pytest.mark.parametrize("path", ["/api/auth/me/", "/api/orders/", "/api/products/", "/api/nope/"])
def test_answers_to_a_request_with_credentials_are_not_stored(
    client: Client, customer: User, path: str
) -> None:
    response = client.get(path, **bearer(customer))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    # a refused credential too: the answer is about that caller
    refused = client.get("/api/auth/me/", HTTP_AUTHORIZATION="Bearer nope")
    assert refused.status_code == 401
    assert "no-store" in refused["Cache-Control"]


def test_anonymous_catalog_keeps_its_caching(client: Client) -> None:
    response = client.get("/api/products/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
