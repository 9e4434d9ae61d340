"""Plain helpers that make catalog rows for tests (used by the API and admin suites).

They write through the ORM directly (test data, not business operations); every
argument has a sensible default so a test only names what it is about.
"""

import io
import itertools
from decimal import Decimal
from itertools import count
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from PIL import Image

from catalog.inventory import Reason, stock_adjust
from catalog.models import Category, Product, ProductImage, ProductOption, Variant

_sequence = count(1)


def png_bytes(
    *, size: tuple[int, int] = (8, 8), color: str | int = "#7c3aed", mode: str = "RGB"
) -> bytes:
    """A PNG of one colour (mode "1": one bit a pixel, for huge sizes that stay small)."""
    buffer = io.BytesIO()
    Image.new(mode, size, color if mode == "RGB" else 0).save(buffer, format="PNG")
    return buffer.getvalue()


def category_make(
    *,
    name: str | None = None,
    slug: str | None = None,
    parent: Category | None = None,
    is_active: bool = True,
    position: int = 0,
) -> Category:
    n = next(_sequence)
    name = name or f"Category {n}"
    return Category.objects.create(
        name=name,
        slug=slug or f"{slugify(name)}-{n}",
        parent=parent,
        is_active=is_active,
        position=position,
    )


def product_make(
    *,
    sku: str | None = None,
    name: str | None = None,
    slug: str | None = None,
    price: Decimal | str = Decimal("10.00"),
    stock: int = 10,
    category: Category | None = None,
    is_active: bool = True,
    description: str = "",
    **fields: Any,
) -> Product:
    """A product with one default variant (`sku`, `price`, `stock`: its opening movement)."""
    n = next(_sequence)
    name = name or f"Product {n}"
    product = Product.objects.create(
        name=name,
        slug=slug or f"{slugify(name)}-{n}",
        category=category,
        is_active=is_active,
        description=description,
        **fields,
    )
    variant_make(product=product, sku=sku or f"SKU-{n:05d}", price=price, stock=stock)
    return product


def product_with_options_make(
    *,
    options: dict[str, list[str]],
    price: Decimal | str = Decimal("10.00"),
    stock: int = 10,
    name: str | None = None,
    **fields: Any,
) -> Product:
    """A product with `options` ({"Size": ["S", "M"], ...}) and a variant per combination,
    each at `price` with `stock` units; SKUs like SKU-00042-S-RED."""
    n = next(_sequence)
    name = name or f"Product {n}"
    product = Product.objects.create(name=name, slug=f"{slugify(name)}-{n}", **fields)
    for position, (option, values) in enumerate(options.items(), start=1):
        ProductOption.objects.create(product=product, position=position, name=option, values=values)
    for index, values in enumerate(itertools.product(*options.values())):
        variant_make(
            product=product,
            sku="-".join([f"SKU-{n:05d}", *(v.upper() for v in values)]),
            price=price,
            stock=stock,
            position=index,
            **{f"option{i}": v for i, v in enumerate(values, start=1)},
        )
    return product


def variant_make(
    *,
    product: Product,
    sku: str | None = None,
    price: Decimal | str = Decimal("10.00"),
    stock: int = 10,
    **fields: Any,
) -> Variant:
    """A variant of `product`; its stock is the opening movement (catalog.inventory)."""
    variant = Variant.objects.create(
        product=product,
        sku=sku or f"SKU-{next(_sequence):05d}",
        price=Decimal(price),
        stock=0,
        **fields,
    )
    if stock:
        stock_adjust(variant=variant, set_to=stock, actor=None, reason=Reason.INITIAL)
    return variant


def default_variant(product: Product) -> Variant:
    """The product's first variant (its only one, for a product made by product_make)."""
    return product.variants.order_by("position", "pk").first()


def stock_of(product: Product) -> int:
    """All the product's stock, read now."""
    return sum(product.variants.values_list("stock", flat=True))


def product_image_make(
    *, product: Product, position: int = 0, alt_text: str = "", name: str = "picture.png"
) -> ProductImage:
    return ProductImage.objects.create(
        product=product,
        image=SimpleUploadedFile(name, png_bytes(), content_type="image/png"),
        alt_text=alt_text,
        position=position,
    )


def inline_rows(prefix: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One admin inline as the browser posts it: its management form and `rows` (those
    with an "id" are the saved ones, and come first)."""
    posted: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": sum(1 for row in rows if "id" in row),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        posted |= {f"{prefix}-{index}-{field}": value for field, value in row.items()}
    return posted


def option_row(option: ProductOption) -> dict[str, Any]:
    """A saved option's row of the product page's options inline, unchanged."""
    return {
        "id": option.pk,
        "product": option.product_id,
        "position": option.position,
        "name": option.name,
        "values": ", ".join(option.values),
    }


def variant_row(variant: Variant, **fields: Any) -> dict[str, Any]:
    """A saved variant's row of the product page's variants inline, plus `fields`."""
    row = {
        "id": variant.pk,
        "product": variant.product_id,
        "sku": variant.sku,
        "option1": variant.option1,
        "option2": variant.option2,
        "option3": variant.option3,
        "price": str(variant.price),
        "compare_at_price": "" if variant.compare_at_price is None else variant.compare_at_price,
        "weight_grams": "" if variant.weight_grams is None else variant.weight_grams,
        "image": variant.image_id or "",
        "position": variant.position,
        **({"is_active": "on"} if variant.is_active else {}),
    }
    return {**row, **fields}


def product_change_form(
    product: Product, *, variants: list[dict[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    """The admin's product change form as the browser posts it unchanged (its options and
    variants rows included; `variants` replaces the latter), plus `fields` (e.g. the image
    inline's `images-...` fields)."""
    options = product.options.order_by("position")
    rows = variants
    if rows is None:
        rows = [variant_row(variant) for variant in product.variants.order_by("position", "pk")]
    return {
        "name": product.name,
        "category": product.category_id or "",
        "tax_class": product.tax_class,
        **({"is_active": "on"} if product.is_active else {}),
        "description": product.description,
        **inline_rows("options", [option_row(option) for option in options]),
        **inline_rows("variants", rows),
        "images-MIN_NUM_FORMS": 0,
        "images-MAX_NUM_FORMS": 1000,
        **fields,
    }
