"""The staff groups and their permissions, put in place after every `migrate`.

Each app grants its own models' permissions to the groups that need them, from its
`AppConfig.ready()`, so the groups grow with the apps and no migration imports live
code. The grants run on `post_migrate`, after Django has created that app's permissions,
and again when a test flushes the database; they only add, so running them twice
changes nothing. A permission staff took away from one of these groups comes back at
the next deploy: the shop defines these two; make your own groups for other mixes.
"""

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate

CATALOG_MANAGERS = "Catalog managers"
ORDER_MANAGERS = "Order managers"
CRUD = ("add", "change", "delete", "view")


def staff_groups_grant(app_config: AppConfig, grants: dict[str, list[str]]) -> None:
    """After every migrate, give each group of `grants` its codenames of `app_config`."""

    def grant(
        sender: AppConfig, *, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS, **_: Any
    ) -> None:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
        for group, codenames in grants.items():
            permissions = Permission.objects.using(using).filter(
                content_type__app_label=sender.label, codename__in=codenames
            )
            missing = set(codenames) - {permission.codename for permission in permissions}
            if missing:
                raise LookupError(f"Unknown permissions for {sender.label}: {sorted(missing)}")
            Group.objects.using(using).get_or_create(name=group)[0].permissions.add(*permissions)

    post_migrate.connect(
        grant, sender=app_config, weak=False, dispatch_uid=f"staff-groups-{app_config.label}"
    )
