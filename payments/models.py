"""Payments of orders through Stripe: the intent of each order, its refunds, and the
ledger of webhook events (each applied once).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from shop.models import Order


class Payment(models.Model):
    """The Stripe PaymentIntent of an order (one per order: paying again reuses it)."""

    class Status(models.TextChoices):  # Stripe's intent statuses
        REQUIRES_PAYMENT_METHOD = "requires_payment_method", "Awaiting payment method"
        REQUIRES_CONFIRMATION = "requires_confirmation", "Awaiting confirmation"
        REQUIRES_ACTION = "requires_action", "Awaiting customer action"
        PROCESSING = "processing", "Processing"
        REQUIRES_CAPTURE = "requires_capture", "Awaiting capture"
        SUCCEEDED = "succeeded", "Succeeded"
        CANCELED = "canceled", "Canceled"

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="payment")
    intent_id = models.CharField("PaymentIntent id", max_length=255, unique=True)
    charge_id = models.CharField(max_length=255, blank=True, db_index=True)
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="What was asked: the order total."
    )
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=32, choices=Status.choices)
    amount_received = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    amount_refunded = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        help_text="All refunds so far: Stripe's cumulative figure or the sum of ours.",
    )
    last_error = models.TextField(blank=True, help_text="Why the last attempt failed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.CheckConstraint(
                condition=Q(amount_received__gte=0) & Q(amount_refunded__gte=0),
                name="payments_payment_amounts_gte_0",
            ),
        )

    def __str__(self) -> str:
        return self.intent_id

    @property
    def settled(self) -> bool:
        """Succeeded or canceled: Stripe never changes it again."""
        return self.status in (self.Status.SUCCEEDED, self.Status.CANCELED)


class Refund(models.Model):
    class Status(models.TextChoices):  # Stripe's refund statuses
        PENDING = "pending", "Pending"
        REQUIRES_ACTION = "requires_action", "Requires action"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    # Statuses whose money is on its way back or back: they count against what is left.
    HELD = (Status.PENDING, Status.REQUIRES_ACTION, Status.SUCCEEDED)

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    stripe_id = models.CharField(
        "Stripe refund id", max_length=255, unique=True, null=True, blank=True
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(blank=True, help_text="Why the money goes back.")
    failure_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for the system (late payments) and refunds made in Stripe.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_amount_gt_0"),
        )

    def __str__(self) -> str:
        return f"{self.amount} {self.currency.upper()} for {self.order_id}"


class WebhookEvent(models.Model):
    """Each Stripe event once: inserted and applied in one transaction.

    A row with `processed_at` set was applied; a repeat of its id is a no-op. A failed
    event rolls back, then is recorded here with its `error` (and no `processed_at`) so
    staff can see it; Stripe's retry, or the admin's "process again", applies it later.
    """

    stripe_id = models.CharField("Stripe event id", max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=255, blank=True, help_text="What applying it did.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ("-received_at", "-id")

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_id}"
