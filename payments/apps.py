from django.apps import AppConfig

from accounts.groups import ORDER_MANAGERS, staff_groups_grant


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        staff_groups_grant(
            self,
            {ORDER_MANAGERS: ["view_payment", "view_refund", "add_refund", "view_webhookevent"]},
        )
