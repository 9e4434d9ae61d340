"""Payments in the Unfold admin, and what the Order pages need from them.

Payments, refunds and webhook events are read-only here: payments change through
Stripe's webhooks, refunds through the Order page's "Refund" action, which calls the
same `refund_create` service as the API. A webhook event that failed can be processed
again. The Order page (shop/admin.py) shows an order's payment and refunds with
`PaymentInline`, `RefundInline` and `PAYMENT_COLOURS`.
"""

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from unfold.decorators import action, display

from accounts.admin import user_link
from core.admin import ReadOnlyAdmin, ReadOnlyInline, admin_link, readonly_label
from core.errors import DomainError
from payments.models import Payment, Refund, WebhookEvent
from payments.selectors import WEBHOOK_FAILED
from payments.webhooks import webhook_event_reprocess

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


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("intent_id", "status", "amount", "amount_received", "amount_refunded", "last_error")
    show_title = True
    show_change_link = True
    verbose_name_plural = "Payment"


class RefundInline(ReadOnlyInline):
    model = Refund
    fk_name = "order"
    fields = ("created_at", "amount", "status", "reason", "failure_reason", "created_by")
    show_title = True
    verbose_name_plural = "Refunds"
