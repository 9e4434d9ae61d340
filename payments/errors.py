"""The payments' domain errors (see core.errors)."""

from typing import Any

from core.errors import Conflict, DomainError


class PaymentNotAllowed(Conflict):
    """Only an order pending payment can be paid; `order_status` is the order's."""

    code = "payment_not_allowed"
    fields = {"order_status": str}


class NothingToPay(PaymentNotAllowed):
    """An order of 0.00: confirmed without a payment."""

    code = "nothing_to_pay"


class RefundNotAllowed(Conflict):
    code = "refund_not_allowed"


class RefundTooLarge(Conflict):
    code = "refund_too_large"
    fields = {"available": str}


class InvalidSignature(DomainError):
    """A webhook whose Stripe-Signature is missing, forged, stale or does not match."""

    code = "invalid_signature"
    status = 400


class GatewayError(DomainError):
    """Stripe refused a request or could not be reached.

    `ambiguous`: no clear answer came back (network error, Stripe's 5xx), so the request
    may have been carried out; repeat it with the same idempotency key to find out.
    """

    code = "payment_provider_error"
    status = 502

    def __init__(self, message: str, *, ambiguous: bool = False, **extra: Any) -> None:
        super().__init__(message, **extra)
        self.ambiguous = ambiguous


class WebhookFailed(DomainError):
    """Applying a verified event failed: rolled back, answered 500 so Stripe retries."""

    code = "webhook_failed"
    status = 500
