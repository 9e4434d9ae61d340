"""Checkout as a service: stock reservation, copies, idempotency, all-or-nothing."""

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from accounts.models import User
from catalog.errors import OutOfStock
from catalog.inventory import stock_adjust, stock_drift
from catalog.models import Product, StockMovement, Variant
from catalog.tests.factories import (
    default_variant,
    product_make,
    product_with_options_make,
    stock_of,
)
from core.errors import NotFound
from shop import checkout
from shop.cart import cart_line_add
from shop.checkout import order_create
from shop.errors import (
    CartEmpty,
    IdempotencyKeyReused,
    OrderTotalTooHigh,
    OrderTotalTooLow,
    ProductUnavailable,
)
from shop.models import CartLine, IdempotencyKey, Order, OrderEvent, OrderLine, OrderStatus
from shop.tests.factories import address_make, order_movements, order_place

pytestmark = pytest.mark.django_db


def test_checkout_reserves_stock_copies_lines_and_empties_cart(
    customer: User, django_capture_on_commit_callbacks
) -> None:
    mug = product_make(name="Mug", sku="MUG-1", price="12.50", stock=5)
    tee = product_make(name="Tee", sku="TEE-1", price="20.00", stock=3)
    cart_line_add(user=customer, product_id=mug.pk, quantity=2)
    cart_line_add(user=customer, product_id=tee.pk, quantity=1)
    address = address_make(user=customer, full_name="Ann Buyer", city="Paris", country="FR")

    with django_capture_on_commit_callbacks(execute=True):
        result = order_create(user=customer, address_id=address.pk)

    order = result.order
    assert result.created
    assert order.status == OrderStatus.PENDING
    assert order.number.startswith("NC-")
    assert len(order.number) == 11
    assert order.subtotal == order.total == Decimal("45.00")
    assert order.currency == "usd"
    assert order.shipping_address["city"] == "Paris"
    assert order.shipping_address["country"] == "FR"
    lines = list(order.lines.order_by("sku"))
    assert [
        (line.sku, line.name, line.unit_price, line.quantity, line.line_total) for line in lines
    ] == [
        ("MUG-1", "Mug", Decimal("12.50"), 2, Decimal("25.00")),
        ("TEE-1", "Tee", Decimal("20.00"), 1, Decimal("20.00")),
    ]
    assert [(line.product_id, line.variant_id, line.variant_title) for line in lines] == [
        (mug.pk, default_variant(mug).pk, ""),
        (tee.pk, default_variant(tee).pk, ""),
    ]
    assert (stock_of(mug), stock_of(tee)) == (3, 2)
    assert order_movements(order) == [
        ("MUG-1", "checkout", -2, 3),
        ("TEE-1", "checkout", -1, 2),
    ]
    assert StockMovement.objects.filter(reference=order.number).first().actor == customer
    assert stock_drift() == []
    assert not CartLine.objects.filter(cart__user=customer).exists()
    assert order.events.get().type == OrderEvent.Type.PLACED
    assert len(mail.outbox) == 1
    assert order.number in mail.outbox[0].subject
    assert "2 x Mug" in mail.outbox[0].body
    assert "45.00 USD" in mail.outbox[0].body


def test_order_keeps_its_copies_when_product_and_address_change(customer: User) -> None:
    mug = product_make(name="Mug", price="12.50", stock=5)
    cart_line_add(user=customer, product_id=mug.pk, quantity=1)
    address = address_make(user=customer, city="Paris")
    order = order_create(user=customer, address_id=address.pk).order

    Product.objects.filter(pk=mug.pk).update(name="Renamed")
    Variant.objects.filter(product=mug).update(price=Decimal("99.00"))
    address.delete()
    mug.delete()

    order.refresh_from_db()
    line = order.lines.get()
    assert (line.name, line.unit_price, line.product_id, line.variant_id) == (
        "Mug",
        Decimal("12.50"),
        None,
        None,
    )
    assert order.shipping_address["city"] == "Paris"


def test_short_line_refuses_whole_order_and_keeps_cart(customer: User) -> None:
    plenty = product_make(stock=10)
    scarce = product_make(stock=3)
    cart_line_add(user=customer, product_id=plenty.pk, quantity=2)
    cart_line_add(user=customer, product_id=scarce.pk, quantity=3)
    # someone else bought meanwhile
    stock_adjust(variant=default_variant(scarce), set_to=1, actor=None)
    address = address_make(user=customer)

    with pytest.raises(OutOfStock) as raised:
        order_create(user=customer, address_id=address.pk)

    assert raised.value.extra["product_ids"] == [scarce.pk]
    assert raised.value.extra["variant_ids"] == [default_variant(scarce).pk]
    assert raised.value.extra["lines"] == [
        {
            "product_id": scarce.pk,
            "variant_id": default_variant(scarce).pk,
            "requested": 3,
            "available": 1,
        }
    ]
    assert raised.value.status == 409
    assert (stock_of(plenty), stock_of(scarce)) == (10, 1)
    assert not StockMovement.objects.filter(reason=StockMovement.Reason.CHECKOUT).exists()
    assert not Order.objects.exists()
    assert CartLine.objects.filter(cart__user=customer).count() == 2


