"""Channels that need a person's attention before the bot can post there again.

One row per (platform, channel) while the platform refuses posts there for a reason retrying
cannot fix (``bot.errors.ChannelUnavailable``); ``bot.core.delivery.channel_attention`` keeps it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.errors import ChannelProblem, ChannelUnavailable
from bot.store.db import Database, parse_timestamp, utc_timestamp


@dataclass(frozen=True, slots=True)
class AttentionRecord:
    """Why the bot cannot post in a channel, what fixes it, and since when."""

    platform: str
    channel_id: str
    reason: ChannelProblem
    fix: str
    since: datetime
    last_seen: datetime

    def error(self) -> ChannelUnavailable:
        """The refusal as the error the adapter raised."""
        return ChannelUnavailable(self.reason, self.fix)


def _row(row: sqlite3.Row) -> AttentionRecord:
    return AttentionRecord(
        platform=row["platform"], channel_id=row["channel_id"],
        reason=ChannelProblem(row["reason"]), fix=row["fix"],
        since=parse_timestamp(row["since"]), last_seen=parse_timestamp(row["last_seen"]),
    )


class ChannelAttentionStore:
    """Reads and writes ``channel_attention``; each write is one statement."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def mark(self, platform: str, channel_id: str, problem: ChannelUnavailable,
                   now: datetime) -> None:
        """Record a refusal: a new row, or the latest reason and fix on the existing one
        (which keeps its ``since``)."""
        stamp = utc_timestamp(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO channel_attention (platform, channel_id, reason, fix, since,"
                " last_seen) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (platform, channel_id) DO UPDATE SET reason = excluded.reason,"
                " fix = excluded.fix, last_seen = excluded.last_seen",
                (platform, channel_id, problem.reason.value, problem.fix, stamp, stamp),
            )

    async def clear(self, platform: str, channel_id: str) -> bool:
        """The channel works again; False when it was not marked."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM channel_attention WHERE platform = ? AND channel_id = ?",
                (platform, channel_id))
            return cur.rowcount > 0

    async def get(self, platform: str, channel_id: str) -> AttentionRecord | None:
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM channel_attention WHERE platform = ? AND channel_id = ?",
            (platform, channel_id))
        return next(map(_row, rows), None)

    async def all(self) -> list[AttentionRecord]:
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM channel_attention ORDER BY platform, channel_id")
        return [_row(r) for r in rows]
