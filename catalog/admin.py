"""The catalog in the Unfold admin.

Products (thumbnail, price range and stock levels from their variants, an options editor,
a variants inline whose stock is changed only through the Adjust stock dialog, images
inline, a "Generate variants" action, bulk activation, CSV/XLSX import and export),
categories (product counts, import/export) and a read-only list of wishlists.
Spreadsheets go through `catalog.resources`, the same rules as `manage.py import_products`.
"""

from math import prod
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from import_export.results import Result
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import DropdownFilter, RelatedDropdownFilter
from unfold.contrib.import_export.forms import SelectableFieldsExportForm
from unfold.decorators import action, display
from unfold.forms import PaginationInlineFormSet
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminTextareaWidget

from accounts.models import User
from catalog.admin_import import LimitedImportForm, StockSeenImportMixin
from catalog.admin_stock import STOCK_COLOURS, STOCK_LEVELS, may_adjust_stock, stock_tools_html
from catalog.constants import LOW_STOCK_THRESHOLD
from catalog.errors import ProductInvalid
from catalog.models import (
    MAX_OPTIONS,
    Category,
    Product,
    ProductImage,
    ProductOption,
    Variant,
    WishlistItem,
)
from catalog.resources import CategoryResource, ProductResource
from catalog.selectors import product_options
from catalog.services import (
    PRODUCT_ONLY,
    product_delete,
    product_image_delete,
    product_image_save,
    product_insert,
    product_update,
    product_validate,
    products_set_active,
)
from catalog.variants import (
    OPTION_FIELDS,
    VARIANT_FIELDS,
    OptionFields,
    VariantFields,
    options_validate,
    variant_delete,
    variant_option_values,
    variant_update,
    variant_validate,
    variants_create,
    variants_generate,
)
from core.admin import AmountField, DialogForm, ReadOnlyAdmin, dialog_done
from core.errors import DomainError

NO_IMAGE = format_html(
    '<span class="material-symbols-outlined text-base-400" title="{}">image</span>', "No image"
)


def thumbnail_html(url: str, *, size: int) -> SafeString:
    return format_html(
        '<img src="{}" alt="" width="{}" height="{}" loading="lazy" '
        'class="rounded-default object-cover" style="width:{}px;height:{}px">',
        url,
        size,
        size,
        size,
        size,
    )


class SpreadsheetAdmin(ModelAdmin, ImportExportModelAdmin):
    """Unfold's import/export forms, CSV and XLSX only, all-or-nothing confirm step.

    Importing needs the add and change permissions; exporting, the view permission.
    """

    import_form_class = LimitedImportForm  # size and row limits (catalog.import_limits)
    export_form_class = SelectableFieldsExportForm
    formats = (CSV, XLSX)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def import_url(self) -> str:
        opts = self.opts
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_import")

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """The confirm step; its temporary file may be gone (another server, a restart)."""
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            messages.error(request, "The uploaded file has expired: please upload it again.")
            return HttpResponseRedirect(self.import_url())

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        """The preview passed, but the data changed before the confirm: nothing was written."""
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                "Nothing was imported: the file no longer passes validation (the catalog "
                "changed since the preview). Upload it again to see the errors.",
            )
            return HttpResponseRedirect(self.import_url())
        return super().process_result(result, request)


class StockLevelFilter(DropdownFilter):
    """Stock levels are a variant's: a product is listed under "out" when any of its
    variants on sale has no stock, under "low" when any has 1 to LOW_STOCK_THRESHOLD
    units (so it may be under both), and under "in" when every variant on sale has more.
    The dashboard counts the same variants."""

    title = "stock level"
    parameter_name = "stock_level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return STOCK_LEVELS

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        on_sale = Variant.objects.filter(product=OuterRef("pk"), is_active=True)
        match self.value():
            case "out":
                return queryset.filter(Exists(on_sale.filter(stock__lte=0)))
            case "low":
                low = on_sale.filter(stock__gte=1, stock__lte=LOW_STOCK_THRESHOLD)
                return queryset.filter(Exists(low))
            case "in":
                short = on_sale.filter(stock__lte=LOW_STOCK_THRESHOLD)
                return queryset.filter(Exists(on_sale), ~Exists(short))
        return queryset


