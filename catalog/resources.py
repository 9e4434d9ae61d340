"""Spreadsheet import and export of the catalog (django-import-export resources).

Products are matched by SKU, categories by slug. The admin and `manage.py
import_products` use these same classes, so the rules hold everywhere:

- The header must name the required columns and no unknown ones (any case, any order).
- Every row is checked like the API checks a product (`catalog.services.product_validate`);
  an error names its column.
- All or nothing: one invalid row and nothing is written.
- A row that changes nothing is reported as skipped ("unchanged") and not written.
- Export neutralises spreadsheet formulae (see `catalog.resource_widgets`).

Importing is built for big files: existing rows, categories and taken slugs are read in
a few queries before the first row, rows need no query of their own, and products are
written with bulk_create / one executemany per set of changed columns.

Imports run while customers check out: an updated product gets only the columns the
file changes, under a row lock taken in primary-key order (as checkout takes them), and
a stock change needs the stock the import read to be unchanged (`ProductResource.bulk_update`).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import tablib
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from import_export import resources
from import_export.fields import Field
from import_export.results import Result, RowResult

from catalog.errors import ProductInvalid, StockMoved
from catalog.models import Category, Product
from catalog.resource_widgets import (
    PriceWidget,
    SlugLookupWidget,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
    cell_text,
)
from catalog.services import (
    product_slug_base,
    product_slug_numbered,
    product_slug_preferred,
    product_validate,
)

PRODUCT_COLUMNS = ("sku", "name", "description", "price", "stock", "category", "is_active")
CATEGORY_COLUMNS = ("name", "slug", "parent", "is_active", "position")
# What an import may change on an existing product (attribute names; not the slug).
UPDATABLE = ("sku", "name", "description", "price", "stock", "category_id", "is_active")
LOOKUP_CHUNK = 500  # values per `IN (...)` query: well inside every database's limits


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
            problems.append(f"unknown column(s): {', '.join(unknown)}")
        if twice := sorted({h for h in named if named.count(h) > 1}):
            problems.append(f"column(s) given twice: {', '.join(twice)}")
        if problems:
            del dataset[:]
            expected = ", ".join(self.get_export_headers())
            raise BadColumns(f"Wrong header row: {'; '.join(problems)}. Expected: {expected}.")
        dataset.headers = headers

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


class ProductResource(CatalogResource):
    """Products by SKU: sku, name, description, price, stock, category (a slug), is_active.

    A blank stock or is_active cell keeps the product's value (a new product gets 0 and
    active); a blank category removes the category. New products get a free slug made
    from the name; an existing product keeps its slug when renamed.
    """

    sku = Field(attribute="sku", column_name="sku", widget=TextWidget())
    name = Field(attribute="name", column_name="name", widget=TextWidget())
    description = Field(
        attribute="description", column_name="description", widget=TextWidget(strip=False)
    )
    price = Field(attribute="price", column_name="price", widget=PriceWidget())
    stock = Field(
        attribute="stock", column_name="stock", widget=WholeNumberWidget(), saves_null_values=False
    )
    category = Field(
        attribute="category", column_name="category", widget=SlugLookupWidget(Category)
    )
    is_active = Field(
        attribute="is_active",
        column_name="is_active",
        widget=YesNoWidget(),
        saves_null_values=False,
    )

    key = "sku"
    required_columns = ("sku", "name", "price")

    class Meta:
        model = Product
        name = "Products (matched by SKU)"
        fields = PRODUCT_COLUMNS
        export_order = PRODUCT_COLUMNS
        import_id_fields = ("sku",)
        skip_unchanged = True
        report_skipped = True
        use_bulk = True
        batch_size = 1000

    def __init__(self, *, stock_seen: dict[int, int] | None = None, **kwargs: Any) -> None:
        """`stock_seen`: the stock of each product when the file was first checked (the
        admin's preview), {pk: stock}. Given and not empty, a stock cell changes a product
        only if it differs from that figure, and only while the product still has it, so
        orders taken between preview and confirm are kept. Given empty, it is filled with
        the stock this import reads (for the confirm step)."""
        super().__init__(**kwargs)
        self.stock_seen = stock_seen

    def get_queryset(self) -> QuerySet[Product]:
        return Product.objects.select_related("category")

    def prepare(self, dataset: tablib.Dataset, keys: Sequence[str]) -> None:
        self.existing = fetch_by(self.get_queryset(), "sku", filter(None, keys))
        self.read_values = {
            p.pk: {f: getattr(p, f) for f in UPDATABLE} for p in self.existing.values()
        }
        if self.stock_seen:
            for pk, stock in self.stock_seen.items():
                if pk in self.read_values:
                    self.read_values[pk]["stock"] = stock
        elif self.stock_seen is not None:
            self.stock_seen.update((pk, read["stock"]) for pk, read in self.read_values.items())
        self.fields["category"].widget.objects = {c.slug: c for c in Category.objects.all()}
        names = map(self.fields["name"].widget.clean, dataset["name"])
        self.slugs = SlugBook(
            (n, k) for n, k in zip(names, keys, strict=True) if k not in self.existing
        )

    def validate_instance(self, instance: Product, *args: Any, **kwargs: Any) -> None:
        if instance._state.adding and not instance.slug:
            instance.slug = self.slugs.allocate(instance.name, instance.sku)
        super().validate_instance(instance, *args, **kwargs)

    def rule_errors(self, instance: Product) -> dict[str, list[str]]:
        try:
            product_validate(product=instance)
        except ProductInvalid as invalid:
            return invalid.extra["errors"]
        return {}

    def before_save_instance(self, instance: Product, row: dict[str, Any], **kwargs: Any) -> None:
        instance.updated_at = timezone.now()  # bulk_update does not apply auto_now

    def bulk_update(
        self,
        using_transactions: bool,
        dry_run: bool,
        raise_errors: bool,
        batch_size: int | None = None,
        result: Result | None = None,
    ) -> None:
        """Write the changed products at the end of the file, under lock, changed cells only.

        - import-export calls this after every `batch_size` rows and once at the end (no
          batch size): the batches are kept for the end, so every row to update is locked
          at once, in primary-key order like a checkout locks them (no deadlock).
        - A row writes only the columns whose values it changes (and `updated_at`), so a
          file that changes prices never writes stock back over a checkout.
        - A row that does change stock needs the stock it was read with to still be there
          once locked; if an order took units since, the import stops (`StockMoved`) and
          writes nothing rather than put the sold units back.
        - One `UPDATE ... WHERE id = %s` per row in a single executemany per set of
          columns: Django's bulk_update builds a CASE WHEN expression per cell, which
          made updating 10,000 products take three times as long as reading them.
        """
        if batch_size is not None or not self.update_instances:
            return
        if dry_run and not using_transactions:
            self.update_instances.clear()
            return
        try:
            self.write_changes(sorted(self.update_instances, key=lambda p: p.pk))
        except Exception as error:  # reported as a file error, like import-export does
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    def write_changes(self, products: list[Product]) -> None:
        pks = [product.pk for product in products]
        stock_now: dict[int, int] = {}
        for start in range(0, len(pks), LOOKUP_CHUNK):  # chunks in pk order, locked in order
            locked = Product.objects.select_for_update().filter(
                pk__in=pks[start : start + LOOKUP_CHUNK]
            )
            stock_now.update(locked.order_by("pk").values_list("pk", "stock"))
        columns: dict[tuple[str, ...], list[Product]] = defaultdict(list)
        for product in products:
            read = self.read_values[product.pk]
            changed = tuple(f for f in UPDATABLE if getattr(product, f) != read[f])
            if not changed:  # e.g. its stock cell differs from the database but not the preview
                continue
            if "stock" in changed and stock_now.get(product.pk) != read["stock"]:
                raise StockMoved(
                    f"The stock of SKU {product.sku!r} changed since the file was checked "
                    f"(it was {read['stock']}; orders or another edit changed it). Nothing "
                    "was imported; check the stock column and import the file again.",
                    sku=product.sku,
                )
            columns[changed].append(product)
        connection = connections[self.get_db_connection_name()]
        quote = connection.ops.quote_name
        table, key = quote(Product._meta.db_table), quote(Product._meta.pk.column)
        for names, group in columns.items():
            fields = [Product._meta.get_field(name) for name in (*names, "updated_at")]
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            rows = [
                [f.get_db_prep_save(getattr(p, f.attname), connection) for f in fields] + [p.pk]
                for p in group
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
