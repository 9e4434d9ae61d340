"""`manage.py seed_orders`: demo orders over the last 30 days, so the dashboard has figures."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from catalog.tests.factories import product_make
from shop.models import Order, OrderEvent, OrderStatus
from shop.selectors import orders_to_ship_count, sales_by_day

pytestmark = pytest.mark.django_db


def seed(command: str = "seed_orders") -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_shop() -> None:
    seed("seed_demo")
    for n in range(6):
        product_make(sku=f"DEMO-{n}", stock=40)


def test_places_orders_over_30_days_through_the_state_machine(demo_shop: None) -> None:
    assert "23 demo orders placed." in seed()

    orders = Order.objects.all()
    statuses = dict(orders.values_list("status").annotate(n=Count("id")).order_by())
    assert statuses == {
        OrderStatus.DELIVERED: 14,
        OrderStatus.SHIPPED: 2,
        OrderStatus.PROCESSING: 1,
        OrderStatus.PAID: 3,
        OrderStatus.PENDING: 1,
        OrderStatus.CANCELLED: 2,
    }
    assert {order.user.email for order in orders} == {"customer@novacart.local"}
    now = timezone.now()
    oldest = orders.order_by("created_at").first()
    assert now - timedelta(days=29) < oldest.created_at < now - timedelta(days=28)
    for order in orders.exclude(paid_at=None):
        assert order.created_at < order.paid_at <= now
        assert order.events.order_by("id").last().created_at <= now
    delivered = orders.filter(status=OrderStatus.DELIVERED).first()
    assert delivered.shipped_at < delivered.delivered_at
    assert delivered.tracking_number
    assert list(delivered.events.values_list("created_at", flat=True)) == sorted(
        delivered.events.values_list("created_at", flat=True)
    )
    assert orders.filter(flagged=True).count() == 1
    pending = orders.get(status=OrderStatus.PENDING)
    assert now - pending.created_at < timedelta(seconds=settings.ORDER_PENDING_TTL)
    assert mail.outbox == []  # demo orders email nobody


def test_gives_the_dashboard_figures(demo_shop: None) -> None:
    seed()
    sales = sales_by_day(days=30, currency=settings.NOVACART_CURRENCY)
    assert sum(day.orders for day in sales) == 20  # every paid order, the pending one aside
    assert sales[-1].orders == 2  # today's
    assert sales[-1].revenue > 0
    assert orders_to_ship_count() == 4
    assert OrderEvent.objects.filter(type=OrderEvent.Type.FLAG).count() == 1


def test_does_nothing_when_there_are_orders_or_no_demo_data(demo_shop: None) -> None:
    seed()
    assert "Orders exist already" in seed()
    assert Order.objects.count() == 23

    Order.objects.all().delete()
    User.objects.filter(email="customer@novacart.local").delete()
    assert "skipped" in seed()
    assert not Order.objects.exists()
