"""Spreadsheet import and export of the catalog (django-import-export resources).

Products come one row per variant, matched by the variant's SKU, their rows grouped by
`handle` (the product's slug); categories are matched by slug. The admin and `manage.py
import_products` use these same classes, so the rules hold everywhere:

- The header must name the required columns and no unknown ones (any case, any order).
- Every row is checked like the API checks a product and its variants
  (`catalog.services.product_validate`, `catalog.variants`); an error names its row
  and column.
- All or nothing: one invalid row and nothing is written.
- A row that changes nothing is reported as skipped ("unchanged") and not written.
- Export writes the import's format and neutralises spreadsheet formulae (see
  `catalog.resource_widgets`).

Importing is built for big files: existing rows, options, categories and taken slugs
are read in a few queries before the first row, rows need no query of their own, and
everything is written at the end with bulk_create / one executemany per set of changed
columns.

Imports run while customers check out: an updated row gets only the columns the file
changes, under row locks taken in primary-key order (as checkout takes them), and stock
changes only through `catalog.inventory`, against the stock the import read
(`ProductResource.write`).
"""

import copy
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from import_export import resources
from import_export.fields import Field
from import_export.results import Result, RowResult

from accounts.models import User
from catalog.errors import ProductInvalid, StockMoved
from catalog.import_plan import LOOKUP_CHUNK, ImportedProduct, ProductFilePlan, disagrees
from catalog.inventory import Reason, StockChange, stock_adjust_many, variants_lock
from catalog.models import MAX_OPTIONS, Category, Product, ProductOption, Variant
from catalog.resource_widgets import (
    PriceWidget,
    SlugLookupWidget,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
    cell_text,
)
from catalog.selectors import product_options, product_options_prefetch
from catalog.services import (
    product_slug_base,
    product_slug_numbered,
    product_slug_preferred,
    product_validate,
)
from catalog.variants import (
    OPTION_FIELDS,
    variant_option_values,
    variant_validate,
)

# A product's columns (its first row sets them), its options', then its variant's.
PRODUCT_FIELD_COLUMNS = ("name", "description", "category", "is_active")
OPTION_COLUMNS = tuple(
    f"option{position}_{part}" for position in (1, 2, 3) for part in ("name", "value")
)
VARIANT_COLUMNS = ("sku", "price", "compare_at_price", "stock", "weight_grams")
COLUMNS = ("handle", *PRODUCT_FIELD_COLUMNS, *OPTION_COLUMNS, *VARIANT_COLUMNS)
CATEGORY_COLUMNS = ("name", "slug", "parent", "is_active", "position")
MORE_OPTIONS = re.compile(r"option\d+_(name|value)")  # beyond option3: refused, said why
# What an import may change on an existing product or variant (attribute names); stock
# goes through catalog.inventory, and neither a slug nor a SKU is changed by an import.
PRODUCT_UPDATABLE = ("name", "description", "category_id", "is_active")
VARIANT_UPDATABLE = (*OPTION_FIELDS, "price", "compare_at_price", "weight_grams")


class BadColumns(ValueError):
    """The header row is wrong; no row of the file is looked at."""


def fetch_by(queryset: QuerySet, field: str, values: Iterable[str]) -> dict[str, Any]:
    """{value: object} for the objects whose `field` is one of `values`, a chunk per query."""
    wanted = sorted(set(values))
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        found.update(
            (getattr(obj, field), obj) for obj in queryset.filter(**{f"{field}__in": chunk})
        )
    return found


