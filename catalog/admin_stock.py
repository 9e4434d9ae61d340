"""Stock in the Unfold admin: the variants list with its stock-adjustment dialog, and the
read-only ledger of stock movements.

Stock is never typed into a form that saves it: the only way to change it here is the
"Adjust stock" dialog, which calls `catalog.inventory.stock_adjust` with the figure the
page showed as `expected`, so a sale made while the page was open is never overwritten.
Variants and movements are parts of products: the product permissions govern them
(viewing needs `catalog.view_product`, adjusting `catalog.change_product`).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from unfold.contrib.filters.admin import DropdownFilter, RangeDateFilter
from unfold.dataclasses import ActionDialog
from unfold.decorators import action, display
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextInputWidget,
)

from catalog.constants import LOW_STOCK_THRESHOLD
from catalog.errors import StockBelowZero, StockMoved
from catalog.inventory import Reason, stock_adjust
from catalog.models import StockMovement, Variant
from core.admin import DialogForm, ReadOnlyAdmin, admin_link, dialog_done

VIEW, CHANGE = "catalog.view_product", "catalog.change_product"
STOCK_COLOURS = {"out": "danger", "low": "warning", "in": "success"}


def stock_level(stock: int) -> str:
    """ "out", "low" (1 to LOW_STOCK_THRESHOLD) or "in": the dashboard's and filters' levels."""
    if stock <= 0:
        return "out"
    return "low" if stock <= LOW_STOCK_THRESHOLD else "in"


STOCK_LEVELS = [
    ("out", "Out of stock"),
    ("low", f"Low (1 to {LOW_STOCK_THRESHOLD})"),
    ("in", f"In stock (over {LOW_STOCK_THRESHOLD})"),
]


def may_adjust_stock(request: HttpRequest) -> bool:
    return request.user.has_perm(CHANGE)


def adjust_stock_url(variant: Variant) -> str:
    """The dialog's address, carrying the stock this page shows (the `expected` figure)."""
    url = reverse("admin:catalog_variant_adjust_stock", args=[variant.pk])
    return f"{url}?expected={variant.stock}"


def movements_url(variant: Variant) -> str:
    return f"{reverse('admin:catalog_stockmovement_changelist')}?variant__id__exact={variant.pk}"


def dialog_link(url: str, text: str) -> SafeString:
    """A link that opens an Unfold dialog action over the current page (as Unfold's own
    action buttons do: htmx loads the dialog into the page's modal); without JavaScript
    it is a plain link to the dialog."""
    return format_html(
        '<a class="text-primary-600 whitespace-nowrap" href="{}" hx-get="{}" '
        'hx-target="#modal-content" hx-select="#dialog" '
        'x-on:htmx:after-on-load="openModal = true">{}</a>',
        url,
        url,
        text,
    )


def stock_tools_html(variant: Variant, *, may_adjust: bool) -> SafeString:
    """The stock of a variant as a page shows it: the figure, the dialog that changes it,
    the movements that explain it."""
    links = [admin_link(movements_url(variant), "Movements")]
    if may_adjust:
        links.insert(0, dialog_link(adjust_stock_url(variant), "Adjust"))
    return format_html(
        '<span class="flex gap-3 items-center"><strong>{}</strong>{}</span>',
        variant.stock,
        format_html("".join(["{}"] * len(links)), *links),
    )


