"""Processed platform events and reaction feedback.

Chat platforms redeliver events (retries after a slow ack, gateway resumes); recording each
delivery id once makes every handler idempotent without each one re-checking its own tables.
"""

from __future__ import annotations

from datetime import datetime

from bot.store.db import Database, utc_timestamp


class EventLog:
    """Remembers which platform deliveries were already handled."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def seen(self, platform: str, event_id: str) -> bool:
        """Whether ``event_id`` was already handled (checked before, recorded after work)."""
        rows = await self._db.conn.execute_fetchall(
            "SELECT 1 FROM processed_events WHERE platform = ? AND event_id = ?",
            (platform, event_id),
        )
        return bool(list(rows))

    async def first_time(self, platform: str, event_id: str, now: datetime) -> bool:
        """Record ``event_id``; True only for its first delivery."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO processed_events (platform, event_id, seen_at)"
                " VALUES (?, ?, ?)",
                (platform, event_id, utc_timestamp(now)),
            )
            return cur.rowcount == 1

    async def forget_before(self, before: datetime) -> int:
        """Drop old delivery ids, and inbox rows done before ``before``: both only recognise
        redeliveries, and platforms only redeliver within minutes."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM processed_events WHERE seen_at < ?", (utc_timestamp(before),)
            )
            done = await conn.execute(
                "DELETE FROM inbox WHERE state = 'done' AND updated_at < ?",
                (utc_timestamp(before),)
            )
            return cur.rowcount + done.rowcount


class FeedbackStore:
    """Reactions on the bot's paper cards, one row per (message, member, emoji)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        *,
        platform: str,
        workspace: str,
        channel_id: str,
        message_id: str,
        paper_key: str | None,
        member_id: str,
        emoji: str,
        at: datetime,
    ) -> bool:
        """Store one reaction; False when the same reaction was already stored."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO feedback (platform, workspace, channel_id, message_id,"
                " paper_key, member_id, emoji, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (platform, workspace, channel_id, message_id, paper_key, member_id, emoji,
                 utc_timestamp(at)),
            )
            return cur.rowcount == 1

    async def remove(self, *, platform: str, channel_id: str, message_id: str, member_id: str,
                     emoji: str) -> bool:
        """Forget one reaction (the member took it back), and with it whatever it recorded
        (a 🏢's flag corrections cascade); False when it was not stored."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM feedback WHERE platform = ? AND channel_id = ? AND message_id = ?"
                " AND member_id = ? AND emoji = ?",
                (platform, channel_id, message_id, member_id, emoji),
            )
            return cur.rowcount == 1

    async def count(self, platform: str, paper_key: str) -> int:
        """How many reactions a paper's cards received (used by tests and status)."""
        rows = await self._db.conn.execute_fetchall(
            "SELECT count(*) FROM feedback WHERE platform = ? AND paper_key = ?",
            (platform, paper_key),
        )
        return int(next(iter(rows))[0])
