"""Bearer-token authentication for the Ninja API (django-ninja-jwt access tokens)."""

import logging

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from jwt import ExpiredSignatureError
from ninja.security import HttpBearer
from ninja_jwt.exceptions import TokenError
from ninja_jwt.settings import api_settings
from ninja_jwt.tokens import AccessToken

from accounts.models import User
from accounts.tokens import TOKEN_VERSION_CLAIM
from core.errors import PermissionDenied, Unauthenticated

logger = logging.getLogger(__name__)
INVALID = "token_invalid"


def _expired(error: BaseException) -> bool:
    """Whether a refused token was refused for its age (PyJWT's error, wrapped twice)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ExpiredSignatureError):
            return True
        cause = cause.__cause__
    return False


class JWTBearer(HttpBearer):
    """A valid, unexpired, unrevoked access token of an active user; else 401 with
    `code`: `token_missing` (no header: Ninja's AuthenticationError), `token_invalid`
    or `token_expired`."""

    def __call__(self, request: HttpRequest) -> User | None:
        # Ninja's own check logs the whole header (a credential) at ERROR in DEBUG.
        scheme, _, token = request.headers.get(self.header, "").partition(" ")
        if not scheme:
            return None
        if scheme.lower() != self.openapi_scheme:
            logger.info("Authorization header without the Bearer scheme on %s", request.path)
            raise Unauthenticated(
                "The Authorization header must be `Bearer <access token>`.", code=INVALID
            )
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> User:
        try:
            access = AccessToken(token)
            user_id, version = access[api_settings.USER_ID_CLAIM], access[TOKEN_VERSION_CLAIM]
        except TokenError as error:
            if _expired(error):
                expired = Unauthenticated("The access token has expired.", code="token_expired")
                raise expired from error
            raise Unauthenticated("The access token is invalid.", code=INVALID) from error
        except KeyError as error:
            raise Unauthenticated("The access token is invalid.", code=INVALID) from error
        if not isinstance(version, int):
            raise Unauthenticated("The access token is invalid.", code=INVALID)
        # A token of an older version was revoked (logout, password change or reset).
        user = User.objects.filter(pk=user_id, is_active=True, token_version=version).first()
        if user is None:
            raise Unauthenticated("The access token is no longer valid.", code=INVALID)
        request.user = user
        return user


class OptionalJWTBearer(JWTBearer):
    """For public routes: no Authorization header is an anonymous visitor.

    A header that is sent must still hold a valid token (401 otherwise), so a stale
    token never silently downgrades a staff member to the public view.
    """

    def __call__(self, request: HttpRequest) -> User | AnonymousUser | None:
        if not request.headers.get(self.header):
            return AnonymousUser()
        return super().__call__(request)


jwt_auth = JWTBearer()
optional_jwt_auth = OptionalJWTBearer()
# `openapi_extra` of a route with `optional_jwt_auth`: OpenAPI's empty requirement says
# the token may be left out.
OPTIONAL_AUTH = {"security": [{}]}


def permission_required(user: User, permission: str) -> None:
    """Raise 403 unless the (authenticated) user is staff holding `permission`.

    The check the admin makes (`is_staff` and `has_perm("app.codename")`), so a staff
    member can do through the API exactly what their groups allow in the admin.
    """
    if not (user.is_staff and user.has_perm(permission)):
        raise PermissionDenied("You do not have permission to do this.")
