"""Products with options and variants through the API (API.md, "Products with variants")."""

from decimal import Decimal

import pytest
from django.test import Client

from accounts.groups import ORDER_MANAGERS
from accounts.models import User
from accounts.tests.factories import bearer, staff_make
from catalog.inventory import stock_drift
from catalog.models import Product, ProductImage, StockMovement, Variant
from catalog.tests.factories import (
    default_variant,
    product_image_make,
    product_make,
    product_with_options_make,
)
from core.testing import patch_json, post_json

pytestmark = pytest.mark.django_db

TEE = {
    "name": "Tee",
    "options": [{"name": "Size", "values": ["S", "M"]}, {"name": "Colour", "values": ["Red"]}],
    "variants": [
        {"sku": "TEE-S", "options": {"Size": "S", "Colour": "Red"}, "price": "20.00", "stock": 3},
        {
            "sku": "TEE-M",
            "options": {"size": "m", "colour": "red"},  # any case, stored as the option says
            "price": "18.00",
            "stock": 0,
            "compare_at_price": "25.00",
            "weight_grams": 180,
        },
    ],
}


def _tee(**variant_fields: object) -> Product:
    product = product_with_options_make(
        options={"Size": ["S", "M"], "Colour": ["Red", "Blue"]}, price="10.00", stock=2
    )
    if variant_fields:
        Variant.objects.filter(product=product).update(**variant_fields)
    return product


def _skus(response) -> list[str]:
    return sorted(item["sku"] for item in response.json()["items"])


# --- reading --------------------------------------------------------------------------------


def test_a_product_shows_its_options_variants_and_v1_figures(client: Client) -> None:
    product = _tee()
    first = product.variants.order_by("position").first()
    Variant.objects.filter(pk=first.pk).update(price=Decimal("12.00"))
    Variant.objects.exclude(pk=first.pk).filter(product=product).update(stock=0)

    body = client.get(f"/api/products/{product.pk}/").json()

    assert body["options"] == [
        {"name": "Size", "values": ["S", "M"]},
        {"name": "Colour", "values": ["Red", "Blue"]},
    ]
    assert [v["title"] for v in body["variants"]] == ["S / Red", "S / Blue", "M / Red", "M / Blue"]
    assert body["variants"][1]["options"] == {"Size": "S", "Colour": "Blue"}
    assert (body["sku"], body["price"], body["stock"], body["in_stock"]) == (
        first.sku,
        "10.00",  # the lowest price
        2,  # the sum
        True,  # one variant is in stock
    )


def test_a_variant_image_is_one_of_its_products(client: Client) -> None:
    product = _tee()
    image = product_image_make(product=product)
    Variant.objects.filter(product=product, option2="Blue").update(image=image)
    variants = client.get(f"/api/products/{product.pk}/").json()["variants"]
    assert [v["image"] is not None for v in variants] == [False, True, False, True]


def test_option_filters_need_one_variant_with_all_values(client: Client) -> None:
    tee = _tee()
    Variant.objects.filter(product=tee).exclude(option1="M", option2="Red").update(is_active=False)
    product_make(sku="PLAIN")

    def listed(*options: str) -> list[str]:
        query = "&".join(f"option={option}" for option in options)
        return _skus(client.get(f"/api/products/?{query}"))

    on_sale = tee.variants.get(option1="M", option2="Red").sku  # the listed product's sku
    assert listed("Size:M") == [on_sale]
    assert listed("size:m", "Colour:red") == [on_sale]  # any case
    assert listed("Size:M", "Colour:Blue") == []  # M / Blue is not on sale
    assert listed("Size:S") == []  # hidden variants do not count
    assert listed("Material:Wool") == []


def test_a_malformed_option_filter_is_422(client: Client) -> None:
    assert client.get("/api/products/?option=Size").status_code == 422


def test_price_and_stock_filters_match_any_variant(client: Client) -> None:
    tee = _tee()
    Variant.objects.filter(product=tee, option1="M").update(price=Decimal("30.00"), stock=0)
    cheap = product_make(sku="CHEAP", price="5.00", stock=0)

    def listed(query: str) -> set[int]:
        return {item["id"] for item in client.get(f"/api/products/?{query}").json()["items"]}

    assert listed("min_price=25.00") == {tee.pk}
    assert listed("max_price=10.00") == {tee.pk, cheap.pk}
    assert listed("min_price=11.00&max_price=29.00") == set()  # one variant must match both
    assert listed("in_stock=true") == {tee.pk}
    assert listed("in_stock=false") == {cheap.pk}


