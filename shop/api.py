"""Cart, address and order endpoints (all need a bearer token)."""

from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status
from ninja.pagination import paginate

from accounts.auth import jwt_auth
from catalog.errors import OutOfStock, VariantRequired
from core.api_schemas import error_responses
from core.errors import NotFound
from core.pagination import BoundedLimitOffsetPagination
from shop import addresses, cart, selectors
from shop.checkout import order_create
from shop.errors import (
    CartEmpty,
    DefaultAddressRequired,
    IdempotencyKeyReused,
    InvalidTransition,
    OrderTotalTooHigh,
    OrderTotalTooLow,
    ProductUnavailable,
    QuantityLimit,
    TooManyPendingOrders,
)
from shop.models import Address, Cart, Order
from shop.order_flow import order_cancel
from shop.schemas import (
    AddressIn,
    AddressOut,
    AddressPatch,
    CartAddIn,
    CartOut,
    CartUpdateIn,
    OrderCreateIn,
    OrderFilters,
    OrderOut,
)

router = Router(auth=jwt_auth, tags=["shop"])

ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
# What a line's quantity may meet.
QUANTITY = (NotFound, OutOfStock, QuantityLimit)
CART_ADD = (*QUANTITY, VariantRequired)


# --- cart -----------------------------------------------------------------------------


@router.get(
    "cart/",
    operation_id="cartGet",
    response={200: CartOut, **error_responses("CartGet", token=True)},
)
def cart_detail(request: HttpRequest) -> Cart:
    return selectors.cart_get(user=request.auth)


@router.post(
    "cart/add/",
    operation_id="cartAdd",
    response={200: CartOut, **error_responses("CartAdd", *CART_ADD, token=True, body=True)},
)
def cart_add(request: HttpRequest, payload: CartAddIn) -> Cart:
    cart.cart_line_add(user=request.auth, **payload.dict())
    return selectors.cart_get(user=request.auth)


@router.patch(
    "cart/update/{cart_id}/",
    operation_id="cartLineUpdate",
    response={
        200: CartOut,
        **error_responses("CartLineUpdate", *QUANTITY, ProductUnavailable, token=True, body=True),
    },
)
def cart_update(request: HttpRequest, cart_id: ObjectId, payload: CartUpdateIn) -> Cart:
    cart.cart_line_update(user=request.auth, line_id=cart_id, quantity=payload.quantity)
    return selectors.cart_get(user=request.auth)


@router.delete(
    "cart/remove/{cart_id}/",
    operation_id="cartLineRemove",
    response={204: None, **error_responses("CartLineRemove", NotFound, token=True, params=True)},
)
def cart_remove(request: HttpRequest, cart_id: ObjectId) -> Status[None]:
    cart.cart_line_remove(user=request.auth, line_id=cart_id)
    return Status(204, None)


# --- addresses ------------------------------------------------------------------------


@router.get(
    "addresses/",
    operation_id="addressList",
    response={200: list[AddressOut], **error_responses("AddressList", token=True)},
)
def address_list(request: HttpRequest) -> QuerySet[Address]:
    return selectors.address_list(user=request.auth)


@router.post(
    "addresses/",
    operation_id="addressCreate",
    response={201: AddressOut, **error_responses("AddressCreate", token=True, body=True)},
)
def address_create(request: HttpRequest, payload: AddressIn) -> Status[Address]:
    return Status(201, addresses.address_create(user=request.auth, **payload.dict()))


@router.get(
    "addresses/{address_id}/",
    operation_id="addressGet",
    response={200: AddressOut, **error_responses("AddressGet", NotFound, token=True, params=True)},
)
def address_detail(request: HttpRequest, address_id: ObjectId) -> Address:
    return selectors.address_get(user=request.auth, address_id=address_id)


@router.patch(
    "addresses/{address_id}/",
    operation_id="addressUpdate",
    response={
        200: AddressOut,
        **error_responses("AddressUpdate", NotFound, DefaultAddressRequired, token=True, body=True),
    },
)
def address_update(request: HttpRequest, address_id: ObjectId, payload: AddressPatch) -> Address:
    return addresses.address_update(
        user=request.auth, address_id=address_id, **payload.dict(exclude_unset=True)
    )


@router.delete(
    "addresses/{address_id}/",
    operation_id="addressDelete",
    response={204: None, **error_responses("AddressDelete", NotFound, token=True, params=True)},
)
def address_delete(request: HttpRequest, address_id: ObjectId) -> Status[None]:
    addresses.address_delete(user=request.auth, address_id=address_id)
    return Status(204, None)


# --- orders ---------------------------------------------------------------------------


@router.post(
    "orders/create/",
    operation_id="orderCreate",
    response={
        200: OrderOut,
        201: OrderOut,
        **error_responses(
            "OrderCreate",
            NotFound,
            CartEmpty,
            IdempotencyKeyReused,
            TooManyPendingOrders,
            ProductUnavailable,
            OutOfStock,
            OrderTotalTooHigh,
            OrderTotalTooLow,
            token=True,
            body=True,
        ),
    },
    openapi_extra={
        "responses": {
            200: {
                "description": "The order an earlier request with this Idempotency-Key placed.",
                "headers": {
                    "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}
                },
            },
            201: {"description": "The order, placed now."},
        }
    },
)
def orders_create(
    request: HttpRequest,
    response: HttpResponse,
    payload: OrderCreateIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Order]:
    """201 with a new order; 200 and `Idempotent-Replayed: true` with the order an earlier
    request of the same `Idempotency-Key` made (as Stripe answers a replay)."""
    result = order_create(
        user=request.auth, address_id=payload.address_id, idempotency_key=idempotency_key
    )
    if not result.created:
        response["Idempotent-Replayed"] = "true"
    order = selectors.order_get(user=request.auth, order_id=result.order.pk)
    return Status(201 if result.created else 200, order)


@router.get(
    "orders/my/",
    operation_id="orderList",
    response={200: list[OrderOut], **error_responses("OrderList", token=True, params=True)},
)
@paginate(BoundedLimitOffsetPagination)
def orders_mine(request: HttpRequest, filters: Query[OrderFilters]) -> QuerySet[Order]:
    return selectors.order_list(user=request.auth, status=filters.status)


@router.get(
    "orders/{order_id}/",
    operation_id="orderGet",
    response={200: OrderOut, **error_responses("OrderGet", NotFound, token=True, params=True)},
)
def orders_detail(request: HttpRequest, order_id: ObjectId) -> Order:
    return selectors.order_get(user=request.auth, order_id=order_id)


@router.post(
    "orders/cancel/{order_id}/",
    operation_id="orderCancel",
    response={
        200: OrderOut,
        **error_responses("OrderCancel", NotFound, InvalidTransition, token=True, params=True),
    },
)
def orders_cancel(request: HttpRequest, order_id: ObjectId) -> Order:
    order = selectors.order_get(user=request.auth, order_id=order_id)
    order_cancel(order=order, actor=request.auth, note="Cancelled by the customer.")
    return selectors.order_get(user=request.auth, order_id=order_id)
