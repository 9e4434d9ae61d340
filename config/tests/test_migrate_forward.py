"""A database migrated by the code before the layout move migrates forward unchanged.

`data/database_v1.sql` is a SQLite database dumped at commit 265f268 (the last one with
everything under `novacart/`) after `migrate`, `seed_demo`, `seed_catalog` and
`seed_orders`: users, a catalog, orders, payments and the staff groups the data
migrations of that time created. Those data migrations are gone now (`post_migrate`
grants the groups, accounts/groups.py), so the database records migrations that no
longer exist; Django must accept that, find nothing to apply and change no row.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings

DUMP = Path(__file__).parent / "data" / "database_v1.sql"


def _manage(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={
            "PATH": os.environ["PATH"],
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{database}",
            "MEDIA_ROOT": str(database.parent / "media"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _contents(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a stable order."""
    with sqlite3.connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: sorted(connection.execute(f'SELECT * FROM "{table}"'), key=repr)
            for table in tables
        }


# What the variants migrations (catalog 0006-0008, shop 0004-0006) and the totals one
# (shop 0007: orders gain their email and figures) change; every other table keeps every row.
VARIANT_TABLES = {
    "shop_order",
    "catalog_product",
    "catalog_variant",
    "catalog_productoption",
    "catalog_stockmovement",
    "catalog_catalogversion",
    "shop_cartline",
    "shop_orderline",
    "django_migrations",
}
# Tables that gain the new models' rows (content types, permissions, the groups' grants).
GROWING = {"django_content_type", "auth_permission", "auth_group_permissions"}


def _rows(database: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        return list(connection.execute(query))


def test_a_v1_database_migrates_forward_to_one_default_variant_per_product(
    tmp_path: Path,
) -> None:
    database = tmp_path / "v1.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.executescript(DUMP.read_text())
        # A cart line of a product, and one whose product was deleted (the dump has no carts).
        connection.executescript(
            "INSERT INTO shop_cart (id, user_id, created_at, updated_at) SELECT 900, id, "
            "'2026-12-01', '2026-12-01' FROM accounts_user ORDER BY id LIMIT 1;"
            "INSERT INTO shop_cartline (cart_id, product_id, sku, name, quantity, created_at) "
            "SELECT 900, id, sku, name, 2, '2026-12-01' FROM catalog_product ORDER BY id LIMIT 1;"
            "INSERT INTO shop_cartline (cart_id, product_id, sku, name, quantity, created_at) "
            "VALUES (900, NULL, 'GONE-1', 'Gone', 1, '2026-12-01');"
        )
    before = _contents(database)
    products = _rows(database, "SELECT id, sku, price, stock FROM catalog_product ORDER BY id")
    order_lines = _rows(database, "SELECT id, product_id FROM shop_orderline ORDER BY id")
    assert before["auth_group_permissions"], "the dump holds the staff groups' permissions"

    migrated = _manage(database, "migrate", "--noinput")

    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    after = _contents(database)
    unchanged = set(before) - VARIANT_TABLES - GROWING
    assert {t: after[t] for t in unchanged} == {t: before[t] for t in unchanged}
    assert all(set(before[t]) <= set(after[t]) for t in GROWING)
    assert _rows(database, "SELECT COUNT(*) FROM shop_order") == [(len(before["shop_order"]),)]
    assert not _rows(
        database,
        "SELECT o.id FROM shop_order o JOIN accounts_user u ON u.id = o.user_id "
        "WHERE o.email != u.email OR o.discount_total != 0 OR o.total != o.subtotal",
    ), "old orders keep their figures and email their customer"
    variants = _rows(
        database,
        "SELECT product_id, sku, price, stock, option1, option2, option3 FROM catalog_variant "
        "ORDER BY product_id",
    )
    assert variants == [(pk, sku, price, stock, "", "", "") for pk, sku, price, stock in products]
    ledger = _rows(
        database,
        "SELECT v.sku, v.stock, SUM(m.delta) FROM catalog_variant v "
        "JOIN catalog_stockmovement m ON m.variant_id = v.id GROUP BY v.id",
    )
    assert {sku: stock for sku, stock, _ in ledger} == {
        sku: stock for _, sku, _, stock in products if stock
    }
    assert all(stock == total for _, stock, total in ledger)
    variant_of = dict(_rows(database, "SELECT product_id, id FROM catalog_variant"))
    assert _rows(database, "SELECT id, variant_id FROM shop_orderline ORDER BY id") == [
        (pk, variant_of.get(product)) for pk, product in order_lines
    ]
    first_product = products[0][0]
    assert _rows(database, "SELECT sku, variant_id FROM shop_cartline ORDER BY id") == [
        (products[0][1], variant_of[first_product]),
        ("GONE-1", None),
    ]
    checked = _manage(database, "migrate", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    stock = _manage(database, "check_stock")
    assert stock.returncode == 0, stock.stdout + stock.stderr
