"""Cart and order lines of version 1 point at their product's default variant.

Migration catalog 0007 gave every product exactly one variant; a line whose product
was deleted keeps no variant (shown as unavailable, its name and SKU kept).
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def lines_link(apps, schema_editor):
    Variant = apps.get_model("catalog", "Variant")
    default_variant = Subquery(
        Variant.objects.filter(product_id=OuterRef("product_id")).order_by("pk").values("pk")[:1]
    )
    for model in ("CartLine", "OrderLine"):
        lines = apps.get_model("shop", model).objects
        lines.filter(product__isnull=False).update(variant_id=default_variant)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0004_variants"),
        ("catalog", "0007_default_variants"),
    ]

    operations = [migrations.RunPython(lines_link)]
