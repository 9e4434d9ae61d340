"""Payment endpoints: a PaymentIntent for an order, Stripe's webhook, staff refunds."""

from django.http import HttpRequest
from ninja import Router, Status

from accounts.auth import jwt_auth, permission_required
from core.api_schemas import error_responses
from core.errors import NotFound, PermissionDenied
from payments.errors import (
    GatewayError,
    InvalidSignature,
    NothingToPay,
    PaymentNotAllowed,
    RefundNotAllowed,
    RefundTooLarge,
    WebhookFailed,
)
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


@router.post(
    "payments/payment-intent/",
    operation_id="paymentIntentCreate",
    response={
        200: PaymentIntentOut,
        **error_responses(
            "PaymentIntentCreate",
            NotFound,
            PaymentNotAllowed,
            NothingToPay,
            GatewayError,
            token=True,
            body=True,
        ),
    },
    auth=jwt_auth,
)
def payment_intent(request: HttpRequest, payload: PaymentIntentIn) -> PaymentIntentResult:
    return payment_intent_create(user=request.auth, order_id=payload.order_id)


@router.post(
    "payments/webhook/",
    operation_id="stripeWebhook",
    response={200: WebhookOut, **error_responses("StripeWebhook", InvalidSignature, WebhookFailed)},
    auth=None,
    summary="Stripe webhook (signed with Stripe-Signature; no bearer token)",
    openapi_extra=WEBHOOK_OPENAPI,
    include_in_schema=False,  # Stripe's, not the storefront's
)
def stripe_webhook(request: HttpRequest) -> dict[str, str]:
    receipt = webhook_receive(
        payload=request.body, signature=request.headers.get("Stripe-Signature")
    )
    return {"status": receipt.status}


@router.post(
    "payments/refunds/",
    operation_id="refundCreate",
    response={
        201: RefundOut,
        **error_responses(
            "RefundCreate",
            PermissionDenied,
            NotFound,
            RefundNotAllowed,
            RefundTooLarge,
            GatewayError,
            token=True,
            body=True,
        ),
    },
    auth=jwt_auth,
    tags=["payments", "staff"],
)
def refund_new(request: HttpRequest, payload: RefundIn) -> Status[Refund]:
    permission_required(request.auth, "payments.add_refund")
    refund = refund_create(order_id=payload.order_id, amount=payload.amount, actor=request.auth)
    return Status(201, refund)
