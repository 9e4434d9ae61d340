"""The inventory module: all or nothing, one movement per change, the ledger proven."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import User
from catalog.errors import OutOfStock, StockBelowZero, StockMoved
from catalog.inventory import (
    Reason,
    StockChange,
    stock_adjust,
    stock_adjust_many,
    stock_drift,
    stock_release,
    stock_reserve,
)
from catalog.models import StockMovement, Variant
from catalog.tests.factories import (
    default_variant,
    product_make,
    product_with_options_make,
)

pytestmark = pytest.mark.django_db


def _stock(*variants: Variant) -> list[int]:
    return [Variant.objects.get(pk=variant.pk).stock for variant in variants]


def test_reserve_takes_every_line_and_records_a_movement_each(staff: User) -> None:
    product = product_with_options_make(options={"Size": ["S", "M"]}, stock=5)
    small, medium = product.variants.order_by("position")

    stock_reserve(
        lines=[(small.pk, 2), (medium.pk, 5)], reason=Reason.CHECKOUT, reference="NC-1", actor=staff
    )

    assert _stock(small, medium) == [3, 0]
    movements = StockMovement.objects.filter(reference="NC-1").order_by("variant_id")
    assert [(m.variant_id, m.sku, m.delta, m.quantity_after) for m in movements] == [
        (small.pk, small.sku, -2, 3),
        (medium.pk, medium.sku, -5, 0),
    ]
    assert {(m.reason, m.actor) for m in movements} == {(Reason.CHECKOUT, staff)}
    assert stock_drift() == []


def test_two_lines_of_one_variant_count_together() -> None:  # Medusa #16502: bundles oversold
    variant = default_variant(product_make(stock=5))

    with pytest.raises(OutOfStock) as refused:
        stock_reserve(lines=[(variant.pk, 3), (variant.pk, 3)], reason=Reason.CHECKOUT)

    assert refused.value.extra["lines"] == [
        {"product_id": variant.product_id, "variant_id": variant.pk, "requested": 6, "available": 5}
    ]
    assert _stock(variant) == [5]
    stock_reserve(lines=[(variant.pk, 2), (variant.pk, 3)], reason=Reason.CHECKOUT)
    assert _stock(variant) == [0]
    assert StockMovement.objects.filter(reason=Reason.CHECKOUT).get().delta == -5


def test_one_short_line_reserves_nothing() -> None:
    plenty = default_variant(product_make(stock=10))
    short = default_variant(product_make(name="Lamp", stock=1))

    with pytest.raises(OutOfStock) as refused:
        stock_reserve(lines=[(plenty.pk, 1), (short.pk, 2)], reason=Reason.CHECKOUT)

    assert "Lamp" in refused.value.message
    assert refused.value.extra["variant_ids"] == [short.pk]
    assert _stock(plenty, short) == [10, 1]
    assert not StockMovement.objects.filter(reason=Reason.CHECKOUT).exists()


@pytest.mark.parametrize("hidden", ["variant", "product"])
def test_a_hidden_variant_or_product_cannot_be_reserved(hidden: str) -> None:
    variant = default_variant(product_make(stock=10))
    target = variant if hidden == "variant" else variant.product
    type(target).objects.filter(pk=target.pk).update(is_active=False)

    with pytest.raises(OutOfStock) as refused:
        stock_reserve(lines=[(variant.pk, 1)], reason=Reason.CHECKOUT)
    assert refused.value.extra["lines"][0]["available"] == (0 if hidden == "variant" else 10)


def test_release_puts_back_and_skips_deleted_variants() -> None:
    kept = default_variant(product_make(stock=4))
    stock_reserve(lines=[(kept.pk, 3)], reason=Reason.CHECKOUT, reference="NC-2")

    stock_release(lines=[(kept.pk, 3), (None, 2)], reason=Reason.CANCEL, reference="NC-2")

    assert _stock(kept) == [4]
    back = StockMovement.objects.get(reason=Reason.CANCEL)
    assert (back.delta, back.quantity_after, back.reference) == (3, 4, "NC-2")
    assert stock_drift() == []


def test_adjust_by_delta_or_to_a_figure(staff: User) -> None:
    variant = default_variant(product_make(stock=4))

    stock_adjust(variant=variant, delta=-1, actor=staff, note="Broken in the shop.")
    assert variant.stock == 3
    stock_adjust(variant=variant, set_to=10, expected=3, actor=staff, reason=Reason.RETURN)

    assert _stock(variant) == [10]
    latest = StockMovement.objects.filter(variant=variant).order_by("-id")[:2]
    assert [(m.delta, m.quantity_after, m.reason) for m in latest] == [
        (7, 10, Reason.RETURN),
        (-1, 3, Reason.ADMIN),
    ]


def test_adjust_to_the_same_figure_records_nothing(staff: User) -> None:
    variant = default_variant(product_make(stock=4))
    stock_adjust(variant=variant, set_to=4, actor=staff)
    assert StockMovement.objects.filter(variant=variant).count() == 1  # the opening stock


def test_a_stale_expected_figure_changes_nothing(staff: User) -> None:
    variant = default_variant(product_make(stock=10))
    stock_reserve(lines=[(variant.pk, 3)], reason=Reason.CHECKOUT)  # sold while the page was open

    with pytest.raises(StockMoved) as refused:
        stock_adjust(variant=variant, set_to=12, expected=10, actor=staff)

    assert (refused.value.extra["expected"], refused.value.extra["stock"]) == (10, 7)
    assert _stock(variant) == [7]


def test_an_adjustment_below_zero_is_refused_whole(staff: User) -> None:
    first = default_variant(product_make(stock=5))
    second = default_variant(product_make(stock=1))

    with pytest.raises(StockBelowZero):
        stock_adjust_many(
            changes=[
                StockChange(variant_id=first.pk, delta=-2),
                StockChange(variant_id=second.pk, delta=-2),
            ],
            reason=Reason.ADMIN,
            actor=staff,
        )
    assert _stock(first, second) == [5, 1]


def test_check_stock_reports_drift_and_fix_records_a_correction() -> None:
    variant = default_variant(product_make(sku="DRIFT-1", stock=5))
    product_make(sku="FINE-1", stock=2)
    Variant.objects.filter(pk=variant.pk).update(stock=8)  # a write behind the ledger's back

    out = StringIO()
    with pytest.raises(CommandError, match="1 variant"):
        call_command("check_stock", stdout=out)
    assert "DRIFT-1" in out.getvalue()
    assert "sum to 5 (+3)" in out.getvalue()
    assert "FINE-1" not in out.getvalue()

    call_command("check_stock", "--fix", stdout=StringIO())

    correction = StockMovement.objects.get(reason=Reason.CORRECTION)
    assert (correction.delta, correction.quantity_after) == (3, 8)
    assert stock_drift() == []
    clean = StringIO()
    call_command("check_stock", stdout=clean)
    assert "every variant's movements sum to its stock" in clean.getvalue()


def _stock_writes(tree: ast.AST) -> list[int]:
    """Lines that write a `stock` field: `.update(stock=...)`, `x.stock = ...`, `x.stock += ...`,
    or "stock" in `update_fields`."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("update", "create", "bulk_update") and any(
                keyword.arg == "stock" for keyword in node.keywords
            ):
                lines.append(node.lineno)
            for keyword in node.keywords:
                if keyword.arg == "update_fields" and "'stock'" in ast.unparse(keyword.value):
                    lines.append(node.lineno)
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AugAssign)
            else []
        )
        lines.extend(
            target.lineno
            for target in targets
            if isinstance(target, ast.Attribute) and target.attr == "stock"
        )
    return lines


