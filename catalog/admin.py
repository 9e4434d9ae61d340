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

from catalog.admin_import import LimitedImportForm, StockSeenImportMixin
from catalog.admin_stock import STOCK_COLOURS, STOCK_LEVELS
from catalog.admin_variants import (
    ProductOptionFormSet,
    ProductOptionInline,
    VariantFormSet,
    VariantInline,
)
from catalog.constants import LOW_STOCK_THRESHOLD
from catalog.errors import ProductInvalid
from catalog.models import (
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
    variants_generate,
)
from core.admin import DialogForm, ReadOnlyAdmin, dialog_done
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
            elif not product_options(product):
                messages.warning(request, "This product has no options to combine: add some.")
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
