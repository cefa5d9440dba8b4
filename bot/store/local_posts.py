"""The bot's own posts on a chat that keeps no history the bot can read back.

Slack and Discord answer crash recovery's "did this post go out?" from their message history.
The local console prints and forgets, so it writes each post recovery may ask about here,
before showing it, and answers from these rows: after a kill between showing a card and the
outbox recording it, the restarted bot finds the card instead of showing it twice.
"""

from __future__ import annotations

from datetime import datetime

from bot.store.db import Database, utc_timestamp


class LocalPostStore:
    """Reads and writes ``local_posts``; each write is one statement."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, platform: str, channel_id: str, message_id: str, *,
                     thread_root_id: str | None, marker: str | None, now: datetime) -> None:
        """Keep one post (a top-level one with its marker, or one in a thread, with the
        marker of a thread reminder)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO local_posts (platform, channel_id, message_id, thread_root_id,"
                " marker, posted_at) VALUES (?, ?, ?, ?, ?, ?)",
                (platform, channel_id, message_id, thread_root_id, marker, utc_timestamp(now)))

    async def by_marker(self, platform: str, channel_id: str, marker: str) -> str | None:
        """The id of the latest top-level post carrying exactly ``marker``, if any."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT message_id FROM local_posts WHERE platform = ? AND channel_id = ?"
            " AND marker = ? AND thread_root_id IS NULL ORDER BY id DESC LIMIT 1",
            (platform, channel_id, marker))
        return next((str(r["message_id"]) for r in rows), None)

    async def first_reply(self, platform: str, channel_id: str, thread_root_id: str
                          ) -> str | None:
        """The id of the bot's first post in the thread rooted at ``thread_root_id``."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT message_id FROM local_posts WHERE platform = ? AND channel_id = ?"
            " AND thread_root_id = ? ORDER BY id LIMIT 1",
            (platform, channel_id, thread_root_id))
        return next((str(r["message_id"]) for r in rows), None)

    async def in_thread_by_marker(self, platform: str, channel_id: str, thread_root_id: str,
                                  marker: str) -> str | None:
        """The id of the bot's post in the thread rooted at ``thread_root_id`` carrying
        exactly ``marker`` (a thread reminder), if any."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT message_id FROM local_posts WHERE platform = ? AND channel_id = ?"
            " AND thread_root_id = ? AND marker = ? ORDER BY id LIMIT 1",
            (platform, channel_id, thread_root_id, marker))
        return next((str(r["message_id"]) for r in rows), None)