def test_ordering_by_price_uses_the_lowest_variant_price(client: Client) -> None:
    tee = _tee()  # 10.00 .. 40.00
    Variant.objects.filter(product=tee, option1="M").update(price=Decimal("40.00"))
    middle = product_make(price="20.00")
    ids = [item["id"] for item in client.get("/api/products/?ordering=price").json()["items"]]
    assert ids == [tee.pk, middle.pk]
    ids = [item["id"] for item in client.get("/api/products/?ordering=-price").json()["items"]]
    assert ids == [middle.pk, tee.pk]


def test_search_finds_a_variant_sku(client: Client) -> None:
    tee = _tee()
    product_make(name="Mug")
    sku = tee.variants.order_by("position").last().sku
    assert [item["id"] for item in client.get(f"/api/products/?search={sku}").json()["items"]] == [
        tee.pk
    ]


def test_hidden_variants_are_staff_only(client: Client, staff: User) -> None:
    tee = _tee()
    Variant.objects.filter(product=tee, option1="S").update(is_active=False)
    shopper = client.get(f"/api/products/{tee.pk}/").json()["variants"]
    staffs = client.get(f"/api/products/{tee.pk}/", **bearer(staff)).json()["variants"]
    assert [v["title"] for v in shopper] == ["M / Red", "M / Blue"]
    assert len(staffs) == 4


def test_a_product_without_a_variant_on_sale_is_hidden(client: Client, staff: User) -> None:
    tee = _tee(is_active=False)
    assert client.get(f"/api/products/{tee.pk}/").status_code == 404
    assert client.get("/api/products/").json()["count"] == 0
    assert client.get(f"/api/products/{tee.pk}/", **bearer(staff)).status_code == 200


def test_by_slug_answers_the_detail(client: Client) -> None:
    product = product_make(name="Blue Mug", slug="blue-mug")
    found = client.get("/api/products/by-slug/blue-mug/")
    assert found.status_code == 200
    assert found.json() == client.get(f"/api/products/{product.pk}/").json()
    missing = client.get("/api/products/by-slug/no-such-mug/")
    assert (missing.status_code, missing.json()["code"]) == (404, "product_not_found")


# --- staff writes ---------------------------------------------------------------------------


def test_staff_create_a_product_with_options_and_variants(client: Client, staff: User) -> None:
    response = post_json(client, "/api/products/", TEE, **bearer(staff))

    assert response.status_code == 201, response.content
    body = response.json()
    assert [(v["sku"], v["title"], v["price"], v["stock"]) for v in body["variants"]] == [
        ("TEE-S", "S / Red", "20.00", 3),
        ("TEE-M", "M / Red", "18.00", 0),
    ]
    assert (body["variants"][1]["compare_at_price"], body["variants"][1]["weight_grams"]) == (
        "25.00",
        180,
    )
    assert (body["price"], body["stock"], body["sku"]) == ("18.00", 3, "TEE-S")
    opening = StockMovement.objects.get(sku="TEE-S")
    assert (opening.delta, opening.reason, opening.actor) == (3, "initial", staff)
    assert stock_drift() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["variants"][1]["options"].update(Size="S"), "variants"),  # same combination
        (lambda b: b["variants"][1]["options"].pop("colour"), "variants.1.options"),
        (lambda b: b["variants"][1]["options"].update(Size="XL"), "variants.1.options"),
        (lambda b: b["variants"][1]["options"].update(Fit="Slim"), "variants.1.options"),
        (lambda b: b["variants"][1].update(sku="TEE-S"), "variants"),
        (
            lambda b: b["variants"][1].update(compare_at_price="18.00"),
            "variants.1.compare_at_price",
        ),
        (lambda b: b["options"][0].update(values=["S", "s"]), "options.0.values"),
        (lambda b: b["options"].append({"name": "size", "values": ["X"]}), "options"),
    ],
)
def test_a_bad_product_is_refused_whole(client: Client, staff: User, change, field: str) -> None:
    body = {**TEE, "options": [dict(o) for o in TEE["options"]]}
    body["variants"] = [{**v, "options": dict(v["options"])} for v in TEE["variants"]]
    change(body)

    response = post_json(client, "/api/products/", body, **bearer(staff))

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_product"
    assert field in response.json()["errors"], response.json()
    assert not Product.objects.exists()
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {**TEE, "options": [{"name": f"O{n}", "values": ["x"]} for n in range(4)]},
        {**TEE, "sku": "ALSO-V1"},
        {"name": "Tee", "options": TEE["options"]},
    ],
)
def test_malformed_product_bodies_are_422(client: Client, staff: User, body: dict) -> None:
    assert post_json(client, "/api/products/", body, **bearer(staff)).status_code == 422
    assert not Product.objects.exists()


def test_a_sku_taken_by_another_products_variant_is_409(client: Client, staff: User) -> None:
    product_make(sku="TEE-M")
    response = post_json(client, "/api/products/", TEE, **bearer(staff))
    assert (response.status_code, response.json()["code"]) == (409, "sku_taken")
    assert Product.objects.count() == 1


