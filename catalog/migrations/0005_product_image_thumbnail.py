"""A thumbnail per product image (catalog/images.py)."""

from importlib import import_module

from django.db import migrations, models

catalog_version = import_module("catalog.migrations.0003_catalogversion")
TABLE = "catalog_productimage"


def sqlite_triggers_restore(apps, schema_editor):
    """SQLite adds (and drops) this column by rebuilding the table, which loses the
    catalog version triggers of 0003: put them back. PostgreSQL keeps them."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in (*catalog_version.SQLITE_REVERSE, *catalog_version.SQLITE):
        if f" {TABLE}" in statement or f"{TABLE}_" in statement:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_product_image_pixel_cap"),
    ]

    operations = [
        migrations.AddField(
            model_name="productimage",
            name="thumbnail",
            field=models.ImageField(
                blank=True,
                editable=False,
                help_text="Made from the image when it is stored (catalog/images.py).",
                upload_to="products/%Y/%m/thumbnails/",
            ),
        ),
        migrations.RunPython(sqlite_triggers_restore, sqlite_triggers_restore),
    ]
