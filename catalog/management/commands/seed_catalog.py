"""Fill an empty catalog with demo categories and ~50 products with pictures (`make run`);
the T-shirts and hoodies come in four sizes (a variant each)."""

import io
import random
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw, ImageFont

from catalog import services
from catalog.models import Category, Product

# Products of these sub-categories come in sizes: a variant per size.
SIZED = ("T-shirts", "Hoodies")
SIZES = ["S", "M", "L", "XL"]

# (top-level category, colour of its pictures, [(sub-category, [product names])])
TREE: list[tuple[str, str, list[tuple[str, list[str]]]]] = [
    (
        "Apparel",
        "#7c3aed",
        [
            (
                "T-shirts",
                [
                    "Organic Cotton Tee",
                    "Striped Breton Tee",
                    "Pocket Tee",
                    "Linen Tee",
                    "Graphic Tee Aurora",
                    "Long Sleeve Tee",
                ],
            ),
            (
                "Hoodies",
                [
                    "Classic Hoodie",
                    "Zip Hoodie",
                    "Fleece Hoodie",
                    "Cropped Hoodie",
                    "Heavyweight Hoodie",
                ],
            ),
            ("Hats", ["Wool Beanie", "Canvas Cap", "Bucket Hat", "Sun Visor"]),
        ],
    ),
    (
        "Home & Kitchen",
        "#0d9488",
        [
            (
                "Mugs",
                [
                    "Stoneware Mug",
                    "Enamel Camp Mug",
                    "Espresso Cup Pair",
                    "Travel Tumbler",
                    "Glass Latte Mug",
                    "Speckled Mug",
                ],
            ),
            (
                "Candles",
                [
                    "Cedar Candle",
                    "Fig Candle",
                    "Sea Salt Candle",
                    "Amber Candle",
                    "Lavender Tin Candle",
                ],
            ),
            ("Textiles", ["Waffle Tea Towel", "Linen Napkin Set", "Wool Throw", "Cushion Cover"]),
        ],
    ),
    (
        "Stationery",
        "#ea580c",
        [
            (
                "Notebooks",
                [
                    "Dotted Notebook A5",
                    "Lined Notebook A5",
                    "Pocket Notebook",
                    "Sketchbook A4",
                    "Weekly Planner",
                    "Recipe Journal",
                ],
            ),
            (
                "Pens & Pencils",
                ["Brass Pen", "Gel Pen Set", "Graphite Pencils", "Fineliner Set", "Fountain Pen"],
            ),
        ],
    ),
    (
        "Tech Accessories",
        "#2563eb",
        [
            (
                "Chargers & Cables",
                [
                    "USB-C Cable 1 m",
                    "USB-C Cable 2 m",
                    "Wall Charger 30 W",
                    "Wireless Charging Pad",
                    "Power Bank 10000",
                ],
            ),
            (
                "Cases",
                ["Leather Laptop Sleeve", "Felt Tablet Case", "Cable Organiser", "Phone Pouch"],
            ),
        ],
    ),
]


def picture(name: str, colour: str, size: int = 480) -> bytes:
    """A square PNG in `colour` with the product's initials and name in white."""
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(word[0] for word in name.split() if word[0].isalnum())[:2].upper()
    centre = size // 2
    draw.text(
        (centre, centre - 30),
        initials,
        fill="white",
        anchor="mm",
        font=ImageFont.load_default(size=size // 3),
    )
    draw.text(
        (centre, size - 60),
        name,
        fill="white",
        anchor="mm",
        font=ImageFont.load_default(size=size // 16),
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def demo_stock(number: int, rng: random.Random) -> int:
    """Mostly well stocked; every 9th product sold out, every 4th low (1-5 units)."""
    if number % 9 == 0:
        return 0
    return rng.randint(1, 5) if number % 4 == 0 else rng.randint(6, 150)


class Command(BaseCommand):
    help = "Create demo categories and products with pictures if there are no products yet."

    def handle(self, *args: Any, **options: Any) -> None:
        if Product.objects.exists():
            self.stdout.write("Products exist already: no demo catalog created.")
            return
        with transaction.atomic():
            created = self._seed(random.Random(2026))
        self.stdout.write(self.style.SUCCESS(f"Demo catalog created: {created} products."))

    def _seed(self, rng: random.Random) -> int:
        number = 0
        for position, (top_name, colour, children) in enumerate(TREE):
            top = self._category(top_name, parent=None, position=position)
            for child_position, (child_name, names) in enumerate(children):
                child = self._category(child_name, parent=top, position=child_position)
                for name in names:
                    number += 1
                    price = Decimal(rng.randrange(4, 120)) + Decimal("0.99")
                    sizes = SIZES if child_name in SIZED else []
                    product = services.product_create(
                        name=name,
                        description=f"{name} from our {child_name.lower()} range.",
                        category_id=child.pk,
                        options=[{"name": "Size", "values": sizes}] if sizes else [],
                        variants=[
                            {
                                "sku": "-".join([f"NC-{number:04d}", *([size] if size else [])]),
                                "price": price,
                                "stock": demo_stock(number, rng),
                                **({"options": {"Size": size}} if size else {}),
                            }
                            for size in sizes or [""]
                        ],
                    )
                    services.product_image_add(
                        product=product,
                        file=ContentFile(picture(name, colour), name=f"{product.slug}.png"),
                        alt_text=name,
                    )
        return number

    @staticmethod
    def _category(name: str, *, parent: Category | None, position: int) -> Category:
        category, _ = Category.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "parent": parent, "position": position}
        )
        return category
