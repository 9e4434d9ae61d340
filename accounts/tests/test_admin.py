"""The user admin never shows a password hash, whoever looks."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts.groups import ORDER_MANAGERS
from accounts.models import User
from accounts.tests.factories import user_make

pytestmark = pytest.mark.django_db


def _hash_parts(user: User) -> list[str]:
    """The salt and the hash of `algorithm$iterations$salt$hash`."""
    return user.password.split("$")[2:]


def _page(client: Client, viewer: User, user: User) -> str:
    client.force_login(viewer)
    response = client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_staff_who_may_only_view_users_see_no_password_hash(client: Client, customer: User) -> None:
    viewer = user_make("viewer@example.com", is_staff=True)
    viewer.groups.add(Group.objects.get(name=ORDER_MANAGERS))  # accounts.view_user only
    assert not viewer.has_perm("accounts.change_user")

    page = _page(client, viewer, customer)

    assert "Password" in page
    assert "Set: a password is stored" in page
    for part in _hash_parts(customer):
        assert part not in page


def test_staff_who_may_change_users_see_no_password_hash(
    client: Client, superuser: User, customer: User
) -> None:
    page = _page(client, superuser, customer)

    for part in _hash_parts(customer):
        assert part not in page


def test_a_user_without_a_password_says_so(client: Client) -> None:
    viewer = user_make("viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    no_password = User.objects.create_user(email="sso@example.com", password=None)

    assert "No password" in _page(client, viewer, no_password)
