"""A cart line is a line of a variant: the product link goes (the data moved in 0005)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0005_lines_to_default_variants"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='cartline',
            constraint=models.UniqueConstraint(fields=('cart', 'variant'), name='shop_cartline_one_per_variant'),
        ),
        migrations.RemoveField(
            model_name='cartline',
            name='product',
        ),
    ]
