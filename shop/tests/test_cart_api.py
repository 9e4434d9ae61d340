"""Cart endpoints."""

import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from accounts.tests.factories import bearer
from catalog.models import Product, Variant
from catalog.tests.factories import (
    default_variant,
    product_image_make,
    product_make,
    product_with_options_make,
    variant_make,
)
from core.testing import patch_json, post_json
from shop.cart import MAX_LINE_QUANTITY, cart_line_add, cart_line_update
from shop.errors import QuantityLimit
from shop.models import CartLine, Order
from shop.tests.factories import address_make

pytestmark = pytest.mark.django_db


def test_cart_starts_empty(client: Client, customer: User) -> None:
    response = client.get("/api/cart/", **bearer(customer))
    assert response.status_code == 200
    assert response.json() == {"items": [], "item_count": 0, "subtotal": "0.00", "currency": "usd"}


def test_add_twice_increases_one_line_and_totals_are_decimal_strings(
    client: Client, customer: User
) -> None:
    mug = product_make(name="Mug", price="12.50", stock=5)
    product_image_make(product=mug)
    auth = bearer(customer)
    post_json(client, "/api/cart/add/", {"product_id": mug.pk}, **auth)
    response = post_json(client, "/api/cart/add/", {"product_id": mug.pk, "quantity": 2}, **auth)
    assert response.status_code == 200
    body = response.json()
    assert body["item_count"] == 3
    assert body["subtotal"] == "37.50"
    [item] = body["items"]
    assert item["quantity"] == 3
    assert item["line_total"] == "37.50"
    assert item["available"] is True
    assert item["product"]["id"] == mug.pk
    assert item["product"]["price"] == "12.50"
    assert item["product"]["image"].startswith("http://testserver/")


def test_add_more_than_stock_is_409(client: Client, customer: User) -> None:
    mug = product_make(stock=2)
    auth = bearer(customer)
    post_json(client, "/api/cart/add/", {"product_id": mug.pk, "quantity": 2}, **auth)
    response = post_json(client, "/api/cart/add/", {"product_id": mug.pk}, **auth)
    assert response.status_code == 409
    assert response.json()["code"] == "out_of_stock"
    assert CartLine.objects.get().quantity == 2


@pytest.mark.parametrize("active", [False, None])
def test_add_unknown_or_inactive_product_is_404(client: Client, customer: User, active) -> None:
    product_id = product_make(is_active=False).pk if active is False else 10**9
    response = post_json(client, "/api/cart/add/", {"product_id": product_id}, **bearer(customer))
    assert response.status_code == 404
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"product_id": 1, "quantity": 0},
        {"product_id": 1, "quantity": -3},
        {"product_id": 1, "quantity": 10**12},
        {"product_id": 1, "quantity": "many"},
        {"product_id": 1, "quantity": 1.5},
        {"product_id": "x"},
        {"product_id": 2**70},
        {"variant_id": 0},
        {},
    ],
)
def test_add_bad_input_is_422(client: Client, customer: User, body: dict) -> None:
    product_make(stock=5)
    response = post_json(client, "/api/cart/add/", body, **bearer(customer))
    assert response.status_code == 422
    assert not CartLine.objects.exists()


def test_update_sets_quantity_and_checks_stock(client: Client, customer: User) -> None:
    mug = product_make(price="2.00", stock=4)
    cart_line_add(user=customer, product_id=mug.pk, quantity=1)
    line = CartLine.objects.get()
    auth = bearer(customer)
    response = patch_json(client, f"/api/cart/update/{line.pk}/", {"quantity": 4}, **auth)
    assert response.status_code == 200
    assert response.json()["subtotal"] == "8.00"
    too_many = patch_json(client, f"/api/cart/update/{line.pk}/", {"quantity": 5}, **auth)
    assert too_many.status_code == 409
    assert (
        patch_json(client, f"/api/cart/update/{line.pk}/", {"quantity": 0}, **auth).status_code
        == 422
    )
    line.refresh_from_db()
    assert line.quantity == 4


