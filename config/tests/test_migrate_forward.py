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


def test_a_database_of_the_previous_layout_migrates_forward_unchanged(tmp_path: Path) -> None:
    database = tmp_path / "v1.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.executescript(DUMP.read_text())
    before = _contents(database)
    assert before["auth_group_permissions"], "the dump holds the staff groups' permissions"
    assert ("accounts", "0002_staff_groups") in {
        (app, name) for _, app, name, _ in before["django_migrations"]
    }

    migrated = _manage(database, "migrate", "--noinput")

    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "No migrations to apply." in migrated.stdout
    assert _contents(database) == before
    checked = _manage(database, "migrate", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
