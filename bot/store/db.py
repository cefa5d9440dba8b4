"""The one aiosqlite connection scoopwatch writes through, its transactions and migrations.

The connection runs in autocommit mode (``isolation_level=None``) and every write that must be
atomic goes through :meth:`Database.transaction`, which issues ``BEGIN IMMEDIATE`` itself: the
write lock is taken up front (no SQLITE_BUSY half-way through a transaction) and an
``asyncio.Lock`` keeps two tasks from interleaving statements in one transaction on the shared
connection. Commits are ``synchronous = FULL`` in WAL mode: a note the bot acknowledged, or an
inbound event it told the platform it has, survives a power cut, not just a crash.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import aiosqlite

from bot.errors import StoreError
from bot.store.integrity import damaged, is_damage
from bot.store.migrations import LATEST_SCHEMA_VERSION, Migration, discover

__all__ = ["LATEST_SCHEMA_VERSION", "Database", "is_busy", "parse_timestamp", "utc_timestamp"]

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000


class Database:
    """An open scoopwatch database. Build it with :meth:`open`, not the constructor."""

    def __init__(self, conn: aiosqlite.Connection, path: str,
                 busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.conn = conn
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._lock = asyncio.Lock()
        self._tx_owner: asyncio.Task[object] | None = None

    @classmethod
    async def open(cls, path: str | Path, *, migrate: bool = True,
                   busy_timeout_ms: int | None = None) -> Database:
        """Open (creating if needed) and configure the database, then apply pending migrations.

        ``busy_timeout_ms`` is how long one statement waits for another connection's write
        lock before SQLite gives up (default :data:`BUSY_TIMEOUT_MS`). Raises
        :class:`StoreError` for databases written by a newer scoopwatch and
        :class:`DatabaseDamaged` for files that are damaged or no SQLite database, so the CLI
        can print one clear line.
        """
        path_str = str(path)
        if path_str != ":memory:":
            file = Path(path_str).expanduser()
            file.parent.mkdir(parents=True, exist_ok=True)
            path_str = str(file)
        try:
            conn = await aiosqlite.connect(path_str, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {path_str}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path_str,
                 BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms)
        try:
            await db._configure()
            await db._check_version()
            if migrate:
                await db.upgrade()
        except BaseException:
            await conn.close()
            raise
        return db

    async def _configure(self) -> None:
        try:
            await self.conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            # Reading the schema is what makes SQLite notice a non-database file.
            await self.conn.execute_fetchall("SELECT count(*) FROM sqlite_master")
            await self.conn.execute("PRAGMA journal_mode = WAL")
            # NORMAL would only survive a crash of the process: FULL syncs the WAL at every
            # commit, so what the bot acknowledged survives losing power too.
            await self.conn.execute("PRAGMA synchronous = FULL")
            await self.conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                raise damaged(self.path, exc) from exc
            raise StoreError(f"{self.path} is not a usable SQLite database: {exc}") from exc

    async def _check_version(self) -> None:
        version = await self.schema_version()
        if version > LATEST_SCHEMA_VERSION:
            raise StoreError(
                f"database schema version {version} is newer than this scoopwatch "
                f"({LATEST_SCHEMA_VERSION}); upgrade scoopwatch or use another --db"
            )

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self, wait: float | None = None
                          ) -> AsyncIterator[aiosqlite.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; ``ROLLBACK`` if the body raises.

        Transactions from different tasks queue on a lock; opening one inside another in the
        same task would deadlock, so it raises :class:`RuntimeError` instead. All writes must
        go through here: a bare ``conn.execute`` from another task while a transaction is open
        would silently become part of it (it is one connection). ``wait`` bounds the wait for
        this process's other transactions (``TimeoutError`` after it); another process's
        write lock is waited for ``busy_timeout_ms`` by SQLite itself (then :func:`is_busy`).
        """
        task = asyncio.current_task()
        if task is not None and self._tx_owner is task:
            raise RuntimeError("nested Database.transaction() in the same task")
        async with asyncio.timeout(wait):
            await self._lock.acquire()
        try:
            self._tx_owner = task
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                    await self.conn.execute("COMMIT")
                except BaseException:
                    await self._rollback()
                    raise
            finally:
                self._tx_owner = None
        finally:
            self._lock.release()

    async def _rollback(self) -> None:
        try:
            if self.conn.in_transaction:
                await self.conn.execute("ROLLBACK")
        except Exception:  # keep the original error; the rollback failure is secondary
            log.exception("ROLLBACK failed on %s", self.path)

    async def schema_version(self) -> int:
        rows = await self.conn.execute_fetchall("PRAGMA user_version")
        return int(next(iter(rows))[0])

    async def upgrade(self, migrations: Sequence[Migration] | None = None) -> list[int]:
        """Apply pending migrations, each in one transaction with its ``user_version`` bump.

        Returns the numbers applied (empty when already up to date). ``migrations`` exists for
        tests; normally the files shipped in ``bot.store.migrations`` are used.
        """
        await self._check_version()
        pending = migrations if migrations is not None else discover()
        applied: list[int] = []
        for migration in pending:
            async with self.transaction() as conn:
                # Re-read inside the write lock: another process may have migrated meanwhile.
                if await self.schema_version() >= migration.number:
                    continue
                try:
                    for statement in migration.statements:
                        await conn.execute(statement)
                except sqlite3.Error as exc:
                    if is_damage(exc):
                        raise damaged(self.path, exc) from exc
                    raise StoreError(
                        f"migration {migration.number:03d}_{migration.name} failed: {exc}"
                    ) from exc
                await conn.execute(f"PRAGMA user_version = {int(migration.number)}")
            log.info("applied migration %03d_%s to %s", migration.number, migration.name, self.path)
            applied.append(migration.number)
        return applied


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite saying another connection holds the lock (SQLITE_BUSY or
    SQLITE_LOCKED, with their extended codes): worth trying again later, unlike the rest."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.OperationalError) and code is not None and (
        code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED))


def utc_timestamp(moment: datetime | None = None) -> str:
    """ISO-8601 UTC text (``2024-11-28T01:02:03+00:00``); text order is time order.

    Naive datetimes are taken as UTC; ``None`` means now.
    """
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_timestamp(text: str) -> datetime:
    """Inverse of :func:`utc_timestamp` (always timezone-aware)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
