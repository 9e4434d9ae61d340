"""Carts, addresses and orders.

An order copies what it needs (product name, variant sku and title, unit price, the
shipping address) so that later changes to the catalog or the address book never change it.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django_countries.fields import CountryField

from catalog.models import Product, TaxClass, Variant

ZERO = Decimal("0.00")


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


def _states_normalised(value: str) -> str:
    """`"ca, ny ,"` → `"CA,NY"`: the comma list of states a zone or rate is limited to."""
    return ",".join(sorted({part.strip().upper() for part in value.split(",") if part.strip()}))


class ShippingZone(models.Model):
    """Where a set of shipping methods delivers: countries, optionally only some states."""

    name = models.CharField(max_length=100)
    countries = CountryField(multiple=True, blank=False)
    states = models.CharField(
        max_length=500,
        blank=True,
        help_text="Comma-separated state or province codes (e.g. CA, NY) to serve only those; "
        "empty: the whole of each country.",
    )

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.states = _states_normalised(self.states)
        super().save(*args, **kwargs)

    def serves(self, *, country: str, state: str) -> bool:
        if country not in {str(code) for code in self.countries}:
            return False
        return not self.states or state.strip().upper() in self.states.split(",")


class ShippingMethod(models.Model):
    """A way to ship to a zone at a price. A weight band (from/up to grams) limits it to
    carts of that weight: several methods of one name make a price table by weight."""

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="methods")
    name = models.CharField(max_length=100)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    free_above = models.DecimalField(
        "free from subtotal",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text="Free when the subtotal after discounts reaches this; empty: never free.",
    )
    min_weight_grams = models.PositiveIntegerField(
        "from weight (grams)", null=True, blank=True, help_text="Empty: no lower limit."
    )
    max_weight_grams = models.PositiveIntegerField(
        "up to weight (grams)", null=True, blank=True, help_text="Empty: no upper limit."
    )
    estimated_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Delivered within this many days; empty: not said."
    )
    is_active = models.BooleanField("active", default=True)
    position = models.PositiveIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ("position", "price", "id")
        constraints = (
            models.CheckConstraint(
                condition=Q(price__gte=0), name="shop_shippingmethod_price_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(free_above__isnull=True) | Q(free_above__gte=0),
                name="shop_shippingmethod_free_above_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(min_weight_grams__isnull=True)
                | Q(max_weight_grams__isnull=True)
                | Q(min_weight_grams__lte=models.F("max_weight_grams")),
                name="shop_shippingmethod_weight_band",
            ),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.zone})"

    def carries(self, weight_grams: int) -> bool:
        """Whether a cart of `weight_grams` falls in this method's weight band."""
        if self.min_weight_grams is not None and weight_grams < self.min_weight_grams:
            return False
        return self.max_weight_grams is None or weight_grams <= self.max_weight_grams


class TaxRate(models.Model):
    """The rate of one tax class in a country (or one of its states, which then wins)."""

    name = models.CharField(
        max_length=60, help_text='Shown on receipts, e.g. "VAT" or "Sales tax".'
    )
    country = CountryField()
    state = models.CharField(
        max_length=100, blank=True, help_text="A state or province code; empty: the whole country."
    )
    tax_class = models.CharField(max_length=16, choices=TaxClass.choices, default=TaxClass.STANDARD)
    rate = models.DecimalField(
        "rate (%)",
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="Percent, e.g. 8.875 or 20.",
    )
    applies_to_shipping = models.BooleanField(
        "tax shipping too",
        default=False,
        help_text="Shipping is taxed at the standard rate of the address when that rate says so.",
    )

    class Meta:
        ordering = ("country", "state", "tax_class")
        constraints = (
            models.UniqueConstraint(
                fields=("country", "state", "tax_class"), name="shop_taxrate_one_per_place"
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=100), name="shop_taxrate_rate_0_100"
            ),
        )

    def __str__(self) -> str:
        place = f"{self.country}-{self.state}" if self.state else str(self.country)
        return f"{self.name} {place} {self.get_tax_class_display().lower()}: {self.rate}%"

    def save(self, *args: object, **kwargs: object) -> None:
        self.state = self.state.strip().upper()
        super().save(*args, **kwargs)


class VoucherKind(models.TextChoices):
    PERCENT = "percent", "Percent off"
    FIXED = "fixed", "Amount off"
    FREE_SHIPPING = "free_shipping", "Free shipping"


class Voucher(models.Model):
    code = models.CharField(max_length=40, help_text="What the customer types (any case).")
    kind = models.CharField(max_length=16, choices=VoucherKind.choices)
    value = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text="Percent (up to 100) or amount off; not used by free shipping.",
    )
    min_subtotal = models.DecimalField(
        "minimum subtotal",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    starts_at = models.DateTimeField("starts", null=True, blank=True)
    ends_at = models.DateTimeField("ends", null=True, blank=True)
    usage_limit = models.PositiveIntegerField(
        "uses allowed", null=True, blank=True, help_text="In all; empty: no limit."
    )
    used_count = models.PositiveIntegerField("times used", default=0, editable=False)
    once_per_customer = models.BooleanField(
        default=False, help_text="Each customer email may use it once."
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.UniqueConstraint(Upper("code"), name="shop_voucher_code_unique_ci"),
            models.CheckConstraint(
                condition=Q(kind="percent", value__gt=0, value__lte=100)
                | Q(kind="fixed", value__gt=0)
                | Q(kind="free_shipping"),
                name="shop_voucher_value_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(starts_at__lt=models.F("ends_at")),
                name="shop_voucher_starts_before_end",
            ),
        )

    def __str__(self) -> str:
        return self.code

    def save(self, *args: object, **kwargs: object) -> None:
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


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
    email = models.EmailField(help_text="Where the order's emails go (copied at checkout).")
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.PENDING, db_index=True
    )
    currency = models.CharField(max_length=3)
    # The figures of shop.pricing, copied at checkout and never recomputed:
    # total = subtotal - discount_total + shipping_total (+ tax_total unless prices include it).
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    tax_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, help_text="Lines' tax plus shipping_tax."
    )
    shipping_tax = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    prices_include_tax = models.BooleanField(default=False)
    shipping_method = models.ForeignKey(
        ShippingMethod, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    shipping_method_name = models.CharField(max_length=100, blank=True)
    voucher = models.ForeignKey(
        Voucher, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    voucher_code = models.CharField(max_length=40, blank=True)
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
                condition=Q(discount_total__gte=0)
                & Q(discount_total__lte=models.F("subtotal"))
                & Q(shipping_total__gte=0)
                & Q(tax_total__gte=0),
                name="shop_order_parts_in_range",
            ),
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
    line_total = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="unit price x quantity, before the discount."
    )
    discount = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, help_text="Its share of the voucher."
    )
    tax = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, help_text="Added, or included in the price."
    )
    tax_rate = models.DecimalField("tax rate (%)", max_digits=6, decimal_places=3, default=ZERO)

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
