from django.apps import AppConfig

from accounts.groups import ORDER_MANAGERS, staff_groups_grant


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self) -> None:
        viewed = ("order", "orderline", "orderevent", "cart", "cartline", "address")
        staff_groups_grant(
            self, {ORDER_MANAGERS: [f"view_{model}" for model in viewed] + ["change_order"]}
        )
