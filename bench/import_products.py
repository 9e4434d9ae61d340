"""Time `manage.py import_products` on N generated variant rows: create, update, unchanged,
same name.

    .venv/bin/python bench/import_products.py [--rows 10000]
    DATABASE_URL=postgres://root@127.0.0.1:5432/novacart_bench \
        .venv/bin/python bench/import_products.py

Without DATABASE_URL it uses a throwaway SQLite file in a temporary directory. With
DATABASE_URL the database is migrated and its catalog tables are emptied first, so its
name must contain "bench". Not part of the test run.
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from decimal import Decimal
from io import StringIO
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = 20
SIZES = ("S", "M", "L", "XL")  # every product has these four variants
HEADER = [
    "handle",
    "name",
    "description",
    "category",
    "is_active",
    "option1_name",
    "option1_value",
    "sku",
    "price",
    "stock",
]


def write_csv(path: Path, rows: int, *, version: int, same_name: bool = False) -> None:
    """Variant rows BENCH-000001-S..: products of four sizes (one row each, handle
    bench-1..), the product's fields on every row; each version changes every product's
    name and every variant's price and stock.

    `same_name`: new products SAME-000001.. of one variant each, no handle, all of one
    name (each needs a new slug).
    """
    rng = Random(version)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for row in range(rows):
            n, size = (row + 1, "") if same_name else (row // len(SIZES) + 1, SIZES[row % 4])
            writer.writerow(
                [
                    "" if same_name else f"bench-{n}",
                    "Bench product" if same_name else f"Bench product {n} v{version}",
                    f"A product made up for the import benchmark, number {n}.",
                    f"bench-{n % CATEGORIES}",
                    1 if n % 10 else 0,
                    "" if same_name else "Size",
                    size,
                    f"SAME-{n:06d}" if same_name else f"BENCH-{n:06d}-{size}",
                    Decimal(rng.randrange(100, 100_000)) / 100,
                    rng.randrange(0, 500),
                ]
            )


def timed_import(path: Path) -> tuple[float, str]:
    from django.core.management import call_command

    out = StringIO()
    started = time.perf_counter()
    call_command("import_products", str(path), stdout=out, stderr=StringIO())
    return time.perf_counter() - started, out.getvalue().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    if "bench" not in os.environ.get("DATABASE_URL", "bench"):
        sys.exit("DATABASE_URL must name a database made for the benchmark (with 'bench').")

    with tempfile.TemporaryDirectory(prefix="novacart-bench-") as tmp:
        workdir = Path(tmp)
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
        os.environ.setdefault("DEBUG", "true")  # the development key; nothing is served
        sys.path.insert(0, str(ROOT))

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from catalog.models import Category, Product, StockMovement

        call_command("migrate", verbosity=0)
        Product.objects.all().delete()
        StockMovement.objects.all().delete()
        Category.objects.all().delete()
        Category.objects.bulk_create(
            Category(name=f"Bench {n}", slug=f"bench-{n}") for n in range(CATEGORIES)
        )

        print(f"{connection.vendor}, {args.rows} variant rows")
        runs = (("create", 1, False), ("update", 2, False), ("unchanged", 2, False))
        for label, version, same_name in (*runs, ("same name", 3, True)):
            path = workdir / f"products-v{version}.csv"
            if not path.exists():
                write_csv(path, args.rows, version=version, same_name=same_name)
            seconds, summary = timed_import(path)
            print(f"  {label:<9} {seconds:6.2f}s  {args.rows / seconds:7.0f} rows/s  | {summary}")
        connection.close()


if __name__ == "__main__":
    main()
