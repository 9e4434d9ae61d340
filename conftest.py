"""Fixtures shared by every app's tests (helpers live in novacart.testing)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection

from novacart.accounts.models import User
from novacart.testing import PASSWORD, make_staff, make_user


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("REQUIRE_POSTGRES_TESTS") and connection.vendor != "postgresql":
        raise pytest.UsageError("REQUIRE_POSTGRES_TESTS is set but DATABASE_URL is not PostgreSQL.")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test puts back what the migrations wrote when it is done.

    Such a test empties the database afterwards; without a serialized rollback the staff
    groups and their permissions (data migrations) would be gone for the next one, and a
    test that does restore them would clash with the content types Django re-creates.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if not marker.kwargs.get("serialized_rollback"):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


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
def _media_root(settings: pytest.FixtureRequest, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def customer(db: None) -> User:
    return make_user("ann@example.com", first_name="Ann", last_name="Buyer")


@pytest.fixture
def other_customer(db: None) -> User:
    return make_user("bob@example.com", first_name="Bob")


@pytest.fixture
def staff(db: None) -> User:
    """A staff member in both staff groups (a bare `is_staff` may do nothing)."""
    return make_staff()


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser(email="root@example.com", password=PASSWORD)
