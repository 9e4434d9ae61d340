"""Address book endpoints."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from accounts.tests.factories import bearer
from catalog.tests.factories import product_make
from core.testing import patch_json, post_json
from shop.models import Address
from shop.tests.factories import address_make, order_place

pytestmark = pytest.mark.django_db

HOME = {
    "full_name": "Ann Buyer",
    "line1": "1 Main Street",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "us",
}


def test_first_address_becomes_default(client: Client, customer: User) -> None:
    response = post_json(client, "/api/addresses/", HOME, **bearer(customer))
    assert response.status_code == 201
    body = response.json()
    assert body["is_default"] is True
    assert body["country"] == "US"
    assert body["line2"] == body["state"] == body["phone"] == ""
    second = post_json(
        client, "/api/addresses/", {**HOME, "city": "Shelbyville"}, **bearer(customer)
    )
    assert second.json()["is_default"] is False


def test_new_default_replaces_old_default(client: Client, customer: User) -> None:
    auth = bearer(customer)
    first = post_json(client, "/api/addresses/", HOME, **auth).json()
    second = post_json(client, "/api/addresses/", {**HOME, "is_default": True}, **auth).json()
    assert second["is_default"] is True
    assert Address.objects.get(pk=first["id"]).is_default is False
    patch_json(client, f"/api/addresses/{first['id']}/", {"is_default": True}, **auth)
    assert list(Address.objects.filter(is_default=True).values_list("pk", flat=True)) == [
        first["id"]
    ]


def test_the_default_cannot_be_unset_only_replaced(client: Client, customer: User) -> None:
    auth = bearer(customer)
    first = post_json(client, "/api/addresses/", HOME, **auth).json()

    response = patch_json(client, f"/api/addresses/{first['id']}/", {"is_default": False}, **auth)

    assert response.status_code == 409
    assert response.json()["code"] == "default_address_required"
    assert Address.objects.get(pk=first["id"]).is_default is True
    second = post_json(client, "/api/addresses/", HOME, **auth).json()
    unset = patch_json(client, f"/api/addresses/{second['id']}/", {"is_default": False}, **auth)
    assert unset.status_code == 200  # not the default: nothing to keep


def test_database_allows_one_default_per_user(customer: User) -> None:
    address_make(user=customer, is_default=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        address_make(user=customer, is_default=True)


def test_list_get_patch_delete(client: Client, customer: User) -> None:
    auth = bearer(customer)
    created = post_json(client, "/api/addresses/", HOME, **auth).json()
    assert [a["id"] for a in client.get("/api/addresses/", **auth).json()] == [created["id"]]
    assert client.get(f"/api/addresses/{created['id']}/", **auth).json()["city"] == "Springfield"
    patched = patch_json(client, f"/api/addresses/{created['id']}/", {"city": "Ogdenville"}, **auth)
    assert patched.status_code == 200
    assert patched.json()["city"] == "Ogdenville"
    assert patched.json()["line1"] == "1 Main Street"
    assert client.delete(f"/api/addresses/{created['id']}/", **auth).status_code == 204
    assert not Address.objects.exists()


def test_deleting_default_promotes_newest(client: Client, customer: User) -> None:
    auth = bearer(customer)
    first = post_json(client, "/api/addresses/", HOME, **auth).json()
    second = post_json(client, "/api/addresses/", {**HOME, "city": "B"}, **auth).json()
    client.delete(f"/api/addresses/{first['id']}/", **auth)
    assert Address.objects.get(pk=second["id"]).is_default is True


def test_deleting_address_never_changes_an_order(client: Client, customer: User) -> None:
    address = address_make(user=customer, city="Paris")
    order = order_place(user=customer, items=[(product_make(stock=2), 1)], address=address)
    assert client.delete(f"/api/addresses/{address.pk}/", **bearer(customer)).status_code == 204
    order.refresh_from_db()
    assert order.shipping_address["city"] == "Paris"


def test_someone_elses_address_is_404(client: Client, customer: User, other_customer: User) -> None:
    theirs = address_make(user=other_customer)
    auth = bearer(customer)
    assert client.get(f"/api/addresses/{theirs.pk}/", **auth).status_code == 404
    assert (
        patch_json(client, f"/api/addresses/{theirs.pk}/", {"city": "X"}, **auth).status_code == 404
    )
    assert client.delete(f"/api/addresses/{theirs.pk}/", **auth).status_code == 404
    assert client.get("/api/addresses/", **auth).json() == []
    theirs.refresh_from_db()
    assert theirs.city == "Springfield"


@pytest.mark.parametrize(
    "body",
    [
        {**HOME, "country": "XX"},
        {**HOME, "country": "USA"},
        {**HOME, "full_name": ""},
        {**HOME, "full_name": "   "},
        {**HOME, "postal_code": "1" * 21},
        {k: v for k, v in HOME.items() if k != "city"},
        {**HOME, "is_default": "maybe"},
    ],
)
def test_bad_address_is_422(client: Client, customer: User, body: dict) -> None:
    assert post_json(client, "/api/addresses/", body, **bearer(customer)).status_code == 422
    assert not Address.objects.exists()


def test_patch_null_is_422(client: Client, customer: User) -> None:
    address = address_make(user=customer)
    response = patch_json(
        client, f"/api/addresses/{address.pk}/", {"city": None}, **bearer(customer)
    )
    assert response.status_code == 422


@pytest.mark.parametrize("count", [1, 12])
def test_address_list_and_detail_query_counts_are_constant(
    client: Client, customer: User, count: int, django_assert_num_queries
) -> None:
    addresses = [address_make(user=customer) for _ in range(count)]
    auth = bearer(customer)
    with django_assert_num_queries(2):  # the token's user, the addresses
        assert len(client.get("/api/addresses/", **auth).json()) == count
    with django_assert_num_queries(2):  # the token's user, the address
        assert client.get(f"/api/addresses/{addresses[0].pk}/", **auth).status_code == 200
