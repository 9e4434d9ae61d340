from typing import Annotated

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, Field

from novacart.api_schemas import NO_NUL, BodyIn


def _valid_email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError as error:
        raise ValueError("Enter a valid email address.") from error
    return value


Email = Annotated[
    str, Field(max_length=254, json_schema_extra={"format": "email"}), AfterValidator(_valid_email)
]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Name = Annotated[str, Field(max_length=150, pattern=NO_NUL)]


class RegisterIn(BodyIn):
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


class MePatch(BodyIn):
    first_name: Name | None = None
    last_name: Name | None = None


class TokenObtainIn(BodyIn):
    email: Annotated[str, Field(min_length=1, max_length=254, pattern=NO_NUL)]
    password: Password


class RefreshIn(BodyIn):
    refresh: Annotated[str, Field(min_length=1, max_length=4096)]


class TokenPairOut(Schema):
    access: str
    refresh: str


class PasswordChangeIn(BodyIn):
    old_password: Password
    new_password: Password


class PasswordResetIn(BodyIn):
    email: Email


class PasswordResetConfirmIn(BodyIn):
    uid: Annotated[str, Field(min_length=1, max_length=64)]
    token: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class MessageOut(Schema):
    detail: str
