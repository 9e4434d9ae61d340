from django.apps import AppConfig

from accounts.groups import CATALOG_MANAGERS, CRUD, ORDER_MANAGERS, staff_groups_grant


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        edited = ("category", "product", "productimage", "productoption", "variant")
        staff_groups_grant(
            self,
            {
                CATALOG_MANAGERS: [f"{action}_{model}" for model in edited for action in CRUD]
                + ["view_wishlistitem", "view_stockmovement"],
                ORDER_MANAGERS: ["view_product", "view_variant", "view_category"],
            },
        )
