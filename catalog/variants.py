"""Options and variants: every write to them (the API, the admin, the import call these).

A product has 0-3 options (name and ordered values) and at least one variant, one per
combination of values; a product without options has exactly one variant, its default.
A variant's stock is set through catalog.inventory only: a new variant is inserted with
none and then gets its opening stock as a movement.
"""

from collections.abc import Sequence
from decimal import Decimal
from itertools import product as combinations
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from accounts.models import User
from catalog import inventory
from catalog.errors import LastVariant, ProductInvalid, SkuTaken
from catalog.models import MAX_OPTIONS, Product, ProductImage, ProductOption, Variant

OPTION_FIELDS = ("option1", "option2", "option3")
# What `variant_update` may change; stock goes through the inventory module.
VARIANT_FIELDS = (
    "sku",
    "price",
    "compare_at_price",
    "weight_grams",
    "image_id",
    "position",
    "is_active",
)


class OptionFields(TypedDict):
    name: str
    values: list[str]


class VariantFields(TypedDict):
    sku: str
    price: Decimal
    stock: NotRequired[int]
    options: NotRequired[dict[str, str]]
    compare_at_price: NotRequired[Decimal | None]
    weight_grams: NotRequired[int | None]
    position: NotRequired[int]
    is_active: NotRequired[bool]
    image_id: NotRequired[int | None]


def _invalid(errors: dict[str, list[str]], message: str = "This product is not valid.") -> None:
    if errors:
        raise ProductInvalid(message, errors=errors)


def options_validate(options: Sequence[OptionFields]) -> None:
    """At most 3 options, names unique (any case), each with unique, non-blank values."""
    errors: dict[str, list[str]] = {}
    if len(options) > MAX_OPTIONS:
        errors["options"] = [f"A product has at most {MAX_OPTIONS} options."]
    names = [option["name"].strip().casefold() for option in options]
    if len(set(names)) < len(names):
        errors.setdefault("options", []).append("Two options have the same name.")
    for index, option in enumerate(options):
        values = [value.strip() for value in option["values"]]
        if not option["name"].strip():
            errors[f"options.{index}.name"] = ["An option needs a name."]
        if not values or not all(values):
            errors[f"options.{index}.values"] = ["An option needs values, none of them blank."]
        elif len({value.casefold() for value in values}) < len(values):
            errors[f"options.{index}.values"] = ["Two values of this option are the same."]
    _invalid(errors)


def options_set(*, product: Product, options: Sequence[OptionFields]) -> list[ProductOption]:
    """Give a product without variants its options (positions 1, 2, 3 in the given order)."""
    options_validate(options)
    return ProductOption.objects.bulk_create(
        ProductOption(
            product=product,
            position=position,
            name=option["name"].strip(),
            values=[value.strip() for value in option["values"]],
        )
        for position, option in enumerate(options, start=1)
    )


def variant_option_values(
    options: Sequence[ProductOption], chosen: dict[str, str], *, errors: dict[str, list[str]]
) -> dict[str, str]:
    """{"option1": "M", ...} for the values `chosen` ({option name: value}, any case).

    Every option needs one of its values; an option the product does not have is an
    error. Problems go into `errors` under "options".
    """
    by_name = {option.name.casefold(): option for option in options}
    chosen = {name.strip().casefold(): value.strip() for name, value in chosen.items()}
    problems = [f"The product has no option {name!r}." for name in chosen if name not in by_name]
    values = dict.fromkeys(OPTION_FIELDS, "")
    for option in options:
        value = chosen.get(option.name.casefold())
        known = {known.casefold(): known for known in option.values}
        if not value:
            problems.append(f"A value for {option.name} is needed.")
        elif value.casefold() not in known:
            problems.append(
                f"{value!r} is not a value of {option.name} (one of: {', '.join(option.values)})."
            )
        else:
            values[OPTION_FIELDS[option.position - 1]] = known[value.casefold()]
    if problems:
        errors.setdefault("options", []).extend(problems)
    return values


