"""Catalog services: every write to products and wishlists.

The API, the admin, the spreadsheet import and management commands all call these, so
the rules (a free slug, the fields' bounds) live in one place; options and variants are
written by catalog.variants, stock by catalog.inventory.

A slug is made from the name when a product is created and never changes after that,
not even on a rename, so links to a product keep working.
"""

from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import chain, count
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from catalog.errors import (
    ProductInvalid,
    ProductNotFound,
    SlugTaken,
    UnknownCategory,
    WishlistItemNotFound,
)
from catalog.images import image_thumbnail_make
from catalog.models import Category, Product, ProductImage, TaxClass, Variant, WishlistItem
from catalog.variants import (
    OptionFields,
    VariantFields,
    options_set,
    variant_update,
    variants_create,
)

SLUG_MAX_LENGTH: int = Product._meta.get_field("slug").max_length  # type: ignore[assignment]
SKU_MAX_LENGTH: int = Variant._meta.get_field("sku").max_length  # type: ignore[assignment]
# The name part of a slug leaves room for "-<slugified sku>" or "-<n>".
_SLUG_BASE_LENGTH = SLUG_MAX_LENGTH - SKU_MAX_LENGTH - 6


class ProductFields(TypedDict, total=False):
    """The fields `product_update` may change; a key that is absent stays as it is.

    `sku`, `price` and `stock` are the v1 fields: they change the product's one variant
    (a product with several variants has them changed per variant).
    """

    sku: str
    name: str
    description: str
    price: Decimal
    stock: int
    category_id: int | None
    is_active: bool
    tax_class: str


PRODUCT_ONLY = ("name", "description", "category", "is_active", "tax_class")
DEFAULT_VARIANT_FIELDS = ("sku", "price", "stock")


def product_slug_base(name: str, sku: str) -> str:
    """The preferred slug of a product: its name slugified (else its SKU)."""
    return slugify(name)[:_SLUG_BASE_LENGTH].strip("-") or _sku_slug(sku) or "product"


def _sku_slug(sku: str) -> str:
    return slugify(sku)[:SKU_MAX_LENGTH].strip("-")


def product_slug_preferred(name: str, sku: str) -> list[str]:
    """The slugs a product prefers, best first: its name, then name-sku."""
    base = product_slug_base(name, sku)
    sku_slug = _sku_slug(sku)
    return [base, *([f"{base}-{sku_slug}"] if sku_slug and sku_slug != base else [])]


def product_slug_numbered(base: str) -> Iterator[str]:
    """The slugs after the preferred ones: base-2, base-3, ..."""
    return (f"{base}-{n}" for n in count(2))


def product_slug_candidates(name: str, sku: str) -> Iterator[str]:
    """The slugs a product may take, best first: name, name-sku, name-2, name-3, ..."""
    preferred = product_slug_preferred(name, sku)
    return chain(preferred, product_slug_numbered(preferred[0]))


def product_slug_for(name: str, sku: str, exclude_pk: int | None = None) -> str:
    """The first candidate slug no other product has (`exclude_pk`: the product itself).

    One query.
    """
    others = Product.objects.filter(slug__startswith=product_slug_base(name, sku))
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = set(others.values_list("slug", flat=True))
    return next(slug for slug in product_slug_candidates(name, sku) if slug not in taken)


