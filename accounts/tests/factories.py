"""Helpers that make accounts for tests: customers, staff and their bearer headers.

Like every app's `tests/factories.py`: plain `<noun>_make` functions that write through
the ORM, every argument with a default, so a test names only what it is about.
"""

from typing import Any

from django.contrib.auth.models import Group

from accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS
from accounts.models import User
from accounts.tokens import UserRefreshToken

PASSWORD = "correct-horse-battery-9"


def user_make(email: str = "ann@example.com", **fields: Any) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, **fields)


def staff_make(
    email: str = "staff@example.com",
    *,
    groups: tuple[str, ...] = (CATALOG_MANAGERS, ORDER_MANAGERS),
) -> User:
    """A staff member in `groups` (by default every staff group the migrations create)."""
    user = user_make(email, is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


def bearer(user: User) -> dict[str, str]:
    """Headers (Client kwargs) that authenticate as `user`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {UserRefreshToken.for_user(user).access_token}"}
