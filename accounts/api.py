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
from accounts.services import TokenPair
from core.api_schemas import BAD_BODY, ERRORS_401, ErrorOut
from core.throttling import ClientRateThrottle

router = Router(tags=["accounts"])


@router.post(
    "auth/register/",
    response={201: UserOut, **BAD_BODY, 409: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    throttle=ClientRateThrottle("register"),
)
def register(request: HttpRequest, payload: RegisterIn) -> Status[object]:
    return Status(201, services.user_register(**payload.dict()))


@router.post(
    "token/",
    response={200: TokenPairOut, **BAD_BODY, **ERRORS_401, 429: ErrorOut, 503: ErrorOut},
    throttle=ClientRateThrottle("login"),
)
def token_obtain(request: HttpRequest, payload: TokenObtainIn) -> TokenPair:
    return services.token_obtain(request=request, **payload.dict())


@router.post("token/refresh/", response={200: TokenPairOut, **BAD_BODY, **ERRORS_401})
def token_refresh(request: HttpRequest, payload: RefreshIn) -> TokenPair:
    return services.token_refresh(refresh=payload.refresh)


@router.post("auth/logout/", response={204: None, **BAD_BODY, **ERRORS_401}, auth=jwt_auth)
def logout(request: HttpRequest, payload: RefreshIn) -> Status[None]:
    services.token_revoke(user=request.auth, refresh=payload.refresh)
    return Status(204, None)


@router.get("auth/me/", response={200: MeOut, **ERRORS_401}, auth=jwt_auth)
def me(request: HttpRequest) -> object:
    return request.auth


@router.patch("auth/me/", response={200: MeOut, **BAD_BODY, **ERRORS_401}, auth=jwt_auth)
def me_update(request: HttpRequest, payload: MePatch) -> object:
    return services.user_update(user=request.auth, **payload.dict(exclude_unset=True))


@router.post("auth/password/change/", response={204: None, **BAD_BODY, **ERRORS_401}, auth=jwt_auth)
def password_change(request: HttpRequest, payload: PasswordChangeIn) -> Status[None]:
    services.password_change(user=request.auth, **payload.dict())
    return Status(204, None)


@router.post(
    "auth/password/reset/",
    response={202: MessageOut, **BAD_BODY, 429: ErrorOut},
    throttle=ClientRateThrottle("password_reset"),
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> Status[dict[str, str]]:
    services.password_reset_request(email=payload.email)
    return Status(
        202, {"detail": "If an account exists for this email, a reset link is on its way."}
    )


@router.post("auth/password/reset/confirm/", response={204: None, **BAD_BODY})
def password_reset_confirm(request: HttpRequest, payload: PasswordResetConfirmIn) -> Status[None]:
    services.password_reset_confirm(**payload.dict())
    return Status(204, None)
