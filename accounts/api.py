"""Accounts endpoints: /api/auth/... and /api/token/... (see shared/API.md)."""

from django.http import HttpRequest
from ninja import Router, Status

from accounts import services
from accounts.auth import jwt_auth
from accounts.schemas import (
    MeOut,
    MePatch,
    MessageOut,
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    TokenObtainIn,
    TokenPairOut,
    UserOut,
)
from accounts.services import (
    EmailTaken,
    InvalidCredentials,
    InvalidPassword,
    InvalidRefreshToken,
    InvalidToken,
    TokenPair,
    WrongPassword,
)
from core.api_schemas import error_responses
from core.errors import RateLimited, ServerBusy
from core.throttling import ClientRateThrottle

router = Router(tags=["accounts"])


@router.post(
    "auth/register/",
    operation_id="register",
    response={
        201: UserOut,
        **error_responses(
            "Register", InvalidPassword, EmailTaken, RateLimited, ServerBusy, body=True
        ),
    },
    throttle=ClientRateThrottle("register"),
)
def register(request: HttpRequest, payload: RegisterIn) -> Status[object]:
    return Status(201, services.user_register(**payload.dict()))


@router.post(
    "token/",
    operation_id="tokenObtain",
    response={
        200: TokenPairOut,
        **error_responses("TokenObtain", InvalidCredentials, RateLimited, ServerBusy, body=True),
    },
    throttle=ClientRateThrottle("login"),
)
def token_obtain(request: HttpRequest, payload: TokenObtainIn) -> TokenPair:
    return services.token_obtain(request=request, **payload.dict())


@router.post(
    "token/refresh/",
    operation_id="tokenRefresh",
    response={200: TokenPairOut, **error_responses("TokenRefresh", InvalidRefreshToken, body=True)},
)
def token_refresh(request: HttpRequest, payload: RefreshIn) -> TokenPair:
    return services.token_refresh(refresh=payload.refresh)


@router.post(
    "auth/logout/",
    operation_id="logout",
    response={204: None, **error_responses("Logout", InvalidToken, token=True, body=True)},
    auth=jwt_auth,
)
def logout(request: HttpRequest, payload: RefreshIn) -> Status[None]:
    services.token_revoke(user=request.auth, refresh=payload.refresh)
    return Status(204, None)


@router.get(
    "auth/me/",
    operation_id="meGet",
    response={200: MeOut, **error_responses("MeGet", token=True)},
    auth=jwt_auth,
)
def me(request: HttpRequest) -> object:
    return request.auth


@router.patch(
    "auth/me/",
    operation_id="meUpdate",
    response={200: MeOut, **error_responses("MeUpdate", token=True, body=True)},
    auth=jwt_auth,
)
def me_update(request: HttpRequest, payload: MePatch) -> object:
    return services.user_update(user=request.auth, **payload.dict(exclude_unset=True))


@router.post(
    "auth/password/change/",
    operation_id="passwordChange",
    response={
        204: None,
        **error_responses("PasswordChange", WrongPassword, InvalidPassword, token=True, body=True),
    },
    auth=jwt_auth,
)
def password_change(request: HttpRequest, payload: PasswordChangeIn) -> Status[None]:
    services.password_change(user=request.auth, **payload.dict())
    return Status(204, None)


@router.post(
    "auth/password/reset/",
    operation_id="passwordReset",
    response={202: MessageOut, **error_responses("PasswordReset", RateLimited, body=True)},
    throttle=ClientRateThrottle("password_reset"),
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> Status[dict[str, str]]:
    services.password_reset_request(email=payload.email)
    return Status(
        202, {"detail": "If an account exists for this email, a reset link is on its way."}
    )


@router.post(
    "auth/password/reset/confirm/",
    operation_id="passwordResetConfirm",
    response={
        204: None,
        **error_responses("PasswordResetConfirm", InvalidToken, InvalidPassword, body=True),
    },
)
def password_reset_confirm(request: HttpRequest, payload: PasswordResetConfirmIn) -> Status[None]:
    services.password_reset_confirm(**payload.dict())
    return Status(204, None)
