"""Catalog races: same-name products created at once (imports racing checkouts:
test_import_race.py; stock changes at once: test_inventory_races.py).

They run on whichever database the suite uses; the clashes they guard against only
happen on PostgreSQL, where writers do not queue for one database lock (CI's second run).
"""

import pytest
from django.test import Client

from accounts.tests.factories import bearer, user_make
from catalog.models import Product
from core.testing import post_json, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_same_name_products_created_at_once_all_get_a_free_slug() -> None:
    admin = bearer(user_make("boss@example.com", is_staff=True, is_superuser=True))
    skus = ["", *(f"-{n}" for n in range(7))]  # "-0" slugifies to "0", like a plain name

    def create(i: int) -> tuple[int, dict]:
        body = {"sku": f"TEE{skus[i]}", "name": "Tee", "price": "5.00", "stock": 1}
        response = post_json(Client(), "/api/products/", body, **admin)
        return response.status_code, response.json()

    results = race(create, len(skus))

    assert all(not isinstance(r, BaseException) for r in results), results
    assert [status for status, _ in results] == [201] * len(skus), results
    slugs = [body["slug"] for _, body in results]
    assert len(set(slugs)) == len(skus)
    assert sorted(Product.objects.values_list("slug", flat=True)) == sorted(slugs)