class ProductForm(forms.ModelForm):
    def _post_clean(self) -> None:
        """The model's checks, then the catalog's own rules with their messages."""
        super()._post_clean()
        try:
            product_validate(product=self.instance)
        except ProductInvalid as invalid:
            for field, errors in invalid.extra["errors"].items():
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, errors)


def kept_forms(formset: BaseInlineFormSet) -> list[forms.ModelForm]:
    """The rows a save keeps: saved ones not ticked for deletion, and new ones filled in
    (an untouched empty row is no row)."""
    return [
        form
        for form in formset.forms
        if not formset._should_delete_form(form) and (form.instance.pk or form.has_changed())
    ]


class ProductPartInline(TabularInline):
    """Options and variants are parts of their product: the product's permissions govern
    them (staff groups hold product permissions, not one set per part)."""

    extra = 0

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("catalog.view_product")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("catalog.change_product" if obj else "catalog.add_product")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("catalog.change_product")


class OptionValuesField(forms.CharField):
    """An option's values typed as `S, M, L`, or one per line (for values with a comma)."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ("\n" if any("," in item for item in value) else ", ").join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        separator = "\n" if "\n" in text else ","
        return [part.strip() for part in text.split(separator) if part.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(data) != list(initial or [])


class ProductOptionForm(forms.ModelForm):
    position = forms.IntegerField(
        min_value=1, max_value=MAX_OPTIONS, widget=UnfoldAdminIntegerFieldWidget
    )
    values = OptionValuesField(
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 2}),
        help_text="S, M, L - or one value per line.",
    )


class ProductOptionFormSet(BaseInlineFormSet):
    """Checks the options together (catalog.variants.options_validate); `options` are
    then the options as they will be saved, for the variants' formset to check against."""

    options: list[ProductOption] | None = None

    def clean(self) -> None:
        self.options = None
        kept = sorted(kept_forms(self), key=lambda form: form.cleaned_data.get("position") or 0)
        problems: list[str] = []
        if not any(form.errors for form in kept):
            fields = [
                OptionFields(name=form.cleaned_data["name"], values=form.cleaned_data["values"])
                for form in kept
            ]
            try:
                options_validate(fields)
            except ProductInvalid as invalid:
                for key, messages in invalid.extra["errors"].items():
                    _, _, row = key.partition(".")  # "options" or "options.<index>.<field>"
                    if row:
                        index, field = row.split(".")
                        kept[int(index)].add_error(field, messages)
                    else:
                        problems.extend(messages)
            else:
                self.options = [form.instance for form in kept]
        super().clean()
        if problems:
            raise forms.ValidationError(problems)


class ProductOptionInline(ProductPartInline):
    model = ProductOption
    form = ProductOptionForm
    formset = ProductOptionFormSet
    fields = ("position", "name", "values")
    max_num = MAX_OPTIONS
    verbose_name_plural = "Options (up to 3, e.g. Size and Colour)"


class VariantForm(forms.ModelForm):
    """A variant row; its stock is shown, never saved from here (Adjust stock changes it)."""

    price = AmountField(max_digits=12, decimal_places=2, min_value=0)
    compare_at_price = AmountField(
        required=False, max_digits=12, decimal_places=2, min_value=0, label="Compare-at price"
    )
    opening_stock = forms.IntegerField(
        required=False,
        min_value=0,
        label="Opening stock",
        help_text="New rows only; after that, Adjust stock.",
        widget=UnfoldAdminIntegerFieldWidget,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opening_stock"].disabled = True

    def _post_clean(self) -> None:
        """The model's checks, then the catalog's rules for a variant (its image is its
        product's, a compare-at price above the price, ...)."""
        super()._post_clean()
        try:
            variant_validate(variant=self.instance)
        except ProductInvalid as invalid:
            for field, errors in invalid.extra["errors"].items():
                field = "image" if field == "image_id" else field
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, errors)


