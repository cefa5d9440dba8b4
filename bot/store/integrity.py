"""Is a database file intact? SQLite's own checks, and the one error a damaged file becomes.

A file can open and still be damaged: SQLite reads pages only when a query needs them, so a
disk error, a half-copied file or a stray write shows up later as ``database disk image is
malformed`` in whatever command touches the page. ``check_file`` reads every page once
(``PRAGMA quick_check``) and every reference (``PRAGMA foreign_key_check``), so ``scoopwatch
db check`` and the start of ``scoopwatch run`` find damage before a digest does; ``damaged``
is the error every command turns it into (the CLI prints one line and exits 2).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DatabaseDamaged, StoreError

# SQLite's primary result codes for "this is not (or no longer) a database"; extended codes
# (SQLITE_CORRUPT_VTAB, ...) share the low byte.
_DAMAGE_CODES = {11: "SQLITE_CORRUPT", 26: "SQLITE_NOTADB"}
_NOT_A_DATABASE = 26
MAX_PROBLEMS = 20  # quick_check stops after this many; one is enough to refuse the file
BUSY_TIMEOUT_S = 5.0


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite saying the file is corrupt or is not a database at all."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and isinstance(code, int) and \
        code & 0xFF in _DAMAGE_CODES


def damaged(path: str | Path, exc: BaseException | str) -> DatabaseDamaged:
    """The one line a member of the lab reads: which file, what SQLite found, what to do."""
    code = getattr(exc, "sqlite_errorcode", 0)
    if isinstance(code, int) and code & 0xFF == _NOT_A_DATABASE:
        return DatabaseDamaged(f"{path} is not an SQLite database ({exc}); check --db or "
                               "storage.db_path")
    return DatabaseDamaged(f"the database {path} is damaged ({exc}); restore the latest copy "
                           "made with `scoopwatch db backup`")


@dataclass(frozen=True, slots=True)
class Health:
    """What the checks found: the schema version, damaged pages or indexes (``quick_check``)
    and rows pointing at rows that are gone (``foreign_key_check``)."""

    schema_version: int
    damage: tuple[str, ...] = ()
    orphans: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.damage and not self.orphans

    @property
    def problems(self) -> tuple[str, ...]:
        return self.damage + self.orphans


def check_file(path: str | Path) -> Health:
    """Run SQLite's integrity checks on an existing database file, reading only.

    Raises :class:`DatabaseDamaged` when the file is no database at all or so damaged that
    even its schema cannot be read; damage further in comes back as ``problems``. Safe while
    the bot runs: in WAL mode these reads never block its writes.
    """
    uri = f"{Path(path).absolute().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise _unusable(path, exc) from exc
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        damage = _quick_check(conn)
        orphans = [] if damage else _foreign_key_check(conn)
    except sqlite3.Error as exc:
        raise _unusable(path, exc) from exc
    finally:
        conn.close()
    return Health(version, tuple(damage), tuple(orphans))


def _unusable(path: str | Path, exc: sqlite3.Error) -> StoreError:
    """Damage, or a file SQLite cannot open at all (missing, a folder, no permission)."""
    return damaged(path, exc) if is_damage(exc) else StoreError(
        f"cannot open database {path}: {exc}")


def _quick_check(conn: sqlite3.Connection) -> list[str]:
    try:
        rows = conn.execute(f"PRAGMA quick_check({MAX_PROBLEMS})").fetchall()
    except sqlite3.DatabaseError as exc:  # damage so bad the check itself cannot go on
        if not is_damage(exc):
            raise
        return [str(exc)]
    found = [str(row[0]) for row in rows]
    return [] if found == ["ok"] else found


def _foreign_key_check(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("PRAGMA foreign_key_check").fetchmany(MAX_PROBLEMS)
    return [f"{table} row {rowid} refers to a missing {parent} row"
            for table, rowid, parent, _fk in rows]


def refuse_damage(path: str | Path) -> None:
    """Raise :class:`DatabaseDamaged` when an existing database file fails ``quick_check``
    (the bot checks before it starts, so a digest never runs on a damaged store); a new
    file, or an in-memory database, passes."""
    if str(path) == ":memory:" or not Path(path).expanduser().exists():
        return
    health = check_file(Path(path).expanduser())
    if health.damage:
        raise damaged(path, health.damage[0])
