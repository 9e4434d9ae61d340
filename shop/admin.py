"""Order fulfilment, carts and addresses in the Unfold admin.

Orders are read-only here: every change is an action that calls a `shop.order_flow`
service, and only the actions that `TRANSITIONS` allows from the order's status are
offered. Saving an order form is not possible (it could overwrite a concurrent change).
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from import_export.admin import ExportActionModelAdmin
from unfold.contrib.filters.admin import RangeDateFilter
from unfold.contrib.import_export.forms import ExportForm
from unfold.dataclasses import ActionDialog
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminTextInputWidget, UnfoldBooleanWidget

from accounts.admin import user_link
from core.admin import (
    AmountField,
    DialogForm,
    ReadOnlyAdmin,
    ReadOnlyInline,
    dialog_done,
    label_html,
    readonly_label,
)
from core.errors import DomainError
from payments.admin import PAYMENT_COLOURS, PaymentInline, RefundInline
from payments.refunds import refund_create
from payments.selectors import payment_of_order, refundable_amount
from shop import order_flow
from shop.admin_display import STATUS_COLOURS
from shop.models import Address, Cart, CartLine, Order, OrderEvent, OrderLine, OrderStatus
from shop.resources import OrderLineExportResource

S = OrderStatus


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "name", "variant_title", "unit_price", "quantity", "line_total", "product")
    verbose_name_plural = "Lines"


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "type", "message", "actor")
    ordering = ("created_at", "id")
    verbose_name_plural = "Timeline"


class OrderDialogForm(DialogForm):
    """The dialog of an action on the order of the page: what the order is, then confirm."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = get_object_or_404(Order.objects.select_related("user"), pk=self.object_id)

    def intro(self) -> str:
        order = self.order
        flag = f", flagged: {order.flag_reason}" if order.flagged else ""
        return (
            f"Order {order.number} ({order.get_status_display().lower()}{flag}), "
            f"{order.total} {order.currency.upper()}, for {order.user.email}."
        )


class ShipForm(OrderDialogForm):
    tracking_number = forms.CharField(
        max_length=100,
        widget=UnfoldAdminTextInputWidget(attrs={"autofocus": True}),
        help_text="The carrier's tracking number; the customer receives it by email.",
    )

    def intro(self) -> str:
        address = self.order.shipping_address
        return (
            f"Ship {self.order.number} to {address.get('full_name')}, {address.get('city')} "
            f"({address.get('country')}). The customer is emailed the tracking number."
        )