def test_empty_cart_is_refused(customer: User) -> None:
    address = address_make(user=customer)
    with pytest.raises(CartEmpty):
        order_create(user=customer, address_id=address.pk)


@pytest.mark.parametrize("whose", ["foreign", "unknown"])
def test_foreign_or_unknown_address_is_404(
    customer: User, other_customer: User, whose: str
) -> None:
    product = product_make(stock=5)
    cart_line_add(user=customer, product_id=product.pk, quantity=1)
    address_id = address_make(user=other_customer).pk if whose == "foreign" else 10**9
    with pytest.raises(NotFound):
        order_create(user=customer, address_id=address_id)
    assert stock_of(product) == 5


@pytest.mark.parametrize("change", ["deactivated", "variant deactivated", "deleted"])
def test_unavailable_product_blocks_checkout(customer: User, change: str) -> None:
    gone = product_make(name="Gone", stock=5)
    kept = product_make(stock=5)
    cart_line_add(user=customer, product_id=gone.pk, quantity=1)
    cart_line_add(user=customer, product_id=kept.pk, quantity=1)
    if change == "deleted":
        gone.delete()
    elif change == "deactivated":
        Product.objects.filter(pk=gone.pk).update(is_active=False)
    else:
        Variant.objects.filter(product=gone).update(is_active=False)
    with pytest.raises(ProductUnavailable, match="Gone"):
        order_create(user=customer, address_id=address_make(user=customer).pk)
    assert stock_of(kept) == 5
    assert not Order.objects.exists()