def variant_validate(*, variant: Variant, errors: dict[str, list[str]] | None = None) -> None:
    """Check a variant's fields (lengths, digits, bounds, its image is its product's)."""
    errors = dict(errors or {})
    try:
        variant.full_clean(
            exclude=["product", "image", *OPTION_FIELDS],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if "price" not in errors and variant.price < 0:
        errors["price"] = ["The price cannot be negative."]
    compare_at = variant.compare_at_price
    checkable = "compare_at_price" not in errors and "price" not in errors
    if checkable and compare_at is not None and compare_at <= variant.price:
        errors["compare_at_price"] = [
            "The compare-at price must be above the price (or empty, for no sale)."
        ]
    if "sku" not in errors and "\x00" in variant.sku:
        errors["sku"] = ["Null characters are not allowed."]
    own_images = ProductImage.objects.filter(product_id=variant.product_id)
    if variant.image_id is not None and not own_images.filter(pk=variant.image_id).exists():
        errors["image_id"] = ["Choose one of this product's images."]
    _invalid(errors, "This variant is not valid.")


def _variant_save(variant: Variant, *, update_fields: list[str] | None = None) -> None:
    """Save; a clash on the unique SKU or on the option combination becomes a clear error."""
    try:
        with transaction.atomic():
            variant.save(update_fields=update_fields)
    except IntegrityError as error:
        if Variant.objects.exclude(pk=variant.pk).filter(sku=variant.sku).exists():
            raise SkuTaken(
                f"A variant with SKU {variant.sku!r} exists already.", sku=variant.sku
            ) from error
        taken = (
            f"The product has a variant {variant.title} already."
            if variant.title
            else "A product without options has one variant: give it options first."
        )
        raise ProductInvalid("This variant is not valid.", errors={"options": [taken]}) from error


@transaction.atomic
def variants_create(
    *, product: Product, variants: Sequence[VariantFields], actor: User | None = None
) -> list[Variant]:
    """Add variants to `product` (whose options are set), opening stock as movements."""
    options = list(product.options.all())
    skus = [fields["sku"].strip() for fields in variants]
    errors: dict[str, list[str]] = {}
    if len(set(skus)) < len(skus):
        errors["variants"] = ["Two variants have the same SKU."]
    combos = []
    start = (product.variants.aggregate(last=Max("position"))["last"] or -1) + 1
    made = []
    for index, fields in enumerate(variants):
        row_errors: dict[str, list[str]] = {}
        values = variant_option_values(options, fields.get("options", {}), errors=row_errors)
        combos.append(tuple(values.values()))
        variant = Variant(
            product=product,
            sku=fields["sku"].strip(),
            price=fields["price"],
            compare_at_price=fields.get("compare_at_price"),
            weight_grams=fields.get("weight_grams"),
            position=fields.get("position", start + index),
            is_active=fields.get("is_active", True),
            image_id=fields.get("image_id"),
            stock=0,
            **values,
        )
        stock_check(fields.get("stock", 0), errors=row_errors)
        try:
            variant_validate(variant=variant, errors=row_errors)
        except ProductInvalid as invalid:
            prefix = f"variants.{index}." if len(variants) > 1 else ""
            errors.update({prefix + k: v for k, v in invalid.extra["errors"].items()})
        made.append(variant)
    if len(set(combos)) < len(combos):
        errors.setdefault("variants", []).append("Two variants have the same option values.")
    _invalid(errors)
    for variant in made:
        _variant_save(variant)
    opening = [
        inventory.StockChange(variant_id=variant.pk, set_to=fields["stock"])
        for variant, fields in zip(made, variants, strict=True)
        if fields.get("stock")
    ]
    if not opening:
        return made
    locked = inventory.stock_adjust_many(
        changes=opening, reason=inventory.Reason.INITIAL, actor=actor
    )
    return [locked.get(variant.pk, variant) for variant in made]  # with their stock


def stock_check(stock: int, *, errors: dict[str, list[str]]) -> None:
    """A stock figure to set: a whole number, not under zero (else an error under "stock")."""
    if stock < 0:
        errors["stock"] = ["The stock cannot be negative."]


@transaction.atomic
def variant_update(
    *, variant: Variant, actor: User | None = None, stock: int | None = None, **changes: Any
) -> Variant:
    """Change the given fields of a variant; a new `stock` figure is an admin adjustment."""
    unknown = set(changes) - set(VARIANT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown variant fields: {', '.join(sorted(unknown))}.")
    errors: dict[str, list[str]] = {}
    if stock is not None:
        stock_check(stock, errors=errors)
    _invalid(errors, "This variant is not valid.")
    if "sku" in changes:
        changes["sku"] = changes["sku"].strip()
    for field, value in changes.items():
        setattr(variant, field, value)
    if changes:
        variant_validate(variant=variant)
        _variant_save(variant, update_fields=[*changes, "updated_at"])
    if stock is not None:
        inventory.stock_adjust(variant=variant, set_to=stock, actor=actor)
    return variant


@transaction.atomic
def variant_delete(*, variant: Variant) -> None:
    """Delete a variant; its product keeps at least one (LastVariant otherwise)."""
    Product.objects.select_for_update().filter(pk=variant.product_id).get()
    if not Variant.objects.filter(product_id=variant.product_id).exclude(pk=variant.pk).exists():
        raise LastVariant("A product needs at least one variant: this is its last one.")
    variant.delete()


def _sku_for(base: str, values: Sequence[str], taken: set[str]) -> str:
    """A free SKU for a generated variant: `base` (the first variant's), then the values."""
    stem = "-".join([base, *(value.upper().replace(" ", "") for value in values)])[:60]
    sku, number = stem, 2
    while sku in taken:
        sku, number = f"{stem}-{number}", number + 1
    return sku


@transaction.atomic
def variants_generate(*, product: Product, actor: User | None = None) -> list[Variant]:
    """Create every combination of the product's option values that has no variant yet.

    New variants take the first variant's price, no stock, and a SKU made from the
    first variant's and the values (e.g. TEE-M-RED).
    """
    Product.objects.select_for_update().filter(pk=product.pk).get()
    options = list(product.options.order_by("position"))
    if not options:
        return []
    existing = set(product.variants.values_list(*OPTION_FIELDS))
    first = product.variants.order_by("position", "pk").first()
    stem = first.sku if first else product.slug.upper()
    taken = set(Variant.objects.filter(sku__startswith=stem).values_list("sku", flat=True))
    missing = []
    for values in combinations(*(option.values for option in options)):
        padded = (*values, *[""] * (MAX_OPTIONS - len(values)))
        if padded in existing:
            continue
        sku = _sku_for(stem, values, taken)
        taken.add(sku)
        missing.append(
            VariantFields(
                sku=sku,
                price=first.price if first else Decimal("0.00"),
                options={o.name: v for o, v in zip(options, values, strict=True)},
            )
        )
    return variants_create(product=product, variants=missing, actor=actor)
