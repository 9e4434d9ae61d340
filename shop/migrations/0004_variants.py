"""Cart and order lines gain the variant they are of, and its title ("M / Red")."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0006_variants'),
        ('shop', '0003_order_flags'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='cartline',
            name='shop_cartline_one_per_product',
        ),
        migrations.AddField(
            model_name='cartline',
            name='variant',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='cart_lines', to='catalog.variant'),
        ),
        migrations.AddField(
            model_name='cartline',
            name='variant_title',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='orderline',
            name='variant',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='order_lines', to='catalog.variant'),
        ),
        migrations.AddField(
            model_name='orderline',
            name='variant_title',
            field=models.CharField(blank=True, max_length=200),
        ),
    ]
