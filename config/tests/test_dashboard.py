"""The admin dashboard: its figures, the sales chart, its query count, the sidebar badges."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS
from accounts.models import User
from accounts.tests.factories import user_make
from catalog.models import Product
from catalog.tests.factories import product_make
from config.dashboard import orders_to_ship_badge, webhook_failures_badge
from payments.models import WebhookEvent
from shop import order_flow
from shop.models import Order
from shop.selectors import sales_by_day
from shop.tests.factories import order_place

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/"


def _today_start() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def paid_order(user: User, product: Product, quantity: int, *, paid_at: datetime) -> Order:
    """An order of `quantity` x `product`, paid (by the state machine) at `paid_at`."""
    order = order_flow.order_mark_paid(order=order_place(user=user, items=[(product, quantity)]))
    Order.objects.filter(pk=order.pk).update(paid_at=paid_at)
    return order


def staff_client(*groups: str) -> Client:
    user = user_make(f"staff-{'-'.join(groups).replace(' ', '')}@example.com", is_staff=True)
    user.groups.set(Group.objects.filter(name__in=groups))
    client = Client()
    client.force_login(user)
    return client


def dashboard_of(client: Client) -> dict[str, Any]:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response.context["dashboard"]


def figure(dashboard: dict[str, Any], title: str) -> Any:
    return next(f for f in dashboard["revenue"] + dashboard["figures"] if f.title == title)


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


@pytest.fixture
def known_sales(customer: User) -> dict[str, Order]:
    """Orders of 10.00 units paid today (20 + 10, 4 refunded), 3 days ago (30), 10 days ago
    (50) and 40 days ago (70), one pending and one cancelled."""
    product = product_make(price="10.00", stock=100)
    today = _today_start()
    orders = {
        "today": paid_order(customer, product, 2, paid_at=today + timedelta(minutes=1)),
        "today_refunded": paid_order(customer, product, 1, paid_at=today + timedelta(minutes=2)),
        "three_days": paid_order(customer, product, 3, paid_at=today - timedelta(days=3)),
        "ten_days": paid_order(customer, product, 5, paid_at=today - timedelta(days=10)),
        "forty_days": paid_order(customer, product, 7, paid_at=today - timedelta(days=40)),
        "pending": order_place(user=customer, items=[(product, 1)]),
    }
    order_flow.order_cancel(order=order_place(user=customer, items=[(product, 1)]), actor=None)
    order_flow.order_refund_record(order=orders["today_refunded"], refunded=Decimal("4.00"))
    return orders


def test_revenue_is_paid_minus_refunded_by_day(admin_client: Client, known_sales: dict) -> None:
    dashboard = dashboard_of(admin_client)
    today, week, month = dashboard["revenue"]
    assert (today.value, today.help) == ("26.00 USD", "2 paid orders")
    assert (week.value, week.help) == ("56.00 USD", "3 paid orders")
    assert (month.value, month.help) == ("106.00 USD", "4 paid orders")
    assert "lowers the day its order was paid" in dashboard["revenue_help"]


def test_chart_has_a_bar_and_a_count_for_each_of_30_days(
    admin_client: Client, known_sales: dict
) -> None:
    dashboard = dashboard_of(admin_client)
    data = json.loads(dashboard["chart_data"])
    revenue, orders = data["datasets"]
    assert len(data["labels"]) == len(revenue["data"]) == len(orders["data"]) == 30
    assert revenue["data"][-1] == "26.00"
    assert orders["data"][-1] == 2
    assert revenue["data"][-11] == "50.00"
    assert sum(orders["data"]) == 4
    assert json.loads(dashboard["chart_options"])["scales"]["orders"]["position"] == "right"
    content = admin_client.get(DASHBOARD).content.decode()
    assert 'class="chart"' in content
    assert 'data-type="bar"' in content


def test_days_are_calendar_days_of_the_shop_time_zone(settings: Any, customer: User) -> None:
    settings.TIME_ZONE = "America/New_York"
    product = product_make(price="10.00", stock=10)
    # 03:00 UTC on March 10 is 23:00 on March 9 in New York (UTC-4).
    paid_order(customer, product, 1, paid_at=datetime(2026, 3, 10, 3, 0, tzinfo=UTC))
    sales = sales_by_day(days=2, currency="usd", today=date(2026, 3, 10))
    assert [(day.day, day.revenue, day.orders) for day in sales] == [
        (date(2026, 3, 9), Decimal("10.00"), 1),
        (date(2026, 3, 10), Decimal("0.00"), 0),
    ]


def test_orders_in_another_currency_are_left_out(customer: User) -> None:
    order = paid_order(customer, product_make(stock=5), 1, paid_at=_today_start())
    Order.objects.filter(pk=order.pk).update(currency="eur")
    assert sales_by_day(days=1, currency="usd")[0].orders == 0


def test_an_empty_shop_shows_zeros_and_says_what_comes(admin_client: Client) -> None:
    dashboard = dashboard_of(admin_client)
    assert [f.value for f in dashboard["revenue"]] == ["0.00 USD"] * 3
    assert {f.title: f.value for f in dashboard["figures"]} == {
        "Orders to ship": "0",
        "Flagged orders": "0",
        "Low stock": "0",
        "Out of stock": "0",
        "Failed webhooks": "0",
    }
    assert dashboard["has_sales"] is False
    assert dashboard["latest_orders"] is None
    content = admin_client.get(DASHBOARD).content.decode()
    assert "No orders yet" in content
    assert "No paid orders since" in content
    assert 'class="chart"' not in content


def test_figures_count_and_link_to_their_lists(admin_client: Client, customer: User) -> None:
    low = product_make(name="Low Mug", stock=3)
    product_make(name="Sold Out Tee", stock=0)
    product_make(name="Hidden Empty", stock=0, is_active=False)  # not on sale: not counted
    plenty = product_make(name="Plenty", stock=50)
    to_ship = paid_order(customer, plenty, 1, paid_at=_today_start())
    processing = order_flow.order_mark_processing(
        order=paid_order(customer, plenty, 1, paid_at=_today_start()), actor=None
    )
    pending = order_place(user=customer, items=[(low, 1)])
    order_flow.order_flag(order=to_ship, reason="Dispute dp_1 opened.")
    WebhookEvent.objects.create(stripe_id="evt_1", type="charge.refunded", payload={}, error="boom")
    WebhookEvent.objects.create(
        stripe_id="evt_2", type="charge.refunded", payload={}, processed_at=timezone.now()
    )

    dashboard = dashboard_of(admin_client)
    values = {f.title: f.value for f in dashboard["figures"]}
    assert values == {
        "Orders to ship": "2",
        "Flagged orders": "1",
        "Low stock": "1",
        "Out of stock": "1",
        "Failed webhooks": "1",
    }

    ship_list = admin_client.get(figure(dashboard, "Orders to ship").url).content.decode()
    assert to_ship.number in ship_list
    assert processing.number in ship_list
    assert pending.number not in ship_list
    flagged_list = admin_client.get(figure(dashboard, "Flagged orders").url).content.decode()
    assert to_ship.number in flagged_list
    assert processing.number not in flagged_list
    low_list = admin_client.get(figure(dashboard, "Low stock").url).content.decode()
    assert "Low Mug" in low_list
    assert "Plenty" not in low_list
    out_list = admin_client.get(figure(dashboard, "Out of stock").url).content.decode()
    assert "Sold Out Tee" in out_list
    assert "Hidden Empty" not in out_list
    failed_list = admin_client.get(figure(dashboard, "Failed webhooks").url).content.decode()
    assert "evt_1" in failed_list
    assert "evt_2" not in failed_list
    paid_today = admin_client.get(figure(dashboard, "Revenue today").url).content.decode()
    assert to_ship.number in paid_today
    assert pending.number not in paid_today


def test_latest_orders_link_to_their_pages(
    admin_client: Client, customer: User, settings: Any
) -> None:
    settings.MAX_PENDING_ORDERS_PER_CUSTOMER = 10
    orders = [order_place(user=customer, items=[(product_make(stock=5), 1)]) for _ in range(10)]
    table = dashboard_of(admin_client)["latest_orders"]
    assert len(table["rows"]) == 8
    content = admin_client.get(DASHBOARD).content.decode()
    assert f"/admin/shop/order/{orders[-1].pk}/change/" in content  # the newest first
    assert f"/admin/shop/order/{orders[0].pk}/change/" not in content  # the oldest left out


def test_staff_see_only_the_parts_they_may_see() -> None:
    catalog = dashboard_of(staff_client(CATALOG_MANAGERS))
    assert "revenue" not in catalog
    assert [f.title for f in catalog["figures"]] == ["Low stock", "Out of stock"]

    orders = dashboard_of(staff_client(ORDER_MANAGERS))
    assert [f.title for f in orders["revenue"]] == ["Revenue today", "Last 7 days", "Last 30 days"]
    assert [f.title for f in orders["figures"]] == [
        "Orders to ship",
        "Flagged orders",
        "Low stock",
        "Out of stock",
        "Failed webhooks",
    ]


@pytest.mark.parametrize("size", [1, 15])
def test_dashboard_queries_do_not_grow_with_the_shop(
    admin_client: Client, customer: User, django_assert_num_queries: Any, size: int
) -> None:
    products = [product_make(stock=100) for _ in range(3)]
    for n in range(size):
        order = paid_order(customer, products[n % 3], 1, paid_at=_today_start())
        if n % 2:
            order_flow.order_mark_processing(order=order, actor=None)
    WebhookEvent.objects.create(stripe_id=f"evt_{size}", type="x", payload={}, error="boom")
    # session, user, revenue by day, to ship, flagged, latest orders, stock alerts, failed
    # webhooks; the sidebar's two badges.
    with django_assert_num_queries(10):
        assert admin_client.get(DASHBOARD).status_code == 200


def test_the_sidebar_badges_count_what_waits(
    admin_client: Client, superuser: User, customer: User
) -> None:
    request = RequestFactory().get("/admin/")
    request.user = superuser
    assert orders_to_ship_badge(request) is None
    assert webhook_failures_badge(request) is None

    paid_order(customer, product_make(stock=5), 1, paid_at=_today_start())
    paid_order(customer, product_make(stock=5), 1, paid_at=_today_start())
    WebhookEvent.objects.create(stripe_id="evt_1", type="x", payload={}, error="boom")
    assert orders_to_ship_badge(request) == "2"
    assert webhook_failures_badge(request) == "1"
    content = admin_client.get("/admin/catalog/product/").content.decode()
    assert re.search(r'class="sidebar-badge[^>]*>\s*2\s*</span>', content)
    assert re.search(r'class="sidebar-badge[^>]*>\s*1\s*</span>', content)

    request.user = user_make("nobody@example.com", is_staff=True)
    assert orders_to_ship_badge(request) is None
    assert webhook_failures_badge(request) is None
