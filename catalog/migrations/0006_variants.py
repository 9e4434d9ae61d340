"""Options, variants and the stock ledger (the data move follows in 0007)."""

import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ('catalog', '0005_product_image_thumbnail'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ProductOption',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField(help_text="1 to 3: which of a variant's option values is this option's.")),
                ('name', models.CharField(max_length=60)),
                ('values', models.JSONField(default=list, help_text="The option's values, in display order.")),
            ],
            options={
                'ordering': ('position',),
            },
        ),
        migrations.CreateModel(
            name='StockMovement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sku', models.CharField(help_text="The variant's SKU at the time.", max_length=64, verbose_name='SKU')),
                ('delta', models.IntegerField()),
                ('quantity_after', models.IntegerField()),
                ('reason', models.CharField(choices=[('initial', 'Opening stock'), ('checkout', 'Checkout'), ('cancel', 'Order cancelled'), ('expiry', 'Unpaid order expired'), ('late_payment', 'Late payment'), ('admin', 'Adjusted by staff'), ('import', 'Import'), ('return', 'Returned'), ('correction', 'Correction (check_stock)')], max_length=16)),
                ('reference', models.CharField(blank=True, help_text='The order number or import it belongs to.', max_length=64)),
                ('note', models.CharField(blank=True, max_length=200)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'ordering': ('-created_at', '-id'),
            },
        ),
        migrations.CreateModel(
            name='Variant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sku', models.CharField(max_length=64, unique=True, verbose_name='SKU')),
                ('option1', models.CharField(blank=True, max_length=100)),
                ('option2', models.CharField(blank=True, max_length=100)),
                ('option3', models.CharField(blank=True, max_length=100)),
                ('price', models.DecimalField(decimal_places=2, max_digits=12)),
                ('compare_at_price', models.DecimalField(blank=True, decimal_places=2, help_text='The "was" price of a sale; above the price, or empty.', max_digits=12, null=True, verbose_name='compare-at price')),
                ('stock', models.IntegerField(default=0)),
                ('weight_grams', models.PositiveIntegerField(blank=True, null=True, verbose_name='weight (grams)')),
                ('position', models.PositiveIntegerField(default=0, help_text='Lower comes first.')),
                ('is_active', models.BooleanField(default=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'ordering': ('position', 'id'),
            },
        ),
        migrations.RemoveConstraint(
            model_name='product',
            name='catalog_product_price_gte_0',
        ),
        migrations.RemoveConstraint(
            model_name='product',
            name='catalog_product_stock_gte_0',
        ),
        migrations.RemoveIndex(
            model_name='product',
            name='catalog_prod_active_price',
        ),
        migrations.AddField(
            model_name='product',
            name='tax_class',
            field=models.CharField(choices=[('standard', 'Standard rate'), ('reduced', 'Reduced rate'), ('zero', 'Zero rate')], default='standard', max_length=16),
        ),
        migrations.AddField(
            model_name='productoption',
            name='product',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='options', to='catalog.product'),
        ),
        migrations.AddField(
            model_name='stockmovement',
            name='actor',
            field=models.ForeignKey(blank=True, help_text='Who did it; empty for the system (checkout by a shopper is theirs).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='variant',
            name='image',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='catalog.productimage'),
        ),
        migrations.AddField(
            model_name='variant',
            name='product',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='variants', to='catalog.product'),
        ),
        migrations.AddField(
            model_name='stockmovement',
            name='variant',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='movements', to='catalog.variant'),
        ),
        migrations.AddConstraint(
            model_name='productoption',
            constraint=models.UniqueConstraint(fields=('product', 'position'), name='catalog_option_one_per_position'),
        ),
        migrations.AddConstraint(
            model_name='productoption',
            constraint=models.UniqueConstraint(models.F('product'), django.db.models.functions.text.Lower('name'), name='catalog_option_name_unique_per_product'),
        ),
        migrations.AddConstraint(
            model_name='productoption',
            constraint=models.CheckConstraint(condition=models.Q(('position__gte', 1), ('position__lte', 3)), name='catalog_option_position_1_to_3'),
        ),
        migrations.AddIndex(
            model_name='variant',
            index=models.Index(fields=['product', 'position'], name='catalog_variant_product_pos'),
        ),
        migrations.AddIndex(
            model_name='variant',
            index=models.Index(fields=['is_active', 'price'], name='catalog_variant_active_price'),
        ),
        migrations.AddConstraint(
            model_name='variant',
            constraint=models.CheckConstraint(condition=models.Q(('price__gte', 0)), name='catalog_variant_price_gte_0'),
        ),
        migrations.AddConstraint(
            model_name='variant',
            constraint=models.CheckConstraint(condition=models.Q(('stock__gte', 0)), name='catalog_variant_stock_gte_0'),
        ),
        migrations.AddConstraint(
            model_name='variant',
            constraint=models.CheckConstraint(condition=models.Q(('compare_at_price__isnull', True), ('compare_at_price__gt', models.F('price')), _connector='OR'), name='catalog_variant_compare_at_above_price'),
        ),
        migrations.AddConstraint(
            model_name='variant',
            constraint=models.UniqueConstraint(fields=('product', 'option1', 'option2', 'option3'), name='catalog_variant_one_per_combination'),
        ),
        migrations.AddIndex(
            model_name='stockmovement',
            index=models.Index(fields=['variant', '-created_at'], name='catalog_movement_variant'),
        ),
        migrations.AddIndex(
            model_name='stockmovement',
            index=models.Index(fields=['reference'], name='catalog_movement_reference'),
        ),
        migrations.AddConstraint(
            model_name='stockmovement',
            constraint=models.CheckConstraint(condition=models.Q(('delta', 0), _negated=True), name='catalog_movement_delta_not_0'),
        ),
        migrations.AddConstraint(
            model_name='stockmovement',
            constraint=models.CheckConstraint(condition=models.Q(('quantity_after__gte', 0)), name='catalog_movement_after_gte_0'),
        ),
    ]
