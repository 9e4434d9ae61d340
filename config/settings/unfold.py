"""The Unfold admin: site names, colours and the sidebar (each item behind its permission)."""

from collections.abc import Callable

from django.http import HttpRequest
from django.urls import reverse_lazy

from config.settings.shop import FRONTEND_URL


def _can(permission: str) -> Callable[[HttpRequest], bool]:
    """A sidebar item is shown to staff who hold `permission`."""
    return lambda request: request.user.has_perm(permission)


UNFOLD = {
    "SITE_TITLE": "NovaCart admin",
    "SITE_HEADER": "NovaCart",
    "SITE_SUBHEADER": "Shop administration",
    "SITE_SYMBOL": "storefront",
    "SITE_URL": FRONTEND_URL,
    "ENVIRONMENT": "config.dashboard.environment_callback",
    "DASHBOARD_CALLBACK": "config.dashboard.dashboard_callback",
    "SHOW_HISTORY": True,
    "COLORS": {
        "primary": {
            "50": "oklch(97.7% .014 308.299)",
            "100": "oklch(94.6% .033 307.174)",
            "200": "oklch(90.2% .063 306.703)",
            "300": "oklch(82.7% .119 306.383)",
            "400": "oklch(71.4% .203 305.504)",
            "500": "oklch(62.7% .265 303.9)",
            "600": "oklch(55.8% .288 302.321)",
            "700": "oklch(49.6% .265 301.924)",
            "800": "oklch(43.8% .218 303.724)",
            "900": "oklch(38.1% .176 304.987)",
            "950": "oklch(29.1% .149 302.717)",
        },
    },
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": [
            {
                "title": "Overview",
                "items": [
                    {
                        "title": "Dashboard",
                        "icon": "dashboard",
                        "link": reverse_lazy("admin:index"),
                    },
                ],
            },
            {
                "title": "Catalog",
                "separator": True,
                "items": [
                    {
                        "title": "Products",
                        "icon": "inventory_2",
                        "link": reverse_lazy("admin:catalog_product_changelist"),
                        "permission": _can("catalog.view_product"),
                    },
                    {
                        "title": "Variants and stock",
                        "icon": "style",
                        "link": reverse_lazy("admin:catalog_variant_changelist"),
                        "permission": _can("catalog.view_product"),
                    },
                    {
                        "title": "Stock movements",
                        "icon": "swap_vert",
                        "link": reverse_lazy("admin:catalog_stockmovement_changelist"),
                        "permission": _can("catalog.view_product"),
                    },
                    {
                        "title": "Categories",
                        "icon": "category",
                        "link": reverse_lazy("admin:catalog_category_changelist"),
                        "permission": _can("catalog.view_category"),
                    },
                    {
                        "title": "Wishlists",
                        "icon": "favorite",
                        "link": reverse_lazy("admin:catalog_wishlistitem_changelist"),
                        "permission": _can("catalog.view_wishlistitem"),
                    },
                ],
            },
            {
                "title": "Orders",
                "separator": True,
                "items": [
                    {
                        "title": "Orders",
                        "icon": "receipt_long",
                        "link": reverse_lazy("admin:shop_order_changelist"),
                        "permission": _can("shop.view_order"),
                        "badge": "config.dashboard.orders_to_ship_badge",
                        "badge_variant": "primary",
                    },
                    {
                        "title": "Carts",
                        "icon": "shopping_cart",
                        "link": reverse_lazy("admin:shop_cart_changelist"),
                        "permission": _can("shop.view_cart"),
                    },
                    {
                        "title": "Addresses",
                        "icon": "home_pin",
                        "link": reverse_lazy("admin:shop_address_changelist"),
                        "permission": _can("shop.view_address"),
                    },
                ],
            },
            {
                "title": "Payments",
                "separator": True,
                "items": [
                    {
                        "title": "Payments",
                        "icon": "payments",
                        "link": reverse_lazy("admin:payments_payment_changelist"),
                        "permission": _can("payments.view_payment"),
                    },
                    {
                        "title": "Refunds",
                        "icon": "currency_exchange",
                        "link": reverse_lazy("admin:payments_refund_changelist"),
                        "permission": _can("payments.view_refund"),
                    },
                    {
                        "title": "Webhook events",
                        "icon": "webhook",
                        "link": reverse_lazy("admin:payments_webhookevent_changelist"),
                        "permission": _can("payments.view_webhookevent"),
                        "badge": "config.dashboard.webhook_failures_badge",
                        "badge_variant": "danger",
                    },
                ],
            },
            {
                "title": "People",
                "separator": True,
                "items": [
                    {
                        "title": "Users",
                        "icon": "person",
                        "link": reverse_lazy("admin:accounts_user_changelist"),
                        "permission": _can("accounts.view_user"),
                    },
                    {
                        "title": "Staff groups",
                        "icon": "group",
                        "link": reverse_lazy("admin:auth_group_changelist"),
                        "permission": _can("auth.view_group"),
                    },
                ],
            },
        ],
    },
}
