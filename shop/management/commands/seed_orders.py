"""Place demo orders over the last 30 days when there are none (`make run`).

The orders go through the real services (cart, checkout, the state machine), so stock,
lines and timelines are what a real shop would have; then their timestamps are moved
back in time, which no service does: this is demo data. No email is sent and Stripe is
never called (the demo payments are marked paid by hand, as staff could).
"""

import random
from datetime import datetime, time, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.management.commands.seed_demo import DEMO_ADMIN, DEMO_CUSTOMER
from accounts.models import User
from catalog.constants import LOW_STOCK_THRESHOLD
from catalog.models import Variant
from shop import order_flow
from shop.addresses import address_create
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.models import Address, Order, OrderEvent

DUMMY_TASKS = "django.tasks.backends.dummy.DummyBackend"
# (how long ago it was placed, what becomes of it): oldest first, ending with today's.
PLAN: list[tuple[timedelta, str]] = [
    (timedelta(days=28, hours=3), "delivered"),
    (timedelta(days=27, hours=6), "delivered"),
    (timedelta(days=26, hours=1), "cancelled"),
    (timedelta(days=24, hours=8), "delivered"),
    (timedelta(days=22, hours=2), "delivered"),
    (timedelta(days=20, hours=5), "disputed"),
    (timedelta(days=18, hours=7), "delivered"),
    (timedelta(days=15, hours=4), "delivered"),
    (timedelta(days=13, hours=9), "cancelled"),
    (timedelta(days=12, hours=3), "delivered"),
    (timedelta(days=10, hours=6), "delivered"),
    (timedelta(days=9, hours=2), "delivered"),
    (timedelta(days=7, hours=5), "delivered"),
    (timedelta(days=6, hours=8), "delivered"),
    (timedelta(days=5, hours=1), "delivered"),
    (timedelta(days=4, hours=4), "delivered"),
    (timedelta(days=3, hours=6), "shipped"),
    (timedelta(days=2, hours=3), "shipped"),
    (timedelta(days=1, hours=5), "processing"),
    (timedelta(days=1, hours=2), "paid"),
    (timedelta(minutes=95), "paid"),
    (timedelta(minutes=40), "paid"),
    (timedelta(minutes=5), "pending"),  # younger than ORDER_PENDING_TTL: not expired yet
]
# The moves after checkout: how long after the order was placed, the field it stamps.
STEPS: dict[str, tuple[timedelta, str]] = {
    "paid": (timedelta(minutes=4), "paid_at"),
    "processing": (timedelta(hours=3), ""),
    "shipped": (timedelta(hours=20), "shipped_at"),
    "delivered": (timedelta(days=3), "delivered_at"),
    "cancelled": (timedelta(minutes=25), "cancelled_at"),
}
PATHS: dict[str, list[str]] = {
    "pending": [],
    "paid": ["paid"],
    "processing": ["paid", "processing"],
    "shipped": ["paid", "processing", "shipped"],
    "delivered": ["paid", "processing", "shipped", "delivered"],
    "disputed": ["paid", "processing", "shipped", "delivered"],
    "cancelled": ["cancelled"],
}


def _date_latest_event(order: Order, when: datetime) -> None:
    latest = order.events.order_by("-id").values_list("pk", flat=True).first()
    OrderEvent.objects.filter(pk=latest).update(created_at=when)


class Command(BaseCommand):
    help = "Place demo orders for the demo customer over the last 30 days, if there are none."

    def handle(self, *args: Any, **options: Any) -> None:
        if Order.objects.exists():
            self.stdout.write("Orders exist already: no demo orders placed.")
            return
        customer = User.objects.filter(email=DEMO_CUSTOMER[0]).first()
        variants = list(
            Variant.objects.filter(
                is_active=True, product__is_active=True, stock__gt=LOW_STOCK_THRESHOLD * 2
            ).order_by("pk")
        )
        if customer is None or len(variants) < 3:
            self.stdout.write("No demo customer or catalog (run seed_demo, seed_catalog): skipped.")
            return
        staff = User.objects.filter(email=DEMO_ADMIN[0]).first()
        # Demo orders email nobody: their email tasks go to a queue that never runs.
        with override_settings(TASKS={"default": {"BACKEND": DUMMY_TASKS}}):
            placed = self._seed(random.Random(2026), customer, staff, variants)
        self.stdout.write(self.style.SUCCESS(f"{placed} demo orders placed."))

    @transaction.atomic
    def _seed(
        self, rng: random.Random, customer: User, staff: User | None, variants: list[Variant]
    ) -> int:
        address = Address.objects.filter(user=customer).first() or address_create(
            user=customer,
            full_name=customer.get_full_name() or "Demo Customer",
            line1="12 Market Street",
            city="Portland",
            state="OR",
            postal_code="97204",
            country="US",
        )
        now = timezone.now()
        midnight = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
        for number, (age, fate) in enumerate(PLAN):
            # Orders younger than a day are today's, even just after midnight.
            placed_at = now - age if age >= timedelta(days=1) else max(now - age, midnight)
            for variant in rng.sample(variants, rng.randint(1, 3)):
                cart_line_add(user=customer, variant_id=variant.pk, quantity=rng.randint(1, 2))
            order = order_create(user=customer, address_id=address.pk).order
            Order.objects.filter(pk=order.pk).update(created_at=placed_at)
            _date_latest_event(order, placed_at)
            for step in PATHS[fate]:
                self._step(order, step, placed_at=placed_at, now=now, staff=staff, number=number)
            if fate == "disputed":
                order_flow.order_flag(
                    order=order,
                    reason="Demo: the customer's bank opened a dispute (fraudulent). "
                    "Respond in the Stripe dashboard.",
                )
                _date_latest_event(order, min(placed_at + timedelta(days=6), now))
        return len(PLAN)

    def _step(
        self,
        order: Order,
        step: str,
        *,
        placed_at: datetime,
        now: datetime,
        staff: User | None,
        number: int,
    ) -> None:
        after, field = STEPS[step]
        when = min(placed_at + after, now)
        match step:
            case "paid":
                order_flow.order_mark_paid(order=order, note="Demo payment.")
            case "processing":
                order_flow.order_mark_processing(order=order, actor=staff)
            case "shipped":
                tracking = f"1Z999AA1{number:010d}"
                order_flow.order_ship(order=order, actor=staff, tracking_number=tracking)
            case "delivered":
                order_flow.order_mark_delivered(order=order, actor=staff)
            case "cancelled":
                order_flow.order_cancel(
                    order=order, actor=order.user, note="Cancelled by customer."
                )
        if field:
            Order.objects.filter(pk=order.pk).update(**{field: when})
        _date_latest_event(order, when)
