"""render.yaml, the Render blueprint: what it names exists, secrets stay out of git.

Render's blueprint spec: https://render.com/docs/blueprint-spec. The blueprint cannot be
deployed from here; this checks what a typo would only reveal at deploy time.
"""

import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

BLUEPRINT = Path(settings.BASE_DIR) / "render.yaml"
COMMAND_FIELDS = ("buildCommand", "preDeployCommand", "startCommand")
ENV_ASSIGNMENT = re.compile(r"[A-Z_][A-Z0-9_]*=\S*")
CRON_FIELD = r"(\*|\*/\d+|\d+(-\d+)?(,\d+(-\d+)?)*)"
SECRETS = (
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "EMAIL_URL",
    "CLOUDINARY_URL",
)


@pytest.fixture(scope="module")
def blueprint() -> dict[str, Any]:
    return yaml.safe_load(BLUEPRINT.read_text())


def services(blueprint: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    """The services of `kind`; without one, those that run the app (not the Key Value)."""
    if kind is None:
        return [s for s in blueprint["services"] if s["type"] != "keyvalue"]
    return [s for s in blueprint["services"] if s["type"] == kind]


def commands(blueprint: dict[str, Any]) -> list[list[str]]:
    """Every shell command of every service, split into words (`a && b` is two), without
    the environment assignments in front of it (`KEY=value python ...`)."""
    found = []
    for service in services(blueprint):
        for field in COMMAND_FIELDS:
            for command in service.get(field, "").split("&&"):
                words = shlex.split(command)
                while words and ENV_ASSIGNMENT.fullmatch(words[0]):
                    words.pop(0)
                if words:
                    found.append(words)
    return found


def env_vars(blueprint: dict[str, Any]) -> list[dict[str, Any]]:
    """Every env var of the blueprint: its groups' and its services' own."""
    groups = [var for group in blueprint["envVarGroups"] for var in group["envVars"]]
    own = [var for service in services(blueprint) for var in service["envVars"] if "key" in var]
    return groups + own


def test_has_a_web_service_a_worker_three_cron_jobs_a_database_and_a_key_value(
    blueprint: dict,
) -> None:
    assert [s["name"] for s in services(blueprint, "web")] == ["novacart-web"]
    (worker,) = services(blueprint, "worker")
    assert worker["startCommand"] == "python manage.py db_worker"
    crons = {s["startCommand"] for s in services(blueprint, "cron")}
    assert crons == {
        "python manage.py expire_pending_orders",
        "python manage.py reconcile_payments",
        "python manage.py check_stock",
    }
    for cron in services(blueprint, "cron"):
        fields = cron["schedule"].split()
        assert len(fields) == 5
        assert all(re.fullmatch(CRON_FIELD, field) for field in fields), cron["schedule"]
    (database,) = blueprint["databases"]
    assert database["ipAllowList"] == []  # reachable from Render's private network only
    (key_value,) = services(blueprint, "keyvalue")
    assert key_value["ipAllowList"] == []


def test_the_web_service_shares_its_rate_limits_through_the_key_value(blueprint: dict) -> None:
    """Without REDIS_URL every gunicorn worker would count logins on its own."""
    (web,) = services(blueprint, "web")
    (key_value,) = services(blueprint, "keyvalue")
    redis_url = next(var for var in web["envVars"] if var.get("key") == "REDIS_URL")
    assert redis_url["fromService"] == {
        "type": "keyvalue",
        "name": key_value["name"],
        "property": "connectionString",
    }


def test_every_managed_command_exists(blueprint: dict) -> None:
    named = [words[2] for words in commands(blueprint) if words[:2] == ["python", "manage.py"]]
    assert {"collectstatic", "migrate", "db_worker", "expire_pending_orders"} <= set(named)
    missing = set(named) - set(get_commands())
    assert not missing, f"render.yaml runs unknown manage.py commands: {missing}"


def test_the_web_service_builds_migrates_and_serves_gunicorn(blueprint: dict) -> None:
    (web,) = services(blueprint, "web")
    assert "pip install -r requirements.txt" in web["buildCommand"]
    assert "collectstatic --noinput" in web["buildCommand"]
    # Migrations are not cut off by the web's statement timeout (a long data migration).
    assert web["preDeployCommand"] == "DB_STATEMENT_TIMEOUT_MS=0 python manage.py migrate --noinput"
    start = shlex.split(web["startCommand"])
    assert start[0] == "gunicorn"
    assert "$PORT" in web["startCommand"]
    module = importlib.import_module(start[1])  # config.wsgi
    assert callable(module.application)
    assert resolve(web["healthCheckPath"]).url_name is not None


def test_what_the_builds_install_exists(blueprint: dict) -> None:
    for words in commands(blueprint):
        if words[:2] == ["pip", "install"]:
            requirements = Path(settings.BASE_DIR) / words[words.index("-r") + 1]
            assert requirements.is_file()
            assert re.search(r"^gunicorn==", requirements.read_text(), re.M)


def test_secrets_are_generated_or_entered_in_render_never_committed(blueprint: dict) -> None:
    variables = {var["key"]: var for var in env_vars(blueprint)}
    assert variables["SECRET_KEY"] == {"key": "SECRET_KEY", "generateValue": True}
    for key in SECRETS:
        assert variables[key] == {"key": key, "sync": False}, key
    assert variables["DEBUG"]["value"] == "false"
    for key, var in variables.items():
        if re.search(r"SECRET|PASSWORD|TOKEN|_KEY$", key):
            assert "value" not in var, f"{key} has a value in render.yaml"


def test_every_service_shares_the_settings_and_the_database(blueprint: dict) -> None:
    group_names = {group["name"] for group in blueprint["envVarGroups"]}
    databases = {database["name"] for database in blueprint["databases"]}
    for service in services(blueprint):
        sources = service["envVars"]
        assert {var.get("fromGroup") for var in sources} & group_names, service["name"]
        database_url = next(var for var in sources if var.get("key") == "DATABASE_URL")
        assert database_url["fromDatabase"]["name"] in databases
        assert database_url["fromDatabase"]["property"] == "connectionString"
        # SECRET_KEY comes from the group only: one key for all (a service's own
        # generateValue would give the web and the worker different keys).
        assert not any(var.get("key") == "SECRET_KEY" for var in sources)
