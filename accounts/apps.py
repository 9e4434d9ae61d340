from django.apps import AppConfig

from accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS, staff_groups_grant


class AccountsConfig(AppConfig):
    name = "accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        # Both groups exist from the start; order managers look customers up.
        staff_groups_grant(self, {CATALOG_MANAGERS: [], ORDER_MANAGERS: ["view_user"]})