def test_staff_add_patch_and_delete_variants(client: Client, staff: User) -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]}, stock=1)
    tee.options.filter(name="Size").update(values=["S", "M", "L"])
    headers = bearer(staff)

    added = post_json(
        client,
        f"/api/products/{tee.pk}/variants/",
        {"sku": "TEE-L", "options": {"Size": "L"}, "price": "11.00", "stock": 4},
        **headers,
    )
    assert added.status_code == 201, added.content
    variant = added.json()
    assert (variant["title"], variant["stock"], variant["position"]) == ("L", 4, 2)

    patched = patch_json(
        client, f"/api/variants/{variant['id']}/", {"price": "12.00", "stock": 6}, **headers
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["price"], patched.json()["stock"]) == ("12.00", 6)
    adjusted = StockMovement.objects.filter(variant_id=variant["id"]).order_by("-id").first()
    assert (adjusted.delta, adjusted.reason, adjusted.actor) == (2, "admin", staff)

    for other in tee.variants.exclude(pk=variant["id"]):
        assert client.delete(f"/api/variants/{other.pk}/", **headers).status_code == 204
    last = client.delete(f"/api/variants/{variant['id']}/", **headers)
    assert (last.status_code, last.json()["code"]) == (409, "last_variant")
    assert tee.variants.count() == 1
    assert stock_drift() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"compare_at_price": "5.00"}, "compare_at_price"),
        ({"stock": -1}, None),
        ({"sku": None}, None),
    ],
)
def test_bad_variant_patches_change_nothing(
    client: Client, staff: User, body: dict, field: str | None
) -> None:
    variant = default_variant(product_make(price="10.00", stock=2))
    response = patch_json(client, f"/api/variants/{variant.pk}/", body, **bearer(staff))
    assert response.status_code == 422
    if field:
        assert field in response.json()["errors"]
    variant.refresh_from_db()
    assert (variant.compare_at_price, variant.stock) == (None, 2)


def test_a_patched_sku_taken_elsewhere_is_409(client: Client, staff: User) -> None:
    product_make(sku="TAKEN")
    variant = default_variant(product_make(sku="MINE"))
    response = patch_json(client, f"/api/variants/{variant.pk}/", {"sku": "TAKEN"}, **bearer(staff))
    assert (response.status_code, response.json()["code"]) == (409, "sku_taken")


def test_a_v1_price_patch_on_a_product_with_variants_is_422(client: Client, staff: User) -> None:
    tee = _tee()
    response = patch_json(client, f"/api/products/{tee.pk}/", {"price": "1.00"}, **bearer(staff))
    assert response.status_code == 422
    assert "price" in response.json()["errors"]
    assert set(tee.variants.values_list("price", flat=True)) == {Decimal("10.00")}


def test_variant_routes_need_the_change_permission(client: Client) -> None:
    variant = default_variant(product_make())
    order_manager = staff_make("orders@example.com", groups=(ORDER_MANAGERS,))
    headers = bearer(order_manager)
    assert (
        post_json(
            client,
            f"/api/products/{variant.product_id}/variants/",
            {"sku": "X", "price": "1.00"},
            **headers,
        ).status_code
        == 403
    )
    assert (
        patch_json(client, f"/api/variants/{variant.pk}/", {"price": "2.00"}, **headers).status_code
        == 403
    )
    assert client.delete(f"/api/variants/{variant.pk}/", **headers).status_code == 403
    assert post_json(client, "/api/products/", TEE, **headers).status_code == 403
    assert not ProductImage.objects.exists()
    variant.refresh_from_db()
    assert variant.price == Decimal("10.00")


def test_shoppers_cannot_see_hidden_variants_through_the_variant_route(
    client: Client, customer: User
) -> None:
    variant = default_variant(product_make())
    Variant.objects.filter(pk=variant.pk).update(is_active=False)
    response = patch_json(
        client, f"/api/variants/{variant.pk}/", {"price": "2.00"}, **bearer(customer)
    )
    assert response.status_code == 403


@pytest.mark.parametrize("options", [{"": "S"}, {"Size": ""}, {"Size": "\x00"}, {" ": " "}])
def test_blank_or_odd_option_names_and_values_are_a_rule_error(
    client: Client, staff: User, options: dict
) -> None:
    tee = product_with_options_make(options={"Size": ["S"]})
    response = post_json(
        client,
        f"/api/products/{tee.pk}/variants/",
        {"sku": "ODD-1", "price": "1.00", "options": options},
        **bearer(staff),
    )
    assert (response.status_code, response.json()["code"]) == (422, "invalid_product")
    assert "options" in response.json()["errors"]
