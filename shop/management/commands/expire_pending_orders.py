"""Cancel unpaid orders older than ORDER_PENDING_TTL and return their stock.

Safe to run at any time, and twice at once: each order is cancelled under its row lock.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from shop.order_flow import orders_expire_pending


class Command(BaseCommand):
    help = "Cancel PENDING orders older than ORDER_PENDING_TTL seconds and return their stock."

    def handle(self, *args: Any, **options: Any) -> None:
        expired = orders_expire_pending()
        for order in expired:
            self.stdout.write(f"Expired {order.number}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(expired)} unpaid order(s) older than {settings.ORDER_PENDING_TTL}s expired."
            )
        )
