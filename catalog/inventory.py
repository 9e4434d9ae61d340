"""Stock: the one module that changes it (checkout, cancel, expiry, late payment, the
admin, the import and the API all call it; a test keeps everything else from writing it).

Every change, one variant or many:
- locks the variants it touches in primary-key order (every writer takes them in the
  same order, so two never deadlock; `FOR NO KEY UPDATE`, so lines may still point at
  a locked variant);
- checks every variant before changing any (all or nothing, the short ones listed);
- changes the stock with F() in one UPDATE and appends one `StockMovement` per variant
  (delta, stock after, reason, the order or import it belongs to, who).

The movements of a variant therefore sum to its stock; `stock_drift` proves it and
`manage.py check_stock` reports (and can correct) any variant where they do not.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from catalog.errors import OutOfStock, StockBelowZero, StockMoved, VariantNotFound
from catalog.models import StockMovement, Variant

Reason = StockMovement.Reason
LOCK_CHUNK = 500  # variants per locking query, taken in pk order chunk after chunk


@dataclass(frozen=True)
class StockChange:
    """One variant's change: `delta` units, or to `set_to` units; `expected` is the
    stock the caller saw (the change is refused if it moved since)."""

    variant_id: int
    delta: int | None = None
    set_to: int | None = None
    expected: int | None = None


@dataclass(frozen=True)
class Drift:
    variant: Variant
    ledger: int  # what its movements sum to

    @property
    def difference(self) -> int:
        return self.variant.stock - self.ledger


def _wanted(lines: Iterable[tuple[int, int]]) -> dict[int, int]:
    """{variant id: quantity}; two lines of one variant (a bundle) count together."""
    wanted: dict[int, int] = {}
    for variant_id, quantity in lines:
        wanted[variant_id] = wanted.get(variant_id, 0) + quantity
    return wanted


def variants_lock(variant_ids: Iterable[int]) -> dict[int, Variant]:
    """Lock the variants (with their products read, not locked) in pk order: {pk: variant}."""
    ids = sorted(set(variant_ids))
    locked: dict[int, Variant] = {}
    for start in range(0, len(ids), LOCK_CHUNK):
        variants = (
            Variant.objects.select_for_update(no_key=True, of=("self",))
            .select_related("product")
            .filter(pk__in=ids[start : start + LOCK_CHUNK])
            .order_by("pk")
        )
        locked.update((variant.pk, variant) for variant in variants)
    return locked


def _apply(
    variants: dict[int, Variant],
    deltas: dict[int, int],
    *,
    reason: Reason,
    reference: str,
    actor: User | None,
    note: str,
) -> list[StockMovement]:
    """Add `deltas` to the locked `variants`' stock (one UPDATE) and record the movements."""
    deltas = {pk: delta for pk, delta in sorted(deltas.items()) if delta}
    if not deltas:
        return []
    # One `stock = stock + %s` per variant in a single executemany: the rows are locked, and
    # a CASE WHEN over hundreds of ids cost the import a third of its time.
    updated_at = Variant._meta.get_field("updated_at")
    now = updated_at.get_db_prep_save(timezone.now(), connection)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(Variant._meta.db_table)} SET {quote('stock')} = {quote('stock')} + %s, "
            f"{quote(updated_at.column)} = %s WHERE {quote('id')} = %s",
            [(delta, now, pk) for pk, delta in deltas.items()],
        )
    movements = []
    for pk, delta in deltas.items():
        variant = variants[pk]
        variant.stock += delta
        movements.append(
            StockMovement(
                variant=variant,
                sku=variant.sku,
                delta=delta,
                quantity_after=variant.stock,
                reason=reason,
                reference=reference,
                actor=actor,
                note=note,
            )
        )
    return StockMovement.objects.bulk_create(movements, batch_size=LOCK_CHUNK)


@dataclass(frozen=True)
class Reservation:
    variants: dict[int, Variant]  # the locked variants, by pk
    movements: list[StockMovement]  # what the reservation recorded


@transaction.atomic
def stock_reserve(
    *,
    lines: Iterable[tuple[int, int]],
    reason: Reason,
    reference: str = "",
    actor: User | None = None,
) -> Reservation:
    """Take `lines` ((variant id, quantity) pairs) out of stock, all or nothing.

    A variant that is gone, hidden (or its product hidden) or short fails the whole
    reservation with OutOfStock naming every such line. Returns the locked variants
    (what an order copies, price, SKU, title, is read there, under the lock) and the
    movements recorded.
    """
    wanted = _wanted(lines)
    variants = variants_lock(wanted)
    short = [
        pk
        for pk, quantity in wanted.items()
        if pk not in variants
        or not (variants[pk].is_active and variants[pk].product.is_active)
        or variants[pk].stock < quantity
    ]
    if short:
        found = [variants[pk] for pk in sorted(short) if pk in variants]
        gone = len(short) - len(found)
        names = [_label(variant) for variant in found] + (["products no longer sold"] * (gone > 0))
        raise OutOfStock(
            "Not enough stock for: " + ", ".join(names) + ".",
            product_ids=sorted({variant.product_id for variant in found}),
            variant_ids=sorted(short),
            lines=[
                {
                    "product_id": variant.product_id,
                    "variant_id": variant.pk,
                    "requested": wanted[variant.pk],
                    "available": variant.stock if variant.is_active else 0,
                }
                for variant in found
            ],
        )
    movements = _apply(
        variants,
        {pk: -quantity for pk, quantity in wanted.items()},
        reason=reason,
        reference=reference,
        actor=actor,
        note="",
    )
    return Reservation(variants=variants, movements=movements)


