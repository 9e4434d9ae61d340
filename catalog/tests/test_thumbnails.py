"""Thumbnails: made once when an image is stored, served to product lists."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from PIL import Image

from catalog import services
from catalog.constants import THUMBNAIL_SIZE
from catalog.errors import ProductInvalid
from catalog.models import ProductImage
from catalog.tests.factories import (
    png_bytes,
    product_change_form,
    product_image_make,
    product_make,
)

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/catalog/product/"


def _opened(file: Any) -> Image.Image:
    with file.open("rb") as stored:
        picture = Image.open(io.BytesIO(stored.read()))
    picture.load()
    return picture


def _add(size: tuple[int, int], **kwargs: Any) -> ProductImage:
    return services.product_image_add(
        product=product_make(), file=ContentFile(png_bytes(size=size, **kwargs), name="p.png")
    )


def test_a_big_image_gets_a_thumbnail_the_api_serves(client: Client) -> None:
    image = _add((2000, 1500))

    thumbnail = _opened(image.thumbnail)
    assert thumbnail.size == (THUMBNAIL_SIZE, THUMBNAIL_SIZE * 3 // 4)
    assert thumbnail.format == "WEBP"
    assert ProductImage.objects.get(pk=image.pk).thumbnail.name == image.thumbnail.name

    body = client.get(f"/api/products/{image.product_id}/").json()
    assert body["image"] == f"http://testserver{image.image.url}"
    assert body["thumbnail"] == f"http://testserver{image.thumbnail.url}"
    assert body["images"][0]["url"] == body["image"]
    assert body["images"][0]["thumbnail"] == body["thumbnail"]
    assert body["thumbnail"] != body["image"]


def test_a_small_image_is_not_upscaled() -> None:
    assert _opened(_add((100, 60)).thumbnail).size == (100, 60)


def test_transparency_is_kept() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (600, 600), (255, 0, 0, 0)).save(buffer, format="PNG")
    image = services.product_image_add(
        product=product_make(), file=ContentFile(buffer.getvalue(), name="clear.png")
    )
    thumbnail = _opened(image.thumbnail)
    assert thumbnail.mode == "RGBA"
    assert thumbnail.getpixel((0, 0))[3] == 0


def test_exif_rotation_is_turned_upright() -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    Image.new("RGB", (800, 400), "blue").save(buffer, format="JPEG", exif=exif)
    image = services.product_image_add(
        product=product_make(), file=ContentFile(buffer.getvalue(), name="side.jpg")
    )
    assert _opened(image.thumbnail).size == (THUMBNAIL_SIZE // 2, THUMBNAIL_SIZE)


def test_without_a_thumbnail_the_api_falls_back_to_the_original(client: Client) -> None:
    image = product_image_make(product=product_make())
    assert not image.thumbnail

    body = client.get(f"/api/products/{image.product_id}/").json()
    assert body["thumbnail"] == body["image"] == f"http://testserver{image.image.url}"
    assert body["images"][0]["thumbnail"] == body["image"]


def test_a_product_without_images_has_no_thumbnail(client: Client) -> None:
    body = client.get(f"/api/products/{product_make().pk}/").json()
    assert (body["image"], body["thumbnail"]) == (None, None)


def test_deleting_an_image_deletes_both_files(django_capture_on_commit_callbacks: Any) -> None:
    image = _add((900, 900))
    storage, names = image.image.storage, (image.image.name, image.thumbnail.name)
    assert all(storage.exists(name) for name in names)

    with django_capture_on_commit_callbacks(execute=True):
        services.product_image_delete(image=image)

    assert not any(storage.exists(name) for name in names)


def test_deleting_a_product_deletes_its_thumbnails(django_capture_on_commit_callbacks: Any) -> None:
    image = _add((900, 900))
    storage, name = image.thumbnail.storage, image.thumbnail.name

    with django_capture_on_commit_callbacks(execute=True):
        services.product_delete(product=image.product)

    assert not storage.exists(name)


def test_make_thumbnails_fills_missing_ones_once() -> None:
    missing = product_image_make(product=product_make())
    made = _add((900, 900))
    out = io.StringIO()

    call_command("make_thumbnails", stdout=out)

    missing.refresh_from_db()
    assert _opened(missing.thumbnail).size == (8, 8)
    assert ProductImage.objects.get(pk=made.pk).thumbnail.name == made.thumbnail.name
    assert "1 thumbnail" in out.getvalue()

    kept = missing.thumbnail.name
    out = io.StringIO()
    call_command("make_thumbnails", stdout=out)
    missing.refresh_from_db()
    assert missing.thumbnail.name == kept
    assert "0 thumbnails" in out.getvalue()


def test_make_thumbnails_skips_a_broken_picture_and_goes_on() -> None:
    fine = product_image_make(product=product_make())
    broken = product_image_make(product=product_make())
    with open(broken.image.path, "wb") as original:  # damaged in the storage since
        original.write(b"not a picture any more")
    out, err = io.StringIO(), io.StringIO()

    call_command("make_thumbnails", stdout=out, stderr=err)

    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.thumbnail
    assert not broken.thumbnail
    assert f"Image {broken.pk}" in err.getvalue()
    assert "1 thumbnail made" in out.getvalue()


# --- the admin's image inline ------------------------------------------------------------


@pytest.fixture
def admin_client(client: Client, superuser: Any) -> Client:
    client.force_login(superuser)
    return client


def _image_edit(admin_client: Client, image: ProductImage, **fields: Any) -> Any:
    """Post the product's change form with its one image's inline row changed by `fields`."""
    product = image.product
    inline = {
        "images-TOTAL_FORMS": 1,
        "images-INITIAL_FORMS": 1,
        "images-0-id": image.pk,
        "images-0-product": product.pk,
        "images-0-position": 0,
        **fields,
    }
    return admin_client.post(
        f"{PRODUCTS}{product.pk}/change/", product_change_form(product, **inline)
    )


def test_the_admin_inline_makes_a_thumbnail(admin_client: Client) -> None:
    product = product_make()
    upload = SimpleUploadedFile("big.png", png_bytes(size=(1000, 2000)), "image/png")

    response = admin_client.post(
        f"{PRODUCTS}{product.pk}/change/",
        product_change_form(
            product,
            **{
                "images-TOTAL_FORMS": 1,
                "images-INITIAL_FORMS": 0,
                "images-0-image": upload,
                "images-0-position": 0,
            },
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    image = product.images.get()
    assert _opened(image.thumbnail).size == (THUMBNAIL_SIZE // 2, THUMBNAIL_SIZE)

    listed = admin_client.get(PRODUCTS).content.decode()
    assert f'src="{image.thumbnail.url}"' in listed
    assert f'src="{image.image.url}"' not in listed


def test_replacing_an_image_in_the_admin_makes_a_new_thumbnail(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    old = _add((900, 900))
    storage, old_names = old.image.storage, (old.image.name, old.thumbnail.name)
    upload = SimpleUploadedFile("new.png", png_bytes(size=(600, 300)), "image/png")

    with django_capture_on_commit_callbacks(execute=True):
        response = _image_edit(admin_client, old, **{"images-0-image": upload})

    assert response.status_code == 302, response.context["adminform"].form.errors
    image = ProductImage.objects.get(pk=old.pk)
    assert image.thumbnail.name not in old_names
    assert _opened(image.thumbnail).size == (THUMBNAIL_SIZE, THUMBNAIL_SIZE // 2)
    assert not any(storage.exists(name) for name in old_names)


def test_editing_alt_text_in_the_admin_keeps_the_thumbnail(admin_client: Client) -> None:
    old = _add((900, 900))

    response = _image_edit(admin_client, old, **{"images-0-alt_text": "front"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    image = ProductImage.objects.get(pk=old.pk)
    assert (image.alt_text, image.thumbnail.name) == ("front", old.thumbnail.name)
    assert image.thumbnail.storage.exists(image.thumbnail.name)


def test_a_picture_that_cannot_be_decoded_is_refused_and_not_kept(settings) -> None:
    product = product_make()
    whole = png_bytes(size=(900, 900), color="#123456")
    truncated = ContentFile(whole[: len(whole) // 2], name="cut.png")  # the header reads fine

    with pytest.raises(ProductInvalid) as refused:
        services.product_image_add(product=product, file=truncated)

    assert refused.value.status == 422
    assert refused.value.extra["errors"] == {"image": ["This picture cannot be read."]}
    assert not product.images.exists()
    stored = [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]
    assert stored == []  # neither the original nor a thumbnail is left in the storage
