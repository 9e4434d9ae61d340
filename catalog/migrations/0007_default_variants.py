"""Every product of version 1 becomes a product with one default variant.

The variant carries the product's SKU, price and stock; a product with stock gets the
opening movement of the ledger (reason `initial`), so its movements sum to its stock.
"""

from django.db import migrations

BATCH = 1000


def variants_create(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    Variant = apps.get_model("catalog", "Variant")
    StockMovement = apps.get_model("catalog", "StockMovement")
    products = Product.objects.order_by("pk").values_list("pk", "sku", "price", "stock")
    rows = list(products)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        Variant.objects.bulk_create(
            Variant(product_id=pk, sku=sku, price=price, stock=stock, position=0)
            for pk, sku, price, stock in chunk
        )
    variants = Variant.objects.filter(stock__gt=0).order_by("pk").values_list("pk", "sku", "stock")
    StockMovement.objects.bulk_create(
        (
            StockMovement(
                variant_id=pk,
                sku=sku,
                delta=stock,
                quantity_after=stock,
                reason="initial",
                note="Stock of the product before variants.",
            )
            for pk, sku, stock in variants
        ),
        batch_size=BATCH,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_variants"),
    ]

    operations = [migrations.RunPython(variants_create)]