@transaction.atomic
def stock_release(
    *,
    lines: Iterable[tuple[int | None, int]],
    reason: Reason,
    reference: str = "",
    actor: User | None = None,
) -> None:
    """Put `lines` back into stock (a cancelled or expired order, a return).

    A line whose variant was deleted since (`None` or gone) has nothing to go back to.
    Exactly-once is the caller's: an order flips its `stock_reserved` flag first.
    """
    wanted = _wanted((pk, quantity) for pk, quantity in lines if pk is not None)
    variants = variants_lock(wanted)
    _apply(
        variants,
        {pk: quantity for pk, quantity in wanted.items() if pk in variants},
        reason=reason,
        reference=reference,
        actor=actor,
        note="",
    )


@transaction.atomic
def stock_adjust_many(
    *,
    changes: Sequence[StockChange],
    reason: Reason,
    reference: str = "",
    actor: User | None = None,
    note: str = "",
) -> dict[int, Variant]:
    """Adjust many variants at once (staff, an import): each by `delta` or to `set_to`.

    All or nothing: a stale `expected` raises StockMoved, a result under zero
    StockBelowZero, for the first such variant in pk order. Returns the locked variants
    with their new stock.
    """
    variants = variants_lock(change.variant_id for change in changes)
    deltas: dict[int, int] = {}
    for change in sorted(changes, key=lambda change: change.variant_id):
        variant = variants.get(change.variant_id)
        if variant is None:
            raise VariantNotFound(f"No variant with id {change.variant_id} (deleted meanwhile?).")
        if change.expected is not None and variant.stock != change.expected:
            raise StockMoved(
                f"The stock of {_label(variant)} changed from {change.expected} to "
                f"{variant.stock} since it was read (orders or another edit changed it). "
                "Nothing was changed; look at the new figure and try again.",
                sku=variant.sku,
                expected=change.expected,
                stock=variant.stock,
            )
        delta = change.delta if change.set_to is None else change.set_to - variant.stock
        if delta is None:
            raise ValueError("A stock change needs a delta or a figure to set.")
        if variant.stock + delta < 0:
            raise StockBelowZero(
                f"{_label(variant)} has {variant.stock} in stock: taking {-delta} would "
                "leave less than nothing.",
                sku=variant.sku,
                stock=variant.stock,
            )
        deltas[variant.pk] = delta
    _apply(variants, deltas, reason=reason, reference=reference, actor=actor, note=note)
    return variants


def stock_adjust(
    *,
    variant: Variant,
    delta: int | None = None,
    set_to: int | None = None,
    expected: int | None = None,
    actor: User | None,
    reason: Reason = Reason.ADMIN,
    reference: str = "",
    note: str = "",
) -> Variant:
    """Adjust one variant by `delta` or to `set_to` (exactly one); `variant.stock` is
    refreshed with the result."""
    if (delta is None) == (set_to is None):
        raise ValueError("Give exactly one of delta and set_to.")
    change = StockChange(variant_id=variant.pk, delta=delta, set_to=set_to, expected=expected)
    locked = stock_adjust_many(
        changes=[change], reason=reason, reference=reference, actor=actor, note=note
    )
    variant.stock = locked[variant.pk].stock
    return variant


def stock_reference_rename(*, movements: Sequence[StockMovement], reference: str) -> None:
    """`movements` (just recorded) belong to `reference` after all: an order whose
    tentative number another order took before it was stored."""
    StockMovement.objects.filter(pk__in=[m.pk for m in movements]).update(reference=reference)


def stock_drift() -> list[Drift]:
    """The variants whose stock is not the sum of their movements (one query)."""
    ledger = Subquery(
        StockMovement.objects.filter(variant=OuterRef("pk"))
        .order_by()
        .values("variant")
        .annotate(total=Sum("delta"))
        .values("total"),
        output_field=IntegerField(),
    )
    drifting = (
        Variant.objects.annotate(ledger=Coalesce(ledger, 0))
        .filter(~Q(stock=F("ledger")))
        .select_related("product")
        .order_by("pk")
    )
    return [Drift(variant=variant, ledger=variant.ledger) for variant in drifting]


@transaction.atomic
def stock_drift_correct(*, drift: Sequence[Drift], actor: User | None = None) -> None:
    """Record a `correction` movement for each drift, so the ledger sums to the stock again.

    The stock figure itself is kept: it is what checkouts have been selling from.
    """
    variants = variants_lock(d.variant.pk for d in drift)
    movements = []
    for found in drift:
        variant = variants.get(found.variant.pk)
        if variant is None:
            continue
        difference = variant.stock - _ledger(variant)
        if difference:
            movements.append(
                StockMovement(
                    variant=variant,
                    sku=variant.sku,
                    delta=difference,
                    quantity_after=variant.stock,
                    reason=Reason.CORRECTION,
                    actor=actor,
                    note="The movements did not sum to the stock (check_stock --fix).",
                )
            )
    StockMovement.objects.bulk_create(movements)


def _ledger(variant: Variant) -> int:
    return variant.movements.aggregate(total=Coalesce(Sum("delta"), 0))["total"]


def _label(variant: Variant) -> str:
    title = variant.title
    return f"{variant.product.name} ({title})" if title else variant.product.name