def test_nothing_but_the_inventory_module_writes_stock() -> None:
    """Application code (tests, migrations and benchmarks aside) never writes Variant.stock
    except in catalog/inventory.py."""
    base = Path(settings.BASE_DIR)
    allowed = {base / "catalog" / "inventory.py"}
    offenders = []
    for app in ("accounts", "catalog", "config", "core", "payments", "shop"):
        for path in (base / app).rglob("*.py"):
            parts = set(path.relative_to(base).parts)
            if path in allowed or parts & {"tests", "migrations"}:
                continue
            offenders += [
                f"{path.relative_to(base)}:{line}"
                for line in _stock_writes(ast.parse(path.read_text()))
            ]
    assert offenders == []


def test_the_write_finder_finds_writes() -> None:
    found = _stock_writes(
        ast.parse(
            "Variant.objects.filter(pk=1).update(stock=F('stock') - 1)\n"
            "variant.stock = 3\n"
            "variant.save(update_fields=['stock'])\n"
            "variant.stock += 1\n"
            "print(variant.stock)\n"
        )
    )
    assert sorted(found) == [1, 2, 3, 4]


def test_a_deleted_variant_fails_the_reservation_by_name() -> None:
    kept = default_variant(product_make(name="Lamp", stock=5))
    gone = default_variant(product_make(stock=5))
    gone_pk = gone.pk
    Variant.objects.filter(pk=gone_pk).delete()

    with pytest.raises(OutOfStock) as refused:
        stock_reserve(lines=[(kept.pk, 1), (gone_pk, 1)], reason=Reason.CHECKOUT)

    assert refused.value.message == "Not enough stock for: products no longer sold."
    assert refused.value.extra["variant_ids"] == [gone_pk]
    assert _stock(kept) == [5]
