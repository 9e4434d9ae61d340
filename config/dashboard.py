"""The Unfold callbacks: the merchant's dashboard, the sidebar's badges, the environment label.

Everything is read through the apps' selectors, in a fixed number of queries whatever
the size of the shop. Each part is shown to staff who may see what it counts, and each
figure links to the admin list it counts.
"""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html

from catalog.constants import LOW_STOCK_THRESHOLD
from catalog.selectors import stock_alert_counts
from core.admin import label_html
from payments.selectors import webhook_failures_count
from shop.admin_display import STATUS_COLOURS
from shop.models import Order
from shop.selectors import (
    ORDERS_TO_SHIP,
    DaySales,
    orders_flagged_count,
    orders_latest,
    orders_to_ship_count,
    sales_by_day,
)

CHART_DAYS = 30
LATEST_ORDERS = 8
REVENUE_HELP = (
    "Net revenue: the totals of the orders paid on a day, less what has been refunded on "
    "those orders since (a refund lowers the day its order was paid). Days are calendar "
    "days in {timezone}."
)


@dataclass(frozen=True)
class Figure:
    title: str
    value: str
    help: str
    url: str
    icon: str
    alert: bool = False  # not zero, and someone should look at it


def environment_callback(request: HttpRequest) -> list[str]:
    """The label Unfold shows next to the site name: which shop is this?"""
    name = settings.ENVIRONMENT_NAME
    return [name.capitalize(), "danger" if name == "production" else "warning"]


def _url(name: str, **filters: str) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(filters)}" if filters else url


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f} {settings.NOVACART_CURRENCY.upper()}"


def _revenue_figures(sales: list[DaySales]) -> list[Figure]:
    orders = _url("admin:shop_order_changelist")
    figures = []
    for title, days in (("Revenue today", 1), ("Last 7 days", 7), ("Last 30 days", 30)):
        window = sales[-days:]
        paid = sum(day.orders for day in window)
        figures.append(
            Figure(
                title=title,
                value=_money(sum((day.revenue for day in window), Decimal("0.00"))),
                help=f"{paid} paid order{'s' if paid != 1 else ''}",
                url=f"{orders}?{urlencode({'paid_at__date__gte': window[0].day.isoformat()})}",
                icon="payments",
            )
        )
    return figures


def _chart(sales: list[DaySales]) -> tuple[str, str]:
    """Chart.js data and options (JSON) for Unfold's bar chart: revenue bars, orders line."""
    data = {
        "labels": [dateformat.format(day.day, "M j") for day in sales],
        "datasets": [
            {
                "label": f"Revenue ({settings.NOVACART_CURRENCY.upper()})",
                "data": [str(day.revenue) for day in sales],
                "backgroundColor": "var(--color-primary-600)",
                "borderRadius": 4,
                "yAxisID": "y",
                "order": 2,
            },
            {
                "label": "Paid orders",
                "type": "line",
                "data": [day.orders for day in sales],
                "borderColor": "var(--color-primary-300)",
                "backgroundColor": "var(--color-primary-300)",
                "borderWidth": 2,
                "pointRadius": 2,
                "tension": 0,
                "yAxisID": "orders",
                "order": 1,
            },
        ],
    }
    options = {
        "animation": False,
        "responsive": True,
        "maintainAspectRatio": False,
        "plugins": {"legend": {"display": True, "align": "end"}},
        "scales": {
            "x": {"grid": {"display": False}, "ticks": {"maxTicksLimit": 10}},
            "y": {"beginAtZero": True, "position": "left"},
            "orders": {
                "beginAtZero": True,
                "position": "right",
                "grid": {"drawOnChartArea": False},
                "ticks": {"precision": 0},
            },
        },
    }
    return json.dumps(data), json.dumps(options)


def _latest_orders_table(orders: list[Order]) -> dict[str, Any]:
    return {
        "headers": ["Order", "Customer", "Status", "Total", "Placed"],
        "rows": [
            [
                format_html(
                    '<a class="font-medium text-primary-600" href="{}">{}</a>',
                    reverse("admin:shop_order_change", args=[order.pk]),
                    order.number,
                ),
                order.user.email,
                label_html(text=order.get_status_display(), variant=STATUS_COLOURS[order.status]),
                f"{order.total} {order.currency.upper()}",
                dateformat.format(timezone.localtime(order.created_at), "M j, H:i"),
            ]
            for order in orders
        ],
    }


