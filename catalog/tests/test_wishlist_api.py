"""The wishlist: POST/GET /api/products/wishlist/ and DELETE /api/products/wishlist/{id}/."""

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import bearer
from catalog.models import WishlistItem
from catalog.tests.factories import product_image_make, product_make
from core.testing import post_json

pytestmark = pytest.mark.django_db

PATH = "/api/products/wishlist/"


def test_adding_is_201_then_200_with_the_same_item(client: Client, customer: User) -> None:
    product = product_make(sku="MUG")
    product_image_make(product=product)

    first = post_json(client, PATH, {"product_id": product.pk}, **bearer(customer))
    again = post_json(client, PATH, {"product_id": product.pk}, **bearer(customer))

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["product"]["sku"] == "MUG"
    assert first.json()["product"]["image"].startswith("http://testserver/media/")
    assert set(first.json()) == {"id", "product", "created_at"}
    assert WishlistItem.objects.filter(user=customer).count() == 1


@pytest.mark.parametrize("product_id", [424242, 2**63 - 1])
def test_adding_an_unknown_product_is_404(client: Client, customer: User, product_id: int) -> None:
    response = post_json(client, PATH, {"product_id": product_id}, **bearer(customer))
    assert response.status_code == 404
    assert not WishlistItem.objects.exists()


def test_adding_an_inactive_product_is_404(client: Client, customer: User) -> None:
    product = product_make(is_active=False)
    response = post_json(client, PATH, {"product_id": product.pk}, **bearer(customer))
    assert response.status_code == 404
    assert not WishlistItem.objects.exists()


@pytest.mark.parametrize(
    "body", [{}, {"product_id": "mug"}, {"product_id": 0}, {"product_id": 2**63}]
)
def test_bad_wishlist_input_is_422(client: Client, customer: User, body: dict) -> None:
    assert post_json(client, PATH, body, **bearer(customer)).status_code == 422


def test_wishlist_needs_a_token(client: Client) -> None:
    product = product_make()
    assert post_json(client, PATH, {"product_id": product.pk}).status_code == 401
    assert client.get(PATH).status_code == 401
    assert client.delete(f"{PATH}1/").status_code == 401


def test_each_user_sees_only_their_own_items(
    client: Client, customer: User, other_customer: User
) -> None:
    mine, theirs = product_make(sku="MINE"), product_make(sku="THEIRS")
    WishlistItem.objects.create(user=customer, product=mine)
    WishlistItem.objects.create(user=other_customer, product=theirs)

    body = client.get(PATH, **bearer(customer)).json()

    assert body["count"] == 1
    assert [item["product"]["sku"] for item in body["items"]] == ["MINE"]


def test_wishlist_is_paginated_newest_first(client: Client, customer: User) -> None:
    for n in range(3):
        WishlistItem.objects.create(user=customer, product=product_make(sku=f"P{n}"))
    body = client.get(f"{PATH}?limit=2", **bearer(customer)).json()
    assert body["count"] == 3
    assert [item["product"]["sku"] for item in body["items"]] == ["P2", "P1"]
    assert client.get(f"{PATH}?limit=101", **bearer(customer)).status_code == 422


def test_a_deactivated_product_is_hidden_until_it_is_back(client: Client, customer: User) -> None:
    product = product_make(sku="GONE", description="On sale")
    WishlistItem.objects.create(user=customer, product=product)
    product.is_active = False
    product.description = "Internal: discontinued, do not restock"
    product.save()
    body = client.get(PATH, **bearer(customer)).json()
    assert body == {"items": [], "count": 0}
    assert WishlistItem.objects.filter(user=customer).count() == 1  # kept for its return

    product.is_active = True
    product.save()
    items = client.get(PATH, **bearer(customer)).json()["items"]
    assert [item["product"]["sku"] for item in items] == ["GONE"]


def test_removing_an_item(client: Client, customer: User) -> None:
    item = WishlistItem.objects.create(user=customer, product=product_make())
    assert client.delete(f"{PATH}{item.pk}/", **bearer(customer)).status_code == 204
    assert not WishlistItem.objects.exists()
    assert client.delete(f"{PATH}{item.pk}/", **bearer(customer)).status_code == 404


def test_someone_elses_item_is_404_and_stays(
    client: Client, customer: User, other_customer: User
) -> None:
    item = WishlistItem.objects.create(user=other_customer, product=product_make())
    response = client.delete(f"{PATH}{item.pk}/", **bearer(customer))
    assert response.status_code == 404
    assert WishlistItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize(("item_id", "status"), [("abc", 422), (str(2**80), 404)])
def test_odd_wishlist_ids_never_500(
    client: Client, customer: User, item_id: str, status: int
) -> None:
    assert client.delete(f"{PATH}{item_id}/", **bearer(customer)).status_code == status


def test_wishlist_is_not_taken_for_a_product_id(client: Client) -> None:
    assert client.get(PATH).status_code == 401  # not 422 from products/{id}/


@pytest.mark.parametrize("size", [1, 50])
def test_wishlist_query_count(
    client: Client, customer: User, django_assert_num_queries, size: int
) -> None:
    for _ in range(size):
        product = product_make()
        product_image_make(product=product)
        WishlistItem.objects.create(user=customer, product=product)
    headers = bearer(customer)
    # user, count, items + products + categories, images, options, variants
    with django_assert_num_queries(6):
        response = client.get(f"{PATH}?limit=100", **headers)
    assert len(response.json()["items"]) == size
