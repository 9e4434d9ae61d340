"""The published schema is one that client generators take as it is (issue 12).

That every error an operation answers is declared is checked in every test by
`conftest._error_answers_declared`; here, that the check can fail, and the schema's shape.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import JsonResponse
from django.test import Client
from ninja.operation import Operation
from pydantic import ValidationError

from accounts.models import User
from accounts.tests.factories import bearer
from config.api import api
from core.testing import error_answer_check, post_json

OPERATION_IDS = [
    "ping",
    "health",
    "register",
    "tokenObtain",
    "tokenRefresh",
    "logout",
    "meGet",
    "meUpdate",
    "passwordChange",
    "passwordReset",
    "passwordResetConfirm",
    "categoryList",
    "wishlistList",
    "wishlistAdd",
    "wishlistRemove",
    "productList",
    "productCreate",
    "productGet",
    "productReplace",
    "productUpdate",
    "productDelete",
    "productGetBySlug",
    "variantCreate",
    "variantUpdate",
    "variantDelete",
    "cartGet",
    "cartAdd",
    "cartLineUpdate",
    "cartLineRemove",
    "addressList",
    "addressCreate",
    "addressGet",
    "addressUpdate",
    "addressDelete",
    "orderCreate",
    "orderList",
    "orderGet",
    "orderCancel",
    "paymentIntentCreate",
    "refundCreate",
]
ANONYMOUS = {
    "ping",
    "health",
    "register",
    "tokenObtain",
    "tokenRefresh",
    "passwordReset",
    "passwordResetConfirm",
    "categoryList",
}
# Public routes that read a token when one is sent (staff see inactive products).
OPTIONAL_TOKEN = {"productList", "productGet", "productGetBySlug"}
STAFF = {
    "productCreate",
    "productReplace",
    "productUpdate",
    "productDelete",
    "variantCreate",
    "variantUpdate",
    "variantDelete",
    "refundCreate",
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(json.dumps(api.get_openapi_schema()))  # as served: string keys


def _operations(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for methods in schema["paths"].values()
        for operation in methods.values()
    }


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    name = node["$ref"].rsplit("/", 1)[1]
    return schema["components"]["schemas"][name]


def _error_codes(schema: dict[str, Any], operation_id: str, status: str) -> set[str]:
    """The codes the operation declares for `status` (over every body it may have)."""
    body = _operations(schema)[operation_id]["responses"][status]["content"]["application/json"]
    variants = body["schema"].get("anyOf", [body["schema"]])
    codes: set[str] = set()
    for variant in variants:
        codes |= set(_resolve(schema, variant)["properties"].get("code", {}).get("enum", []))
    return codes


def _enums(node: object) -> Iterator[list[Any]]:
    if isinstance(node, dict):
        if "enum" in node:
            yield node["enum"]
        for value in node.values():
            yield from _enums(value)
    elif isinstance(node, list):
        for value in node:
            yield from _enums(value)


def test_operation_ids_are_stable_and_unique(schema: dict[str, Any]) -> None:
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert ids == OPERATION_IDS


def test_no_enum_lists_a_value_twice_in_any_case(schema: dict[str, Any]) -> None:
    for values in _enums(schema):
        folded = [value.lower() if isinstance(value, str) else value for value in values]
        assert len(set(folded)) == len(folded), values


def test_the_country_enum_is_upper_case_and_shared_by_input_and_output(
    schema: dict[str, Any],
) -> None:
    components = schema["components"]["schemas"]
    codes = components["CountryCode"]["enum"]
    assert "FR" in codes
    assert all(code.isupper() and len(code) == 2 for code in codes)
    refs = {
        components[name]["properties"]["country"]["$ref"] for name in ("AddressIn", "AddressOut")
    }
    assert refs == {"#/components/schemas/CountryCode"}


@pytest.mark.django_db
def test_a_lower_case_country_is_accepted_and_answered_upper_case(
    client: Client, customer: User
) -> None:
    body = {"full_name": "Ann Buyer", "line1": "1 Rue X", "city": "Paris"}
    response = post_json(
        client,
        "/api/addresses/",
        {**body, "postal_code": "75001", "country": "fr"},
        **bearer(customer),
    )
    assert response.status_code == 201, response.json()
    assert response.json()["country"] == "FR"


@pytest.mark.django_db
def test_an_unknown_country_is_refused(client: Client, customer: User) -> None:
    body = {"full_name": "Ann", "line1": "1 X", "city": "Y", "postal_code": "1", "country": "xx"}
    response = post_json(client, "/api/addresses/", body, **bearer(customer))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "country"


def test_error_responses_declare_the_codes_of_the_operation(schema: dict[str, Any]) -> None:
    assert _error_codes(schema, "cartAdd", "409") == {"out_of_stock", "quantity_limit"}
    assert "variant_required" in _error_codes(schema, "cartAdd", "422")
    assert _error_codes(schema, "variantDelete", "409") == {"last_variant"}
    assert _error_codes(schema, "orderCreate", "409") == {
        "out_of_stock",
        "product_unavailable",
        "too_many_pending_orders",
        "order_total_too_high",
        "order_total_too_low",
    }
    assert _error_codes(schema, "orderCreate", "400") == {"cart_empty", "malformed_json"}
    assert _error_codes(schema, "orderCreate", "413") == {"body_too_large"}
    assert _error_codes(schema, "orderCreate", "415") == {"unsupported_media_type"}
    assert _error_codes(schema, "orderCancel", "409") == {"invalid_transition"}
    assert _error_codes(schema, "meGet", "401") == {
        "token_missing",
        "token_invalid",
        "token_expired",
    }
    assert _error_codes(schema, "tokenObtain", "401") == {"invalid_credentials"}
    assert _error_codes(schema, "tokenObtain", "429") == {"rate_limited"}


def test_error_bodies_declare_their_extra_fields(schema: dict[str, Any]) -> None:
    conflict = schema["components"]["schemas"]["CartAddConflictError"]
    assert conflict["required"] == ["detail", "code"]
    assert conflict["properties"]["detail"] == {"title": "Detail", "type": "string"}
    assert {"product_ids", "variant_ids", "available", "lines"} <= conflict["properties"].keys()
    refused = schema["components"]["schemas"]["CartAddUnprocessableContentError"]
    assert "variant_ids" in refused["properties"]


def test_a_validation_error_has_its_own_schema(schema: dict[str, Any]) -> None:
    validation = schema["components"]["schemas"]["ValidationErrorOut"]
    assert validation["properties"]["detail"]["type"] == "array"
    response = _operations(schema)["cartGet"]["responses"]
    assert "422" not in response  # no parameter, no body: nothing to validate


def _operation(operation_id: str) -> Operation:
    operations = [
        operation
        for bound in api._get_bound_routers()
        for view in bound.path_operations.values()
        for operation in view.operations
        if operation.operation_id == operation_id
    ]
    return operations[0]


def test_the_declared_error_check_refuses_an_undeclared_code_or_status() -> None:
    cart_add = _operation("cartAdd")
    error_answer_check(
        cart_add, JsonResponse({"detail": "No.", "code": "out_of_stock"}, status=409)
    )
    with pytest.raises(ValidationError):
        error_answer_check(
            cart_add, JsonResponse({"detail": "No.", "code": "sku_taken"}, status=409)
        )
    with pytest.raises(AssertionError, match="undeclared 403"):
        error_answer_check(cart_add, JsonResponse({"detail": "No.", "code": "x"}, status=403))


def test_anonymous_routes_declare_an_empty_security_and_optional_ones_an_alternative(
    schema: dict[str, Any],
) -> None:
    operations = _operations(schema)
    anonymous = {name for name, operation in operations.items() if operation["security"] == []}
    assert anonymous == ANONYMOUS
    for name in OPTIONAL_TOKEN:
        assert operations[name]["security"] == [{"OptionalJWTBearer": []}, {}]
    for name in operations.keys() - ANONYMOUS - OPTIONAL_TOKEN:
        assert operations[name]["security"] == [{"JWTBearer": []}]


def test_staff_routes_carry_the_staff_tag(schema: dict[str, Any]) -> None:
    tagged = {name for name, op in _operations(schema).items() if "staff" in op["tags"]}
    assert tagged == STAFF


@pytest.mark.django_db
def test_the_webhook_is_served_but_not_in_the_storefront_schema(
    schema: dict[str, Any], client: Client
) -> None:
    assert not any("webhook" in path for path in schema["paths"])
    response = client.post("/api/payments/webhook/", b"{}", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"


def test_money_and_urls_have_their_formats(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    assert components["OrderOut"]["properties"]["total"]["pattern"] == r"^-?\d+\.\d{2}$"
    image = components["ProductImageOut"]["properties"]["url"]
    assert image["format"] == "uri"
    assert components["OrderEventOut"]["properties"]["type"] == {
        "$ref": "#/components/schemas/OrderEventType"
    }
    assert components["RefundOut"]["properties"]["status"] == {
        "$ref": "#/components/schemas/RefundStatus"
    }


def test_response_headers_are_declared(schema: dict[str, Any]) -> None:
    operations = _operations(schema)
    assert "Retry-After" in operations["tokenObtain"]["responses"]["429"]["headers"]
    assert "WWW-Authenticate" in operations["meGet"]["responses"]["401"]["headers"]
    created = operations["orderCreate"]["responses"]
    assert "Idempotent-Replayed" in created["200"]["headers"]
    assert created["201"]["content"] == created["200"]["content"]


def test_the_served_schema_names_the_server_of_the_request(client: Client) -> None:
    served = client.get("/api/openapi.json", secure=True).json()
    assert served["servers"] == [{"url": "https://testserver"}]
