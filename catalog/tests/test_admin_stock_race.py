"""Two staff adjust the same variant from pages showing the same figure, at the same time.

It runs on whichever database the suite uses; the race it guards against (both reading 5,
both writing) only happens on PostgreSQL, where writers do not queue for one lock.
"""

import pytest
from django.test import Client

from accounts.tests.factories import user_make
from catalog.inventory import Reason, stock_drift
from catalog.tests.factories import default_variant, product_make
from core.testing import dialog_post, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admins_adjusting_at_once_one_wins_the_other_sees_the_new_figure() -> None:
    variant = default_variant(product_make(stock=5))
    url = f"/admin/catalog/variant/{variant.pk}/adjust_stock/"
    clients = []
    for n in range(2):
        client = Client()
        client.force_login(user_make(f"boss{n}@example.com", is_staff=True, is_superuser=True))
        clients.append(client)

    def adjust(i: int) -> tuple[int, str]:
        change = {"delta": 3} if i == 0 else {"set_to": 1}
        response = dialog_post(clients[i], url, {**change, "expected": 5, "reason": "admin"})
        return response.status_code, response.content.decode()

    results = race(adjust, 2)

    assert all(not isinstance(result, BaseException) for result in results), results
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 302], results  # one redirect (done), one dialog with its error
    refused = next(body for status, body in results if status == 200)
    variant.refresh_from_db()
    assert variant.stock in (8, 1)
    assert f"changed from 5 to {variant.stock}" in refused
    assert variant.movements.filter(reason=Reason.ADMIN).count() == 1
    assert stock_drift() == []
