"""The JWTs NovaCart issues: they carry the user's token version.

`User.token_version` is copied into every token at issue time (claim `ver`). The API's
authentication accepts an access token only while the claim equals the user's current
version, so bumping the version (logout, password change, reset) revokes every access
token of that user at once, at no extra query: the user row is read anyway.
"""

from ninja_jwt.tokens import RefreshToken

from accounts.models import User

TOKEN_VERSION_CLAIM = "ver"


class UserRefreshToken(RefreshToken):
    """A refresh token (and its access tokens) stamped with the user's token version."""

    @classmethod
    def for_user(cls, user: User) -> "UserRefreshToken":
        token = super().for_user(user)
        token[TOKEN_VERSION_CLAIM] = user.token_version
        return token
