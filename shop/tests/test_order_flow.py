"""The order state machine, stock release and expiry."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from catalog.inventory import stock_drift
from catalog.tests.factories import (
    default_variant,
    product_make,
    product_with_options_make,
    stock_of,
)
from shop.errors import InvalidTransition, TrackingNumberRequired
from shop.models import Order, OrderEvent, OrderStatus
from shop.order_flow import (
    TRANSITIONS,
    order_cancel,
    order_mark_delivered,
    order_mark_paid,
    order_mark_processing,
    order_ship,
    order_transition,
    orders_expire_pending,
)
from shop.tests.factories import order_movements, order_place

pytestmark = pytest.mark.django_db
S = OrderStatus


def test_every_status_has_transitions_and_terminals_are_empty() -> None:
    assert set(TRANSITIONS) == set(S)
    assert TRANSITIONS[S.CANCELLED] == frozenset()
    assert TRANSITIONS[S.REFUNDED] == frozenset()


def test_happy_path_records_an_event_per_change(
    customer: User, staff: User, django_capture_on_commit_callbacks
) -> None:
    order = order_place(user=customer, items=[(product_make(stock=3), 1)])
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order=order)
        order_mark_processing(order=order, actor=staff)
        order_ship(order=order, actor=staff, tracking_number=" 1Z999 ")
        order_mark_delivered(order=order, actor=staff)

    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert order.tracking_number == "1Z999"
    assert None not in (order.paid_at, order.shipped_at, order.delivered_at)
    events = list(order.events.filter(type=OrderEvent.Type.STATUS))
    assert [(e.from_status, e.to_status) for e in events] == [
        (S.PENDING, S.PAID),
        (S.PAID, S.PROCESSING),
        (S.PROCESSING, S.SHIPPED),
        (S.SHIPPED, S.DELIVERED),
    ]
    assert [e.actor for e in events] == [None, staff, staff, staff]
    assert "1Z999" in events[2].message
    shipped = [m for m in mail.outbox if "on its way" in m.subject]
    assert len(shipped) == 1
    assert "1Z999" in shipped[0].body


@pytest.mark.parametrize(
    ("status", "to"),
    [
        (S.PAID, S.CANCELLED),
        (S.PENDING, S.SHIPPED),
        (S.SHIPPED, S.PAID),
        (S.DELIVERED, S.PROCESSING),
        (S.CANCELLED, S.PAID),
        (S.REFUNDED, S.PAID),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(
    customer: User, status: S, to: S
) -> None:
    order = order_place(user=customer, items=[(product_make(stock=3), 1)])
    Order.objects.filter(pk=order.pk).update(status=status)
    events = order.events.count()
    with pytest.raises(InvalidTransition) as raised:
        order_transition(order=order, to=to, actor=None)
    assert raised.value.status == 409
    order.refresh_from_db()
    assert order.status == status
    assert order.events.count() == events


def test_ship_needs_a_tracking_number(customer: User, staff: User) -> None:
    order = order_place(user=customer, items=[(product_make(stock=3), 1)])
    order_mark_paid(order=order)
    order_mark_processing(order=order, actor=staff)
    with pytest.raises(TrackingNumberRequired):
        order_ship(order=order, actor=staff, tracking_number="  ")
    order.refresh_from_db()
    assert order.status == S.PROCESSING


def test_cancel_returns_stock_exactly_once(
    customer: User, django_capture_on_commit_callbacks
) -> None:
    product = product_make(stock=5)
    sku = default_variant(product).sku
    order = order_place(user=customer, items=[(product, 2)])
    assert stock_of(product) == 3

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=customer)
    assert stock_of(product) == 5
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert order.cancelled_at is not None
    assert not order.stock_reserved
    assert any("cancelled" in m.subject for m in mail.outbox)

    with pytest.raises(InvalidTransition):
        order_cancel(order=order, actor=customer)
    assert stock_of(product) == 5
    assert order_movements(order) == [(sku, "checkout", -2, 3), (sku, "cancel", 2, 5)]
    assert stock_drift() == []


def test_cancel_of_order_whose_product_was_deleted_still_works(customer: User) -> None:
    product = product_make(stock=5)
    kept = product_make(stock=5)
    order = order_place(user=customer, items=[(product, 2), (kept, 1)])
    product.delete()
    order_cancel(order=order, actor=customer)
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert stock_of(kept) == 5  # what can go back does
    assert stock_drift() == []


def test_cancel_gives_each_variant_of_a_product_its_own_stock_back(customer: User) -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]}, stock=4)
    small, medium = tee.variants.order_by("pk")
    order = order_place(user=customer, items=[(small, 3), (medium, 1)])

    order_cancel(order=order, actor=customer)

    small.refresh_from_db()
    medium.refresh_from_db()
    assert (small.stock, medium.stock) == (4, 4)
    assert order_movements(order) == [
        (small.sku, "checkout", -3, 1),
        (medium.sku, "checkout", -1, 3),
        (small.sku, "cancel", 3, 4),
        (medium.sku, "cancel", 1, 4),
    ]
    assert stock_drift() == []


def test_expiry_cancels_only_old_pending_orders(customer: User, settings) -> None:
    settings.ORDER_PENDING_TTL = 1800
    product = product_make(stock=10)
    sku = default_variant(product).sku
    old = order_place(user=customer, items=[(product, 2)])
    fresh = order_place(user=customer, items=[(product, 1)])
    paid = order_place(user=customer, items=[(product, 3)])
    order_mark_paid(order=paid)
    Order.objects.filter(pk__in=[old.pk, paid.pk]).update(
        created_at=timezone.now() - timedelta(minutes=31)
    )

    expired = orders_expire_pending()

    assert [o.pk for o in expired] == [old.pk]
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {old.pk: S.CANCELLED, fresh.pk: S.PENDING, paid.pk: S.PAID}
    assert stock_of(product) == 10 - 1 - 3
    assert orders_expire_pending() == []  # idempotent
    assert stock_of(product) == 6
    assert order_movements(old) == [(sku, "checkout", -2, 8), (sku, "expiry", 2, 6)]
    assert [reason for _, reason, _, _ in order_movements(fresh)] == ["checkout"]
    assert [reason for _, reason, _, _ in order_movements(paid)] == ["checkout"]
    assert stock_drift() == []


def test_expire_command_reports(customer: User, capsys: pytest.CaptureFixture[str]) -> None:
    order = order_place(user=customer, items=[(product_make(stock=3), 1)])
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=1))
    call_command("expire_pending_orders")
    assert "1" in capsys.readouterr().out
    order.refresh_from_db()
    assert order.status == S.CANCELLED
