"""The catalog version row and the triggers that bump it (see CatalogVersion)."""

from django.db import migrations, models

TABLES = ("catalog_category", "catalog_product", "catalog_productimage")
BUMP = (
    "INSERT INTO catalog_catalogversion (id, value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET value = catalog_catalogversion.value + 1"
)

POSTGRESQL = f"""
CREATE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- once per transaction, at its commit (the trigger is deferred)
    IF current_setting('novacart.catalog_bumped', true) IS DISTINCT FROM txid_current()::text
    THEN
        PERFORM set_config('novacart.catalog_bumped', txid_current()::text, true);
        {BUMP};
    END IF;
    RETURN NULL;
END $$;
""" + "".join(
    f"""
CREATE CONSTRAINT TRIGGER zz_{table}_version AFTER INSERT OR UPDATE OR DELETE ON {table}
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_version_bump();
"""
    for table in TABLES
)
POSTGRESQL_REVERSE = "".join(
    f"DROP TRIGGER IF EXISTS zz_{table}_version ON {table};" for table in TABLES
) + "DROP FUNCTION IF EXISTS catalog_version_bump();"

# SQLite has one writer at a time and no deferred triggers: bump on every row.
SQLITE = [
    f"CREATE TRIGGER {table}_{event.lower()}_version AFTER {event} ON {table} "
    f"BEGIN {BUMP}; END;"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_version;"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]


def triggers_create(apps, schema_editor):
    statements = {"postgresql": [POSTGRESQL], "sqlite": SQLITE}[schema_editor.connection.vendor]
    for statement in statements:
        schema_editor.execute(statement)
    apps.get_model("catalog", "CatalogVersion").objects.create(pk=1, value=1)


def triggers_drop(apps, schema_editor):
    reverse = {"postgresql": [POSTGRESQL_REVERSE], "sqlite": SQLITE_REVERSE}
    for statement in reverse[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(default=1)),
            ],
        ),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