class StockAdjustForm(DialogForm):
    """Add or remove units, or set a new figure; refused if the stock moved since shown."""

    delta = forms.IntegerField(
        required=False,
        label="Add or remove units",
        help_text="For example 12 for a delivery, or -2 for two damaged units.",
        widget=UnfoldAdminIntegerFieldWidget(attrs={"autofocus": True}),
    )
    set_to = forms.IntegerField(
        required=False,
        min_value=0,
        label="Or set the stock to",
        help_text="The figure counted on the shelf.",
        widget=UnfoldAdminIntegerFieldWidget,
    )
    reason = forms.ChoiceField(
        choices=[(r.value, r.label) for r in (Reason.ADMIN, Reason.RETURN)],
        initial=Reason.ADMIN,
        widget=UnfoldAdminSelectWidget,
    )
    note = forms.CharField(
        required=False,
        max_length=200,
        widget=UnfoldAdminTextInputWidget,
        help_text="Kept with the movement, e.g. the delivery note or the stock count.",
    )
    expected = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.variant = get_object_or_404(
            Variant.objects.select_related("product"), pk=self.object_id
        )
        shown = self.request.GET.get("expected", "")
        self.fields["expected"].initial = int(shown) if shown.isdigit() else self.variant.stock

    def shown(self) -> str:
        """The stock figure this dialog is about (the page's, or the latest after a refusal)."""
        return str(self["expected"].value())

    def intro(self) -> str:
        variant = self.variant
        name = (
            f"{variant.product.name} ({variant.title})" if variant.title else variant.product.name
        )
        return (
            f"{name}, SKU {variant.sku}: {self.shown()} in stock as shown. The change is "
            "recorded as a stock movement under your name."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        delta, set_to = data.get("delta"), data.get("set_to")
        if "set_to" in self.errors:
            return data
        if (delta is None) == (set_to is None):
            self.add_error("delta", "Give either a number of units to add or remove, or a figure.")
        elif delta == 0:
            self.add_error("delta", "Adding 0 units changes nothing.")
        return data

    @property
    def changed_field(self) -> str:
        return "delta" if self.cleaned_data.get("delta") is not None else "set_to"


ADJUST_DIALOG: ActionDialog = {
    "title": "Adjust stock",
    "form_class": StockAdjustForm,
    "form_submit_text": "Adjust stock",
}


class ProductPartAdmin(ReadOnlyAdmin):
    """A list of a product's parts (its variants, their movements): seen with the
    product's view permission, never edited here."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(VIEW) or super().has_view_permission(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)


class VariantStockFilter(DropdownFilter):
    title = "stock level"
    parameter_name = "stock_level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return STOCK_LEVELS

    def queryset(self, request: HttpRequest, queryset: QuerySet[Variant]) -> QuerySet[Variant]:
        match self.value():
            case "out":
                return queryset.filter(stock__lte=0)
            case "low":
                return queryset.filter(stock__gte=1, stock__lte=LOW_STOCK_THRESHOLD)
            case "in":
                return queryset.filter(stock__gt=LOW_STOCK_THRESHOLD)
        return queryset


@admin.register(Variant)
class VariantAdmin(ProductPartAdmin):
    """Every variant with its stock, to find what runs low and adjust it in place;
    the rest of a variant is edited on its product's page."""

    list_display = (
        "sku",
        "product_link",
        "title",
        "price",
        "stock_label",
        "movements",
        "is_active",
    )
    list_display_links = None
    list_filter = (VariantStockFilter, "is_active", "product__is_active")
    list_filter_submit = True
    search_fields = ("sku", "product__name")
    search_help_text = "Search by SKU or product name."
    list_select_related = ("product",)
    list_per_page = 100
    ordering = ("product__name", "position", "id")
    actions_row = ("adjust_stock",)

    def has_adjust_permission(self, request: HttpRequest, object_id: str | None = None) -> bool:
        return may_adjust_stock(request)

    @display(description="Product", ordering="product__name")
    def product_link(self, variant: Variant) -> SafeString:
        url = reverse("admin:catalog_product_change", args=[variant.product_id])
        return admin_link(url, variant.product.name)

    @display(description="Options")
    def title(self, variant: Variant) -> str:
        return variant.title or "-"

    @display(description="Stock", ordering="stock", label=STOCK_COLOURS)
    def stock_label(self, variant: Variant) -> tuple[str, str]:
        return stock_level(variant.stock), str(variant.stock)

    @display(description="Movements")
    def movements(self, variant: Variant) -> SafeString:
        return admin_link(movements_url(variant), "Movements")

    @action(
        description="Adjust stock", permissions=["adjust"], icon="inventory", dialog=ADJUST_DIALOG
    )
    def adjust_stock(
        self, request: HttpRequest, form: StockAdjustForm, object_id: str
    ) -> HttpResponse:
        """Through the inventory module, against the figure shown; a refusal keeps the
        dialog open with the reason (and, if the stock moved, the new figure to start from)."""
        variant, data = form.variant, form.cleaned_data
        try:
            stock_adjust(
                variant=variant,
                delta=data["delta"],
                set_to=data["set_to"],
                expected=data["expected"],
                actor=request.user,
                reason=Reason(data["reason"]),
                note=data["note"],
            )
        except StockMoved as moved:
            refreshed = request.POST.copy()
            refreshed["expected"] = str(moved.extra["stock"])
            form = StockAdjustForm(request=request, object_id=object_id, data=refreshed)
            form.is_valid()
            form.add_error(form.changed_field, moved.message)
            return self._dialog_again(request, form)
        except StockBelowZero as below:
            form.add_error(form.changed_field, below.message)
            return self._dialog_again(request, form)
        messages.success(request, f"The stock of {variant.sku} is now {variant.stock}.")
        return dialog_done(request, self._back_url(request, variant))

    @staticmethod
    def _dialog_again(request: HttpRequest, form: StockAdjustForm) -> HttpResponse:
        """The dialog with its errors, as Unfold's action decorator draws an invalid one."""
        context = {
            "dialog": ADJUST_DIALOG,
            "form": form,
            "form_submit_text": ADJUST_DIALOG["form_submit_text"],
        }
        return render(request, "unfold/helpers/dialog.html", context)

    @staticmethod
    def _back_url(request: HttpRequest, variant: Variant) -> str:
        """The page the dialog was opened on (htmx says which), else the product's page."""
        current = request.headers.get("HX-Current-URL", "")
        allowed = {request.get_host()}
        if current and url_has_allowed_host_and_scheme(current, allowed_hosts=allowed):
            return current
        return reverse("admin:catalog_product_change", args=[variant.product_id])


@admin.register(StockMovement)
class StockMovementAdmin(ProductPartAdmin):
    """The stock ledger: every change of every variant's stock, who made it and why.
    A variant's movements sum to its stock (`manage.py check_stock` proves it)."""

    list_display = (
        "created_at",
        "sku",
        "delta_display",
        "quantity_after",
        "reason",
        "reference",
        "actor",
    )
    list_filter = ("reason", ("created_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("sku", "reference")
    search_help_text = "Search by SKU or reference (order number, import)."
    list_select_related = ("actor",)
    list_per_page = 100
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "created_at",
        "variant",
        "sku",
        "delta",
        "quantity_after",
        "reason",
        "reference",
        "actor",
        "note",
    )

    @display(description="Change", ordering="delta")
    def delta_display(self, movement: StockMovement) -> str:
        return f"{movement.delta:+d}"
