"""Order fulfilment, carts and addresses in the Unfold admin.

Orders are read-only here: every change is an action that calls a `shop.order_flow`
service, and only the actions that `TRANSITIONS` allows from the order's status are
offered. Saving an order form is not possible (it could overwrite a concurrent change).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from import_export.admin import ExportActionModelAdmin
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.contrib.import_export.forms import ExportForm
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminTextInputWidget

from accounts.admin import user_link
from core.admin import ReadOnlyAdmin, label_html
from core.errors import DomainError
from payments.admin import OrderPaymentsMixin, PaymentInline, RefundInline
from shop import order_flow
from shop.admin_display import STATUS_COLOURS
from shop.models import Address, Cart, CartLine, Order, OrderEvent, OrderLine, OrderStatus
from shop.resources import OrderLineExportResource

S = OrderStatus


class ReadOnlyInline(TabularInline):
    show_title = False
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "name", "unit_price", "quantity", "line_total", "product")
    readonly_fields = fields
    verbose_name_plural = "Lines"


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "type", "message", "actor")
    readonly_fields = fields
    ordering = ("created_at", "id")
    verbose_name_plural = "Timeline"


class ShipForm(forms.Form):
    tracking_number = forms.CharField(
        max_length=100,
        widget=UnfoldAdminTextInputWidget(attrs={"autofocus": True}),
        help_text="The carrier's tracking number; the customer receives it by email.",
    )


def _order_action(
    run: Callable[..., Order], verb: str
) -> Callable[["OrderAdmin", HttpRequest, QuerySet[Order]], None]:
    """A changelist action that moves each selected order with `run`, reporting each one."""

    def bulk(model_admin: "OrderAdmin", request: HttpRequest, queryset: QuerySet[Order]) -> None:
        done, refused = [], []
        for order in queryset.select_related("user"):
            try:
                run(order=order, actor=request.user)
            except DomainError as error:
                refused.append(f"{order.number}: {error.message}")
            else:
                done.append(order.number)
        if done:
            messages.success(request, f"{verb} {len(done)} order(s): {', '.join(done)}.")
        for problem in refused:
            messages.error(request, problem)

    bulk.__name__ = f"bulk_{run.__name__}"
    return action(description=f"{verb} selected orders", permissions=["fulfil"])(bulk)


@admin.register(Order)
class OrderAdmin(OrderPaymentsMixin, ExportActionModelAdmin, ReadOnlyAdmin):
    list_display = (
        "order_number",
        "customer",
        "status_label",
        "payment_column",
        "total_display",
        "placed",
        "tracking_number",
        "flag_badge",
    )
    list_display_links = ("order_number",)
    list_filter = ("status", "flagged", ("created_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("number", "user__email", "lines__sku")
    search_help_text = "Order number, customer email or SKU"
    list_select_related = ("user", "payment")
    list_per_page = 50
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    empty_hint = (
        "No orders yet. They appear here as customers check out; paid ones are counted on "
        "the dashboard until they are shipped."
    )
    inlines = (OrderLineInline, PaymentInline, RefundInline, OrderEventInline)
    readonly_fields = (
        "number",
        "status",
        "customer",
        "created_at",
        "paid_at",
        "shipped_at",
        "delivered_at",
        "cancelled_at",
        "currency",
        "subtotal",
        "total",
        "refunded_amount",
        "ship_to",
        "tracking_number",
        "stock_reserved",
        "payment_state",
        "flag_state",
    )
    fieldsets = (
        (
            "Order",
            {
                "fields": (
                    ("number", "status"),
                    "customer",
                    ("created_at", "paid_at"),
                    ("shipped_at", "delivered_at", "cancelled_at"),
                )
            },
        ),
        ("Amounts", {"fields": (("subtotal", "total", "currency"), "refunded_amount")}),
        ("Payment", {"fields": ("payment_state", "flag_state")}),
        ("Shipping", {"fields": ("ship_to", "tracking_number", "stock_reserved")}),
    )
    export_form_class = ExportForm
    resource_classes = (OrderLineExportResource,)
    actions = (
        _order_action(order_flow.order_mark_processing, "Marked processing"),
        _order_action(order_flow.order_mark_delivered, "Marked delivered"),
        _order_action(order_flow.order_cancel, "Cancelled"),
    )
    actions_detail = (
        "detail_mark_processing",
        "detail_ship",
        "detail_mark_delivered",
        "detail_cancel",
        "detail_refund",
        "detail_clear_flag",
    )

    # --- permissions: read-only forms, changes only through the state machine --------

    def has_fulfil_permission(self, request: HttpRequest, object_id: str | None = None) -> bool:
        return request.user.has_perm("shop.change_order")

    def _may(self, request: HttpRequest, object_id: str | None, to: S) -> bool:
        if not self.has_fulfil_permission(request):
            return False
        if object_id is None:
            return True
        order = Order.objects.filter(pk=object_id).only("status").first()
        return order is not None and order_flow.order_can_transition(order=order, to=to)

    def has_processing_permission(self, request: HttpRequest, object_id: str | None = None) -> bool:
        return self._may(request, object_id, S.PROCESSING)

    def has_ship_permission(self, request: HttpRequest, object_id: str | None = None) -> bool:
        return self._may(request, object_id, S.SHIPPED)

    def has_delivered_permission(self, request: HttpRequest, object_id: str | None = None) -> bool:
        return self._may(request, object_id, S.DELIVERED)

    def has_cancel_permission(self, request: HttpRequest, object_id: str | None = None) -> bool:
        return self._may(request, object_id, S.CANCELLED)

    def has_unflag_permission(self, request: HttpRequest, object_id: str | None = None) -> bool:
        if not self.has_fulfil_permission(request):
            return False
        return object_id is None or Order.objects.filter(pk=object_id, flagged=True).exists()

    # --- columns and read-only fields ------------------------------------------------

    @display(description="Number", ordering="number")
    def order_number(self, order: Order) -> SafeString:
        return format_html('<span class="whitespace-nowrap">{}</span>', order.number)

    @display(description="Customer", ordering="user__email")
    def customer(self, order: Order) -> SafeString:
        return user_link(order.user)

    @display(description="Placed", ordering="created_at")
    def placed(self, order: Order) -> str:
        return dateformat.format(timezone.localtime(order.created_at), "M j, Y H:i")

    @display(description="Flag", ordering="flagged")
    def flag_badge(self, order: Order) -> SafeString | str:
        """List pages: only flagged orders show something; the reason shows on hover."""
        if not order.flagged:
            return ""
        return label_html(text="Flagged", variant="danger", title=order.flag_reason)

    @display(description="Status", ordering="status", label=STATUS_COLOURS)
    def status_label(self, order: Order) -> tuple[str, str]:
        return order.status, order.get_status_display()

    @display(description="Total", ordering="total")
    def total_display(self, order: Order) -> str:
        return f"{order.total} {order.currency.upper()}"

    @display(description="Ship to")
    def ship_to(self, order: Order) -> str:
        address = order.shipping_address
        parts = [
            address.get("full_name"),
            address.get("line1"),
            address.get("line2"),
            " ".join(filter(None, [address.get("postal_code"), address.get("city")])),
            address.get("state"),
            address.get("country"),
            address.get("phone"),
        ]
        return format_html_join("", "{}<br>", ((part,) for part in parts if part))

    # --- export: one row per order line -----------------------------------------------

    def get_data_for_export(self, request: HttpRequest, queryset: QuerySet, **kwargs: Any) -> Any:
        lines = OrderLineExportResource.lines_of(queryset)
        return super().get_data_for_export(request, lines, **kwargs)

    # --- actions on one order (its page) ----------------------------------------------

    def _action_page(
        self, request: HttpRequest, order: Order, *, template: str, submit_label: str, form: Any
    ) -> HttpResponse:
        """The page of a detail action: a form that POSTs (with its CSRF token) to it."""
        return render(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "title": f"{submit_label}: order {order.number}",
                "submit_label": submit_label,
                "back_url": reverse("admin:shop_order_change", args=[order.pk]),
                "form": form,
                "order": order,
                "opts": self.opts,
            },
        )

    def _run(
        self,
        request: HttpRequest,
        object_id: str,
        run: Callable[..., Order],
        *,
        submit_label: str,
        done: Callable[[Order], str] = lambda order: (
            f"Order {order.number} is now {order.get_status_display().lower()}."
        ),
        **kwargs: Any,
    ) -> HttpResponse:
        """Moves the order with `run` on a POST only; a GET (a link, or a cross-site
        navigation) shows a confirmation page whose form POSTs back here."""
        order = get_object_or_404(Order.objects.select_related("user"), pk=object_id)
        if request.method != "POST":
            return self._action_page(
                request,
                order,
                template="admin/shop/order/confirm.html",
                submit_label=submit_label,
                form=forms.Form(),
            )
        try:
            run(order=order, actor=request.user, **kwargs)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done(order))
        return HttpResponseRedirect(reverse("admin:shop_order_change", args=[object_id]))

    @action(description="Mark processing", permissions=["processing"], icon="inventory_2")
    def detail_mark_processing(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._run(
            request, object_id, order_flow.order_mark_processing, submit_label="Mark processing"
        )

    @action(description="Ship", permissions=["ship"], icon="local_shipping", url_path="ship")
    def detail_ship(self, request: HttpRequest, object_id: str) -> HttpResponse:
        form = ShipForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            return self._run(
                request,
                object_id,
                order_flow.order_ship,
                submit_label="Ship order",
                tracking_number=form.cleaned_data["tracking_number"],
            )
        order = get_object_or_404(Order, pk=object_id)
        return self._action_page(
            request,
            order,
            template="admin/shop/order/ship.html",
            submit_label="Ship order",
            form=form,
        )

    @action(description="Mark delivered", permissions=["delivered"], icon="task_alt")
    def detail_mark_delivered(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._run(
            request, object_id, order_flow.order_mark_delivered, submit_label="Mark delivered"
        )

    @action(description="Cancel order", permissions=["cancel"], icon="cancel")
    def detail_cancel(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._run(
            request,
            object_id,
            order_flow.order_cancel,
            submit_label="Cancel order",
            note="Cancelled by staff.",
        )

    @action(description="Clear flag", permissions=["unflag"], icon="flag")
    def detail_clear_flag(self, request: HttpRequest, object_id: str) -> HttpResponse:
        return self._run(
            request,
            object_id,
            order_flow.order_flag_clear,
            submit_label="Clear flag",
            done=lambda order: f"Order {order.number} is no longer flagged.",
            note="Cleared in the admin.",
        )


class CartLineInline(ReadOnlyInline):
    model = CartLine
    fields = ("product", "sku", "name", "quantity", "created_at")
    readonly_fields = fields


@admin.register(Cart)
class CartAdmin(ReadOnlyAdmin):
    """Read-only: support can see what a customer has in the cart."""

    list_display = ("user", "lines_count", "items_count", "updated_at")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    readonly_fields = ("user", "created_at", "updated_at")
    inlines = (CartLineInline,)
    ordering = ("-updated_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cart]:
        return (
            super()
            .get_queryset(request)
            .annotate(_lines=Count("lines"), _items=Sum("lines__quantity"))
        )

    @display(description="Lines", ordering="_lines")
    def lines_count(self, cart: Cart) -> int:
        return cart._lines

    @display(description="Items", ordering="_items")
    def items_count(self, cart: Cart) -> int:
        return cart._items or 0


@admin.register(Address)
class AddressAdmin(ReadOnlyAdmin):
    """Read-only address book lookup for support; orders keep their own copy."""

    list_display = ("full_name", "user", "city", "country", "is_default")
    list_filter = ("country", "is_default")
    search_fields = ("user__email", "full_name", "city", "postal_code")
    list_select_related = ("user",)
