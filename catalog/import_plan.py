"""What a product file means, worked out before its first row is imported.

`catalog.resources.ProductResource` imports one row per variant; this plan groups the
rows into products (by handle, else by the product an existing SKU belongs to), loads
the existing products' options and their variants' option values, decides each
product's options after the import, and finds what only the whole file shows: rows of
one product that disagree, option names that differ from the product's, a value for an
option the product does not have, two variants with the same values. Each problem is
kept under its row and column (`problems`); the resource reports it with that row.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from catalog.errors import ProductInvalid
from catalog.models import MAX_OPTIONS, Product, ProductOption, Variant
from catalog.selectors import OPTIONS_ATTR, product_options
from catalog.variants import OPTION_FIELDS, OptionFields, options_validate

LOOKUP_CHUNK = 500  # values per `IN (...)` query: well inside every database's limits


@dataclass
class ImportedProduct:
    """The product that some rows of a file describe, existing or new.

    Its first row carries its fields; later rows may repeat them or leave them blank.
    `first_values` holds what the first row set, so a later row that disagrees is an error.
    """

    product: Product
    rows: list[int]
    first_values: dict[str, Any] = dataclass_field(default_factory=dict)
    options_changed: bool = False  # an existing option gained values from the file
    next_position: int = 0  # a new variant's: after the product's variants

    @property
    def first_row(self) -> int:
        return self.rows[0]

    @property
    def new(self) -> bool:
        return self.product.pk is None


class ProductFilePlan:
    """The products of one file: `group_of` {row number: its product}, `groups` (in the
    order of their first rows) and `problems` {row number: {column: messages}}.

    Products that already exist get their options as `option_list` (read by
    `catalog.selectors.product_options`), a new product its planned ones, unsaved.
    """

    def __init__(
        self,
        *,
        keys: Sequence[str],
        handles: Sequence[str],
        existing: dict[str, Variant],
        by_slug: dict[str, Product],
    ) -> None:
        self.keys = keys
        self.existing = existing
        self.problems: defaultdict[int, dict[str, list[str]]] = defaultdict(dict)
        self.group_of = self.group_rows(keys, handles, by_slug)
        self.groups = list({id(group): group for group in self.group_of.values()}.values())
        self.combinations = self.load_options(
            {g.product.pk: g.product for g in self.groups if not g.new}
        )

    def check(self, cells: dict[str, list[str]]) -> None:
        """Plan every product's options and check its variants' combinations; `cells`:
        the option (and handle, name) columns' cleaned cells, a list per column."""
        for group in self.groups:
            self.plan_options(group, cells)
            self.check_combinations(group, cells, self.combinations.get(group.product.pk, {}))

    def problem(self, number: int, column: str, *messages: str) -> None:
        self.problems[number].setdefault(column, []).extend(messages)

    def group_rows(
        self, keys: Sequence[str], handles: Sequence[str], by_slug: dict[str, Product]
    ) -> dict[int, ImportedProduct]:
        """{row number: its product}: by handle, else by the existing SKU's product."""
        groups: dict[tuple[str, Any], ImportedProduct] = {}
        group_of: dict[int, ImportedProduct] = {}
        for number, (sku, handle) in enumerate(zip(keys, handles, strict=True), start=1):
            variant = self.existing.get(sku)
            owner = by_slug.get(handle) if handle else None
            if variant is not None and handle and variant.product.slug != handle:
                self.problem(
                    number,
                    "handle",
                    f"SKU {sku} is a variant of the product “{variant.product.slug}”: an "
                    "import does not move variants between products.",
                )
            if variant is not None:
                key: tuple[str, Any] = ("product", variant.product_id)
            elif owner is not None:
                key = ("product", owner.pk)
            else:
                key = ("handle", handle) if handle else ("row", number)
            group = groups.get(key)
            if group is None:
                product = variant.product if variant else owner or Product(slug=handle)
                group = groups[key] = ImportedProduct(product=product, rows=[])
            group.rows.append(number)
            group_of[number] = group
        return group_of

    def load_options(self, products: dict[int, Product]) -> dict[int, dict[str, tuple[str, ...]]]:
        """Give the existing products their options (`option_list`) and their groups the
        position after their variants'; return every existing variant's combination,
        {product pk: {sku: option values}}."""
        pks = sorted(products)
        groups = {group.product.pk: group for group in self.groups if not group.new}
        for product in products.values():
            setattr(product, OPTIONS_ATTR, [])
        combos: defaultdict[int, dict[str, tuple[str, ...]]] = defaultdict(dict)
        for start in range(0, len(pks), LOOKUP_CHUNK):
            chunk = pks[start : start + LOOKUP_CHUNK]
            options = ProductOption.objects.filter(product_id__in=chunk).order_by("position")
            for option in options:
                option.product = products[option.product_id]
                product_options(option.product).append(option)
            rows = Variant.objects.filter(product_id__in=chunk).values_list(
                "product_id", "sku", "position", *OPTION_FIELDS
            )
            for product_id, sku, position, *values in rows:
                combos[product_id][sku] = tuple(values)
                group = groups[product_id]
                group.next_position = max(group.next_position, position + 1)
        return combos

    def plan_options(self, group: ImportedProduct, cells: dict[str, list[str]]) -> None:
        """The product's options after the import: an existing product's (new values
        appended), or a new product's from its first row's names and its rows' values."""
        product, first = group.product, group.first_row
        names: dict[int, str] = {}
        for position in range(1, MAX_OPTIONS + 1):
            column = f"option{position}_name"
            if column not in cells:
                continue
            given = cells[column][first - 1]
            if given:
                names[position] = given
            for number in group.rows[1:]:
                other = cells[column][number - 1]
                if other and other.casefold() != given.casefold():
                    self.problem(number, column, disagrees(first, column))
        options = product_options(product) if not group.new else []
        if not group.new:
            by_position = {option.position: option for option in options}
            for position, name in names.items():
                option = by_position.get(position)
                if option is None or option.name.casefold() != name.casefold():
                    current = ", ".join(o.name for o in options) or "none"
                    self.problem(
                        first,
                        f"option{position}_name",
                        f"This product's options are: {current}. An import does not add, "
                        "rename or remove options (the admin's product page does).",
                    )
        else:
            for position in sorted(names):
                if position > 1 and position - 1 not in names:
                    self.problem(
                        first,
                        f"option{position - 1}_name",
                        f"Option {position} is named, option {position - 1} is not: "
                        "name the options in order.",
                    )
            options = [
                ProductOption(product=product, position=position, name=names[position])
                for position in sorted(names)
            ]
            setattr(product, OPTIONS_ATTR, options)
        for option in options:
            column = f"option{option.position}_value"
            known = {value.casefold() for value in option.values}
            given = [cells[column][number - 1] for number in group.rows] if column in cells else []
            for value in given:
                if value and value.casefold() not in known:
                    option.values = [*option.values, value]
                    known.add(value.casefold())
                    group.options_changed = not group.new
        for position in range(len(options) + 1, MAX_OPTIONS + 1):
            column = f"option{position}_value"
            for number in group.rows if column in cells else ():
                if cells[column][number - 1]:
                    self.problem(
                        number,
                        column,
                        f"This product has no option {position}: name it in "
                        f"option{position}_name on the product's first row.",
                    )
        if group.new or group.options_changed:
            fields = [OptionFields(name=o.name, values=o.values) for o in options]
            try:
                options_validate(fields)
            except ProductInvalid as invalid:
                for key, messages in invalid.extra["errors"].items():
                    self.problem(first, option_column(key), *messages)

    def check_combinations(
        self,
        group: ImportedProduct,
        cells: dict[str, list[str]],
        existing: dict[str, tuple[str, ...]],
    ) -> None:
        """Two variants of a product never have the same option values, whether both
        rows of the file or one a variant the file does not list."""
        options = product_options(group.product)
        count = len(options)
        column = f"option{max(count, 1)}_value"
        listed = {self.keys[number - 1] for number in group.rows}
        taken = {
            tuple(value.casefold() for value in combo[:count]): (sku, combo[:count])
            for sku, combo in existing.items()
            if sku not in listed
        }
        seen: dict[tuple[str, ...], int] = {}
        for number in group.rows:
            variant = self.existing.get(self.keys[number - 1])
            combo = []
            for option in options:
                value_column = f"option{option.position}_value"
                given = cells[value_column][number - 1] if value_column in cells else ""
                fallback = getattr(variant, f"option{option.position}") if variant else ""
                combo.append((given or fallback).casefold())
            values = tuple(combo)
            if "" in values:
                continue  # a missing value, reported with its row (variant_option_values)
            if values in seen:
                self.problem(number, column, self.same_variant(seen[values], count))
            elif values in taken:
                sku, spelled = taken[values]
                title = " / ".join(spelled) or "without options"
                self.problem(
                    number, column, f"The product has a variant {title} already (SKU {sku})."
                )
            else:
                seen[values] = number

    @staticmethod
    def same_variant(first: int, options: int) -> str:
        if not options:
            return (
                f"Row {first} of this file is this product's variant already: a product "
                "without options has one (give option columns to tell variants apart)."
            )
        return f"Row {first} of this file has the same option values for this product."


def disagrees(first: int, column: str) -> str:
    return (
        f"Row {first} of this file, this product's first, says otherwise: a product's "
        f"later rows repeat its {column} or leave it blank."
    )


def option_column(key: str) -> str:
    """The column of an options_validate error: options.0.name -> option1_name."""
    parts = key.split(".")
    if len(parts) == 3:
        return f"option{int(parts[1]) + 1}_{'name' if parts[2] == 'name' else 'value'}"
    return "option1_name"
