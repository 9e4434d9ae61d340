from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, Field

from accounts.email_address import email_canonical
from core.api_schemas import NO_NUL, BodyIn

# Any spelling in, the canonical address out (422 for an invalid or quoted one).
Email = Annotated[
    str,
    Field(max_length=254, json_schema_extra={"format": "email"}),
    AfterValidator(email_canonical),
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
