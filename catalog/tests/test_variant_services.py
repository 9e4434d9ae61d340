"""catalog.variants: the rules the API, the admin and the import share."""

import pytest

from catalog.errors import ProductInvalid
from catalog.models import Variant
from catalog.tests.factories import product_image_make, product_make, product_with_options_make
from catalog.variants import variant_update, variants_generate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("whose", ["other", "missing"])
def test_a_variant_image_must_be_its_products(whose: str) -> None:
    product = product_make()
    variant = product.variants.get()
    image = product_image_make(product=product_make()) if whose == "other" else None

    with pytest.raises(ProductInvalid) as refused:
        variant_update(variant=variant, image_id=image.pk if image else 10**9)

    assert "image_id" in refused.value.extra["errors"]
    assert Variant.objects.get(pk=variant.pk).image_id is None


def test_generate_makes_only_the_missing_combinations() -> None:
    tee = product_with_options_make(options={"Size": ["S"], "Colour": ["Red"]}, price="9.00")
    tee.options.filter(name="Size").update(values=["S", "M"])
    tee.options.filter(name="Colour").update(values=["Red", "Blue"])

    made = variants_generate(product=tee)

    assert sorted(v.title for v in made) == ["M / Blue", "M / Red", "S / Blue"]
    assert {(v.price, v.stock) for v in made} == {(tee.variants.first().price, 0)}
    assert variants_generate(product=tee) == []
    assert tee.variants.count() == 4


def test_a_variant_takes_one_of_its_products_images() -> None:
    product = product_make()
    image = product_image_make(product=product)
    variant = variant_update(variant=product.variants.get(), image_id=image.pk)
    assert Variant.objects.get(pk=variant.pk).image == image
