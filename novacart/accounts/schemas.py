from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, Field


def _valid_email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError as error:
        raise ValueError("Enter a valid email address.") from error
    return value


Email = Annotated[str, Field(max_length=254), AfterValidator(_valid_email)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Name = Annotated[str, Field(max_length=150)]


class RegisterIn(Schema):
    email: Email
    password: Password
    first_name: Name = ""
    last_name: Name = ""


class UserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str


class MeOut(UserOut):
    is_staff: bool


class MePatch(Schema):
    first_name: Name | None = None
    last_name: Name | None = None


class TokenObtainIn(Schema):
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: Password


class RefreshIn(Schema):
    refresh: Annotated[str, Field(min_length=1, max_length=4096)]


class TokenPairOut(Schema):
    access: str
    refresh: str


class PasswordChangeIn(Schema):
    old_password: Password
    new_password: Password


class PasswordResetIn(Schema):
    email: Email


class PasswordResetConfirmIn(Schema):
    uid: Annotated[str, Field(min_length=1, max_length=64)]
    token: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class MessageOut(Schema):
    detail: str
