"""The shop's domain errors (see core.errors)."""

from enum import StrEnum

from core.errors import Conflict, DomainError


class CartEmpty(DomainError):
    code = "cart_empty"


class ProductUnavailable(Conflict):
    code = "product_unavailable"
    fields = {"line_ids": list[int]}


class QuantityLimit(Conflict):
    code = "quantity_limit"


class TooManyPendingOrders(Conflict):
    code = "too_many_pending_orders"
    fields = {"pending_orders": int, "limit": int}


class OrderTotalTooLow(Conflict):
    code = "order_total_too_low"
    fields = {"total": str, "minimum": str}


class OrderTotalTooHigh(Conflict):
    code = "order_total_too_high"
    fields = {"total": str, "maximum": str}


class DefaultAddressRequired(Conflict):
    code = "default_address_required"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    fields = {"status_from": str, "status_to": str}


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


class TrackingNumberRequired(DomainError):
    code = "tracking_required"


class ShippingUnavailable(Conflict):
    """No shipping method serves the address (zones exist), or the one chosen does not."""

    code = "shipping_unavailable"
    fields = {"shipping_method_ids": list[int]}


class ShippingMethodRequired(DomainError):
    code = "shipping_method_required"
    status = 422
    fields = {"shipping_method_ids": list[int]}


class VoucherReason(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    NOT_STARTED = "not_started"
    USED_UP = "used_up"
    MIN_SUBTOTAL = "min_subtotal"
    ALREADY_USED = "already_used"


class VoucherInvalid(Conflict):
    code = "voucher_invalid"
    fields = {"reason": VoucherReason}