def product_validate(*, product: Product) -> None:
    """Check every field rule of a product about to be saved; ProductInvalid lists them.

    Lengths and blanks come from the model (the variants' rules are catalog.variants').
    """
    errors: dict[str, list[str]] = {}
    try:
        product.full_clean(exclude=["category"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors = error.message_dict
    for field in ("name", "description"):  # PostgreSQL refuses NUL characters
        if field not in errors and "\x00" in getattr(product, field):
            errors[field] = ["Null characters are not allowed."]
    if errors:
        raise ProductInvalid("This product is not valid.", errors=errors)


def _category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise UnknownCategory(f"There is no category with id {category_id}.")
    return category


def _save(product: Product, *, update_fields: list[str] | None = None) -> None:
    """Save, turning a clash on the unique slug (checked by the database) into SlugTaken."""
    try:
        with transaction.atomic():
            product.save(update_fields=update_fields)
    except IntegrityError as error:
        others = Product.objects.exclude(pk=product.pk)
        if others.filter(slug=product.slug).exists():
            raise SlugTaken(
                f"A product with slug {product.slug!r} exists already.", slug=product.slug
            ) from error
        raise


@transaction.atomic
def product_create(
    *,
    name: str,
    sku: str | None = None,
    price: Decimal | None = None,
    stock: int = 0,
    description: str = "",
    category_id: int | None = None,
    is_active: bool = True,
    tax_class: str = TaxClass.STANDARD,
    options: Sequence[OptionFields] = (),
    variants: Sequence[VariantFields] | None = None,
    actor: User | None = None,
) -> Product:
    """A product with its options and variants; v1 style (`sku`, `price`, `stock`), one
    default variant. All or nothing: any invalid field and nothing is written."""
    if (variants is None) == (sku is None and price is None and not stock):
        raise ProductInvalid(
            "This product is not valid.",
            errors={"variants": ["Give variants, or a sku and a price (not both)."]},
        )
    if variants is None:
        if sku is None or price is None:
            missing = "sku" if sku is None else "price"
            raise ProductInvalid(
                "This product is not valid.",
                errors={missing: ["This field is required (or give variants)."]},
            )
        variants = [VariantFields(sku=sku, price=price, stock=stock)]
    product = Product(
        name=name.strip(),
        description=description,
        category=_category(category_id),
        is_active=is_active,
        tax_class=tax_class,
    )
    if not variants:
        raise ProductInvalid(
            "This product is not valid.", errors={"variants": ["A product needs a variant."]}
        )
    product_insert(product=product, sku=variants[0]["sku"].strip())
    options_set(product=product, options=options)
    variants_create(product=product, variants=variants, actor=actor)
    return product


@transaction.atomic
def product_insert(*, product: Product, sku: str = "") -> Product:
    """Save a new, unsaved product (e.g. the admin's form instance) under the same rules.

    A slug we choose (from the name, else `sku`) is free among committed products; one
    created at the same moment may take it first (the database refuses the second), so
    we choose again.
    """
    chosen = not product.slug
    while True:  # each clash is with a committed slug, which the next choice then avoids
        if chosen:
            product.slug = product_slug_for(product.name, sku)
        product_validate(product=product)
        try:
            _save(product)
        except SlugTaken:
            if not chosen:
                raise
        else:
            return product


def _default_variant_update(product: Product, changes: dict[str, Any], actor: User | None) -> None:
    """The v1 fields `sku`, `price`, `stock` change a product's one variant."""
    variants = list(product.variants.all())
    if len(variants) != 1:
        raise ProductInvalid(
            "This product is not valid.",
            errors={
                field: [f"This product has {len(variants)} variants: change it per variant."]
                for field in changes
            },
        )
    variant_update(variant=variants[0], actor=actor, **changes)


@transaction.atomic
def product_update(
    *, product: Product, actor: User | None = None, **changes: Unpack[ProductFields]
) -> Product:
    """Change the given fields only (a concurrent stock change is never overwritten)."""
    values: dict[str, Any] = dict(changes)
    if "category_id" in values:
        values["category"] = _category(values.pop("category_id"))
    if "name" in values:
        values["name"] = values["name"].strip()
    variant_changes = {f: values.pop(f) for f in DEFAULT_VARIANT_FIELDS if f in values}
    for field, value in values.items():
        setattr(product, field, value)
    if values:
        product_validate(product=product)
        _save(product, update_fields=[*values, "updated_at"])
    if variant_changes:
        _default_variant_update(product, variant_changes, actor)
    return product


def products_set_active(*, products: QuerySet[Product], active: bool) -> int:
    """Show or hide many products at once; returns how many changed."""
    return products.filter(is_active=not active).update(is_active=active, updated_at=timezone.now())


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Delete a product with its images and wishlist entries; image files go on commit.

    Cart and order lines keep their copy of name, SKU and price (their link is nulled).
    """
    files = [file for image in product.images.all() for file in _image_files(image)]
    product.delete()
    for file in files:
        _file_delete_on_commit(file)


def _file_delete_on_commit(file: FieldFile) -> None:
    """Remove a deleted row's file from storage once the deletion is committed (a
    rollback keeps both)."""
    storage, name = file.storage, file.name
    transaction.on_commit(lambda: storage.delete(name), robust=True)


@transaction.atomic
def product_image_delete(*, image: ProductImage) -> None:
    """Delete one product image and, on commit, its files (original and thumbnail)."""
    image.delete()
    for file in _image_files(image):
        _file_delete_on_commit(file)


def _image_files(image: ProductImage) -> list[FieldFile]:
    return [file for file in (image.image, image.thumbnail) if file]


@transaction.atomic
def product_image_add(*, product: Product, file: File, alt_text: str = "") -> ProductImage:
    """Store `file` in the media storage (local or Cloudinary) as the product's last image.

    The image field's rules (a picture, at most IMAGE_MAX_MEGAPIXELS) apply: 422 otherwise.
    """
    last = product.images.aggregate(last=Max("position"))["last"]
    image = ProductImage(
        product=product, image=file, alt_text=alt_text, position=0 if last is None else last + 1
    )
    try:
        image.full_clean(exclude=["product"])
    except ValidationError as invalid:
        raise ProductInvalid("This image is not valid.", errors=invalid.message_dict) from invalid
    return product_image_save(image=image)


@transaction.atomic
def product_image_save(*, image: ProductImage) -> ProductImage:
    """Save a new or edited product image. A newly uploaded file gets its thumbnail, and
    the files it replaces are deleted on commit."""
    old = ProductImage.objects.filter(pk=image.pk).first() if image.pk else None
    image.save()
    if old is None or old.image.name != image.image.name:
        try:
            image_thumbnail_make(image=image)
        except OSError as unreadable:
            # The row rolls back; the file just stored for it is nobody's: remove it now.
            image.image.storage.delete(image.image.name)
            raise ProductInvalid(
                "This image is not valid.", errors={"image": ["This picture cannot be read."]}
            ) from unreadable
        image.save(update_fields=["thumbnail"])
        for file in _image_files(old) if old else []:
            _file_delete_on_commit(file)
    return image


@transaction.atomic
def wishlist_add(*, user: User, product_id: int) -> tuple[WishlistItem, bool]:
    """Put an active product on the user's wishlist: (item, created). Twice is a no-op."""
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise ProductNotFound("No product with this id.")
    return WishlistItem.objects.get_or_create(user=user, product=product)


@transaction.atomic
def wishlist_remove(*, user: User, item_id: int) -> None:
    deleted, _ = WishlistItem.objects.filter(user=user, pk=item_id).delete()
    if not deleted:  # someone else's item looks exactly like a missing one
        raise WishlistItemNotFound("No item with this id on your wishlist.")
