"""The catalog: categories, products with options and variants, their images and stock
movements, and customers' wishlists."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Lower

from catalog.constants import IMAGE_MAX_MEGAPIXELS


class Category(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ("position", "name")
        verbose_name_plural = "categories"
        constraints = (
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="catalog_category_not_own_parent"
            ),
        )

    def __str__(self) -> str:
        return self.name


class TaxClass(models.TextChoices):
    STANDARD = "standard", "Standard rate"
    REDUCED = "reduced", "Reduced rate"
    ZERO = "zero", "Zero rate"


class Product(models.Model):
    """What a shopper browses; what is sold and stocked are its variants (at least one).

    The v1 figures of a product are read from its variants (catalog.selectors): `sku` is
    the first variant's, `price` the lowest, `stock` the sum.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    tax_class = models.CharField(max_length=16, choices=TaxClass.choices, default=TaxClass.STANDARD)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(fields=("is_active", "name"), name="catalog_prod_active_name"),
            models.Index(fields=("is_active", "-created_at"), name="catalog_prod_active_created"),
            models.Index(fields=("category", "is_active"), name="catalog_prod_category_active"),
        )

    def __str__(self) -> str:
        return self.name


MAX_OPTIONS = 3
"""A product has at most this many options (as on Shopify): Variant.option1..option3."""


class ProductOption(models.Model):
    """One way a product's variants differ (Size, Colour), with its values in order."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField(
        help_text="1 to 3: which of a variant's option values is this option's."
    )
    name = models.CharField(max_length=60)
    values = models.JSONField(default=list, help_text="The option's values, in display order.")

    class Meta:
        ordering = ("position",)
        constraints = (
            models.UniqueConstraint(
                fields=("product", "position"), name="catalog_option_one_per_position"
            ),
            models.UniqueConstraint(
                "product", Lower("name"), name="catalog_option_name_unique_per_product"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_OPTIONS),
                name="catalog_option_position_1_to_3",
            ),
        )

    def __str__(self) -> str:
        return f"{self.name}: {', '.join(self.values)}"


class Variant(models.Model):
    """What is sold and stocked: one value per option of its product, its own SKU and price.

    Stock is changed by catalog.inventory only, which records every change as a
    StockMovement; a product without options has exactly one variant (all options blank).
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    option1 = models.CharField(max_length=100, blank=True)
    option2 = models.CharField(max_length=100, blank=True)
    option3 = models.CharField(max_length=100, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    compare_at_price = models.DecimalField(
        "compare-at price",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text='The "was" price of a sale; above the price, or empty.',
    )
    stock = models.IntegerField(default=0)
    weight_grams = models.PositiveIntegerField("weight (grams)", null=True, blank=True)
    image = models.ForeignKey(
        "ProductImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveIntegerField(default=0, help_text="Lower comes first.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("position", "id")
        constraints = (
            models.CheckConstraint(condition=Q(price__gte=0), name="catalog_variant_price_gte_0"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="catalog_variant_stock_gte_0"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True)
                | Q(compare_at_price__gt=models.F("price")),
                name="catalog_variant_compare_at_above_price",
            ),
            models.UniqueConstraint(
                fields=("product", "option1", "option2", "option3"),
                name="catalog_variant_one_per_combination",
            ),
        )
        indexes = (
            models.Index(fields=("product", "position"), name="catalog_variant_product_pos"),
            models.Index(fields=("is_active", "price"), name="catalog_variant_active_price"),
        )

    def __str__(self) -> str:
        return f"{self.product.name} - {self.title} ({self.sku})" if self.title else self.sku

    @property
    def option_values(self) -> list[str]:
        return [value for value in (self.option1, self.option2, self.option3) if value]

    @property
    def title(self) -> str:
        """ "M / Red"; empty for a default variant (a product without options)."""
        return " / ".join(self.option_values)

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class StockMovement(models.Model):
    """One change of a variant's stock; a variant's movements sum to its stock.

    Written by catalog.inventory in the transaction that changes the stock, never
    edited; `manage.py check_stock` proves the sums.
    """

    class Reason(models.TextChoices):
        INITIAL = "initial", "Opening stock"
        CHECKOUT = "checkout", "Checkout"
        CANCEL = "cancel", "Order cancelled"
        EXPIRY = "expiry", "Unpaid order expired"
        LATE_PAYMENT = "late_payment", "Late payment"
        ADMIN = "admin", "Adjusted by staff"
        IMPORT = "import", "Import"
        RETURN = "return", "Returned"
        CORRECTION = "correction", "Correction (check_stock)"

    variant = models.ForeignKey(
        Variant, null=True, on_delete=models.SET_NULL, related_name="movements"
    )
    sku = models.CharField("SKU", max_length=64, help_text="The variant's SKU at the time.")
    delta = models.IntegerField()
    quantity_after = models.IntegerField()
    reason = models.CharField(max_length=16, choices=Reason.choices)
    reference = models.CharField(
        max_length=64, blank=True, help_text="The order number or import it belongs to."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who did it; empty for the system (checkout by a shopper is theirs).",
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.CheckConstraint(condition=~Q(delta=0), name="catalog_movement_delta_not_0"),
            models.CheckConstraint(
                condition=Q(quantity_after__gte=0), name="catalog_movement_after_gte_0"
            ),
        )
        indexes = (
            models.Index(fields=("variant", "-created_at"), name="catalog_movement_variant"),
            models.Index(fields=("reference",), name="catalog_movement_reference"),
        )

    def __str__(self) -> str:
        return f"{self.sku} {self.delta:+d} ({self.get_reason_display()})"


def validate_image_pixels(image: FieldFile) -> None:
    """Refuse pictures over IMAGE_MAX_MEGAPIXELS (read from the header, nothing decoded)."""
    if image.width * image.height > IMAGE_MAX_MEGAPIXELS * 1_000_000:
        raise ValidationError(
            f"This picture is {image.width} x {image.height} pixels; images may have at most "
            f"{IMAGE_MAX_MEGAPIXELS} megapixels. Scale it down and upload it again.",
            code="too_many_pixels",
        )


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/", validators=[validate_image_pixels])
    thumbnail = models.ImageField(
        upload_to="products/%Y/%m/thumbnails/",
        blank=True,
        editable=False,
        help_text="Made from the image when it is stored (catalog/images.py).",
    )
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0, help_text="The first image is the primary.")

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.alt_text or f"Image of {self.product.name}"

    @property
    def preview(self) -> FieldFile:
        """The thumbnail, or the original while an older image has none yet."""
        return self.thumbnail or self.image


class WishlistItem(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="wishlisted_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.UniqueConstraint(fields=("user", "product"), name="catalog_wishlist_unique"),
        )

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.product}"


class CatalogVersion(models.Model):
    """One row whose `value` grows whenever the catalog's data change.

    Database triggers (migration 0003) bump it on every insert, update or delete of a
    category, product or product image, whatever made the change: a service, the admin,
    an import, a checkout's stock update. Cached catalog answers are keyed by it
    (catalog/cache.py), so none outlives the data it was built from. On PostgreSQL the
    bump is deferred to the commit and done once per transaction: the row is locked only
    while the transaction commits, and readers see the new value with the new data.
    """

    value = models.BigIntegerField(default=1)

    def __str__(self) -> str:
        return f"Catalog version {self.value}"
