"""The shop's domain errors (see core.errors)."""

from core.errors import Conflict, DomainError


class OutOfStock(Conflict):
    code = "out_of_stock"


class CartEmpty(DomainError):
    code = "cart_empty"


class ProductUnavailable(Conflict):
    code = "product_unavailable"


class QuantityLimit(Conflict):
    code = "quantity_limit"


class TooManyPendingOrders(Conflict):
    code = "too_many_pending_orders"


class OrderTotalTooLow(Conflict):
    code = "order_total_too_low"


class OrderTotalTooHigh(Conflict):
    code = "order_total_too_high"


class DefaultAddressRequired(Conflict):
    code = "default_address_required"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


class TrackingNumberRequired(DomainError):
    code = "tracking_required"
