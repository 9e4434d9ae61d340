"""Payments in the Unfold admin, and what the Order pages need from them.

Payments, refunds and webhook events are read-only here: payments change through
Stripe's webhooks, refunds through the Order page's "Refund" action, which calls the
same `refund_create` service as the API. A webhook event that failed can be processed
again. `OrderPaymentsMixin`, `PaymentInline` and `RefundInline` are for the Order admin
(shop/admin.py): payment state and flags on the page, and the refund action.
"""

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from unfold.admin import TabularInline
from unfold.decorators import action, display
from unfold.widgets import (
    UnfoldAdminTextInputWidget,
    UnfoldBooleanWidget,
)

from accounts.admin import user_link
from core.admin import (
    AmountField,
    ReadOnlyAdmin,
    admin_link,
    label_html,
    readonly_label,
)
from core.errors import DomainError
from payments.models import Payment, Refund, WebhookEvent
from payments.refunds import refund_create
from payments.selectors import WEBHOOK_FAILED, refundable_amount
from payments.webhooks import webhook_event_reprocess
from shop.models import Order

PAYMENT_COLOURS = {
    Payment.Status.SUCCEEDED: "success",
    Payment.Status.CANCELED: "danger",
    Payment.Status.PROCESSING: "info",
    Payment.Status.REQUIRES_PAYMENT_METHOD: "warning",
    Payment.Status.REQUIRES_CONFIRMATION: "warning",
    Payment.Status.REQUIRES_ACTION: "warning",
    Payment.Status.REQUIRES_CAPTURE: "warning",
    "none": "info",
}
REFUND_COLOURS = {
    Refund.Status.SUCCEEDED: "success",
    Refund.Status.PENDING: "info",
    Refund.Status.REQUIRES_ACTION: "warning",
    Refund.Status.FAILED: "danger",
    Refund.Status.CANCELED: "danger",
}


def order_link(order_id: int, label: str) -> SafeString:
    return admin_link(reverse("admin:shop_order_change", args=[order_id]), label)


