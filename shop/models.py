"""Carts, addresses and orders.

An order copies what it needs (product name, variant sku and title, unit price, the
shipping address) so that later changes to the catalog or the address book never change it.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from catalog.models import Product, Variant


class Cart(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart of {self.user}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    # A deleted variant leaves the line behind, shown as unavailable (name and sku kept).
    variant = models.ForeignKey(
        Variant, null=True, on_delete=models.SET_NULL, related_name="cart_lines"
    )
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200)
    variant_title = models.CharField(max_length=200, blank=True)
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("cart", "variant"), name="shop_cartline_one_per_variant"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="shop_cartline_quantity_gte_1"
            ),
        )

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class Address(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    full_name = models.CharField(max_length=200)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = CountryField(help_text="ISO 3166-1 alpha-2 code, e.g. US.")
    phone = models.CharField(max_length=32, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-is_default", "-created_at", "-id")
        verbose_name_plural = "addresses"
        constraints = (
            models.UniqueConstraint(
                fields=("user",), condition=Q(is_default=True), name="shop_address_one_default"
            ),
        )

    def __str__(self) -> str:
        return f"{self.full_name}, {self.line1}, {self.city} ({self.country})"


class OrderStatus(models.TextChoices):
    PENDING = "PENDING", "Pending payment"
    PAID = "PAID", "Paid"
    PROCESSING = "PROCESSING", "Processing"
    SHIPPED = "SHIPPED", "Shipped"
    DELIVERED = "DELIVERED", "Delivered"
    CANCELLED = "CANCELLED", "Cancelled"
    REFUNDED = "REFUNDED", "Refunded"


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True
    )
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    shipping_address = models.JSONField(help_text="A copy of the address at checkout.")
    tracking_number = models.CharField(max_length=100, blank=True)
    # Set by the payment webhooks (a dispute, an amount that does not match) for staff.
    flagged = models.BooleanField(default=False, db_index=True)
    flag_reason = models.TextField(blank=True)
    # True while the order holds stock; flipped exactly once when the stock goes back.
    stock_reserved = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("user", "-created_at"), name="shop_order_user_created"),)
        constraints = (
            models.CheckConstraint(condition=Q(total__gte=0), name="shop_order_total_gte_0"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("total")),
                name="shop_order_refund_within_total",
            ),
        )

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    variant = models.ForeignKey(
        Variant, null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200)
    variant_title = models.CharField(max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ("id",)
        constraints = (
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="shop_orderline_quantity_gte_1"
            ),
        )

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class OrderEvent(models.Model):
    class Type(models.TextChoices):
        PLACED = "placed", "Placed"
        STATUS = "status", "Status changed"
        PAYMENT = "payment", "Payment"
        REFUND = "refund", "Refund"
        NOTE = "note", "Note"
        FLAG = "flag", "Flagged for staff"

    # What the customer sees of the timeline; notes and flags are for staff only.
    CUSTOMER_TYPES = (Type.PLACED, Type.STATUS, Type.PAYMENT, Type.REFUND)

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=16, choices=Type.choices)
    from_status = models.CharField(max_length=12, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=OrderStatus.choices, blank=True)
    message = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who did it; empty for the system (expiry, payment provider).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.order}: {self.message}"


class IdempotencyKey(models.Model):
    """Remembers which order an `Idempotency-Key` of a user created, and for what body."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("user", "key"), name="shop_idempotency_key_unique"),
        )

    def __str__(self) -> str:
        return self.key
