"""Fixtures shared by every app's tests (helpers: core.testing and each app's tests/factories)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponseBase
from ninja.operation import Operation

from accounts.models import User
from accounts.tests.factories import PASSWORD, staff_make, user_make
from catalog.inventory import stock_drift
from core.testing import error_answer_check

# localstripe for the suites that pay end to end (payments, the SDK journey).
pytest_plugins = ["payments.tests.localstripe"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("REQUIRE_POSTGRES_TESTS") and connection.vendor != "postgresql":
        raise pytest.UsageError("REQUIRE_POSTGRES_TESTS is set but DATABASE_URL is not PostgreSQL.")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    """Rate-limit counters and cached answers must not leak from one test to the next."""
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture(autouse=True)
def _error_answers_declared(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every error an API operation answers in any test is one its schema declares."""
    run = Operation.run

    def checked_run(self: Operation, request: HttpRequest, **kw: object) -> HttpResponseBase:
        response = run(self, request, **kw)
        error_answer_check(self, response)
        return response

    monkeypatch.setattr(Operation, "run", checked_run)


@pytest.fixture(autouse=True)
def _stock_ledger_sums(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every race (a `transaction=True` test: checkouts, imports, adjustments at once),
    each variant's stock movements still sum to its stock (catalog.inventory.stock_drift)."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so torn down after the check
    yield
    drift = stock_drift()
    assert drift == [], [
        f"{d.variant.sku}: stock {d.variant.stock}, ledger {d.ledger}" for d in drift
    ]


@pytest.fixture(autouse=True)
def _media_root(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def customer(db: None) -> User:
    return user_make("ann@example.com", first_name="Ann", last_name="Buyer")


@pytest.fixture
def other_customer(db: None) -> User:
    return user_make("bob@example.com", first_name="Bob")


@pytest.fixture
def staff(db: None) -> User:
    """A staff member in both staff groups (a bare `is_staff` may do nothing)."""
    return staff_make()


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser(email="root@example.com", password=PASSWORD)
