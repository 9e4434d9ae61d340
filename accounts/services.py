"""Account services: registration, tokens, profile and passwords.

Every rule about accounts lives here; the API handlers only validate and call.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.tasks import task
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from ninja_jwt.exceptions import TokenBackendError, TokenError
from ninja_jwt.state import token_backend
from ninja_jwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from ninja_jwt.tokens import RefreshToken

from accounts.email_address import email_lookup_key
from accounts.models import User
from accounts.tokens import UserRefreshToken
from core.emails import email_send_on_commit
from core.errors import Conflict, DomainError
from core.throttling import login_attempt, password_hashing_slot


class EmailTaken(Conflict):
    code = "email_taken"


class InvalidPassword(DomainError):
    code = "invalid_password"


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401


class InvalidToken(DomainError):
    code = "invalid_token"


class WrongPassword(DomainError):
    code = "wrong_password"


class InvalidRefreshToken(DomainError):
    code = "token_not_valid"
    status = 401


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def _password_check(*, password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise InvalidPassword(
            "This password is not strong enough.", errors=list(error.messages)
        ) from error


def _tokens_for(user: User) -> TokenPair:
    refresh = UserRefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def _access_tokens_revoke(*, user: User) -> None:
    """Every access token issued to the user so far stops working (its version is old)."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)


@transaction.atomic
def user_sessions_revoke(*, user: User) -> None:
    """Sign out everywhere: blacklist every refresh token, revoke every access token."""
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )
    _access_tokens_revoke(user=user)


def user_register(*, email: str, password: str, first_name: str = "", last_name: str = "") -> User:
    email = User.objects.normalize_email(email)
    user = User(email=email, first_name=first_name, last_name=last_name)
    _password_check(password=password, user=user)
    if User.objects.filter(email=email).exists():
        raise EmailTaken("An account with this email address already exists.")
    with password_hashing_slot():
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # a concurrent registration won the race
        raise EmailTaken("An account with this email address already exists.") from error
    # Nobody has confirmed the address: the mail carries nothing the registrant typed.
    email_send_on_commit(template="welcome", to=[user.email], context={"email": user.email})
    return user


def token_obtain(*, request: HttpRequest, email: str, password: str) -> TokenPair:
    with login_attempt(request=request, account=email_lookup_key(email)):
        user = authenticate(request, email=email, password=password)
    if user is None:  # unknown email, wrong password or inactive account: one answer
        raise InvalidCredentials("No active account found with the given credentials.")
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return _tokens_for(user)


@transaction.atomic
def token_refresh(*, refresh: str) -> TokenPair:
    """Rotate: the presented refresh token is blacklisted and a new pair issued.

    Blacklisting is the row insert itself, so two concurrent uses of one token
    cannot both succeed.
    """
    try:
        token = RefreshToken(refresh)  # signature, expiry, type and blacklist
    except TokenError as error:
        raise InvalidRefreshToken("Token is invalid, expired or already used.") from error
    outstanding = OutstandingToken.objects.filter(jti=token["jti"]).select_related("user").first()
    if outstanding is None or outstanding.user is None or not outstanding.user.is_active:
        raise InvalidRefreshToken("Token is invalid, expired or already used.")
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise InvalidRefreshToken("Token is invalid, expired or already used.")
    return _tokens_for(outstanding.user)


@transaction.atomic
def token_revoke(*, user: User, refresh: str) -> None:
    """Log out: blacklist one of the caller's refresh tokens and revoke every access token
    (the user's other sessions get new ones with their own refresh tokens). Repeating it
    is harmless."""
    try:
        payload = token_backend.decode(refresh, verify=True)
    except (TokenError, TokenBackendError) as error:  # the backend's own: not a JWT at all
        raise InvalidToken("This refresh token is not valid.") from error
    outstanding = OutstandingToken.objects.filter(jti=payload.get("jti"), user=user).first()
    if payload.get("token_type") != "refresh" or outstanding is None:
        raise InvalidToken("This refresh token is not valid.")
    BlacklistedToken.objects.get_or_create(token=outstanding)
    _access_tokens_revoke(user=user)


def user_update(*, user: User, first_name: str | None = None, last_name: str | None = None) -> User:
    changed = []
    if first_name is not None:
        user.first_name = first_name
        changed.append("first_name")
    if last_name is not None:
        user.last_name = last_name
        changed.append("last_name")
    if changed:
        user.save(update_fields=changed)
    return user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise WrongPassword("The current password is wrong.")
    _password_check(password=new_password, user=user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_sessions_revoke(user=user)


def password_reset_request(*, email: str) -> None:
    """Queue the reset email; the task finds out whether there is anyone to send it to.

    The request does the same work for every address (one task queued on commit), so
    its timing tells nothing about which emails have accounts.
    """
    transaction.on_commit(lambda: password_reset_email_send.enqueue(email=email), robust=True)


@task()
def password_reset_email_send(*, email: str) -> None:
    """Email a reset link to an active account; do nothing, silently, otherwise."""
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    valid_days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    email_send_on_commit(
        template="password_reset",
        to=[user.email],
        context={  # no name: whoever registered the address chose it
            "email": user.email,
            "reset_url": f"{settings.FRONTEND_URL}/reset-password?uid={uid}&token={token}",
            "valid_days": valid_days,
        },
    )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> None:
    try:
        user_id = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError) as error:
        raise InvalidToken("This reset link is invalid or has expired.") from error
    if not 0 < user_id < 2**63:
        raise InvalidToken("This reset link is invalid or has expired.")
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidToken("This reset link is invalid or has expired.")
    _password_check(password=new_password, user=user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_sessions_revoke(user=user)
