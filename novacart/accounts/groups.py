"""Staff groups and their permissions, granted from data migrations.

Each app's data migration grants its own models' permissions to the groups that
need them, so the groups grow with the apps. Permissions are created on the spot
(Django makes them only after `migrate` has finished otherwise).
"""

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions

CATALOG_MANAGERS = "Catalog managers"
ORDER_MANAGERS = "Order managers"


def staff_group_grant(apps: Apps, *, group: str, app_label: str, codenames: list[str]) -> None:
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # historical app configs skip permission creation
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label=app_label, codename__in=codenames
    )
    missing = set(codenames) - {p.codename for p in permissions}
    if missing:
        raise LookupError(f"Unknown permissions for {app_label}: {sorted(missing)}")
    Group.objects.get_or_create(name=group)[0].permissions.add(*permissions)