class VariantFormSet(BaseInlineFormSet):
    """The variant rows, checked together against the options posted with them.

    Saved through catalog.variants (opening stock as a movement); never writes stock.
    """

    options_formset: ProductOptionFormSet | None = None  # set by ProductAdmin
    actor: User | None = None  # set by ProductAdmin.save_formset

    def clean(self) -> None:
        kept = kept_forms(self)
        problems = []
        if not kept:
            problems.append("A product needs at least one variant: fill in a row (SKU, price).")
        elif self.instance.pk and not any(form.instance.pk for form in kept):
            problems.append(
                "Keep at least one of the saved variants (change it rather than replace it: "
                "its stock and movements stay with it)."
            )
        options = self._options()
        if options is not None:
            self._check_option_values([form for form in kept if not form.errors], options)
        self._check_duplicates([form for form in kept if not form.errors])
        super().clean()
        if problems:
            raise forms.ValidationError(problems)

    def _options(self) -> list[ProductOption] | None:
        """The options the rows must match: those posted (None if they are invalid)."""
        if self.options_formset is None:
            return list(self.instance.options.all()) if self.instance.pk else []
        self.options_formset.is_valid()
        return self.options_formset.options

    @staticmethod
    def _check_option_values(rows: list[forms.ModelForm], options: list[ProductOption]) -> None:
        """Each row has a value of each option (catalog.variants.variant_option_values, one
        option at a time so that the error names its column), spelled as the option does."""
        by_position = {option.position: option for option in options}
        for form in rows:
            for position, field in enumerate(OPTION_FIELDS, start=1):
                value = form.cleaned_data.get(field, "")
                option = by_position.get(position)
                if option is None:
                    if value:
                        form.add_error(field, f"There is no option {position}: leave it empty.")
                    continue
                errors: dict[str, list[str]] = {}
                values = variant_option_values([option], {option.name: value}, errors=errors)
                if errors:
                    form.add_error(field, errors["options"])
                else:
                    form.cleaned_data[field] = values[field]
                    setattr(form.instance, field, values[field])

    @staticmethod
    def _check_duplicates(rows: list[forms.ModelForm]) -> None:
        combinations: set[tuple[str, ...]] = set()
        skus: set[str] = set()
        for form in rows:
            values = [form.cleaned_data.get(field, "") for field in OPTION_FIELDS]
            combination = tuple(value.casefold() for value in values)
            if combination in combinations:
                title = " / ".join(value for value in values if value)
                form.add_error(
                    "option1",
                    f"Another row has these option values ({title})."
                    if title
                    else "Without options a product has one variant: add an option first.",
                )
            combinations.add(combination)
            sku = form.cleaned_data.get("sku")
            if sku in skus:
                form.add_error("sku", "Another row has this SKU.")
            skus.add(sku)

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Variant:
        data = form.cleaned_data
        image = data.get("image")
        fields = VariantFields(
            sku=data["sku"],
            price=data["price"],
            options={
                option.name: data[OPTION_FIELDS[option.position - 1]]
                for option in self.instance.options.all()
            },
            compare_at_price=data.get("compare_at_price"),
            weight_grams=data.get("weight_grams"),
            position=data.get("position") or 0,
            is_active=data.get("is_active", True),
            image_id=image.pk if image else None,
            stock=data.get("opening_stock") or 0,
        )
        return variants_create(product=self.instance, variants=[fields], actor=self.actor)[0]

    def save_existing(self, form: forms.ModelForm, obj: Variant, commit: bool = True) -> Variant:
        changed = set(form.changed_data)
        changes = {field: form.cleaned_data[field] for field in VARIANT_FIELDS if field in changed}
        variant_update(variant=obj, actor=self.actor, **changes)
        # variant_update does not take option values or the image yet (asked of
        # catalog.variants): they were checked above and are saved alone; stock never is.
        others = [field for field in (*OPTION_FIELDS, "image") if field in changed]
        if others:
            obj.save(update_fields=[*others, "updated_at"])
        return obj

    def delete_existing(self, obj: Variant, commit: bool = True) -> None:
        if commit:
            variant_delete(variant=obj)


