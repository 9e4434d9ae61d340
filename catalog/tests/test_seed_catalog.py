"""`manage.py seed_catalog`: a demo catalog on an empty database, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from catalog.inventory import stock_drift
from catalog.models import Category, Product, ProductImage, Variant
from catalog.tests.factories import product_make

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_catalog", stdout=out)
    return out.getvalue()


def test_seeds_categories_products_and_pictures() -> None:
    assert "Demo catalog created: 50 products." in seed()

    products = Product.objects.all()
    assert 40 <= products.count() <= 60
    assert Category.objects.filter(parent__isnull=True).count() >= 3
    assert Category.objects.filter(parent__isnull=False).count() >= 6
    assert not products.filter(category__isnull=True).exists()
    variants = Variant.objects.all()
    assert variants.filter(stock=0).exists()
    assert variants.filter(stock__gte=1, stock__lte=5).exists()
    assert variants.filter(stock__gt=5).exists()
    sized = products.filter(category__name="T-shirts").first()
    assert [v.title for v in sized.variants.order_by("position")] == ["S", "M", "L", "XL"]
    assert stock_drift() == []
    assert len(set(products.values_list("slug", flat=True))) == products.count()
    images = ProductImage.objects.all()
    assert images.count() == products.count()
    image = images.first()
    assert image.image.storage.exists(image.image.name)
    assert image.image.read(8) == b"\x89PNG\r\n\x1a\n"


def test_seeding_twice_creates_nothing_more() -> None:
    seed()
    counts = (Product.objects.count(), Category.objects.count(), ProductImage.objects.count())
    assert "no demo catalog created" in seed()
    assert (Product.objects.count(), Category.objects.count(), ProductImage.objects.count()) == (
        counts
    )


def test_an_existing_catalog_is_left_alone() -> None:
    product_make()
    seed()
    assert Product.objects.count() == 1
    assert not Category.objects.exists()
