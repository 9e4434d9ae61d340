from django.db import migrations

from novacart.accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS, staff_group_grant

CRUD = ("add", "change", "delete", "view")


def grant(apps, schema_editor):
    staff_group_grant(
        apps,
        group=CATALOG_MANAGERS,
        app_label="catalog",
        codenames=[
            f"{action}_{model}"
            for model in ("category", "product", "productimage")
            for action in CRUD
        ]
        + ["view_wishlistitem"],
    )
    staff_group_grant(
        apps,
        group=ORDER_MANAGERS,
        app_label="catalog",
        codenames=["view_product", "view_category"],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
