"""The catalog: categories, products, their images, and customers' wishlists."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.fields.files import FieldFile

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


class Product(models.Model):
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    stock = models.IntegerField(default=0)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.CheckConstraint(condition=Q(price__gte=0), name="catalog_product_price_gte_0"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="catalog_product_stock_gte_0"),
        )
        indexes = (
            models.Index(fields=("is_active", "price"), name="catalog_prod_active_price"),
            models.Index(fields=("is_active", "name"), name="catalog_prod_active_name"),
            models.Index(fields=("is_active", "-created_at"), name="catalog_prod_active_created"),
            models.Index(fields=("category", "is_active"), name="catalog_prod_category_active"),
        )

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


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
