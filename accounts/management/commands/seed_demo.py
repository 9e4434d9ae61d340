"""Create demo accounts on an empty database (used by `make run`)."""

from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS
from accounts.models import User

DEMO_ADMIN = ("admin@novacart.local", "novacart-admin")
DEMO_MERCHANT = ("merchant@novacart.local", "novacart-merchant")
DEMO_CUSTOMER = ("customer@novacart.local", "novacart-customer")


class Command(BaseCommand):
    help = "Create demo users (an admin, a staff merchant, a customer) if there are no users."

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.exists():
            self.stdout.write("Users exist already: no demo accounts created.")
        else:
            User.objects.create_superuser(*DEMO_ADMIN, first_name="Ada", last_name="Admin")
            merchant = User.objects.create_user(
                *DEMO_MERCHANT, first_name="Mia", last_name="Merchant", is_staff=True
            )
            merchant.groups.set(Group.objects.filter(name__in=[CATALOG_MANAGERS, ORDER_MANAGERS]))
            User.objects.create_user(*DEMO_CUSTOMER, first_name="Cai", last_name="Customer")
            self.stdout.write(self.style.SUCCESS("Demo accounts created."))
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "  Admin:    http://127.0.0.1:8000/admin/",
                    f"            {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}  (superuser)",
                    f"            {DEMO_MERCHANT[0]} / {DEMO_MERCHANT[1]}  (staff)",
                    "  API docs: http://127.0.0.1:8000/api/docs",
                    f"  Customer: {DEMO_CUSTOMER[0]} / {DEMO_CUSTOMER[1]}",
                    "",
                ]
            )
        )
