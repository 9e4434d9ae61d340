"""Catalog services called directly, as the admin, the import and commands do."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from catalog import services
from catalog.errors import ProductInvalid, SkuTaken, UnknownCategory
from catalog.inventory import Reason, stock_reserve
from catalog.models import Product
from catalog.tests.factories import default_variant, png_bytes, product_make

pytestmark = pytest.mark.django_db


def test_slug_is_the_slugified_name() -> None:
    assert services.product_slug_for("Café Crème Mug!", "MUG-1") == "cafe-creme-mug"


def test_slug_collisions_add_the_sku_then_a_number() -> None:
    product_make(slug="blue-mug")
    assert services.product_slug_for("Blue Mug", "MUG 2") == "blue-mug-mug-2"
    product_make(slug="blue-mug-mug-2")
    assert services.product_slug_for("Blue Mug", "MUG 2") == "blue-mug-2"
    product_make(slug="blue-mug-2")
    assert services.product_slug_for("Blue Mug", "MUG 2") == "blue-mug-3"


def test_slug_of_the_product_itself_is_not_a_collision() -> None:
    product = product_make(slug="blue-mug")
    assert services.product_slug_for("Blue Mug", "X", exclude_pk=product.pk) == "blue-mug"


@pytest.mark.parametrize(
    ("name", "sku", "slug"), [("日本茶", "TEA-7", "tea-7"), ("!!!", "###", "product")]
)
def test_slug_falls_back_to_the_sku_then_a_word(name: str, sku: str, slug: str) -> None:
    assert services.product_slug_for(name, sku) == slug


def test_long_names_and_skus_make_slugs_that_fit() -> None:
    name = "Lamp " * 40
    first = services.product_create(sku="S" * 64, name=name, price=Decimal(1))
    second = services.product_create(sku="T" * 64, name=name, price=Decimal(1))
    third = services.product_create(sku="U" * 64, name=name[:150], price=Decimal(1))
    assert len({first.slug, second.slug, third.slug}) == 3
    assert max(len(p.slug) for p in (first, second, third)) <= services.SLUG_MAX_LENGTH


def test_create_converts_and_checks_values_like_an_import_would() -> None:
    product = services.product_create(sku=" A-1 ", name=" Lamp ", price="9.5", stock=2)
    product.refresh_from_db()
    assert (
        default_variant(product).sku,
        product.name,
        default_variant(product).price,
        product.slug,
    ) == (
        "A-1",
        "Lamp",
        Decimal("9.50"),
        "lamp",
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"price": Decimal("-1")}, "price"),
        ({"price": "1.005"}, "price"),
        ({"price": "ten"}, "price"),
        ({"stock": -3}, "stock"),
        ({"sku": ""}, "sku"),
        ({"sku": "x" * 65}, "sku"),
        ({"name": " "}, "name"),
    ],
)
def test_invalid_fields_are_listed(fields: dict, field: str) -> None:
    values = {"sku": "A-1", "name": "Lamp", "price": Decimal("1.00"), "stock": 1, **fields}
    with pytest.raises(ProductInvalid) as error:
        services.product_create(**values)
    assert field in error.value.extra["errors"]
    assert error.value.status == 422
    assert not Product.objects.exists()


def test_duplicate_sku_raises_sku_taken() -> None:
    product_make(sku="A-1")
    with pytest.raises(SkuTaken) as error:
        services.product_create(sku="A-1", name="Lamp", price=Decimal(1))
    assert error.value.as_body()["code"] == "sku_taken"


def test_unknown_category_raises() -> None:
    with pytest.raises(UnknownCategory):
        services.product_create(sku="A-1", name="Lamp", price=Decimal(1), category_id=99)


def test_update_writes_only_the_changed_fields() -> None:
    product = product_make(name="Lamp", stock=10)
    variant = default_variant(product)
    stock_reserve(lines=[(variant.pk, 6)], reason=Reason.CHECKOUT)  # an order, meanwhile
    services.product_update(product=product, name="Desk Lamp")
    product.refresh_from_db()
    assert (product.name, default_variant(product).stock) == ("Desk Lamp", 4)


def test_images_are_appended_in_order() -> None:
    product = product_make()
    first = services.product_image_add(
        product=product, file=ContentFile(png_bytes(), name="a.png"), alt_text="A"
    )
    second = services.product_image_add(
        product=product, file=ContentFile(png_bytes(), name="b.png")
    )
    assert (first.position, second.position) == (0, 1)
    assert first.image.storage.exists(first.image.name)


def test_an_image_over_the_pixel_cap_is_not_stored() -> None:
    product = product_make()
    huge = ContentFile(png_bytes(size=(5200, 5000), mode="1"), name="huge.png")

    with pytest.raises(ProductInvalid) as refused:
        services.product_image_add(product=product, file=huge)

    assert refused.value.status == 422
    assert "at most 25 megapixels" in refused.value.extra["errors"]["image"][0]
    assert not product.images.exists()


def test_deleting_an_image_deletes_its_file_on_commit(django_capture_on_commit_callbacks) -> None:
    image = services.product_image_add(
        product=product_make(), file=ContentFile(png_bytes(), name="a.png")
    )
    storage, name = image.image.storage, image.image.name

    with django_capture_on_commit_callbacks(execute=True):
        services.product_image_delete(image=image)

    assert not storage.exists(name)
