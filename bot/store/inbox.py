"""The inbox: inbound events that may become notes, kept before the platform is told.

Adding a row is one short insert, made before the adapter acknowledges the event; when
another connection holds the write lock it waits its turn (:meth:`InboxStore.add` with a
``patience``) instead of failing after one ``busy_timeout``. A platform redelivery has the
same ``event_key`` and is kept once. Rows are then claimed one at a time (owner and lease, as
in ``bot.store.claims``) and processed until done; a row whose lease runs out (its worker was
killed) is taken over, and a subject's rows (one message's reply, edits, deletion) are
claimed in arrival order only.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import StoreError
from bot.store.claims import LEASE, lease_end
from bot.store.db import Database, is_busy, parse_timestamp, utc_timestamp

log = logging.getLogger(__name__)

KINDS = ("reply", "deleted", "reaction")
ERROR_CHARS = 500


class StoreBusy(StoreError):
    """Another connection held the write lock for longer than the caller could wait."""


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One inbound event as kept; ``event`` is the core's event as JSON."""

    id: int
    platform: str
    event_key: str
    subject: str
    kind: str
    event: str
    attempts: int
    received_at: datetime


def _row(row: sqlite3.Row) -> InboxRow:
    return InboxRow(id=row["id"], platform=row["platform"], event_key=row["event_key"],
                    subject=row["subject"], kind=row["kind"], event=row["event"],
                    attempts=row["attempts"], received_at=parse_timestamp(row["received_at"]))


# A row may be claimed when it is pending, due, not held by a live lease (ours included: one
# worker never runs a row twice at once), and no earlier row of its subject is still pending.
_CLAIMABLE = """
    i.state = 'pending' AND i.not_before <= :now
    AND (i.claim_owner IS NULL OR i.claim_until < :now)
    AND NOT EXISTS (SELECT 1 FROM inbox e WHERE e.platform = i.platform
                    AND e.subject = i.subject AND e.state = 'pending' AND e.id < i.id)
"""


