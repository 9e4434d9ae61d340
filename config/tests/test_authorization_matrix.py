"""Who may call what: every route of the API, for {anonymous, customer A, customer B, staff}.

Customer A owns the objects the requests name (an address, a cart line, an order, ...):
A reaches them, B and staff get 404 (the API never reveals another customer's object;
staff work on them in the admin). Staff-only routes answer 403 to customers, protected
routes 401 to anonymous callers. Lists answered to B and staff never show A's rows.

The routes are read from the API itself: a route added without a row in MATRIX fails
`test_every_route_has_a_row`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from ninja_jwt.tokens import RefreshToken

from accounts.groups import CATALOG_MANAGERS, ORDER_MANAGERS
from accounts.models import User
from accounts.tests.factories import PASSWORD, bearer, staff_make, user_make
from catalog.models import Product, Variant
from catalog.services import wishlist_add
from catalog.tests.factories import product_make, product_with_options_make
from config.api import api
from payments.services import payment_intent_create
from payments.tests.helpers import FakeGateway, event_make, post_webhook, sign, succeeded_event
from shop.cart import cart_line_add
from shop.models import Address, CartLine, Order
from shop.tests.factories import address_make, order_place

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other", "staff")
_emails = count(1)


@dataclass
class World:
    """Customer A ("owner") with one of everything; customer B ("other"); a staff member."""

    owner: User
    other: User
    staff: User
    product: Product
    shirt: Product  # with options: sizes S and M made, L to add
    variant: Variant  # the shirt's S
    address: Address
    cart_line: CartLine
    order: Order
    paid_order: Order
    wishlist_item: int


@dataclass(frozen=True)
class Request:
    path: str
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """Expected status per role, the request to send, and A's rows that B's and staff's
    answer must not show (a list route: `hides(world)` ids absent from the JSON)."""

    anonymous: int
    owner: int
    other: int
    staff: int
    request: Callable[[World], Request]
    hides: Callable[[World], list[int]] | None = None
    needs: str | None = None  # the permission a staff-only route checks, as the admin does


def _new_email() -> str:
    return f"new{next(_emails)}@example.com"


def _signed_event() -> Request:
    body = json.dumps(event_make("customer.created", {"id": "cus_1", "object": "customer"}))
    return Request("/api/payments/webhook/", body, {"HTTP_STRIPE_SIGNATURE": sign(body)})


def _reset_link(user: User) -> dict[str, str]:
    return {
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "new_password": "another-long-passphrase-7",
    }


PRODUCT = {"sku": "NEW-1", "name": "New product", "price": "5.00", "stock": 3}
VARIANT = {"sku": "NEW-L", "options": {"Size": "L"}, "price": "5.00", "stock": 2}
ADDRESS = {"full_name": "A", "line1": "1 Road", "city": "Town", "postal_code": "1", "country": "FR"}
OPEN, USER, STAFF = (200, 200, 200, 200), (401, 200, 200, 200), (401, 403, 403, 200)

# (method, path) → Row(anonymous, owner, other, staff, request[, hides]).
MATRIX: dict[tuple[str, str], Row] = {
    # --- health
    ("GET", "/api/health/"): Row(*OPEN, lambda w: Request("/api/health/")),
    ("GET", "/api/ping/"): Row(*OPEN, lambda w: Request("/api/ping/")),
    # --- accounts: public, then the caller's own account
    ("POST", "/api/auth/register/"): Row(
        201,
        201,
        201,
        201,
        lambda w: Request("/api/auth/register/", {"email": _new_email(), "password": PASSWORD}),
    ),
    ("POST", "/api/token/"): Row(
        *OPEN,
        lambda w: Request("/api/token/", {"email": w.owner.email, "password": PASSWORD}),
    ),
    ("POST", "/api/token/refresh/"): Row(
        *OPEN,
        lambda w: Request("/api/token/refresh/", {"refresh": str(RefreshToken.for_user(w.owner))}),
    ),
    ("POST", "/api/auth/password/reset/"): Row(
        202, 202, 202, 202, lambda w: Request("/api/auth/password/reset/", {"email": w.owner.email})
    ),
    ("POST", "/api/auth/password/reset/confirm/"): Row(
        204,
        204,
        204,
        204,
        lambda w: Request("/api/auth/password/reset/confirm/", _reset_link(w.owner)),
    ),
    # Someone else's refresh token is a bad token here (400), as the contract says.
    ("POST", "/api/auth/logout/"): Row(
        401,
        204,
        400,
        400,
        lambda w: Request("/api/auth/logout/", {"refresh": str(RefreshToken.for_user(w.owner))}),
    ),
    ("GET", "/api/auth/me/"): Row(*USER, lambda w: Request("/api/auth/me/")),
    ("PATCH", "/api/auth/me/"): Row(*USER, lambda w: Request("/api/auth/me/", {"first_name": "X"})),
    ("POST", "/api/auth/password/change/"): Row(
        401,
        204,
        204,
        204,
        lambda w: Request(
            "/api/auth/password/change/",
            {"old_password": PASSWORD, "new_password": "another-long-passphrase-7"},
        ),
    ),
    # --- catalog
    ("GET", "/api/categories/"): Row(*OPEN, lambda w: Request("/api/categories/")),
    ("GET", "/api/products/"): Row(*OPEN, lambda w: Request("/api/products/")),
    ("GET", "/api/products/{id}/"): Row(*OPEN, lambda w: Request(f"/api/products/{w.product.pk}/")),
    ("GET", "/api/products/by-slug/{slug}/"): Row(
        *OPEN, lambda w: Request(f"/api/products/by-slug/{w.product.slug}/")
    ),
    ("POST", "/api/products/"): Row(
        401, 403, 403, 201, lambda w: Request("/api/products/", PRODUCT), needs="add_product"
    ),
    ("PUT", "/api/products/{id}/"): Row(
        *STAFF,
        lambda w: Request(f"/api/products/{w.product.pk}/", PRODUCT),
        needs="change_product",
    ),
    ("PATCH", "/api/products/{id}/"): Row(
        *STAFF,
        lambda w: Request(f"/api/products/{w.product.pk}/", {"stock": 7}),
        needs="change_product",
    ),
    ("DELETE", "/api/products/{id}/"): Row(
        401,
        403,
        403,
        204,
        lambda w: Request(f"/api/products/{w.product.pk}/"),
        needs="delete_product",
    ),
    ("POST", "/api/products/{id}/variants/"): Row(
        401,
        403,
        403,
        201,
        lambda w: Request(f"/api/products/{w.shirt.pk}/variants/", VARIANT),
        needs="change_product",
    ),
    ("PATCH", "/api/variants/{id}/"): Row(
        *STAFF,
        lambda w: Request(f"/api/variants/{w.variant.pk}/", {"price": "6.00"}),
        needs="change_product",
    ),
    ("DELETE", "/api/variants/{id}/"): Row(
        401,
        403,
        403,
        204,
        lambda w: Request(f"/api/variants/{w.variant.pk}/"),
        needs="change_product",
    ),
    ("GET", "/api/products/wishlist/"): Row(
        *USER, lambda w: Request("/api/products/wishlist/"), hides=lambda w: [w.wishlist_item]
    ),
    ("POST", "/api/products/wishlist/"): Row(
        401,
        200,  # A has it already: the same item
        201,
        201,
        lambda w: Request("/api/products/wishlist/", {"product_id": w.product.pk}),
    ),
    ("DELETE", "/api/products/wishlist/{id}/"): Row(
        401, 204, 404, 404, lambda w: Request(f"/api/products/wishlist/{w.wishlist_item}/")
    ),
    # --- cart
    ("GET", "/api/cart/"): Row(
        *USER, lambda w: Request("/api/cart/"), hides=lambda w: [w.cart_line.pk]
    ),
    ("POST", "/api/cart/add/"): Row(
        *USER, lambda w: Request("/api/cart/add/", {"product_id": w.product.pk})
    ),
    ("PATCH", "/api/cart/update/{cart_id}/"): Row(
        401,
        200,
        404,
        404,
        lambda w: Request(f"/api/cart/update/{w.cart_line.pk}/", {"quantity": 2}),
    ),
    ("DELETE", "/api/cart/remove/{cart_id}/"): Row(
        401, 204, 404, 404, lambda w: Request(f"/api/cart/remove/{w.cart_line.pk}/")
    ),
    # --- addresses
    ("GET", "/api/addresses/"): Row(
        *USER, lambda w: Request("/api/addresses/"), hides=lambda w: [w.address.pk]
    ),
    ("POST", "/api/addresses/"): Row(
        401, 201, 201, 201, lambda w: Request("/api/addresses/", ADDRESS)
    ),
    ("GET", "/api/addresses/{address_id}/"): Row(
        401, 200, 404, 404, lambda w: Request(f"/api/addresses/{w.address.pk}/")
    ),
    ("PATCH", "/api/addresses/{address_id}/"): Row(
        401, 200, 404, 404, lambda w: Request(f"/api/addresses/{w.address.pk}/", {"city": "Paris"})
    ),
    ("DELETE", "/api/addresses/{address_id}/"): Row(
        401, 204, 404, 404, lambda w: Request(f"/api/addresses/{w.address.pk}/")
    ),
    # --- orders
    ("POST", "/api/orders/create/"): Row(
        401,
        201,
        404,  # A's address
        404,
        lambda w: Request("/api/orders/create/", {"address_id": w.address.pk}),
    ),
    ("GET", "/api/orders/my/"): Row(
        *USER,
        lambda w: Request("/api/orders/my/"),
        hides=lambda w: [w.order.pk, w.paid_order.pk],
    ),
    ("GET", "/api/orders/{order_id}/"): Row(
        401, 200, 404, 404, lambda w: Request(f"/api/orders/{w.order.pk}/")
    ),
    ("POST", "/api/orders/cancel/{order_id}/"): Row(
        401, 200, 404, 404, lambda w: Request(f"/api/orders/cancel/{w.order.pk}/")
    ),
    # --- payments
    ("POST", "/api/payments/payment-intent/"): Row(
        401,
        200,
        404,
        404,
        lambda w: Request("/api/payments/payment-intent/", {"order_id": w.order.pk}),
    ),
    # Stripe's: no bearer token, a signature; the same answer whoever relays it.
    ("POST", "/api/payments/webhook/"): Row(*OPEN, lambda w: _signed_event()),
    ("POST", "/api/payments/refunds/"): Row(
        401,
        403,
        403,
        201,
        lambda w: Request("/api/payments/refunds/", {"order_id": w.paid_order.pk}),
        needs="add_refund",
    ),
}


# Routes served but left out of the storefront's schema (test_openapi checks which).
UNPUBLISHED = {("POST", "/api/payments/webhook/")}


def _api_routes() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    published = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    return published | UNPUBLISHED


def test_every_route_has_a_row() -> None:
    routes = _api_routes()
    assert routes - MATRIX.keys() == set(), "routes without a row in MATRIX"
    assert MATRIX.keys() - routes == set(), "rows for routes that no longer exist"


@pytest.fixture
def world(fake_stripe: FakeGateway, client: Client) -> World:
    owner = user_make("owner@example.com")
    product = product_make(stock=50)
    order = order_place(user=owner, items=[(product, 1)])
    paid_order = order_place(user=owner, items=[(product, 1)])
    intent = payment_intent_create(user=owner, order_id=paid_order.pk)
    paid = post_webhook(client, succeeded_event(intent.payment_intent_id, amount=intent.amount))
    assert paid.status_code == 200
    cart_line = cart_line_add(user=owner, product_id=product.pk).lines.get()
    item, _ = wishlist_add(user=owner, product_id=product.pk)
    shirt = product_with_options_make(options={"Size": ["S", "M", "L"]})
    shirt.variants.filter(option1="L").delete()  # the size a staff member adds
    return World(
        owner=owner,
        other=user_make("other@example.com"),
        staff=staff_make(),
        product=product,
        shirt=shirt,
        variant=shirt.variants.get(option1="S"),
        address=address_make(user=owner),
        cart_line=cart_line,
        order=order,
        paid_order=paid_order,
        wishlist_item=item.pk,
    )


def _send(client: Client, method: str, request: Request, auth: dict[str, str]) -> Any:
    body = request.body
    data = body if isinstance(body, str) or body is None else json.dumps(body)
    return client.generic(
        method,
        request.path,
        data=data or "",
        content_type="application/json",
        **auth,
        **request.headers,
    )


def _ids_in(payload: Any) -> set[int]:
    """Every `id` anywhere in a JSON answer."""
    if isinstance(payload, list):
        return set().union(*(_ids_in(item) for item in payload)) if payload else set()
    if isinstance(payload, dict):
        found = {payload["id"]} if isinstance(payload.get("id"), int) else set()
        return found.union(*(_ids_in(value) for value in payload.values()))
    return set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_route_answers_each_role(
    client: Client, world: World, method: str, path: str, role: str
) -> None:
    row = MATRIX[(method, path)]
    user = {"anonymous": None, "owner": world.owner, "other": world.other, "staff": world.staff}
    caller = user[role]
    response = _send(client, method, row.request(world), bearer(caller) if caller else {})

    assert response.status_code == getattr(row, role), response.content
    if row.hides and role in ("other", "staff"):
        assert _ids_in(response.json()).isdisjoint(row.hides(world))


STAFF_ONLY = sorted(key for key, row in MATRIX.items() if row.needs)


def test_every_staff_only_route_names_its_permission() -> None:
    refused_to_customers = {key for key, row in MATRIX.items() if row.other == row.owner == 403}
    assert refused_to_customers == set(STAFF_ONLY)


@pytest.mark.parametrize(("method", "path"), STAFF_ONLY)
def test_staff_without_the_permission_is_refused(
    client: Client, world: World, method: str, path: str
) -> None:
    """Staff holding every permission but the one the route needs get 403, as in the admin."""
    row = MATRIX[(method, path)]
    clerk = user_make("clerk@example.com", is_staff=True)
    clerk.user_permissions.set(Permission.objects.exclude(codename=row.needs))
    response = _send(client, method, row.request(world), bearer(clerk))

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("method", "path", "groups"),
    [
        ("POST", "/api/payments/refunds/", ()),
        ("POST", "/api/payments/refunds/", (CATALOG_MANAGERS,)),
        ("POST", "/api/products/", ()),
        ("POST", "/api/products/", (ORDER_MANAGERS,)),
        ("DELETE", "/api/products/{id}/", (ORDER_MANAGERS,)),
        ("POST", "/api/products/{id}/variants/", (ORDER_MANAGERS,)),
        ("PATCH", "/api/variants/{id}/", (ORDER_MANAGERS,)),
        ("DELETE", "/api/variants/{id}/", (ORDER_MANAGERS,)),
    ],
)
def test_staff_group_decides_what_the_api_allows(
    client: Client, world: World, method: str, path: str, groups: tuple[str, ...]
) -> None:
    row = MATRIX[(method, path)]
    response = _send(
        client, method, row.request(world), bearer(staff_make("g@x.com", groups=groups))
    )

    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    assert Variant.objects.filter(sku__in=[PRODUCT["sku"], VARIANT["sku"]]).exists() is False
    assert Product.objects.filter(pk=world.product.pk).exists()
    assert Variant.objects.get(pk=world.variant.pk).price == world.variant.price
    assert not world.paid_order.refunds.exists()