def test_update_has_the_same_quantity_limit_as_add(customer: User) -> None:
    product = product_make(stock=MAX_LINE_QUANTITY + 10)
    cart_line_add(user=customer, product_id=product.pk)
    line = CartLine.objects.get()

    with pytest.raises(QuantityLimit):  # the service, as the admin or a script calls it
        cart_line_update(user=customer, line_id=line.pk, quantity=MAX_LINE_QUANTITY + 1)

    line.refresh_from_db()
    assert line.quantity == 1


def test_someone_elses_line_is_404(client: Client, customer: User, other_customer: User) -> None:
    cart_line_add(user=other_customer, product_id=product_make(stock=4).pk, quantity=1)
    line = CartLine.objects.get()
    auth = bearer(customer)
    assert (
        patch_json(client, f"/api/cart/update/{line.pk}/", {"quantity": 2}, **auth).status_code
        == 404
    )
    assert client.delete(f"/api/cart/remove/{line.pk}/", **auth).status_code == 404
    line.refresh_from_db()
    assert line.quantity == 1


@pytest.mark.parametrize("line_id", ["abc", "0", str(2**64)])
def test_bad_line_ids_are_4xx(client: Client, customer: User, line_id: str) -> None:
    response = client.delete(f"/api/cart/remove/{line_id}/", **bearer(customer))
    assert response.status_code in (404, 422)


def test_remove_deletes_line(client: Client, customer: User) -> None:
    cart_line_add(user=customer, product_id=product_make(stock=4).pk, quantity=1)
    line = CartLine.objects.get()
    assert client.delete(f"/api/cart/remove/{line.pk}/", **bearer(customer)).status_code == 204
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("change", ["deactivated", "variant deactivated", "deleted"])
def test_unavailable_product_shows_only_the_lines_copy(
    client: Client, customer: User, change: str
) -> None:
    gone = product_make(name="Gone", price="5.00", stock=4)
    gone_sku = default_variant(gone).sku
    kept = product_make(price="1.00", stock=4)
    cart_line_add(user=customer, product_id=gone.pk, quantity=2)
    cart_line_add(user=customer, product_id=kept.pk, quantity=1)
    if change == "deleted":
        gone.delete()
    else:
        Product.objects.filter(pk=gone.pk).update(
            is_active=change != "deactivated", description="Secret relaunch"
        )
        Variant.objects.filter(product=gone).update(
            is_active=change != "variant deactivated", price="99.00"
        )

    body = client.get("/api/cart/", **bearer(customer)).json()
    item = next(i for i in body["items"] if i["name"] == "Gone")
    assert item["available"] is False
    assert item["line_total"] == "0.00"
    assert item["product"] is None  # the hidden product's current record is not shown
    assert item["sku"] == gone_sku
    assert "Secret relaunch" not in json.dumps(body)
    assert body["subtotal"] == "1.00"
    assert body["item_count"] == 1
    line = CartLine.objects.get(name="Gone")
    response = patch_json(
        client, f"/api/cart/update/{line.pk}/", {"quantity": 1}, **bearer(customer)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "product_unavailable"
    address = address_make(user=customer)
    response = post_json(
        client, "/api/orders/create/", {"address_id": address.pk}, **bearer(customer)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "product_unavailable"
    assert not Order.objects.exists()


def test_cart_needs_token(client: Client) -> None:
    assert client.get("/api/cart/").status_code == 401
    assert post_json(client, "/api/cart/add/", {"product_id": 1}).status_code == 401


@pytest.mark.parametrize("lines", [1, 20])
def test_cart_query_count_is_constant(
    client: Client, customer: User, lines: int, django_assert_num_queries
) -> None:
    for _ in range(lines):
        product = product_make(stock=5)
        product_image_make(product=product)
        cart_line_add(user=customer, product_id=product.pk, quantity=1)
    auth = bearer(customer)
    # auth user, cart, lines+variants+products+categories, images, options, variants
    with django_assert_num_queries(6):
        assert client.get("/api/cart/", **auth).status_code == 200


def test_add_by_variant_id_answers_the_variant_of_the_line(client: Client, customer: User) -> None:
    tee = product_with_options_make(
        name="Tee", options={"Size": ["M"], "Colour": ["Red"]}, price="20.00", stock=5
    )
    medium_red = default_variant(tee)

    response = post_json(
        client, "/api/cart/add/", {"variant_id": medium_red.pk, "quantity": 2}, **bearer(customer)
    )

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert (item["variant_id"], item["variant_title"], item["sku"]) == (
        medium_red.pk,
        "M / Red",
        medium_red.sku,
    )
    assert (item["quantity"], item["line_total"], item["name"]) == (2, "40.00", "Tee")
    assert item["product"]["id"] == tee.pk
    line = CartLine.objects.get()
    assert (line.variant_id, line.variant_title) == (medium_red.pk, "M / Red")


def test_add_by_product_id_of_a_product_with_variants_is_422_naming_them(
    client: Client, customer: User
) -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]})
    small, medium = tee.variants.order_by("position")

    response = post_json(client, "/api/cart/add/", {"product_id": tee.pk}, **bearer(customer))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "variant_required"
    assert body["variant_ids"] == [small.pk, medium.pk]
    assert "variant_id" in body["detail"]
    assert not CartLine.objects.exists()


