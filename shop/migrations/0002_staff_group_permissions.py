from django.db import migrations

from novacart.accounts.groups import ORDER_MANAGERS, staff_group_grant


def grant(apps, schema_editor):
    staff_group_grant(
        apps,
        group=ORDER_MANAGERS,
        app_label="shop",
        codenames=[
            "view_order",
            "change_order",
            "view_orderline",
            "view_orderevent",
            "view_cart",
            "view_cartline",
            "view_address",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
