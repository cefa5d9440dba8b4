"""Database: opening, pragmas, migrations and transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.errors import DatabaseDamaged, StoreError
from bot.store.db import LATEST_SCHEMA_VERSION, Database
from bot.store.migrations import Migration, discover, in_order, split_statements


async def _pragma(db: Database, name: str) -> object:
    rows = await db.conn.execute_fetchall(f"PRAGMA {name}")
    return next(iter(rows))[0]


async def _tables(db: Database) -> set[str]:
    rows = await db.conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {r["name"] for r in rows}


def test_latest_version_is_highest_migration_file() -> None:
    numbers = [m.number for m in discover()]
    assert numbers == sorted(numbers)
    assert numbers[0] == 1
    assert numbers[-1] == LATEST_SCHEMA_VERSION


def test_a_gap_or_a_duplicate_in_migration_numbers_is_refused() -> None:
    one, two, three = (Migration(n, f"m{n}", "SELECT 1;") for n in (1, 2, 3))
    assert in_order([three, one, two]) == [one, two, three]
    with pytest.raises(StoreError, match="without gaps; missing 002"):
        in_order([one, three])
    with pytest.raises(StoreError, match="two migrations numbered 002"):
        in_order([one, two, Migration(2, "again", "SELECT 1;")])


async def test_open_applies_migrations_and_records_version(db: Database) -> None:
    assert await db.schema_version() == LATEST_SCHEMA_VERSION
    assert {"papers", "authors", "affiliations", "source_state", "paper_source_attempts"} <= (
        await _tables(db)
    )


async def test_upgrade_is_idempotent(db: Database) -> None:
    assert await db.upgrade() == []
    assert await db.upgrade() == []
    assert await db.schema_version() == LATEST_SCHEMA_VERSION


async def test_open_without_migrate_then_upgrade(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "a.db", migrate=False) as db:
        assert await db.schema_version() == 0
        assert await db.upgrade() == [m.number for m in discover()]
        assert await db.schema_version() == LATEST_SCHEMA_VERSION
    async with await Database.open(tmp_path / "a.db") as db:  # reopening changes nothing
        assert await db.schema_version() == LATEST_SCHEMA_VERSION


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {LATEST_SCHEMA_VERSION + 2}")
    with pytest.raises(StoreError) as err:
        await Database.open(path)
    assert str(err.value) == (
        f"database schema version {LATEST_SCHEMA_VERSION + 2} is newer than this scoopwatch "
        f"({LATEST_SCHEMA_VERSION}); upgrade scoopwatch or use another --db"
    )


async def test_non_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(DatabaseDamaged, match="is not an SQLite database"):
        await Database.open(path)
    assert path.read_text().startswith("these are my notes")  # untouched


async def test_file_database_pragmas(db: Database) -> None:
    assert await _pragma(db, "journal_mode") == "wal"
    assert await _pragma(db, "foreign_keys") == 1
    assert await _pragma(db, "synchronous") == 2  # FULL: acknowledged notes survive power loss
    assert int(await _pragma(db, "busy_timeout")) > 0
    assert db.conn.row_factory is not None


async def test_memory_database_and_parent_dirs(tmp_path: Path) -> None:
    async with await Database.open(":memory:") as db:
        assert db.path == ":memory:"
        assert await db.schema_version() == LATEST_SCHEMA_VERSION
        assert await _pragma(db, "foreign_keys") == 1
    nested = tmp_path / "a" / "b" / "c.db"
    async with await Database.open(nested) as db:
        assert db.path == str(nested)
    assert nested.exists()


async def test_foreign_keys_enforced(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO authors (paper_key, position, name) VALUES ('missing', 0, 'X')"
            )


async def test_transaction_commits(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO source_state VALUES ('s', 'k', '1', 'now')")
    rows = await db.conn.execute_fetchall("SELECT count(*) FROM source_state")
    assert next(iter(rows))[0] == 1
    assert not db.conn.in_transaction


async def test_transaction_rolls_back_on_exception(db: Database) -> None:
    with pytest.raises(ValueError, match="boom"):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO source_state VALUES ('s', 'k', '1', 'now')")
            raise ValueError("boom")
    rows = await db.conn.execute_fetchall("SELECT count(*) FROM source_state")
    assert next(iter(rows))[0] == 0
    assert not db.conn.in_transaction
    async with db.transaction():  # the lock was released
        pass


async def test_nested_transaction_is_an_error(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO source_state VALUES ('s', 'k', '1', 'now')")
        with pytest.raises(RuntimeError, match="nested"):
            async with db.transaction():
                pass
    rows = await db.conn.execute_fetchall("SELECT count(*) FROM source_state")
    assert next(iter(rows))[0] == 1


async def test_concurrent_transactions_are_serialised(db: Database) -> None:
    order: list[str] = []

    async def writer(name: str) -> None:
        async with db.transaction() as conn:
            order.append(f"{name}-begin")
            await conn.execute("INSERT INTO source_state VALUES (?, 'k', '1', 'now')", (name,))
            await asyncio.sleep(0.01)
            order.append(f"{name}-end")

    await asyncio.gather(writer("a"), writer("b"), writer("c"))
    for i in range(0, 6, 2):  # never interleaved
        assert order[i].split("-")[0] == order[i + 1].split("-")[0]
    rows = await db.conn.execute_fetchall("SELECT count(*) FROM source_state")
    assert next(iter(rows))[0] == 3


async def test_failed_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "m.db", migrate=False) as db:
        good = Migration(1, "good", "CREATE TABLE t1 (x INTEGER);")
        bad = Migration(2, "bad", "CREATE TABLE t2 (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
        with pytest.raises(StoreError, match="migration 002_bad failed"):
            await db.upgrade([good, bad])
        assert await db.schema_version() == 1
        assert "t1" in await _tables(db)
        assert "t2" not in await _tables(db)


def test_split_statements_keeps_triggers_whole() -> None:
    sql = """
    -- a comment; with a semicolon
    CREATE TABLE a (x TEXT DEFAULT ';');
    CREATE TRIGGER a_t AFTER INSERT ON a BEGIN
        UPDATE a SET x = 'y; z';
        DELETE FROM a WHERE x = '';
    END;
    -- trailing comment
    """
    statements = split_statements(sql)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER") and statements[1].endswith("END;")


async def test_untyped_announced_papers_become_new_or_replacements(tmp_path: Path) -> None:
    """Papers fed from JSON Lines before records defaulted their type were stored untyped and
    so never digested; the migration gives them the type the parsers now give."""
    from datetime import date

    from bot.models import AnnounceType
    from bot.store.papers import PaperStore

    before = [m for m in discover() if m.number < 7]
    day = date(2026, 11, 30)
    async with await Database.open(tmp_path / "old.db", migrate=False) as db:
        await db.upgrade(before)
        # Rows as that schema held them (today's writer fills columns added later).
        stamp, when = "2026-11-30T00:00:00+00:00", day.isoformat()
        old_rows = [("2411.01234", "fed, v1", 1, when, "{}"),
                    ("2411.05678", "fed, v3", 3, when, "{}"),
                    ("jsonl:x", "fed, no id", None, when, "{}"),
                    ("2411.09999", "unknown type", None, when,
                     '{"announce_type_raw":"withdrawn"}'),
                    ("2411.00001", "metadata only", None, None, "{}")]
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO papers (key, title, version, announced, last_announced, extra, "
                "first_seen, last_changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(k, t, v, a, a, x, stamp, stamp) for k, t, v, a, x in old_rows])
        await db.upgrade()
        papers = PaperStore(db)
        typed = {p.key: p.announce_type for p in await papers.iter_papers(since=None)}
        assert typed == {"2411.01234": AnnounceType.NEW, "2411.05678": AnnounceType.REPLACE,
                         "jsonl:x": AnnounceType.NEW, "2411.09999": None, "2411.00001": None}
        rows = await db.conn.execute_fetchall(
            "SELECT key, last_announce_type FROM papers ORDER BY key")
        assert [tuple(r) for r in rows] == [
            ("2411.00001", None), ("2411.01234", "new"), ("2411.05678", "replace"),
            ("2411.09999", None), ("jsonl:x", "new")]
