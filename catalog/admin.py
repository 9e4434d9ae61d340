"""The catalog in the Unfold admin.

Products (thumbnail, stock levels, images inline, bulk activation, CSV/XLSX import and
export), categories (product counts, import/export) and a read-only list of wishlists.
Spreadsheets go through `catalog.resources`, the same rules as `manage.py import_products`.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
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
from catalog.constants import LOW_STOCK_THRESHOLD
from catalog.errors import ProductInvalid
from catalog.models import Category, Product, ProductImage, WishlistItem
from catalog.resources import CategoryResource, ProductResource
from catalog.services import (
    product_delete,
    product_image_delete,
    product_image_save,
    product_insert,
    product_update,
    product_validate,
    products_set_active,
)
from core.admin import AmountField, ReadOnlyAdmin

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
    title = "stock level"
    parameter_name = "stock_level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("out", "Out of stock"),
            ("low", f"Low (1 to {LOW_STOCK_THRESHOLD})"),
            ("in", f"In stock (over {LOW_STOCK_THRESHOLD})"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        match self.value():
            case "out":
                return queryset.filter(stock__lte=0)
            case "low":
                return queryset.filter(stock__gte=1, stock__lte=LOW_STOCK_THRESHOLD)
            case "in":
                return queryset.filter(stock__gt=LOW_STOCK_THRESHOLD)
        return queryset


class ProductForm(forms.ModelForm):
    """Stock is guarded against lost updates: the page remembers the stock it showed.

    An untouched stock field is not saved (a checkout may have taken units since the page
    was opened); a stock field the merchant changed is refused if the stock moved meanwhile.
    """

    price = AmountField(max_digits=12, decimal_places=2, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stock"].show_hidden_initial = True

    def clean_stock(self) -> int:
        stock = self.cleaned_data["stock"]
        if self.instance.pk is None or "stock" not in self.changed_data:
            return stock
        shown = self.fields["stock"].to_python(self.data.get(self.add_initial_prefix("stock")))
        current = Product.objects.filter(pk=self.instance.pk).values_list("stock", flat=True).get()
        if shown != current:
            raise forms.ValidationError(
                f"The stock changed to {current} while this page was open (orders take and "
                "return units). Check the figure and save again."
            )
        return stock

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


@admin.register(Product)
class ProductAdmin(StockSeenImportMixin, SpreadsheetAdmin):
    form = ProductForm
    resource_classes = (ProductResource,)
    list_display = ("thumbnail", "name", "stock_level", "status", "category")
    list_display_links = ("name",)
    list_filter = (("category", RelatedDropdownFilter), "is_active", StockLevelFilter)
    list_filter_submit = True
    search_fields = ("sku", "name")
    search_help_text = "Search by SKU or name."
    empty_hint = (
        "No products yet. Add one, or import a CSV or XLSX spreadsheet with the Import button "
        "(columns sku, name, description, price, stock, category, is_active)."
    )
    list_select_related = ("category",)
    list_per_page = 50
    ordering = ("name", "pk")
    autocomplete_fields = ("category",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "sku", "category", "is_active")}),
        ("Price and stock", {"fields": ("price", "stock")}),
        ("Description", {"fields": ("description",)}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (ProductImageInline,)
    actions = ("activate", "deactivate")
    warn_unsaved_form = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_queryset(request).prefetch_related("images")

    # Writes go through the catalog services. An edit saves only the fields the merchant
    # changed, so a checkout that took stock while the page was open is not overwritten.

    def save_model(
        self, request: HttpRequest, obj: Product, form: forms.ModelForm, change: bool
    ) -> None:
        if not change:
            product_insert(product=obj)
            return
        changes = {field: getattr(obj, field) for field in form.changed_data if field != "category"}
        if "category" in form.changed_data:
            changes["category_id"] = obj.category_id
        product_update(product=Product.objects.get(pk=obj.pk), **changes)

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        product_delete(product=obj)

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

    @display(
        description="Stock",
        ordering="stock",
        label={"out": "danger", "low": "warning", "in": "success"},
    )
    def stock_level(self, product: Product) -> tuple[str, str]:
        if product.stock <= 0:
            return "out", "0"
        return ("low" if product.stock <= LOW_STOCK_THRESHOLD else "in"), str(product.stock)

    @display(
        description="Status", ordering="is_active", label={"Active": "success", "Hidden": "info"}
    )
    def status(self, product: Product) -> str:
        return "Active" if product.is_active else "Hidden"

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
    search_fields = ("user__email", "product__sku", "product__name")
    date_hierarchy = "created_at"
    list_per_page = 50
