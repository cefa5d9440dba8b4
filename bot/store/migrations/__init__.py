"""Schema migrations shipped as package data: ``NNN_name.sql``, applied in numeric order.

Discovery goes through ``importlib.resources`` so migrations work from a wheel or a zip as
well as from a source checkout. ``LATEST_SCHEMA_VERSION`` is simply the highest number found,
so adding a file is all it takes to add a migration.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from bot.errors import StoreError

_NAME = re.compile(r"(?P<num>\d{3})_(?P<name>[A-Za-z0-9_\-]+)\.sql")


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file; ``statements`` are split so they can run inside our own transaction."""

    number: int
    name: str
    sql: str

    @property
    def statements(self) -> list[str]:
        return split_statements(self.sql)


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (triggers' inner ``;`` included).

    ``sqlite3.executescript`` would COMMIT any open transaction first, so migrations are run
    statement by statement inside ``Database.transaction()`` instead.
    """
    statements: list[str] = []
    buf = ""
    for piece in sql.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            stmt = buf.strip()
            if _strip_comments(stmt).strip(" \t\r\n;"):
                statements.append(stmt)
            buf = ""
    if _strip_comments(buf).strip(" \t\r\n;"):
        raise StoreError(f"incomplete SQL statement at end of migration: {buf.strip()[:80]!r}")
    return statements


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def discover() -> list[Migration]:
    """All migration files in this package, in order (see :func:`in_order`)."""
    found = []
    for entry in resources.files(__name__).iterdir():
        m = _NAME.fullmatch(entry.name)
        if m:
            found.append(Migration(int(m["num"]), m["name"], entry.read_text(encoding="utf-8")))
    return in_order(found)


def in_order(migrations: Iterable[Migration]) -> list[Migration]:
    """Migrations sorted by number; a duplicate number or a gap is a bug, refused: ``upgrade``
    applies what is above the database's version, so a file numbered below it (a gap filled
    late, e.g. by a merge) would never run."""
    found: dict[int, Migration] = {}
    for migration in migrations:
        if migration.number in found:
            raise StoreError(f"two migrations numbered {migration.number:03d}: "
                             f"{found[migration.number].name} and {migration.name}")
        found[migration.number] = migration
    missing = sorted(set(range(1, max(found, default=0) + 1)) - set(found))
    if missing:
        raise StoreError(f"migrations must be numbered 001 to {max(found):03d} without gaps; "
                         f"missing {', '.join(f'{n:03d}' for n in missing)}")
    return [found[n] for n in sorted(found)]


LATEST_SCHEMA_VERSION: int = max((m.number for m in discover()), default=0)
