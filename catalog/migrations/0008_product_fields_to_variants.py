"""The product's SKU, price and stock now live on its variants; the catalog version
triggers (migration 0003) also watch variants and options.

SQLite rebuilds `catalog_product` to drop its columns, which drops its triggers too:
they are made again here.
"""

from importlib import import_module

from django.db import migrations

version = import_module("catalog.migrations.0003_catalogversion")
NEW_TABLES = ("catalog_variant", "catalog_productoption")


def triggers_add(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = [
            f"CREATE CONSTRAINT TRIGGER zz_{table}_version AFTER INSERT OR UPDATE OR DELETE "
            f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            "EXECUTE FUNCTION catalog_version_bump();"
            for table in NEW_TABLES
        ]
    else:
        statements = [
            f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_version AFTER {event} "
            f"ON {table} BEGIN {version.BUMP}; END;"
            for table in (*version.TABLES, *NEW_TABLES)
            for event in ("INSERT", "UPDATE", "DELETE")
        ]
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ('catalog', '0007_default_variants'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='product',
            name='price',
        ),
        migrations.RemoveField(
            model_name='product',
            name='sku',
        ),
        migrations.RemoveField(
            model_name='product',
            name='stock',
        ),
        migrations.RunPython(triggers_add),
    ]
