"""Stock changes at the same instant: nothing lost, nothing oversold, never returned twice.

On PostgreSQL (CI's second run) the variant row locks are exercised for real; on SQLite
writers queue for the database lock. After each test the `_stock_ledger_sums` fixture
(conftest.py) checks that every variant's movements still sum to its stock.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import user_make
from catalog.errors import OutOfStock, StockMoved
from catalog.inventory import Reason, stock_adjust, stock_reserve
from catalog.models import StockMovement, Variant
from catalog.tests.factories import default_variant, product_make
from core.testing import race
from shop.models import Order
from shop.order_flow import order_cancel, orders_expire_pending
from shop.tests.factories import order_place

pytestmark = pytest.mark.django_db(transaction=True)


def _stock(variant: Variant) -> int:
    return Variant.objects.get(pk=variant.pk).stock


def test_two_admins_setting_from_the_same_figure_one_wins() -> None:
    variant = default_variant(product_make(stock=10))
    admins = [user_make(f"admin{i}@example.com", is_staff=True) for i in range(2)]

    def set_stock(i: int) -> int:
        return stock_adjust(
            variant=Variant.objects.get(pk=variant.pk),
            set_to=20 + i,
            expected=10,
            actor=admins[i],
        ).stock

    results = race(set_stock, 2)

    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if isinstance(r, StockMoved)]
    assert (len(won), len(lost)) == (1, 1), results
    assert _stock(variant) == won[0]
    assert StockMovement.objects.filter(variant=variant, reason=Reason.ADMIN).count() == 1


def test_deltas_at_once_all_count() -> None:
    variant = default_variant(product_make(stock=0))
    admin = user_make("admin@example.com", is_staff=True)

    results = race(
        lambda _: stock_adjust(
            variant=Variant.objects.get(pk=variant.pk), delta=1, actor=admin, reason=Reason.RETURN
        ),
        8,
    )

    assert all(isinstance(r, Variant) for r in results), results
    assert _stock(variant) == 8
    afters = StockMovement.objects.filter(reason=Reason.RETURN).values_list(
        "quantity_after", flat=True
    )
    assert sorted(afters) == list(range(1, 9))  # each saw the one before it


def test_buyers_and_a_recount_at_once_never_oversell() -> None:
    variant = default_variant(product_make(stock=5))
    admin = user_make("admin@example.com", is_staff=True)

    def act(i: int) -> object:
        if i == 0:  # the merchant counts 3 on the shelf, having seen 5
            return stock_adjust(
                variant=Variant.objects.get(pk=variant.pk), set_to=3, expected=5, actor=admin
            )
        return stock_reserve(lines=[(variant.pk, 1)], reason=Reason.CHECKOUT, reference=f"R{i}")

    results = race(act, 9)

    unexpected = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, OutOfStock | StockMoved) for r in unexpected), unexpected
    sold = StockMovement.objects.filter(reason=Reason.CHECKOUT).count()
    recounted = StockMovement.objects.filter(reason=Reason.ADMIN).exists()
    assert _stock(variant) == (3 if recounted else 5) - sold >= 0
    assert sold <= 5


def test_a_cancel_and_the_expiry_at_once_return_the_stock_once(customer: User) -> None:
    """Medusa #12401: stock given back twice for one order."""
    product = product_make(stock=5)
    order = order_place(user=customer, items=[(product, 3)])
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(hours=2))

    def act(i: int) -> object:
        if i == 0:
            return order_cancel(order=Order.objects.get(pk=order.pk), actor=customer)
        return orders_expire_pending()

    race(act, 2)

    assert _stock(default_variant(product)) == 5
    returns = StockMovement.objects.filter(
        reference=order.number, reason__in=(Reason.CANCEL, Reason.EXPIRY)
    )
    assert [m.delta for m in returns] == [3]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks it all)"
)
def test_opposite_orders_of_lines_never_deadlock() -> None:
    """Two reservations naming the same variants in opposite orders both finish: the
    inventory locks in primary-key order whatever order the lines come in."""
    first = default_variant(product_make(stock=100))
    second = default_variant(product_make(stock=100))

    def reserve(i: int) -> object:
        lines = [(first.pk, 1), (second.pk, 1)]
        for _ in range(10):
            stock_reserve(lines=lines if i % 2 else lines[::-1], reason=Reason.CHECKOUT)
        return True

    assert race(reserve, 6) == [True] * 6
    assert (_stock(first), _stock(second)) == (40, 40)
