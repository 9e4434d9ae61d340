"""Plain helpers that make catalog rows for tests (used by the API and admin suites).

They write through the ORM directly (test data, not business operations); every
argument has a sensible default so a test only names what it is about.
"""

import io
from decimal import Decimal
from itertools import count
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from PIL import Image

from catalog.models import Category, Product, ProductImage

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
    n = next(_sequence)
    name = name or f"Product {n}"
    return Product.objects.create(
        sku=sku or f"SKU-{n:05d}",
        name=name,
        slug=slug or f"{slugify(name)}-{n}",
        price=Decimal(price),
        stock=stock,
        category=category,
        is_active=is_active,
        description=description,
        **fields,
    )


def product_image_make(
    *, product: Product, position: int = 0, alt_text: str = "", name: str = "picture.png"
) -> ProductImage:
    return ProductImage.objects.create(
        product=product,
        image=SimpleUploadedFile(name, png_bytes(), content_type="image/png"),
        alt_text=alt_text,
        position=position,
    )


def product_change_form(product: Product, **fields: Any) -> dict[str, Any]:
    """The admin's product change form as the browser posts it unchanged, plus `fields`
    (e.g. the image inline's `images-...` fields)."""
    return {
        "name": product.name,
        "sku": product.sku,
        "is_active": "on",
        "price": str(product.price),
        "stock": product.stock,
        "initial-stock": product.stock,
        "description": "",
        "images-MIN_NUM_FORMS": 0,
        "images-MAX_NUM_FORMS": 1000,
        **fields,
    }