class CatalogResource(resources.ModelResource):
    """What both catalog resources share: the header check, the natural key, all or nothing.

    `on_row(row_number)` is called after each row (the import command's progress bar).
    """

    key: str
    required_columns: tuple[str, ...]

    def __init__(self, *, on_row: Callable[[int], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_row = on_row
        self.existing: dict[str, Model] = {}
        self.duplicate_of: dict[int, int] = {}

    def import_data(self, dataset: tablib.Dataset, **kwargs: Any) -> Result:
        """Import in one transaction that is rolled back if any row is invalid."""
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        return super().import_data(dataset, **kwargs)

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        self.check_columns(dataset)
        while len(dataset) and not any(cell_text(cell).strip() for cell in dataset[-1]):
            del dataset[-1]  # trailing blank lines, which spreadsheets love to keep
        keys = [self.fields[self.key].widget.clean(value) for value in dataset[self.key]]
        first_row: dict[str, int] = {}
        self.duplicate_of = {}
        for number, key in enumerate(keys, start=1):
            if key in first_row:
                self.duplicate_of[number] = first_row[key]
            elif key:
                first_row[key] = number
        self.prepare(dataset, keys)

    def check_columns(self, dataset: tablib.Dataset) -> None:
        """Normalise the header (trimmed, lower case); refuse a missing or unknown column.

        A refused file has its rows dropped, so the only error reported is this one.
        """
        headers = [cell_text(h).strip().lower() or None for h in dataset.headers or []]
        named = [h for h in headers if h]
        problems = []
        if missing := [c for c in self.required_columns if c not in named]:
            problems.append(f"missing column(s): {', '.join(missing)}")
        if unknown := sorted({h for h in named if h not in self.fields}):
            problems.append(f"unknown column(s): {', '.join(unknown)}{self.unknown_hint(unknown)}")
        if twice := sorted({h for h in named if named.count(h) > 1}):
            problems.append(f"column(s) given twice: {', '.join(twice)}")
        if problems:
            del dataset[:]
            expected = ", ".join(self.get_export_headers())
            raise BadColumns(f"Wrong header row: {'; '.join(problems)}. Expected: {expected}.")
        dataset.headers = headers

    def unknown_hint(self, unknown: list[str]) -> str:
        """Why some unknown columns cannot be, when there is more to say than their names."""
        return ""

    def prepare(self, dataset: tablib.Dataset, keys: Sequence[str]) -> None:
        """Load what the rows will need (existing objects by key, lookups) in a few queries."""
        raise NotImplementedError

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Model | None:
        return self.existing.get(self.fields[self.key].clean(row))

    def import_row(self, row: dict[str, Any], instance_loader: Any, **kwargs: Any) -> RowResult:
        row_result = super().import_row(row, instance_loader, **kwargs)
        if self.on_row is not None:
            self.on_row(kwargs["row_number"])
        return row_result

    def import_instance(self, instance: Model, row: dict[str, Any], **kwargs: Any) -> None:
        """Set the row's values; collect the cell errors and a key the file repeats."""
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if first := self.duplicate_of.get(kwargs["row_number"]):
            message = f"Row {first} of this file has the same {self.key}."
            errors.setdefault(self.key, []).append(ValidationError(message))
        if errors:
            raise ValidationError(errors)

    def validate_instance(
        self,
        instance: Model,
        import_validation_errors: dict[str, Any] | None = None,
        validate_unique: bool = True,
    ) -> None:
        """Cell errors first; the model's rules add errors for the other columns."""
        errors = dict(import_validation_errors or {})
        for field, messages in self.rule_errors(instance).items():
            errors.setdefault(field, messages)
        if errors:
            raise ValidationError(errors)

    def rule_errors(self, instance: Model) -> dict[str, list[str]]:
        raise NotImplementedError


class SlugBook:
    """Free slugs for the new products of one import, without a query per row.

    The same choice as `catalog.services.product_slug_for`; slugs handed out earlier in
    the same import count as taken. Every slug that starts with a new product's name is
    read up front (a chunk of names per query); the numbered slugs of a name are tried
    once each, so a thousand rows of one name cost a thousand tries, not half a million.
    """

    def __init__(self, new_products: Iterable[tuple[str, str]]) -> None:
        bases = sorted({product_slug_base(name, sku) for name, sku in new_products})
        self.taken: set[str] = set()
        for start in range(0, len(bases), LOOKUP_CHUNK):
            similar = Q()
            for base in bases[start : start + LOOKUP_CHUNK]:
                similar |= Q(slug__startswith=base)  # one term each: SQLite's depth limit
            self.taken.update(Product.objects.filter(similar).values_list("slug", flat=True))
        self.numbered: dict[str, Iterator[str]] = {}

    def allocate(self, name: str, sku: str) -> str:
        preferred = product_slug_preferred(name, sku)
        slug = next((s for s in preferred if s not in self.taken), None)
        if slug is None:
            base = preferred[0]
            numbered = self.numbered.setdefault(base, product_slug_numbered(base))
            slug = next(s for s in numbered if s not in self.taken)
        self.taken.add(slug)
        return slug


class OptionNameField(Field):
    """`optionN_name`: the name of the product's option N (read from `option_list`, which
    the import and the export queryset fill in). Options are planned for the whole file
    before the first row (`catalog.import_plan`), so a row never sets it."""

    def __init__(self, position: int) -> None:
        super().__init__(column_name=f"option{position}_name", widget=TextWidget(), readonly=True)
        self.position = position

    def get_value(self, instance: Variant) -> str:
        product = getattr(instance, "product", None)
        if product is None:
            return ""
        options = product_options(product)
        return next((o.name for o in options if o.position == self.position), "")


def option_value_field(position: int) -> Field:
    return Field(
        attribute=f"option{position}",
        column_name=f"option{position}_value",
        widget=TextWidget(),
        saves_null_values=False,
    )


STOCK_WANTED = "stock_wanted"


def stock_wanted(variant: Variant) -> int | None:
    """The stock a row asks for (None: its stock cell was blank or absent)."""
    return getattr(variant, STOCK_WANTED, None)


class StockField(Field):
    """`stock`: the figure a row asks for, kept beside the variant (`stock_wanted`), never
    in its stock, which only catalog.inventory changes (`ProductResource.write` turns the
    figure into a stock change). Read back as that figure, else as the variant's stock,
    so a row's before/after and the unchanged check compare it; exported as the stock."""

    def __init__(self) -> None:
        super().__init__(
            attribute=STOCK_WANTED,
            column_name="stock",
            widget=WholeNumberWidget(),
            saves_null_values=False,
        )

    def get_value(self, instance: Variant) -> int:
        wanted = stock_wanted(instance)
        return instance.stock if wanted is None else wanted


def cell_blank(row: dict[str, Any], column: str) -> bool:
    return not cell_text(row.get(column)).strip()


class ProductResource(CatalogResource):
    """One row per variant, matched by SKU; the rows of one product grouped by `handle`.

    Columns: handle, name, description, category (a slug), is_active, option1_name,
    option1_value .. option3_value, sku, price, compare_at_price, stock, weight_grams;
    only `sku` is required, a column left out keeps what it would set.

    - `handle` is the product's slug: rows with one handle are one product (an existing
      product of that slug, else a new one with it). A row without a handle is a product
      of its own, or its variant's product when the SKU exists.
    - A product's first row sets its fields (a blank category removes it, a blank
      is_active keeps it); its later rows repeat them or leave them blank.
    - Option names are the product's: an existing product's must match (an import does
      not add, rename or remove options, it may add values); new values are appended.
    - A blank stock cell keeps the stock (a new variant gets 0), a blank price keeps the
      price (a new variant needs one); blank compare_at_price / weight_grams clear them.
    - Stock changes go through `catalog.inventory` as `import` movements: see `write`.
    """

    handle = Field(
        attribute="product__slug", column_name="handle", widget=TextWidget(), readonly=True
    )
    name = Field(attribute="product__name", column_name="name", widget=TextWidget())
    description = Field(
        attribute="product__description",
        column_name="description",
        widget=TextWidget(strip=False),
    )
    category = Field(
        attribute="product__category", column_name="category", widget=SlugLookupWidget(Category)
    )
    is_active = Field(
        attribute="product__is_active",
        column_name="is_active",
        widget=YesNoWidget(),
        saves_null_values=False,
    )
    option1_name = OptionNameField(1)
    option1_value = option_value_field(1)
    option2_name = OptionNameField(2)
    option2_value = option_value_field(2)
    option3_name = OptionNameField(3)
    option3_value = option_value_field(3)
    sku = Field(attribute="sku", column_name="sku", widget=TextWidget())
    price = Field(
        attribute="price", column_name="price", widget=PriceWidget(), saves_null_values=False
    )
    compare_at_price = Field(
        attribute="compare_at_price", column_name="compare_at_price", widget=PriceWidget()
    )
    stock = StockField()
    weight_grams = Field(
        attribute="weight_grams", column_name="weight_grams", widget=WholeNumberWidget()
    )

    key = "sku"
    required_columns = ("sku",)

    class Meta:
        model = Variant
        name = "Products, one row per variant (matched by SKU)"
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("sku",)
        skip_unchanged = True
        report_skipped = True
        use_bulk = True
        batch_size = 1000

    def __init__(self, *, stock_seen: dict[int, int] | None = None, **kwargs: Any) -> None:
        """`stock_seen`: the stock of each variant when the file was first checked (the
        admin's preview), {variant pk: stock}. Given and not empty, a stock cell changes a
        variant only if it differs from that figure, and only while the variant still has
        it, so orders taken between preview and confirm are kept. Given empty, it is
        filled with the stock this import reads (for the confirm step)."""
        super().__init__(**kwargs)
        self.stock_seen = stock_seen
        self.actor: User | None = None
        self.reference = ""

    def unknown_hint(self, unknown: list[str]) -> str:
        if any(MORE_OPTIONS.fullmatch(column) for column in unknown):
            return f" (a product has at most {MAX_OPTIONS} options: option1 to option{MAX_OPTIONS})"
        return ""

    def get_queryset(self) -> QuerySet[Variant]:
        """Variants with their product, its category and options: export in 2 queries a page."""
        return (
            Variant.objects.select_related("product__category")
            .prefetch_related(product_options_prefetch("product__options"))
            .order_by("product_id", "position", "pk")
        )

    def export(self, queryset: QuerySet | None = None, **kwargs: Any) -> tablib.Dataset:
        """The admin hands over its products (the change list, filtered): their variants."""
        if queryset is not None and queryset.model is Product:
            queryset = self.get_queryset().filter(product__in=queryset.order_by().values("pk"))
        return super().export(queryset, **kwargs)

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        user = kwargs.get("user")
        self.actor = user if isinstance(user, User) else None
        self.reference = f"import-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
        super().before_import(dataset, **kwargs)

    # Before the first row: existing variants and products, options, taken combinations.

    def prepare(self, dataset: tablib.Dataset, keys: Sequence[str]) -> None:
        cells = {
            column: [self.fields[column].widget.clean(value) for value in dataset[column]]
            for column in (*OPTION_COLUMNS, "handle", "name")
            if column in dataset.headers
        }
        handles = cells.get("handle", [""] * len(keys))
        self.existing = fetch_by(
            Variant.objects.select_related("product__category"), "sku", filter(None, keys)
        )
        by_slug = fetch_by(
            Product.objects.select_related("category"), "slug", filter(None, handles)
        )
        products = {product.pk: product for product in by_slug.values()}
        for variant in self.existing.values():  # one object per product, shared by its rows
            variant.product = products.setdefault(variant.product_id, variant.product)
        for product in products.values():
            copied_shallow(product)
        self.read_products = {
            p.pk: {f: getattr(p, f) for f in PRODUCT_UPDATABLE} for p in products.values()
        }
        self.read_variants = {
            v.pk: {f: getattr(v, f) for f in (*VARIANT_UPDATABLE, "stock")}
            for v in self.existing.values()
        }
        if self.stock_seen:
            for pk, stock in self.stock_seen.items():
                if pk in self.read_variants:
                    self.read_variants[pk]["stock"] = stock
        elif self.stock_seen is not None:
            self.stock_seen.update((pk, read["stock"]) for pk, read in self.read_variants.items())
        self.fields["category"].widget.objects = {c.slug: c for c in Category.objects.all()}

        self.plan = ProductFilePlan(
            keys=keys, handles=handles, existing=self.existing, by_slug=by_slug
        )
        self.group_of = self.plan.group_of
        names = cells.get("name", [""] * len(keys))
        new_unnamed = [g for g in self.plan.groups if g.new and not g.product.slug]
        self.slugs = SlugBook((names[g.first_row - 1], keys[g.first_row - 1]) for g in new_unnamed)
        self.slugs.taken.update(
            g.product.slug for g in self.plan.groups if g.new and g.product.slug
        )
        for group in new_unnamed:
            first = group.first_row - 1
            group.product.slug = self.slugs.allocate(names[first], keys[first])
        self.plan.check(cells)

    # Each row.

    def import_instance(self, instance: Variant, row: dict[str, Any], **kwargs: Any) -> None:
        """Set the row's cells: the variant's always, the product's on its first row (a
        later row's must agree); then the problems found before the first row.

        A new variant gets its product only here, after import-export took its copy of
        the row's "before": a copy of a new product (with options and category) for every
        new row cost a fifth of a big import, to show an empty "before"."""
        number = kwargs["row_number"]
        group = self.group_of[number]
        instance.product = group.product
        if instance.pk is None:  # in file order, after the product's variants
            instance.position, group.next_position = group.next_position, group.next_position + 1
        self.first_of_product = number == group.first_row
        errors: dict[str, list[str]] = {}
        for field in self.get_import_fields():
            column = field.column_name
            if column not in row or field.readonly:
                continue
            try:
                if column in PRODUCT_FIELD_COLUMNS:
                    self.import_product_field(field, group, row, number)
                else:
                    field.save(instance, row)
            except ValueError as error:
                errors[column] = [str(error)]
        for column, messages in self.plan.problems.get(number, {}).items():
            errors.setdefault(column, []).extend(messages)
        for option in product_options(group.product):
            attribute, column = f"option{option.position}", f"option{option.position}_value"
            found: dict[str, list[str]] = {}
            values = variant_option_values(
                [option], {option.name: getattr(instance, attribute)}, errors=found
            )
            if found and column not in errors:
                errors[column] = found["options"]
            elif not found:
                setattr(instance, attribute, values[attribute])
        if first := self.duplicate_of.get(number):
            errors.setdefault("sku", []).append(f"Row {first} of this file has the same sku.")
        if errors:
            raise ValidationError(errors)

    def import_product_field(
        self, field: Field, group: ImportedProduct, row: dict[str, Any], number: int
    ) -> None:
        column = field.column_name
        if number == group.first_row:
            value = field.clean(row)
            group.first_values[column] = value
            if value is not None or field.saves_null_values:
                setattr(group.product, field.attribute.removeprefix("product__"), value)
        elif not cell_blank(row, column):
            value = field.clean(row)
            if column in group.first_values and value != group.first_values[column]:
                raise ValueError(disagrees(group.first_row, column))

    def rule_errors(self, instance: Variant) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if instance.price is None:
            errors["price"] = ["A new variant needs a price."]
        if (stock_wanted(instance) or 0) < 0:
            errors["stock"] = ["Stock cannot be negative."]
        try:
            variant_validate(variant=instance)
        except ProductInvalid as invalid:
            for field, messages in invalid.extra["errors"].items():
                errors.setdefault(field, messages)
        if self.first_of_product:
            try:
                product_validate(product=instance.product)
            except ProductInvalid as invalid:
                for field, messages in invalid.extra["errors"].items():
                    errors.setdefault("handle" if field == "slug" else field, messages)
        return errors

    # The end of the file: everything is written at once, or nothing.

    def bulk_create(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: int | None = None,
        result: Result | None = None,
    ) -> None:
        """New variants are kept for `bulk_update` at the end, which inserts their products
        first and gives them their stock through the inventory module."""

    def bulk_update(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: int | None = None,
        result: Result | None = None,
    ) -> None:
        """Write the whole file at its end (import-export also calls this every
        `batch_size` rows: those calls wait), unless a row is invalid (nothing would be
        kept) or it is a dry run without a transaction."""
        if batch_size is not None:
            return
        invalid = result is not None and (result.has_errors() or result.has_validation_errors())
        try:
            if not invalid and (using_transactions or not dry_run):
                self.write()
        except Exception as error:  # reported as a file error, like import-export does
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()
            self.update_instances.clear()

    def write(self) -> None:
        """Insert and update with a few statements, under locks taken in primary-key order.

        - The products and variants to update are locked first, products then variants,
          each in pk order (`inventory.variants_lock`), as checkouts lock variants: an
          import and a checkout never deadlock.
        - A variant or product gets only the columns whose values the file changes (and
          `updated_at`): a price-only file writes no stock and records no movement.
        - Stock changes only through `inventory.stock_adjust_many` (reason `import`,
          `self.reference`), each `expected` to be the stock the import read (or the
          preview showed): if an order took units since, the import stops
          (`StockMoved`) and nothing is written rather than put sold units back. New
          variants are inserted with no stock and get theirs the same way.
        - One `UPDATE ... WHERE id = %s` per row in a single executemany per set of
          columns: Django's bulk_update builds a CASE WHEN expression per cell, which
          made updating 10,000 rows take three times as long as reading them.
        """
        groups = self.plan.groups
        products = [g.product for g in groups if not g.new]
        product_columns = changed_columns(products, self.read_products, PRODUCT_UPDATABLE)
        variant_columns = changed_columns(
            self.update_instances, self.read_variants, VARIANT_UPDATABLE
        )
        stock_changes = [
            StockChange(variant_id=v.pk, set_to=wanted, expected=seen)
            for v in self.update_instances
            if (wanted := stock_wanted(v)) is not None
            and wanted != (seen := self.read_variants[v.pk]["stock"])
        ]
        changed_options = [
            o for g in groups if g.options_changed for o in product_options(g.product)
        ]
        locked = {p.pk for ps in product_columns.values() for p in ps}
        locked.update(option.product_id for option in changed_options)
        products_lock(locked)
        variants_lock(
            [v.pk for vs in variant_columns.values() for v in vs]
            + [change.variant_id for change in stock_changes]
        )

        new_products = [g.product for g in groups if g.new]
        Product.objects.bulk_create(new_products, batch_size=self._meta.batch_size)
        ProductOption.objects.bulk_create(
            [option for product in new_products for option in product_options(product)],
            batch_size=self._meta.batch_size,
        )
        ProductOption.objects.bulk_update(changed_options, ["values"])
        # New variants have no stock (the model's default); bulk_create takes their
        # products' new pks.
        Variant.objects.bulk_create(self.create_instances, batch_size=self._meta.batch_size)
        stock_changes += [
            StockChange(variant_id=variant.pk, set_to=wanted, expected=0)
            for variant in self.create_instances
            if (wanted := stock_wanted(variant))
        ]
        connection = connections[self.get_db_connection_name()]
        update_rows(connection, Variant, variant_columns)
        update_rows(connection, Product, product_columns)
        if stock_changes:
            try:
                stock_adjust_many(
                    changes=stock_changes,
                    reason=Reason.IMPORT,
                    reference=self.reference,
                    actor=self.actor,
                )
            except StockMoved as moved:
                raise StockMoved(
                    f"The stock of SKU {moved.extra['sku']!r} changed since the file was "
                    f"checked (it was {moved.extra['expected']}, it is "
                    f"{moved.extra['stock']}: orders or another edit changed it). Nothing "
                    "was imported; check the stock column and import the file again.",
                    **moved.extra,
                ) from moved


def copied_shallow(product: Product) -> None:
    """Make a deep copy of `product` a shallow one.

    import-export deep-copies each row's variant as the row's "before" (for the diff and
    the unchanged check), its product with it; that "before" only reads the product's
    columns, and deep copies of products with their category and options took a quarter
    of a 10,000-row update.
    """
    product.__deepcopy__ = lambda memo: copy.copy(product)  # type: ignore[attr-defined]


def changed_columns(
    instances: Iterable[Model], read: dict[int, dict[str, Any]], fields: Sequence[str]
) -> dict[tuple[str, ...], list[Model]]:
    """The instances whose values differ from those read, by the set of fields changed."""
    columns: defaultdict[tuple[str, ...], list[Model]] = defaultdict(list)
    for instance in instances:
        before = read[instance.pk]
        if changed := tuple(f for f in fields if getattr(instance, f) != before[f]):
            columns[changed].append(instance)
    return columns


def products_lock(pks: Iterable[int]) -> None:
    """Lock products in pk order, a chunk at a time (the order checkouts lock rows in)."""
    ordered = sorted(set(pks))
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        list(Product.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values("pk"))


def update_rows(
    connection: BaseDatabaseWrapper,
    model: type[Model],
    columns: dict[tuple[str, ...], list[Model]],
) -> None:
    """One UPDATE per row, sent as one executemany per set of changed columns."""
    quote = connection.ops.quote_name
    table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
    for names, group in columns.items():
        fields = [model._meta.get_field(name) for name in (*names, "updated_at")]
        now = timezone.now()
        for instance in group:
            instance.updated_at = now
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        rows = [
            [f.get_db_prep_save(getattr(i, f.attname), connection) for f in fields] + [i.pk]
            for i in group
        ]
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = %s", rows)


class CategoryResource(CatalogResource):
    """Categories by slug: name, slug, parent (a slug), is_active, position.

    A parent may be a category in the database or one created by the same file, on a
    row before or after its children. A parent chain that would loop is refused.
    """

    name = Field(attribute="name", column_name="name", widget=TextWidget())
    slug = Field(attribute="slug", column_name="slug", widget=TextWidget())
    parent = Field(attribute="parent", column_name="parent", widget=SlugLookupWidget(Category))
    is_active = Field(
        attribute="is_active",
        column_name="is_active",
        widget=YesNoWidget(),
        saves_null_values=False,
    )
    position = Field(
        attribute="position",
        column_name="position",
        widget=WholeNumberWidget(),
        saves_null_values=False,
    )

    key = "slug"
    required_columns = ("name", "slug")

    class Meta:
        model = Category
        name = "Categories (matched by slug)"
        fields = CATEGORY_COLUMNS
        export_order = CATEGORY_COLUMNS
        import_id_fields = ("slug",)
        skip_unchanged = True
        report_skipped = True

    def get_queryset(self) -> QuerySet[Category]:
        return Category.objects.select_related("parent")

    def prepare(self, dataset: tablib.Dataset, keys: Sequence[str]) -> None:
        every = {c.pk: c for c in Category.objects.all()}
        for category in every.values():
            category.parent = every.get(category.parent_id)
        self.existing = {c.slug: c for c in every.values()}
        # A new slug's row gets this very object, so a child on an earlier row can point at it.
        self.new = {k: Category(slug=k) for k in keys if k and k not in self.existing}
        self.fields["parent"].widget.objects = {**self.existing, **self.new}
        self.link_later: list[Category] = []

        parent_of = {c.slug: c.parent.slug if c.parent else None for c in every.values()}
        if "parent" in dataset.headers:
            parents = map(self.fields["parent"].widget.slug, dataset["parent"])
            parent_of.update((k, p or None) for k, p in zip(keys, parents, strict=True) if k)
        self.looping = {k for k in keys if k and self.loops(k, parent_of)}

    @staticmethod
    def loops(slug: str, parent_of: dict[str, str | None]) -> bool:
        seen = set()
        current = parent_of.get(slug)
        while current is not None and current not in seen:
            if current == slug:
                return True
            seen.add(current)
            current = parent_of.get(current)
        return False

    def init_instance(self, row: dict[str, Any] | None = None) -> Category:
        slug = self.fields["slug"].clean(row) if row else ""
        return self.new.get(slug) or Category()

    def rule_errors(self, instance: Category) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        try:
            instance.clean_fields(exclude=["parent"])
        except ValidationError as error:
            errors = error.message_dict
        if instance.slug in self.looping:
            errors["parent"] = ["This parent would make the category its own ancestor."]
        return errors

    def do_instance_save(self, instance: Category, is_create: bool) -> None:
        parent = instance.parent
        if parent is not None and parent.pk is None:  # its row comes later in the file
            instance.parent = None
            super().do_instance_save(instance, is_create)
            instance.parent = parent
            self.link_later.append(instance)
        else:
            super().do_instance_save(instance, is_create)

    def after_import(self, dataset: tablib.Dataset, result: Result, **kwargs: Any) -> None:
        for child in self.link_later:
            if child.parent is not None and child.parent.pk is not None:
                child.save(update_fields=["parent"])
        super().after_import(dataset, result, **kwargs)
