"""Channel digest subscriptions: one schedule per channel, plus where its last digest ended.

The scheduler rebuilds its jobs from these rows at start, so they are the only truth about
which channel gets a digest when; ``last_digest_at`` drives the missed-digest catch-up, and
``last_scheduled_day`` (the local day of the last scheduled digest) makes each scheduled day's
digest happen once, across restarts, repeated wall times and schedule changes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.store.db import Database, parse_timestamp, utc_timestamp


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel's digest schedule (``days`` is a cron day_of_week list such as ``mon,thu``)."""

    id: int
    platform: str
    workspace: str
    channel_id: str
    days: str
    time: str
    timezone: str
    mode: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    last_digest_at: datetime | None
    last_covered_until: date | None
    last_scheduled_day: date | None = None  # local day of the last scheduled digest

    @property
    def job_id(self) -> str:
        """Stable scheduler job id for this channel's digest."""
        return f"digest:{self.platform}:{self.channel_id}"


def _row(row: sqlite3.Row) -> Subscription:
    covered, scheduled = row["last_covered_until"], row["last_scheduled_day"]
    return Subscription(
        id=row["id"],
        platform=row["platform"],
        workspace=row["workspace"],
        channel_id=row["channel_id"],
        days=row["days"],
        time=row["time"],
        timezone=row["timezone"],
        mode=row["mode"],
        created_by=row["created_by"],
        created_at=parse_timestamp(row["created_at"]),
        updated_at=parse_timestamp(row["updated_at"]),
        last_digest_at=parse_timestamp(row["last_digest_at"]) if row["last_digest_at"] else None,
        last_covered_until=date.fromisoformat(covered) if covered else None,
        last_scheduled_day=date.fromisoformat(scheduled) if scheduled else None,
    )


class SubscriptionStore:
    """Reads and writes ``subscriptions``; every write is one transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def upsert(
        self,
        *,
        platform: str,
        workspace: str,
        channel_id: str,
        days: str,
        time: str,
        timezone: str,
        mode: str,
        created_by: str,
        now: datetime,
    ) -> Subscription:
        """Create the channel's subscription or replace its schedule, keeping its history."""
        async with self.db.transaction() as conn:
            await conn.execute(
                """
                INSERT INTO subscriptions (platform, workspace, channel_id, days, time, timezone,
                                           mode, created_by, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (platform, channel_id) DO UPDATE SET
                    workspace = excluded.workspace, days = excluded.days,
                    time = excluded.time, timezone = excluded.timezone,
                    mode = excluded.mode, updated_at = excluded.updated_at
                """,
                (platform, workspace, channel_id, days, time, timezone, mode, created_by,
                 utc_timestamp(now), utc_timestamp(now)),
            )
        sub = await self.get(platform, channel_id)
        assert sub is not None
        return sub

    async def delete(self, platform: str, channel_id: str) -> bool:
        """Remove the channel's subscription; False when there was none."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM subscriptions WHERE platform = ? AND channel_id = ?",
                (platform, channel_id),
            )
            return cur.rowcount > 0

    async def get(self, platform: str, channel_id: str) -> Subscription | None:
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM subscriptions WHERE platform = ? AND channel_id = ?",
            (platform, channel_id),
        )
        return next(map(_row, rows), None)

    async def all(self) -> list[Subscription]:
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM subscriptions ORDER BY platform, channel_id"
        )
        return [_row(r) for r in rows]

    async def mark_digest_in(
        self,
        conn: aiosqlite.Connection,
        platform: str,
        channel_id: str,
        *,
        at: datetime,
        covered_until: date | None,
        scheduled_day: date | None = None,
    ) -> bool:
        """Record a digest inside the caller's open transaction (the digest records its posts
        and this in one): when it ran and the newest announcement date it covered; for a
        scheduled digest also the local day it was for.

        ``covered_until`` never moves backwards (a ``digest now since`` must not make the next
        scheduled digest repeat a range). Returns False, recording nothing, when
        ``scheduled_day`` already had its digest: the caller rolls back, so a slot that two
        runs reach (another process, a repeated firing) is posted by one of them only.
        """
        covered = covered_until.isoformat() if covered_until else None
        day = scheduled_day.isoformat() if scheduled_day else None
        cur = await conn.execute(
            """
            UPDATE subscriptions SET last_digest_at = ?,
                last_covered_until = CASE
                    WHEN ? IS NULL THEN last_covered_until
                    WHEN last_covered_until IS NULL OR last_covered_until < ? THEN ?
                    ELSE last_covered_until END,
                last_scheduled_day = coalesce(?, last_scheduled_day)
            WHERE platform = ? AND channel_id = ?
              AND (? IS NULL OR last_scheduled_day IS NULL OR last_scheduled_day < ?)
            """,
            (utc_timestamp(at), covered, covered, covered, day, platform, channel_id, day, day),
        )
        return cur.rowcount > 0