def test_a_single_variant_product_is_added_by_its_product_id(
    client: Client, customer: User
) -> None:
    mug = product_make(stock=5)
    response = post_json(client, "/api/cart/add/", {"product_id": mug.pk}, **bearer(customer))
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert (item["variant_id"], item["variant_title"]) == (default_variant(mug).pk, "")


def test_adding_one_variant_twice_sums_into_one_line(client: Client, customer: User) -> None:
    mug = product_make(stock=5)
    auth = bearer(customer)
    post_json(client, "/api/cart/add/", {"variant_id": default_variant(mug).pk}, **auth)

    response = post_json(client, "/api/cart/add/", {"product_id": mug.pk, "quantity": 2}, **auth)

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["quantity"] == 3
    assert CartLine.objects.get().quantity == 3


def test_the_stock_checked_is_the_variants(client: Client, customer: User) -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]}, stock=2)
    small, medium = tee.variants.order_by("position")
    auth = bearer(customer)
    first = post_json(client, "/api/cart/add/", {"variant_id": small.pk, "quantity": 2}, **auth)
    assert first.status_code == 200

    response = post_json(client, "/api/cart/add/", {"variant_id": small.pk}, **auth)

    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["variant_ids"], body["available"]) == (
        "out_of_stock",
        [small.pk],
        2,
    )
    other = post_json(client, "/api/cart/add/", {"variant_id": medium.pk, "quantity": 2}, **auth)
    assert other.status_code == 200
    assert sorted(CartLine.objects.values_list("variant_id", "quantity")) == [
        (small.pk, 2),
        (medium.pk, 2),
    ]


@pytest.mark.parametrize("hidden", ["variant", "product"])
def test_add_of_a_hidden_variant_is_404(client: Client, customer: User, hidden: str) -> None:
    product = product_make(is_active=hidden != "product")
    variant = variant_make(product=product, is_active=hidden != "variant", option1="Big")
    response = post_json(client, "/api/cart/add/", {"variant_id": variant.pk}, **bearer(customer))
    assert response.status_code == 404
    assert not CartLine.objects.exists()


def test_the_database_keeps_one_line_per_variant(customer: User) -> None:
    mug = product_make(stock=5)
    cart_line_add(user=customer, product_id=mug.pk)
    line = CartLine.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CartLine.objects.create(
            cart=line.cart, variant=line.variant, sku=line.sku, name=line.name, quantity=1
        )
    assert CartLine.objects.count() == 1
