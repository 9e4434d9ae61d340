"""Schema fuzzing: schemathesis sends generated requests to every operation of the API.

The schema is the document `/api/openapi.json` serves (checked below), the requests go
over HTTP to pytest-django's live server: once anonymously, once with a customer's
bearer token, once with a staff member's. Each operation gets a bounded number of
examples (FUZZ_EXAMPLES: 5 by default, 15 in CI), valid and invalid, and every response must be
neither a 5xx nor outside the documented schema (status codes included).

Ids in paths and bodies are half the time swapped for ids of real rows the caller
owns (a product, an address, a cart line, an order, ...), so responses for existing
objects are validated too, not only 404s. Login, register and password reset are not
rate limited here, so they are fuzzed beyond their first ten requests.
"""

import json
import os
from collections.abc import Callable
from typing import Any
from urllib.request import urlopen

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, Response
from schemathesis.config import SchemathesisConfig

from accounts.models import User
from accounts.tests.factories import bearer, staff_make, user_make
from catalog.services import wishlist_add
from catalog.tests.factories import (
    category_make,
    default_variant,
    product_image_make,
    product_make,
)
from config.api import api
from core.throttling import ClientRateThrottle
from payments.tests.helpers import FakeGateway
from shop.cart import cart_line_add
from shop.tests.factories import address_make, order_place

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

# A quick pass by default (make test); CI sets FUZZ_EXAMPLES=15 for the full count.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))

# A request the schema allows may still break a rule no schema states: a weak password,
# a used reset token, an empty cart, an unsigned webhook (400), an unknown category
# (422 with a `code`). What it must never meet is the framework's own validation: see
# `valid_input_passes_validation`.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)


def valid_input_passes_validation(ctx: CheckContext, response: Response, case: Case) -> None:
    """A request generated from the schema is never refused by the request validation
    (Ninja's 422 lists the fields in `detail`; a body it cannot parse is its 400)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code in (400, 422):
        detail = response.json().get("detail")
        assert not isinstance(detail, list), f"A valid request failed validation: {detail}"
        assert detail != "Cannot parse request body", "A valid body could not be parsed."


schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no example database written into the work tree
    suppress_health_check=list(HealthCheck),
)

# Operation path → the id, among the caller's rows, to use for its path parameter.
PATH_ROWS = {
    "/api/products/{id}/": "product",
    "/api/products/wishlist/{id}/": "wishlist_item",
    "/api/products/{id}/variants/": "product",
    "/api/variants/{id}/": "variant",
    "/api/cart/update/{cart_id}/": "cart_line",
    "/api/cart/remove/{cart_id}/": "cart_line",
    "/api/addresses/{address_id}/": "address",
    "/api/orders/{order_id}/": "order",
    "/api/orders/cancel/{order_id}/": "order",
}
BODY_ROWS = {
    "product_id": "product",
    "variant_id": "variant",
    "address_id": "address",
    "order_id": "order",
}


def _rows_of(user: User) -> dict[str, int]:
    """One row of each kind the endpoints name, owned by `user`: their ids by kind."""
    category = category_make()
    product = product_make(stock=1000, category=category, description="Fuzzed.")
    product_image_make(product=product)
    variant = default_variant(product)
    order = order_place(user=user, items=[(product, 1)])
    address = address_make(user=user)
    cart_line_add(user=user, product_id=product.pk, quantity=1)
    item, _ = wishlist_add(user=user, product_id=product.pk)
    return {
        "product": product.pk,
        "variant": variant.pk,
        "wishlist_item": item.pk,
        "cart_line": user.cart.lines.get().pk,
        "address": address.pk,
        "order": order.pk,
    }


def _even_id(value: object) -> bool:
    """A valid id (1 to 2**63 - 1; so an invalid one stays invalid) that is even."""
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and 1 <= value < 2**63
        and value % 2 == 0
    )


def _use_real_ids(case: Case, rows: dict[str, int]) -> None:
    """Half the time (even generated values), point a valid id at one of the caller's rows."""
    row_id = rows.get(PATH_ROWS.get(case.operation.path, ""))
    if row_id and case.path_parameters:
        for name, value in case.path_parameters.items():
            if _even_id(value):
                case.path_parameters[name] = row_id
    if isinstance(case.body, dict):
        for field, row in BODY_ROWS.items():
            if row in rows and _even_id(case.body.get(field)):
                case.body[field] = rows[row]


