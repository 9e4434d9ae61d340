"""Payment endpoints: a PaymentIntent for an order, Stripe's webhook, staff refunds."""

from django.http import HttpRequest
from ninja import Router, Status

from accounts.auth import jwt_auth, permission_required
from core.api_schemas import BAD_BODY, ERRORS_401, ErrorOut
from payments.models import Refund
from payments.refunds import refund_create
from payments.schemas import (
    WEBHOOK_OPENAPI,
    PaymentIntentIn,
    PaymentIntentOut,
    RefundIn,
    RefundOut,
    WebhookOut,
)
from payments.services import PaymentIntentResult, payment_intent_create
from payments.webhooks import webhook_receive

router = Router(tags=["payments"])

ERRORS = {**BAD_BODY, 404: ErrorOut, 409: ErrorOut, 502: ErrorOut}


@router.post(
    "payments/payment-intent/",
    response={200: PaymentIntentOut, **ERRORS_401, **ERRORS},
    auth=jwt_auth,
)
def payment_intent(request: HttpRequest, payload: PaymentIntentIn) -> PaymentIntentResult:
    return payment_intent_create(user=request.auth, order_id=payload.order_id)


@router.post(
    "payments/webhook/",
    response={200: WebhookOut, 400: ErrorOut, 500: ErrorOut},
    auth=None,
    summary="Stripe webhook (signed with Stripe-Signature; no bearer token)",
    openapi_extra=WEBHOOK_OPENAPI,
)
def stripe_webhook(request: HttpRequest) -> dict[str, str]:
    receipt = webhook_receive(
        payload=request.body, signature=request.headers.get("Stripe-Signature")
    )
    return {"status": receipt.status}


@router.post(
    "payments/refunds/",
    response={201: RefundOut, **ERRORS_401, 403: ErrorOut, **ERRORS},
    auth=jwt_auth,
)
def refund_new(request: HttpRequest, payload: RefundIn) -> Status[Refund]:
    permission_required(request.auth, "payments.add_refund")
    refund = refund_create(order_id=payload.order_id, amount=payload.amount, actor=request.auth)
    return Status(201, refund)
