"""How orders look in the admin: the status colours of the order pages and the dashboard."""

from shop.models import OrderStatus

S = OrderStatus

STATUS_COLOURS = {
    S.PENDING: "warning",
    S.PAID: "info",
    S.PROCESSING: "primary",
    S.SHIPPED: "primary",
    S.DELIVERED: "success",
    S.CANCELLED: "danger",
    S.REFUNDED: "danger",
}