@pytest.fixture
def live(live_server: Any, monkeypatch: pytest.MonkeyPatch, fake_stripe: FakeGateway) -> str:
    """The live server, with a Stripe that answers in memory and no rate limits."""
    monkeypatch.setattr(ClientRateThrottle, "allow_request", lambda self, request: True)
    return live_server.url


@pytest.fixture
def call(live: str) -> Callable[..., None]:
    """Send a case to the live server as the caller with `token` and `rows`; validate it."""

    def send(case: Case, *, token: str | None = None, rows: dict | None = None) -> None:
        if rows:
            _use_real_ids(case, rows)
        # The caller's token replaces a generated one; a request made without the header
        # (schemathesis checking that it is required) stays without it.
        sent = case.headers or {}
        headers = {"Authorization": token} if token and "Authorization" in sent else None
        case.call_and_validate(
            base_url=live, headers=headers, additional_checks=[valid_input_passes_validation]
        )

    return send


def _caller(user: User) -> tuple[str, dict[str, int]]:
    return bearer(user)["HTTP_AUTHORIZATION"], _rows_of(user)


@pytest.fixture
def as_customer() -> tuple[str, dict[str, int]]:
    return _caller(user_make("fuzz-customer@example.com"))


@pytest.fixture
def as_staff() -> tuple[str, dict[str, int]]:
    return _caller(staff_make("fuzz-staff@example.com"))


def test_the_fuzzed_schema_is_the_one_the_server_publishes(live: str) -> None:
    with urlopen(f"{live}/api/openapi.json") as response:
        published = json.load(response)
    assert published["servers"] == [{"url": live}]  # the fuzzed one names none
    assert published == {**schema.raw_schema, "servers": published["servers"]}


@pytest.fixture
def public_rows() -> dict[str, int]:
    product = product_make()
    return {"product": product.pk, "variant": default_variant(product).pk}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param(
            "POST",
            "/api/products/",
            lambda ids: {"sku": "TAX-1", "name": "Taxed", "price": "5.00", "tax_class": "reduced"},
            id="product create with a tax class",
        ),
        pytest.param(
            "POST",
            "/api/products/",
            lambda ids: {"name": "Neither a sku nor variants"},
            id="product create with neither v1 fields nor variants",
        ),
        pytest.param(
            "PATCH",
            "/api/products/{product}/",
            lambda ids: {"tax_class": "zero"},
            id="product patch of the tax class",
        ),
        pytest.param(
            "POST",
            "/api/products/{product}/variants/",
            lambda ids: {"sku": "SECOND-1", "price": "5.00"},
            id="a second variant for a product without options",
        ),
        pytest.param(
            "POST",
            "/api/cart/add/",
            lambda ids: {"variant_id": ids["variant"], "product_id": ids["product"]},
            id="cart add naming both a variant and a product",
        ),
    ],
)
def test_requests_the_schema_allows_pass_its_validation(
    client: Client, method: str, path: str, body: Callable[[dict[str, int]], dict[str, Any]]
) -> None:
    """What fuzzing found, as plain requests: a body the schema allows may be refused by
    a rule (4xx with a `code`), never by the framework's validation (a `detail` list),
    and never with a 500."""
    staff = staff_make("fuzz-staff@example.com")
    product = product_make()
    ids = {"product": product.pk, "variant": default_variant(product).pk}
    response = client.generic(
        method,
        path.format(**ids),
        json.dumps(body(ids)),
        content_type="application/json",
        **bearer(staff),
    )
    answer = response.json()
    assert response.status_code < 500, answer
    assert response.status_code < 300 or isinstance(answer.get("code"), str), answer


@schema.parametrize()
@fuzz_settings
def test_anonymous(case: Case, call: Callable[..., None], public_rows: dict[str, int]) -> None:
    call(case, rows=public_rows)


@schema.parametrize()
@fuzz_settings
def test_customer(case: Case, call: Callable[..., None], as_customer: tuple) -> None:
    token, rows = as_customer
    call(case, token=token, rows=rows)


@schema.parametrize()
@fuzz_settings
def test_staff(case: Case, call: Callable[..., None], as_staff: tuple) -> None:
    token, rows = as_staff
    call(case, token=token, rows=rows)