def _order_figures() -> list[Figure]:
    to_ship = orders_to_ship_count()
    flagged = orders_flagged_count()
    return [
        Figure(
            title="Orders to ship",
            value=str(to_ship),
            help="Paid or processing, waiting to leave",
            url=_url("admin:shop_order_changelist", status__in=",".join(ORDERS_TO_SHIP)),
            icon="local_shipping",
            alert=to_ship > 0,
        ),
        Figure(
            title="Flagged orders",
            value=str(flagged),
            help="Disputes and payments to check",
            url=_url("admin:shop_order_changelist", flagged__exact="1"),
            icon="flag",
            alert=flagged > 0,
        ),
    ]


def _stock_figures() -> list[Figure]:
    """Stock is a variant's: the figures count variants on sale (of products on sale), and
    link to the variants list showing exactly those, each with its Adjust stock action."""
    alerts = stock_alert_counts()
    variants = "admin:catalog_variant_changelist"
    on_sale = {"is_active__exact": "1", "product__is_active__exact": "1"}
    return [
        Figure(
            title="Low stock",
            value=str(alerts.low),
            help=f"Variants on sale with 1 to {LOW_STOCK_THRESHOLD} units",
            url=_url(variants, **on_sale, stock_level="low"),
            icon="inventory",
            alert=alerts.low > 0,
        ),
        Figure(
            title="Out of stock",
            value=str(alerts.out),
            help="Variants on sale that cannot be bought",
            url=_url(variants, **on_sale, stock_level="out"),
            icon="remove_shopping_cart",
            alert=alerts.out > 0,
        ),
    ]


def _webhook_figures() -> list[Figure]:
    failures = webhook_failures_count()
    return [
        Figure(
            title="Failed webhooks",
            value=str(failures),
            help="Stripe events not applied yet",
            url=_url("admin:payments_webhookevent_changelist", failed="yes"),
            icon="webhook",
            alert=failures > 0,
        )
    ]


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """What `templates/admin/index.html` shows: figures, the sales chart, the latest orders."""
    user = request.user
    dashboard: dict[str, Any] = {"figures": []}
    if user.has_perm("shop.view_order"):
        sales = sales_by_day(days=CHART_DAYS, currency=settings.NOVACART_CURRENCY)
        dashboard["revenue"] = _revenue_figures(sales)
        dashboard["revenue_help"] = REVENUE_HELP.format(timezone=timezone.get_current_timezone())
        dashboard["has_sales"] = any(day.orders for day in sales)
        dashboard["chart_data"], dashboard["chart_options"] = _chart(sales)
        dashboard["chart_since"] = sales[0].day
        dashboard["figures"] += _order_figures()
        latest = list(orders_latest(limit=LATEST_ORDERS))
        dashboard["latest_orders"] = _latest_orders_table(latest) if latest else None
        dashboard["orders_url"] = _url("admin:shop_order_changelist")
    if user.has_perm("catalog.view_product"):
        dashboard["figures"] += _stock_figures()
        dashboard["products_url"] = _url("admin:catalog_product_changelist")
    if user.has_perm("payments.view_webhookevent"):
        dashboard["figures"] += _webhook_figures()
    context["dashboard"] = dashboard
    context["title"] = "Dashboard"
    return context


def orders_to_ship_badge(request: HttpRequest) -> str | None:
    """The sidebar's count next to Orders: paid orders waiting to ship (none: no badge)."""
    if not request.user.has_perm("shop.view_order"):
        return None
    count = orders_to_ship_count()
    return str(count) if count else None


def webhook_failures_badge(request: HttpRequest) -> str | None:
    """The sidebar's count next to Webhook events: the failed ones (none: no badge)."""
    if not request.user.has_perm("payments.view_webhookevent"):
        return None
    count = webhook_failures_count()
    return str(count) if count else None
