from django.db import migrations

from novacart.accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS, staff_group_grant


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in (CATALOG_MANAGERS, ORDER_MANAGERS):
        Group.objects.get_or_create(name=name)
    # Order managers look customers up; catalog and order permissions are granted by
    # the catalog, shop and payments migrations.
    staff_group_grant(apps, group=ORDER_MANAGERS, app_label="accounts", codenames=["view_user"])


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[CATALOG_MANAGERS, ORDER_MANAGERS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