class VariantInline(ProductPartInline):
    model = Variant
    form = VariantForm
    formset = VariantFormSet
    fields = (
        "sku",
        "option1",
        "option2",
        "option3",
        "price",
        "compare_at_price",
        "weight_grams",
        "image",
        "is_active",
        "stock_tools",
        "opening_stock",
        "position",
    )
    readonly_fields = ("stock_tools",)
    ordering_field = "position"
    hide_ordering_field = True
    verbose_name_plural = "Variants (what is sold and stocked: one per combination of options)"
    may_adjust = False

    def get_extra(self, request: HttpRequest, obj: Product | None = None, **kwargs: Any) -> int:
        """A new product starts with one empty variant row: it cannot be saved without."""
        return 1 if obj is None else 0

    def get_formset(self, request: HttpRequest, obj: Product | None = None, **kwargs: Any) -> Any:
        """Option columns are headed by the product's option names; images are the
        product's own."""
        self.may_adjust = may_adjust_stock(request)
        labels = {field: f"Option {n}" for n, field in enumerate(OPTION_FIELDS, start=1)}
        if obj is not None:
            labels |= {OPTION_FIELDS[o.position - 1]: o.name for o in obj.options.all()}
        formset = super().get_formset(request, obj, labels=labels, **kwargs)
        images = ProductImage.objects.filter(product=obj) if obj else ProductImage.objects.none()
        formset.form.base_fields["image"].queryset = images
        return formset

    @display(description="Stock")
    def stock_tools(self, variant: Variant) -> SafeString | str:
        if variant.pk is None:
            return "-"
        return stock_tools_html(variant, may_adjust=self.may_adjust)


class ProductImageFormSet(PaginationInlineFormSet):
    def delete_existing(self, obj: ProductImage, commit: bool = True) -> None:
        """An image ticked "Delete" goes through the catalog service: its file too."""
        if commit:
            product_image_delete(image=obj)

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> ProductImage:
        return self._save(super().save_new(form, commit=False), commit)

    def save_existing(
        self, form: forms.ModelForm, obj: ProductImage, commit: bool = True
    ) -> ProductImage:
        return self._save(super().save_existing(form, obj, commit=False), commit)

    @staticmethod
    def _save(image: ProductImage, commit: bool) -> ProductImage:
        """Images are saved by the catalog service: a new file gets its thumbnail."""
        return product_image_save(image=image) if commit else image


class ProductImageInline(TabularInline):
    model = ProductImage
    formset = ProductImageFormSet
    fields = ("preview", "image", "alt_text", "position")
    readonly_fields = ("preview",)
    extra = 0
    ordering_field = "position"
    hide_ordering_field = True

    @display(description="Preview")
    def preview(self, image: ProductImage) -> SafeString:
        return thumbnail_html(image.preview.url, size=64) if image.image else NO_IMAGE