def test_failure_half_way_leaves_everything_as_before(
    customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = product_make(stock=5)
    cart_line_add(user=customer, product_id=product.pk, quantity=2)
    address = address_make(user=customer)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(OrderLine.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        order_create(user=customer, address_id=address.pk)

    assert stock_of(product) == 5
    assert not StockMovement.objects.filter(reason=StockMovement.Reason.CHECKOUT).exists()
    assert not Order.objects.exists()
    assert CartLine.objects.get(cart__user=customer).quantity == 2


def test_idempotency_key_replays_first_order(customer: User) -> None:
    product = product_make(stock=5)
    cart_line_add(user=customer, product_id=product.pk, quantity=1)
    address = address_make(user=customer)

    first = order_create(user=customer, address_id=address.pk, idempotency_key="k-1")
    again = order_create(user=customer, address_id=address.pk, idempotency_key="k-1")

    assert first.created
    assert not again.created
    assert again.order.pk == first.order.pk
    assert Order.objects.count() == 1
    assert stock_of(product) == 4
    assert order_movements(first.order) == [(default_variant(product).sku, "checkout", -1, 4)]


def test_idempotency_key_with_other_body_is_refused(customer: User) -> None:
    product = product_make(stock=5)
    cart_line_add(user=customer, product_id=product.pk, quantity=1)
    address = address_make(user=customer)
    other = address_make(user=customer, city="Elsewhere")
    order_create(user=customer, address_id=address.pk, idempotency_key="k-1")
    with pytest.raises(IdempotencyKeyReused) as raised:
        order_create(user=customer, address_id=other.pk, idempotency_key="k-1")
    assert raised.value.status == 422


def test_idempotency_keys_are_per_user(customer: User, other_customer: User) -> None:
    product = product_make(stock=5)
    for user in (customer, other_customer):
        cart_line_add(user=user, product_id=product.pk, quantity=1)
        order_create(user=user, address_id=address_make(user=user).pk, idempotency_key="same")
    assert Order.objects.count() == 2
    assert IdempotencyKey.objects.count() == 2


def test_order_number_collision_draws_again(
    customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = product_make(stock=5)
    cart_line_add(user=customer, product_id=product.pk, quantity=1)
    first = order_create(user=customer, address_id=address_make(user=customer).pk).order
    numbers = iter([first.number, "NC-FRESH234"])
    monkeypatch.setattr(checkout, "order_number_new", lambda: next(numbers))
    cart_line_add(user=customer, product_id=product.pk, quantity=1)
    second = order_create(user=customer, address_id=address_make(user=customer).pk).order
    assert second.number == "NC-FRESH234"


def test_order_number_collision_leaves_the_other_orders_movements(
    customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = product_make(stock=5)
    sku = default_variant(product).sku
    first = order_place(user=customer, items=[(product, 1)])
    numbers = iter([first.number, "NC-FRESH234"])
    monkeypatch.setattr(checkout, "order_number_new", lambda: next(numbers))

    second = order_place(user=customer, items=[(product, 1)])

    assert order_movements(first) == [(sku, "checkout", -1, 4)]
    assert order_movements(second) == [(sku, "checkout", -1, 3)]


def test_a_total_over_what_a_payment_can_take_is_refused(customer: User) -> None:
    priceless = product_make(price="9999999999.99", stock=2000)
    cart_line_add(user=customer, product_id=priceless.pk, quantity=1000)
    address = address_make(user=customer)

    with pytest.raises(OrderTotalTooHigh) as refused:
        order_create(user=customer, address_id=address.pk)

    assert refused.value.status == 409
    assert refused.value.extra["maximum"] == "999999.99"
    assert not Order.objects.exists()
    assert stock_of(priceless) == 2000
    assert CartLine.objects.filter(cart__user=customer).count() == 1


def test_a_total_under_the_card_minimum_is_refused(customer: User) -> None:
    cart_line_add(user=customer, product_id=product_make(price="0.01", stock=5).pk)

    with pytest.raises(OrderTotalTooLow) as refused:
        order_create(user=customer, address_id=address_make(user=customer).pk)

    assert refused.value.code == "order_total_too_low"
    assert refused.value.extra["minimum"] == "0.50"
    assert not Order.objects.exists()


def test_a_free_order_is_confirmed_without_a_payment(customer: User) -> None:
    sample = product_make(price="0.00", stock=5)
    cart_line_add(user=customer, product_id=sample.pk, quantity=2)

    order = order_create(user=customer, address_id=address_make(user=customer).pk).order

    order.refresh_from_db()
    assert (order.status, order.total, order.stock_reserved) == (
        OrderStatus.PAID,
        Decimal("0.00"),
        True,
    )
    assert order.paid_at is not None
    assert list(order.events.values_list("type", "to_status")) == [
        (OrderEvent.Type.PLACED, OrderStatus.PENDING),
        (OrderEvent.Type.STATUS, OrderStatus.PAID),
    ]
    assert "Nothing to pay" in order.events.last().message
    assert stock_of(sample) == 3


def test_the_order_copies_the_locked_product_not_the_cart_read(
    customer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    mug = product_make(name="Mug", sku="MUG-1", price="12.50", stock=5)
    cart_line_add(user=customer, product_id=mug.pk)
    address = address_make(user=customer)
    reserve = checkout.stock_reserve

    def edited_meanwhile(**kwargs: Any) -> dict[int, Variant]:
        # a merchant's edit commits between the cart read and the variant lock
        Product.objects.filter(pk=mug.pk).update(name="Big mug")
        Variant.objects.filter(product=mug).update(sku="MUG-2", price="20.00")
        return reserve(**kwargs)

    monkeypatch.setattr(checkout, "stock_reserve", edited_meanwhile)
    order = order_create(user=customer, address_id=address.pk).order

    line = order.lines.get()
    assert (line.name, line.sku, line.unit_price) == ("Big mug", "MUG-2", Decimal("20.00"))
    assert order.total == Decimal("20.00")
    assert order_movements(order) == [("MUG-2", "checkout", -1, 4)]


def test_two_variants_of_one_product_are_reserved_each(customer: User) -> None:
    tee = product_with_options_make(
        name="Tee", options={"Size": ["S", "M"], "Colour": ["Red"]}, price="20.00", stock=5
    )
    small, medium = tee.variants.order_by("pk")
    cart_line_add(user=customer, variant_id=small.pk, quantity=2)
    cart_line_add(user=customer, variant_id=medium.pk, quantity=1)

    order = order_create(user=customer, address_id=address_make(user=customer).pk).order

    lines = order.lines.order_by("variant_id")
    assert [(line.variant_id, line.variant_title, line.sku, line.quantity) for line in lines] == [
        (small.pk, "S / Red", small.sku, 2),
        (medium.pk, "M / Red", medium.sku, 1),
    ]
    assert order.total == Decimal("60.00")
    small.refresh_from_db()
    medium.refresh_from_db()
    assert (small.stock, medium.stock) == (3, 4)
    assert order_movements(order) == [
        (small.sku, "checkout", -2, 3),
        (medium.sku, "checkout", -1, 4),
    ]
    assert stock_drift() == []


def test_a_short_variant_refuses_the_order_and_names_the_variant(customer: User) -> None:
    tee = product_with_options_make(options={"Size": ["S", "M"]}, stock=2)
    small, medium = tee.variants.order_by("pk")
    cart_line_add(user=customer, variant_id=small.pk, quantity=1)
    cart_line_add(user=customer, variant_id=medium.pk, quantity=2)
    stock_adjust(variant=medium, delta=-1, actor=None)  # sold in the shop meanwhile

    with pytest.raises(OutOfStock) as raised:
        order_create(user=customer, address_id=address_make(user=customer).pk)

    assert raised.value.extra["variant_ids"] == [medium.pk]
    assert raised.value.extra["product_ids"] == [tee.pk]
    assert "(M)" in raised.value.message
    small.refresh_from_db()
    assert small.stock == 2
    assert not Order.objects.exists()