def payment_link(payment: Payment) -> SafeString:
    url = reverse("admin:payments_payment_change", args=[payment.pk])
    return admin_link(url, payment.intent_id)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "intent_id",
        "order_number",
        "customer",
        "status_label",
        "amount",
        "amount_received",
        "amount_refunded",
        "currency",
        "created_at",
    )
    list_filter = ("status", "currency")
    search_fields = ("intent_id", "charge_id", "order__number", "order__user__email")
    search_help_text = "PaymentIntent or charge id, order number or customer email"
    list_select_related = ("order__user",)
    empty_hint = (
        "No payments yet. A payment appears here when a customer starts paying an order; "
        "Stripe's webhooks then keep it up to date."
    )
    date_hierarchy = "created_at"
    fields = (
        "order_number",
        "intent_id",
        "charge_id",
        "status_badge",
        ("amount", "currency"),
        ("amount_received", "amount_refunded"),
        "last_error",
        ("created_at", "updated_at"),
    )
    readonly_fields = (
        "order_number",
        "intent_id",
        "charge_id",
        "status_badge",
        "amount",
        "currency",
        "amount_received",
        "amount_refunded",
        "last_error",
        "created_at",
        "updated_at",
    )

    @display(description="Order", ordering="order__number")
    def order_number(self, payment: Payment) -> SafeString:
        return order_link(payment.order_id, payment.order.number)

    @display(description="Customer", ordering="order__user__email")
    def customer(self, payment: Payment) -> SafeString:
        return user_link(payment.order.user)

    @display(description="Status", ordering="status", label=PAYMENT_COLOURS)
    def status_label(self, payment: Payment) -> tuple[str, str]:
        return payment.status, payment.get_status_display()

    status_badge = readonly_label(status_label)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Refunds are made from the order page (action "Refund"), never edited here."""

    list_display = (
        "id",
        "order_number",
        "customer",
        "payment_intent",
        "amount",
        "currency",
        "status_label",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("stripe_id", "order__number", "order__user__email")
    list_select_related = ("order__user", "payment")
    empty_hint = "No refunds. Refund an order from its page: the Refund button at the top."
    date_hierarchy = "created_at"
    fields = (
        "order_number",
        "payment",
        "stripe_id",
        ("amount", "currency"),
        "status_badge",
        "reason",
        "failure_reason",
        "created_by",
        ("created_at", "updated_at"),
    )
    readonly_fields = (
        "order_number",
        "payment",
        "stripe_id",
        "amount",
        "currency",
        "status_badge",
        "reason",
        "failure_reason",
        "created_by",
        "created_at",
        "updated_at",
    )

    @display(description="Order", ordering="order__number")
    def order_number(self, refund: Refund) -> SafeString:
        return order_link(refund.order_id, refund.order.number)

    @display(description="Customer", ordering="order__user__email")
    def customer(self, refund: Refund) -> SafeString:
        return user_link(refund.order.user)

    @display(description="Payment", ordering="payment__intent_id")
    def payment_intent(self, refund: Refund) -> SafeString:
        return payment_link(refund.payment)

    @display(description="Status", ordering="status", label=REFUND_COLOURS)
    def status_label(self, refund: Refund) -> tuple[str, str]:
        return refund.status, refund.get_status_display()

    status_badge = readonly_label(status_label)


class ProcessedFilter(admin.SimpleListFilter):
    title = "processed"
    parameter_name = "processed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(processed_at__isnull=self.value() == "no")
        return queryset


class FailedFilter(admin.SimpleListFilter):
    title = "failed"
    parameter_name = "failed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        match self.value():
            case "yes":
                return queryset.filter(WEBHOOK_FAILED)
            case "no":
                return queryset.exclude(WEBHOOK_FAILED)
        return queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("stripe_id", "type", "state", "outcome", "received_at", "processed_at")
    list_filter = ("type", ProcessedFilter, FailedFilter)
    search_fields = ("stripe_id", "type")
    empty_hint = (
        "No webhook events yet. Stripe sends them to /api/payments/webhook/ once the endpoint "
        "is set up in the Stripe dashboard (see the README)."
    )
    date_hierarchy = "received_at"
    fields = (
        ("stripe_id", "type"),
        ("received_at", "processed_at"),
        "state_badge",
        "outcome",
        "error",
        "payload_json",
    )
    readonly_fields = (
        "stripe_id",
        "type",
        "received_at",
        "processed_at",
        "state_badge",
        "outcome",
        "error",
        "payload_json",
    )
    actions = ("process_again",)

    @display(description="State", label={"processed": "success", "failed": "danger"})
    def state(self, event: WebhookEvent) -> tuple[str, str]:
        if event.processed_at:
            return "processed", "Processed"
        return "failed", "Failed"

    state_badge = readonly_label(state)

    @display(description="Payload")
    def payload_json(self, event: WebhookEvent) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, sort_keys=True))

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.change_webhookevent")

    @action(description="Process selected failed events again", permissions=["reprocess"])
    def process_again(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        for event in queryset.filter(processed_at__isnull=True).order_by("received_at", "id"):
            try:
                receipt = webhook_event_reprocess(ledger=event)
            except DomainError as error:
                messages.error(request, f"{event.stripe_id}: {error.message}")
            else:
                messages.success(request, f"{event.stripe_id}: {receipt.outcome}.")
        if skipped := queryset.filter(processed_at__isnull=False).count():
            messages.warning(request, f"{skipped} event(s) were processed already: skipped.")


# --- for the Order admin (shop/admin.py) --------------------------------------------------


class PaymentInline(TabularInline):
    model = Payment
    fields = ("intent_id", "status", "amount", "amount_received", "amount_refunded", "last_error")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "Payment"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundInline(TabularInline):
    model = Refund
    fk_name = "order"
    fields = ("created_at", "amount", "status", "reason", "failure_reason", "created_by")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = "Refunds"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundForm(forms.Form):
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

    def __init__(self, *args: Any, left: Decimal, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.left, self.currency = left, currency
        self.fields[
            "amount"
        ].help_text = f"Leave empty to refund all that is left: {left} {currency}."

    def clean_amount(self) -> Decimal | None:
        amount = self.cleaned_data["amount"]
        if amount is not None and amount > self.left:
            raise forms.ValidationError(f"Only {self.left} {self.currency} is left to refund.")
        return amount


class OrderPaymentsMixin:
    """For OrderAdmin: the list column `payment_column` (a label linking to the payment),
    read-only fields `payment_state` and `flag_state`, and the detail
    action `detail_refund` (permission `payments.add_refund`; a confirmation form with
    an optional amount: empty refunds all that is left).
    """

    @readonly_label
    @display(description="Payment", label=PAYMENT_COLOURS)
    def payment_state(self, order: Order) -> tuple[str, str]:
        try:
            payment = order.payment  # list pages: list_select_related = (..., "payment")
        except Payment.DoesNotExist:
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
        try:
            payment = order.payment  # list_select_related = (..., "payment")
        except Payment.DoesNotExist:
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
        payment = Payment.objects.filter(order_id=object_id).first()
        return payment is not None and refundable_amount(payment=payment) > 0

    @action(
        description="Refund", permissions=["refund"], icon="currency_exchange", url_path="refund"
    )
    def detail_refund(self, request: HttpRequest, object_id: str) -> HttpResponse:
        order = get_object_or_404(Order, pk=object_id)
        payment = get_object_or_404(Payment, order=order)
        left = refundable_amount(payment=payment)
        currency = payment.currency.upper()
        form = RefundForm(request.POST or None, left=left, currency=currency)
        if request.method == "POST" and form.is_valid():
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
                    f"Refund of {refund.amount} {currency} for order {order.number}: "
                    f"{refund.get_status_display().lower()}.",
                )
            return HttpResponseRedirect(reverse("admin:shop_order_change", args=[order.pk]))
        return render(
            request,
            "admin/payments/order_refund.html",
            {
                **self.admin_site.each_context(request),  # type: ignore[attr-defined]
                "title": f"Refund order {order.number}",
                "submit_label": "Refund",
                "back_url": reverse("admin:shop_order_change", args=[order.pk]),
                "form": form,
                "order": order,
                "payment": payment,
                "left": left,
                "currency": currency,
                "opts": Order._meta,
            },
        )
