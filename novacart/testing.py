"""Helpers for the test suites of every app (imported by tests and conftest only)."""

import json
from typing import Any

from django.test import Client
from ninja_jwt.tokens import RefreshToken

from novacart.accounts.models import User

PASSWORD = "correct-horse-battery-9"


def make_user(email: str = "ann@example.com", **fields: Any) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, **fields)


def bearer(user: User) -> dict[str, str]:
    """Headers (Client kwargs) that authenticate as `user`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}


def post_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.post(path, json.dumps(body), content_type="application/json", **extra)


def patch_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.patch(path, json.dumps(body), content_type="application/json", **extra)


def put_json(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.put(path, json.dumps(body), content_type="application/json", **extra)
