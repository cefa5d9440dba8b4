"""The digest headers' outbox rows: one per digest, walking intent -> done.

A header is recorded in the transaction that records its digest's cards and moves the
subscription's cursor (``DigestService``), so a digest is either wholly recorded, header
included, or not at all; ``bot.core.delivery.headers`` then posts it exactly once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.store.db import Database, parse_timestamp, utc_timestamp


@dataclass(frozen=True, slots=True)
class HeaderRecord:
    """One header row as stored; ``header`` is the message as JSON
    (``bot.core.delivery.message_json``)."""

    id: int
    platform: str
    workspace: str
    channel_id: str
    marker: str
    header: str
    state: str
    message_id: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime


def _row(row: sqlite3.Row) -> HeaderRecord:
    return HeaderRecord(
        id=row["id"], platform=row["platform"], workspace=row["workspace"],
        channel_id=row["channel_id"], marker=row["marker"], header=row["header"],
        state=row["state"], message_id=row["message_id"], attempts=row["attempts"],
        created_at=parse_timestamp(row["created_at"]),
        updated_at=parse_timestamp(row["updated_at"]),
    )


class DigestHeaderStore:
    """Header rows. The intent is written inside the digest's transaction; later changes are
    single statements (the state change compare-and-set)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert_intent(
        self, conn: aiosqlite.Connection, platform: str, workspace: str, channel_id: str,
        marker: str, header: str, now: datetime,
    ) -> int:
        """Record a header to post, inside the caller's open transaction; returns its id."""
        stamp = utc_timestamp(now)
        cur = await conn.execute(
            "INSERT INTO digest_headers (platform, workspace, channel_id, marker, header,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (platform, workspace, channel_id, marker, header, stamp, stamp),
        )
        return int(cur.lastrowid or 0)

    async def get(self, header_id: int) -> HeaderRecord | None:
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM digest_headers WHERE id = ?", (header_id,))
        return next(map(_row, rows), None)

    async def pending(
        self, platform: str | None = None, channel_id: str | None = None
    ) -> list[HeaderRecord]:
        """Headers not posted yet, oldest first (optionally of one platform or channel)."""
        sql = "SELECT * FROM digest_headers WHERE state = 'intent'"
        args: list[str] = []
        if platform is not None:
            sql, args = sql + " AND platform = ?", [*args, platform]
        if channel_id is not None:
            sql, args = sql + " AND channel_id = ?", [*args, channel_id]
        rows = await self.db.conn.execute_fetchall(sql + " ORDER BY id", args)
        return [_row(r) for r in rows]

    async def bump_attempt(self, header_id: int, now: datetime) -> None:
        """Count a try before the platform call: a restart then knows to look first."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE digest_headers SET attempts = attempts + 1, updated_at = ? WHERE id = ?",
                (utc_timestamp(now), header_id),
            )

    async def mark_done(self, header_id: int, message_id: str, now: datetime) -> bool:
        """Record the posted message; False if the row was no longer an intent."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE digest_headers SET state = 'done', message_id = ?, updated_at = ?"
                " WHERE id = ? AND state = 'intent'",
                (message_id, utc_timestamp(now), header_id),
            )
            return cur.rowcount > 0
