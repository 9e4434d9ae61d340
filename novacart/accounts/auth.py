"""Bearer-token authentication for the Ninja API (django-ninja-jwt access tokens)."""

from django.http import HttpRequest
from ninja.security import HttpBearer
from ninja_jwt.exceptions import TokenError
from ninja_jwt.settings import api_settings
from ninja_jwt.tokens import AccessToken

from novacart.accounts.models import User
from novacart.errors import PermissionDenied


class JWTBearer(HttpBearer):
    """A valid, unexpired access token of an active user, or 401."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        try:
            user_id = AccessToken(token)[api_settings.USER_ID_CLAIM]
        except (TokenError, KeyError):
            return None
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is not None:
            request.user = user
        return user


jwt_auth = JWTBearer()


def staff_required(user: User) -> None:
    """Raise 403 unless the (authenticated) user is staff."""
    if not user.is_staff:
        raise PermissionDenied("Only staff can do this.")