class RefundForm(OrderDialogForm):
    amount = AmountField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        attrs={"autofocus": True},
    )
    reason = forms.CharField(
        required=False,
        max_length=500,
        widget=UnfoldAdminTextInputWidget,
        help_text="Kept with the refund; the customer does not see it.",
    )
    confirm = forms.BooleanField(
        label="Send this money back to the customer now",
        widget=UnfoldBooleanWidget,
        help_text="A refund cannot be undone.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        payment = payment_of_order(order_id=self.order.pk)
        if payment is None:  # the action is offered only with a payment to refund
            raise Http404("This order has no payment.")
        self.payment = payment
        self.left = refundable_amount(payment=payment)
        self.currency = payment.currency.upper()
        self.fields[
            "amount"
        ].help_text = f"Leave empty to refund all that is left: {self.left} {self.currency}."

    def intro(self) -> str:
        payment, currency = self.payment, self.currency
        return (
            f"Order {self.order.number}: {payment.amount_received} {currency} received, "
            f"{payment.amount_refunded} {currency} refunded, {self.left} {currency} left to "
            f"refund. The money goes back to the card the customer paid with "
            f"(payment {payment.intent_id})."
        )

    def clean_amount(self) -> Decimal | None:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount > self.left:
            raise forms.ValidationError(f"Only {self.left} {self.currency} is left to refund.")
        return amount


def _order_of(object_id: str) -> Order | None:
    """The order of an admin URL's object id (None when there is none, or the id is not an
    id: Unfold asks the actions' permissions while drawing any order page)."""
    if not object_id.isdigit():
        return None
    return Order.objects.filter(pk=object_id).only("status", "flagged").first()


def _confirm(title: str, description: str) -> ActionDialog:
    """The dialog of an action that asks for nothing but a confirmation."""
    return {
        "title": title,
        "description": description,
        "form_class": OrderDialogForm,
        "form_submit_text": title,
    }


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
class OrderAdmin(ExportActionModelAdmin, ReadOnlyAdmin):
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
        order = _order_of(object_id)
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
        if object_id is None:
            return True
        order = _order_of(object_id)
        return order is not None and order.flagged

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

    # --- the payment: columns, read-only fields and the refund action ------------------

    @readonly_label
    @display(description="Payment", label=PAYMENT_COLOURS)
    def payment_state(self, order: Order) -> tuple[str, str]:
        payment = payment_of_order(order_id=order.pk)
        if payment is None:
            return "none", "No payment started"
        currency = payment.currency.upper()
        text = f"{payment.get_status_display()}: {payment.amount_received} {currency} received"
        if payment.amount_refunded:
            text += f", {payment.amount_refunded} {currency} refunded"
        if payment.last_error and not payment.settled:
            text += f". Last attempt failed: {payment.last_error}"
        return payment.status, text

    @display(description="Payment", ordering="payment__status")
    def payment_column(self, order: Order) -> SafeString | str:
        """List pages: the payment's status, linking to the payment."""
        payment = getattr(order, "payment", None)  # list_select_related = (..., "payment")
        if payment is None:
            return "-"
        return label_html(
            text=payment.get_status_display(),
            variant=PAYMENT_COLOURS[payment.status],
            url=reverse("admin:payments_payment_change", args=[payment.pk]),
        )

    @readonly_label
    @display(description="Flag", label={"flagged": "danger", "clear": "success"})
    def flag_state(self, order: Order) -> tuple[str, str]:
        if order.flagged:
            return "flagged", order.flag_reason or "Flagged for staff"
        return "clear", "Not flagged"

    def has_refund_permission(self, request: HttpRequest, object_id: str | None = None) -> bool:
        if not request.user.has_perm("payments.add_refund"):
            return False
        if object_id is None:
            return True
        order = _order_of(object_id)
        payment = order and payment_of_order(order_id=order.pk)
        return payment is not None and refundable_amount(payment=payment) > 0

    # --- actions on one order (its page), each in a dialog that POSTs -------------------

    def _run(
        self,
        request: HttpRequest,
        form: OrderDialogForm,
        run: Callable[..., Order],
        *,
        done: Callable[[Order], str] = lambda order: (
            f"Order {order.number} is now {order.get_status_display().lower()}."
        ),
        **kwargs: Any,
    ) -> HttpResponse:
        """Moves the dialog's order with `run` (the dialog has been confirmed, by a POST),
        then back to the order's page with what happened."""
        order = form.order
        try:
            run(order=order, actor=request.user, **kwargs)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done(order))
        return dialog_done(request, reverse("admin:shop_order_change", args=[order.pk]))

    @action(
        description="Mark processing",
        permissions=["processing"],
        icon="inventory_2",
        dialog=_confirm(
            "Mark processing", "The order is being packed. The customer is not emailed."
        ),
    )
    def detail_mark_processing(
        self, request: HttpRequest, form: OrderDialogForm, object_id: str
    ) -> HttpResponse:
        return self._run(request, form, order_flow.order_mark_processing)

    @action(
        description="Ship",
        permissions=["ship"],
        icon="local_shipping",
        url_path="ship",
        dialog={"title": "Ship order", "form_class": ShipForm, "form_submit_text": "Ship order"},
    )
    def detail_ship(self, request: HttpRequest, form: ShipForm, object_id: str) -> HttpResponse:
        return self._run(
            request,
            form,
            order_flow.order_ship,
            tracking_number=form.cleaned_data["tracking_number"],
        )

    @action(
        description="Mark delivered",
        permissions=["delivered"],
        icon="task_alt",
        dialog=_confirm("Mark delivered", "The parcel has reached the customer."),
    )
    def detail_mark_delivered(
        self, request: HttpRequest, form: OrderDialogForm, object_id: str
    ) -> HttpResponse:
        return self._run(request, form, order_flow.order_mark_delivered)

    @action(
        description="Cancel order",
        permissions=["cancel"],
        icon="cancel",
        dialog=_confirm(
            "Cancel order",
            "The stock goes back on sale and the customer is emailed. This cannot be undone.",
        ),
    )
    def detail_cancel(
        self, request: HttpRequest, form: OrderDialogForm, object_id: str
    ) -> HttpResponse:
        return self._run(request, form, order_flow.order_cancel, note="Cancelled by staff.")

    @action(
        description="Clear flag",
        permissions=["unflag"],
        icon="flag",
        dialog=_confirm("Clear flag", "The order is no longer shown to staff as flagged."),
    )
    def detail_clear_flag(
        self, request: HttpRequest, form: OrderDialogForm, object_id: str
    ) -> HttpResponse:
        return self._run(
            request,
            form,
            order_flow.order_flag_clear,
            done=lambda order: f"Order {order.number} is no longer flagged.",
            note="Cleared in the admin.",
        )

    @action(
        description="Refund",
        permissions=["refund"],
        icon="currency_exchange",
        url_path="refund",
        dialog={"title": "Refund", "form_class": RefundForm, "form_submit_text": "Refund"},
    )
    def detail_refund(self, request: HttpRequest, form: RefundForm, object_id: str) -> HttpResponse:
        order = form.order
        try:
            refund = refund_create(
                order_id=order.pk,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                reason=form.cleaned_data["reason"] or "Refunded by staff in the admin.",
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"Refund of {refund.amount} {form.currency} for order {order.number}: "
                f"{refund.get_status_display().lower()}.",
            )
        return dialog_done(request, reverse("admin:shop_order_change", args=[order.pk]))


class CartLineInline(ReadOnlyInline):
    model = CartLine
    fields = ("variant", "sku", "name", "variant_title", "quantity", "created_at")


@admin.register(Cart)
class CartAdmin(ReadOnlyAdmin):
    """Read-only: support can see what a customer has in the cart."""

    list_display = ("user", "lines_count", "items_count", "updated_at")
    search_fields = ("user__email",)
    list_select_related = ("user",)
    fields = ("user", "created_at", "updated_at")
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