class GenerateVariantsForm(DialogForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.product = get_object_or_404(Product, pk=self.object_id)

    def intro(self) -> str:
        options = product_options(self.product)
        if not options:
            return "This product has no options yet: add them (Size, Colour...) and save first."
        combinations = prod(len(option.values) for option in options)
        return (
            f"{' x '.join(option.name for option in options)}: {combinations} combinations, "
            f"{self.product.variants.count()} variants now. Each missing combination gets a "
            "variant at the first variant's price, with no stock and a SKU made from the first "
            "variant's and its values (e.g. TEE-M-RED)."
        )


@admin.register(Product)
class ProductAdmin(StockSeenImportMixin, SpreadsheetAdmin):
    form = ProductForm
    resource_classes = (ProductResource,)
    list_display = (
        "thumbnail",
        "name",
        "variant_count",
        "price_range",
        "stock_level",
        "status",
        "category",
    )
    list_display_links = ("name",)
    list_filter = (("category", RelatedDropdownFilter), "is_active", StockLevelFilter)
    list_filter_submit = True
    search_fields = ("name", "variants__sku")
    search_help_text = "Search by name or by the SKU of a variant."
    empty_hint = (
        "No products yet. Add one (with at least one variant: its SKU and price), or import a "
        "CSV or XLSX spreadsheet with the Import button, one row per variant."
    )
    list_select_related = ("category",)
    list_per_page = 50
    ordering = ("name", "id")
    autocomplete_fields = ("category",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "category", "tax_class", "is_active")}),
        ("Description", {"fields": ("description",)}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (ProductOptionInline, VariantInline, ProductImageInline)
    actions = ("activate", "deactivate")
    actions_detail = ("generate_variants",)
    warn_unsaved_form = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        """The list's figures are the variants', summed up in the list's one query."""
        on_sale = Q(variants__is_active=True)
        return (
            super()
            .get_queryset(request)
            .prefetch_related("images")
            .annotate(
                variant_total=Count("variants"),
                price_min=Min("variants__price"),
                price_max=Max("variants__price"),
                stock_total=Coalesce(Sum("variants__stock"), 0),
                out_total=Count("variants", filter=on_sale & Q(variants__stock__lte=0)),
                low_total=Count(
                    "variants",
                    filter=on_sale
                    & Q(variants__stock__gte=1, variants__stock__lte=LOW_STOCK_THRESHOLD),
                ),
            )
        )

    def _create_formsets(
        self, request: HttpRequest, obj: Product, change: bool
    ) -> tuple[list[Any], list[Any]]:
        """Django builds the inlines' formsets apart; the variants' rows are checked against
        the options posted with them, so their formset is given the options' formset."""
        formsets, inlines = super()._create_formsets(request, obj, change)
        options = next((f for f in formsets if isinstance(f, ProductOptionFormSet)), None)
        for formset in formsets:
            if isinstance(formset, VariantFormSet):
                formset.options_formset = options
        return formsets, inlines

    # Writes go through the catalog services. An edit saves only the fields the merchant
    # changed; stock is never saved from this page (the Adjust stock dialog changes it).

    def save_model(
        self, request: HttpRequest, obj: Product, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            product_insert(product=obj)
            return
        changed = [field for field in form.changed_data if field in PRODUCT_ONLY]
        changes = {field: getattr(obj, field) for field in changed if field != "category"}
        if "category" in changed:
            changes["category_id"] = obj.category_id
        product_update(product=Product.objects.get(pk=obj.pk), actor=request.user, **changes)

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        if isinstance(formset, VariantFormSet):
            formset.actor = request.user
        formset.save()

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        product_delete(product=obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, ...]:
        """A product's options and variants go with it: the product's delete permission
        covers them (their own admin lists are read-only)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        parts = {str(ProductOption._meta.verbose_name), str(Variant._meta.verbose_name)}
        return deleted, counts, perms_needed - parts, protected

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset:
            product_delete(product=product)

    def get_export_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_export_queryset(request).prefetch_related(None)

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: Product | None = None
    ) -> dict[str, tuple[str, ...]]:
        return {} if obj else {"slug": ("name",)}

    def get_readonly_fields(
        self, request: HttpRequest, obj: Product | None = None
    ) -> tuple[str, ...]:
        """The slug is set once: links to the product keep working after a rename."""
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "slug") if obj else readonly

    @display(description="")
    def thumbnail(self, product: Product) -> SafeString:
        images = product.images.all()  # prefetched, primary (lowest position) first
        return thumbnail_html(images[0].preview.url, size=40) if images else NO_IMAGE

    @display(description="Variants", ordering="variant_total")
    def variant_count(self, product: Product) -> int:
        return product.variant_total

    @display(description="Price", ordering="price_min")
    def price_range(self, product: Product) -> str:
        low, high = product.price_min, product.price_max
        if low is None:
            return "-"
        currency = settings.NOVACART_CURRENCY.upper()
        if low == high:
            return f"{low:.2f} {currency}"
        return f"{low:.2f} \N{EN DASH} {high:.2f} {currency}"

    @display(description="Stock", ordering="stock_total", label=STOCK_COLOURS)
    def stock_level(self, product: Product) -> tuple[str, str]:
        """All variants' units; coloured by the worst variant on sale."""
        total = str(product.stock_total)
        if product.out_total:
            return "out", f"{total} ({product.out_total} sold out)"
        if product.low_total:
            return "low", f"{total} ({product.low_total} low)"
        return "in", total

    @display(
        description="Status", ordering="is_active", label={"Active": "success", "Hidden": "info"}
    )
    def status(self, product: Product) -> str:
        return "Active" if product.is_active else "Hidden"

    @action(
        description="Generate variants",
        permissions=["change"],
        icon="auto_awesome_motion",
        dialog={
            "title": "Generate variants",
            "form_class": GenerateVariantsForm,
            "form_submit_text": "Generate variants",
        },
    )
    def generate_variants(
        self, request: HttpRequest, form: GenerateVariantsForm, object_id: str
    ) -> HttpResponse:
        """A variant for every combination of option values that has none yet."""
        product = form.product
        try:
            made = variants_generate(product=product, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if made:
                noun = "variant" if len(made) == 1 else "variants"
                skus = ", ".join(variant.sku for variant in made)
                messages.success(request, f"{len(made)} {noun} created: {skus}.")
            else:
                messages.info(request, "No variant was missing: every combination has one.")
        return dialog_done(request, reverse("admin:catalog_product_change", args=[product.pk]))

    @action(description="Activate selected products", permissions=["change"], icon="visibility")
    def activate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self.set_active(request, queryset, active=True)

    @action(
        description="Deactivate selected products", permissions=["change"], icon="visibility_off"
    )
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self.set_active(request, queryset, active=False)

    def set_active(
        self, request: HttpRequest, queryset: QuerySet[Product], *, active: bool
    ) -> None:
        changed = products_set_active(products=queryset, active=active)
        verb = "activated" if active else "deactivated"
        noun = "product" if changed == 1 else "products"
        messages.success(request, f"{changed} {noun} {verb}.")


class CategoryForm(forms.ModelForm):
    def clean_parent(self) -> Category | None:
        """A category may not sit inside itself or one of its own sub-categories."""
        parent = self.cleaned_data["parent"]
        ancestor = parent
        while ancestor is not None and self.instance.pk is not None:
            if ancestor.pk == self.instance.pk:
                raise forms.ValidationError(
                    "A category cannot sit inside itself or one of its sub-categories."
                )
            ancestor = ancestor.parent
        return parent


@admin.register(Category)
class CategoryAdmin(SpreadsheetAdmin):
    form = CategoryForm
    resource_classes = (CategoryResource,)
    list_display = ("name", "slug", "parent", "product_count", "status", "position")
    list_filter = ("is_active", ("parent", RelatedDropdownFilter))
    list_filter_submit = True
    search_fields = ("name", "slug")
    empty_hint = "No categories yet. Add one, or import a spreadsheet of them (slug, name, parent)."
    list_select_related = ("parent",)
    list_per_page = 100
    ordering = ("position", "name")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "parent", "is_active", "position")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @display(description="Products", ordering="product_count")
    def product_count(self, category: Category) -> int:
        return category.product_count

    @display(
        description="Status", ordering="is_active", label={"Active": "success", "Hidden": "info"}
    )
    def status(self, category: Category) -> str:
        return "Active" if category.is_active else "Hidden"


@admin.register(WishlistItem)
class WishlistItemAdmin(ReadOnlyAdmin):
    """What customers keep on their wishlists: a read-only list."""

    list_display = ("user", "product", "created_at")
    list_select_related = ("user", "product")
    search_fields = ("user__email", "product__name")
    date_hierarchy = "created_at"
    list_per_page = 50
