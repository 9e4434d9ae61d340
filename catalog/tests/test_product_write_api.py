"""Staff writes: POST /api/products/, PUT/PATCH/DELETE /api/products/{id}/."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import bearer
from catalog.models import Product, ProductImage, WishlistItem
from catalog.tests.factories import category_make, default_variant, product_image_make, product_make
from core.testing import patch_json, post_json, put_json

pytestmark = pytest.mark.django_db

NEW = {"sku": "MUG-1", "name": "Blue Mug", "price": "12.50", "stock": 4}


def test_staff_creates_a_product(client: Client, staff: User) -> None:
    category = category_make(slug="mugs")
    body = {**NEW, "description": "Big.", "category_id": category.pk, "is_active": False}

    response = post_json(client, "/api/products/", body, **bearer(staff))

    assert response.status_code == 201, response.content
    data = response.json()
    product = Product.objects.get(pk=data["id"])
    assert (default_variant(product).sku, product.name, product.slug) == (
        "MUG-1",
        "Blue Mug",
        "blue-mug",
    )
    assert (default_variant(product).price, default_variant(product).stock, product.category) == (
        Decimal("12.50"),
        4,
        category,
    )
    assert (product.description, product.is_active) == ("Big.", False)
    assert data["price"] == "12.50"
    assert data["category"]["slug"] == "mugs"
    assert (data["image"], data["images"]) == (None, [])


def test_created_product_defaults(client: Client, staff: User) -> None:
    data = post_json(client, "/api/products/", NEW, **bearer(staff)).json()
    assert (data["description"], data["category"], data["is_active"]) == ("", None, True)


def test_sku_and_name_are_trimmed(client: Client, staff: User) -> None:
    body = {**NEW, "sku": "  MUG-1 ", "name": " Blue Mug  "}
    data = post_json(client, "/api/products/", body, **bearer(staff)).json()
    assert (data["sku"], data["name"]) == ("MUG-1", "Blue Mug")


def test_anonymous_cannot_create(client: Client) -> None:
    assert post_json(client, "/api/products/", NEW).status_code == 401
    assert not Product.objects.exists()


def test_customer_cannot_create(client: Client, customer: User) -> None:
    response = post_json(client, "/api/products/", NEW, **bearer(customer))
    assert response.status_code == 403
    assert not Product.objects.exists()


def test_duplicate_sku_is_409(client: Client, staff: User) -> None:
    product_make(sku="MUG-1")
    response = post_json(client, "/api/products/", NEW, **bearer(staff))
    assert response.status_code == 409
    assert response.json()["code"] == "sku_taken"
    assert Product.objects.count() == 1


def test_same_name_gets_a_different_slug(client: Client, staff: User) -> None:
    first = post_json(client, "/api/products/", NEW, **bearer(staff)).json()
    second = post_json(client, "/api/products/", {**NEW, "sku": "MUG-2"}, **bearer(staff)).json()
    assert (first["slug"], second["slug"]) == ("blue-mug", "blue-mug-mug-2")


def test_unknown_category_is_422_with_a_clear_message(client: Client, staff: User) -> None:
    response = post_json(client, "/api/products/", {**NEW, "category_id": 4242}, **bearer(staff))
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_category"
    assert "4242" in response.json()["detail"]
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"price": "-0.01"},
        {"price": -1},
        {"price": "1.999"},
        {"price": "12345678901.00"},
        {"price": "NaN"},
        {"price": "cheap"},
        {"price": None},
        {"stock": -1},
        {"stock": 1.5},
        {"stock": 2**31},
        {"stock": "many"},
        {"sku": ""},
        {"sku": "   "},
        {"sku": "x" * 65},
        {"name": ""},
        {"name": "x" * 201},
        {"name": "Blue\u0000Mug"},
        {"sku": "MUG\u0000"},
        {"description": "\u0000"},
        {"category_id": 0},
        {"category_id": 2**63},
        {"category_id": "mugs"},
        {"is_active": "perhaps"},
    ],
)
def test_bad_product_input_is_422(client: Client, staff: User, change: dict) -> None:
    response = post_json(client, "/api/products/", {**NEW, **change}, **bearer(staff))
    assert response.status_code == 422, response.content
    assert not Product.objects.exists()


def test_a_v1_product_without_stock_has_none(client: Client, staff: User) -> None:
    body = {key: value for key, value in NEW.items() if key != "stock"}
    response = post_json(client, "/api/products/", body, **bearer(staff))
    assert (response.status_code, response.json()["stock"]) == (201, 0)


@pytest.mark.parametrize("missing", ["sku", "name", "price"])
def test_required_fields(client: Client, staff: User, missing: str) -> None:
    body = {key: value for key, value in NEW.items() if key != missing}
    assert post_json(client, "/api/products/", body, **bearer(staff)).status_code == 422


def test_malformed_json_is_4xx(client: Client, staff: User) -> None:
    response = client.post(
        "/api/products/", "{not json", content_type="application/json", **bearer(staff)
    )
    assert 400 <= response.status_code < 500


# --- PUT and PATCH -----------------------------------------------------------------------


def test_put_replaces_the_whole_product(client: Client, staff: User) -> None:
    old_category = category_make()
    product = product_make(sku="OLD", name="Old", description="Old text", category=old_category)
    product_image_make(product=product)

    response = put_json(client, f"/api/products/{product.pk}/", NEW, **bearer(staff))

    assert response.status_code == 200, response.content
    product.refresh_from_db()
    assert (
        default_variant(product).sku,
        product.name,
        default_variant(product).price,
        default_variant(product).stock,
    ) == (
        "MUG-1",
        "Blue Mug",
        Decimal("12.50"),
        4,
    )
    assert (product.description, product.category, product.is_active) == ("", None, True)
    assert len(response.json()["images"]) == 1


def test_patch_changes_only_the_fields_sent(client: Client, staff: User) -> None:
    category = category_make(slug="mugs")
    product = product_make(sku="KEEP", name="Keep", price="3.00", stock=7)
    response = patch_json(
        client,
        f"/api/products/{product.pk}/",
        {"price": "4.25", "category_id": category.pk},
        **bearer(staff),
    )
    assert response.status_code == 200, response.content
    assert response.json()["price"] == "4.25"
    assert response.json()["category"]["slug"] == "mugs"
    product.refresh_from_db()
    assert (default_variant(product).sku, product.name, default_variant(product).stock) == (
        "KEEP",
        "Keep",
        7,
    )
    assert default_variant(product).price == Decimal("4.25")


def test_patch_category_null_removes_the_category(client: Client, staff: User) -> None:
    product = product_make(category=category_make())
    response = patch_json(
        client, f"/api/products/{product.pk}/", {"category_id": None}, **bearer(staff)
    )
    assert response.json()["category"] is None
    product.refresh_from_db()
    assert product.category is None


def test_empty_patch_changes_nothing(client: Client, staff: User) -> None:
    product = product_make()
    response = patch_json(client, f"/api/products/{product.pk}/", {}, **bearer(staff))
    assert response.status_code == 200
    assert Product.objects.get(pk=product.pk).updated_at == product.updated_at


@pytest.mark.parametrize("field", ["sku", "name", "price", "stock", "description", "is_active"])
def test_patch_null_on_a_required_field_is_422(client: Client, staff: User, field: str) -> None:
    product = product_make()
    response = patch_json(client, f"/api/products/{product.pk}/", {field: None}, **bearer(staff))
    assert response.status_code == 422


def test_patch_negative_stock_is_422(client: Client, staff: User) -> None:
    product = product_make(stock=3)
    response = patch_json(client, f"/api/products/{product.pk}/", {"stock": -1}, **bearer(staff))
    assert response.status_code == 422
    product.refresh_from_db()
    assert default_variant(product).stock == 3


def test_patch_to_a_taken_sku_is_409(client: Client, staff: User) -> None:
    product_make(sku="TAKEN")
    product = product_make(sku="MINE")
    response = patch_json(client, f"/api/products/{product.pk}/", {"sku": "TAKEN"}, **bearer(staff))
    assert response.status_code == 409
    assert response.json()["code"] == "sku_taken"
    product.refresh_from_db()
    assert default_variant(product).sku == "MINE"


def test_renaming_keeps_the_slug(client: Client, staff: User) -> None:
    product = product_make(name="Blue Mug", slug="blue-mug")
    response = patch_json(client, f"/api/products/{product.pk}/", {"name": "Red"}, **bearer(staff))
    assert (response.json()["name"], response.json()["slug"]) == ("Red", "blue-mug")


def test_staff_can_update_an_inactive_product(client: Client, staff: User) -> None:
    product = product_make(is_active=False)
    response = patch_json(
        client, f"/api/products/{product.pk}/", {"is_active": True}, **bearer(staff)
    )
    assert response.json()["is_active"] is True


@pytest.mark.parametrize("method", [put_json, patch_json])
def test_updates_need_staff(client: Client, customer: User, method) -> None:
    product = product_make(name="Same")
    path = f"/api/products/{product.pk}/"
    assert method(client, path, NEW).status_code == 401
    assert method(client, path, NEW, **bearer(customer)).status_code == 403
    product.refresh_from_db()
    assert product.name == "Same"


@pytest.mark.parametrize("method", [put_json, patch_json])
def test_updating_an_unknown_product_is_404(client: Client, staff: User, method) -> None:
    assert method(client, "/api/products/424242/", NEW, **bearer(staff)).status_code == 404


# --- DELETE ------------------------------------------------------------------------------


def test_staff_deletes_a_product_with_its_images_and_wishlist_entries(
    client: Client, staff: User, customer: User, settings, django_capture_on_commit_callbacks
) -> None:
    product = product_make()
    image = product_image_make(product=product)
    WishlistItem.objects.create(user=customer, product=product)
    file = Path(settings.MEDIA_ROOT) / image.image.name
    assert file.exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.delete(f"/api/products/{product.pk}/", **bearer(staff))
        assert file.exists()  # the file goes only once the deletion is committed

    assert response.status_code == 204
    assert len(callbacks) == 1
    assert not file.exists()
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not ProductImage.objects.exists()
    assert not WishlistItem.objects.exists()
    assert client.get(f"/api/products/{product.pk}/", **bearer(staff)).status_code == 404


def test_deleting_needs_staff(client: Client, customer: User) -> None:
    product = product_make()
    assert client.delete(f"/api/products/{product.pk}/").status_code == 401
    assert client.delete(f"/api/products/{product.pk}/", **bearer(customer)).status_code == 403
    assert Product.objects.filter(pk=product.pk).exists()


def test_deleting_an_unknown_product_is_404(client: Client, staff: User) -> None:
    assert client.delete("/api/products/424242/", **bearer(staff)).status_code == 404
