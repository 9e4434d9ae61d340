from django.db import migrations

from novacart.accounts.groups import ORDER_MANAGERS, staff_group_grant


def grant(apps, schema_editor):
    staff_group_grant(
        apps,
        group=ORDER_MANAGERS,
        app_label="payments",
        codenames=["view_payment", "view_refund", "add_refund", "view_webhookevent"],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