class InboxStore:
    """Inbox rows for one owner: kept, claimed, finished or put back for a later try."""

    def __init__(self, db: Database, owner: str, lease: timedelta = LEASE) -> None:
        self.db = db
        self.owner = owner
        self.lease = lease
        self.busy_waits = 0  # times an insert found the store locked and tried again

    async def add(self, platform: str, event_key: str, subject: str, kind: str, event: str,
                  now: datetime, *, patience: float, retire: str | None = None
                  ) -> tuple[int, bool]:
        """Keep an event: (its row id, True if new; False for a redelivery already kept).

        ``retire`` is the key of an event this one undoes (a reaction taken back): its row,
        pending or done, gets a key of its own, so the same reaction given again later is a new
        event rather than a redelivery of the first.

        Waits up to ``patience`` seconds for the write lock, trying again each time SQLite's
        busy timeout runs out; raises :class:`StoreBusy` after that, :class:`StoreError`
        when the store refuses for any other reason (disk full, read-only, damaged).
        """
        if kind not in KINDS:
            raise ValueError(f"unknown inbox kind {kind!r}")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        stamp = utc_timestamp(now)
        while True:
            left = deadline - loop.time()
            try:
                async with self.db.transaction(wait=max(left, 0.0)) as conn:
                    if retire is not None:
                        await conn.execute(
                            "UPDATE inbox SET event_key = event_key || '#' || id"
                            " WHERE platform = ? AND event_key = ?", (platform, retire))
                    cur = await conn.execute(
                        "INSERT OR IGNORE INTO inbox (platform, event_key, subject, kind, event,"
                        " not_before, received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (platform, event_key, subject, kind, event, stamp, stamp, stamp),
                    )
                    if cur.rowcount == 1:
                        return int(cur.lastrowid or 0), True
                    rows = await conn.execute_fetchall(
                        "SELECT id FROM inbox WHERE platform = ? AND event_key = ?",
                        (platform, event_key))
                    return int(next(iter(rows))[0]), False
            except TimeoutError:
                raise StoreBusy("the store stayed busy") from None
            except sqlite3.Error as exc:
                if not is_busy(exc):
                    raise StoreError(f"the inbox refused an event: {exc}") from exc
                self.busy_waits += 1
                if loop.time() >= deadline:
                    raise StoreBusy("the store stayed locked") from exc
                log.info("another connection holds the write lock; inbound %s %s waits its "
                         "turn", kind, event_key)

    async def due(self, now: datetime) -> bool:
        """Whether any row can be claimed now (a read: no write lock when the inbox is idle)."""
        rows = await self.db.conn.execute_fetchall(
            f"SELECT 1 FROM inbox i WHERE {_CLAIMABLE} LIMIT 1", {"now": utc_timestamp(now)})
        return bool(list(rows))

    async def claim_next(self, now: datetime) -> InboxRow | None:
        """Claim the oldest row that can be claimed, counting the try; None when none can."""
        return await self._claim("SELECT i.id FROM inbox i WHERE " + _CLAIMABLE
                                 + " ORDER BY i.id LIMIT 1", now, {})

    async def claim(self, row_id: int, now: datetime) -> InboxRow | None:
        """Claim one row (to process it at once); None when it is done, held by a live
        lease, or waits behind an earlier row of its subject."""
        return await self._claim("SELECT i.id FROM inbox i WHERE i.id = :id AND " + _CLAIMABLE,
                                 now, {"id": row_id})

    async def _claim(self, pick: str, now: datetime, extra: dict[str, object]
                     ) -> InboxRow | None:
        params = {"now": utc_timestamp(now), "owner": self.owner,
                  "until": lease_end(now, self.lease), **extra}
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "UPDATE inbox SET claim_owner = :owner, claim_until = :until,"
                f" attempts = attempts + 1, updated_at = :now WHERE id = ({pick}) RETURNING *",
                params)
        return next(map(_row, rows), None)

    async def renew(self, row_id: int, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE inbox SET claim_until = ? WHERE id = ? AND claim_owner = ?"
                " AND state = 'pending'",
                (lease_end(now, self.lease), row_id, self.owner))
            return cur.rowcount == 1

    async def finish(self, row_id: int, now: datetime) -> bool:
        """Mark our row done; False when it was no longer ours (then its new owner does)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE inbox SET state = 'done', claim_owner = NULL, claim_until = NULL,"
                " last_error = NULL, updated_at = ? WHERE id = ? AND claim_owner = ?",
                (utc_timestamp(now), row_id, self.owner))
            return cur.rowcount == 1

    async def retry_later(self, row_id: int, now: datetime, not_before: datetime,
                          error: str) -> None:
        """Put our row back for any worker to try again from ``not_before``."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE inbox SET claim_owner = NULL, claim_until = NULL, not_before = ?,"
                " last_error = ?, updated_at = ? WHERE id = ? AND claim_owner = ?",
                (utc_timestamp(not_before), error[:ERROR_CHARS], utc_timestamp(now), row_id,
                 self.owner))

    async def next_due(self) -> datetime | None:
        """When the next row may be claimed: the earliest retry time or lease end among the
        rows first in line for their subject."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT min(max(i.not_before, coalesce(i.claim_until, i.not_before))) FROM inbox i"
            " WHERE i.state = 'pending' AND NOT EXISTS (SELECT 1 FROM inbox e"
            " WHERE e.platform = i.platform AND e.subject = i.subject AND e.state = 'pending'"
            " AND e.id < i.id)")
        first = next(iter(rows))[0]
        return parse_timestamp(first) if first else None

    async def pending_count(self) -> int:
        rows = await self.db.conn.execute_fetchall(
            "SELECT count(*) FROM inbox WHERE state = 'pending'")
        return int(next(iter(rows))[0])
