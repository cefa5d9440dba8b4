"""The bot's own posts on a chat that keeps no history the bot can read back.

Slack and Discord answer crash recovery's "did this post go out?" from their message history.
The local console prints and forgets, so it writes each post recovery may ask about here,
before showing it, and answers from these rows: after a kill between showing a card and the
outbox recording it, the restarted bot finds the card instead of showing it twice.

The console also numbers its posts for good (``#N``, 015): each kept post has its number, and
``local_numbers`` holds the highest number shown in a channel, so a new session continues
after it and ``reply N`` reaches a card an earlier session printed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from bot.store.db import Database, utc_timestamp

_KEEP_NUMBER = (
    "INSERT INTO local_numbers (platform, channel_id, last) VALUES (?, ?, ?)"
    " ON CONFLICT (platform, channel_id) DO UPDATE SET last = max(last, excluded.last)")


class LocalPostStore:
    """Reads and writes ``local_posts`` and ``local_numbers``; each write is one
    transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, platform: str, channel_id: str, message_id: str, *,
                     thread_root_id: str | None, marker: str | None, now: datetime,
                     number: int | None = None) -> None:
        """Keep one post (a top-level one with its marker, or one in a thread, with the
        marker of a thread reminder) and, when it has one, its number, in the same commit as
        the channel's highest number: a numbered post costs no second write."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO local_posts (platform, channel_id, message_id, thread_root_id,"
                " marker, posted_at, number) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (platform, channel_id, message_id, thread_root_id, marker, utc_timestamp(now),
                 number))
            if number is not None:
                await conn.execute(_KEEP_NUMBER, (platform, channel_id, number))

    async def keep_number(self, platform: str, channel_id: str, number: int) -> None:
        """Remember that ``number`` was shown (a post that is not kept: a command's answer, a
        member's line), so no later session shows it again. Never lowers the mark."""
        async with self.db.transaction() as conn:
            await conn.execute(_KEEP_NUMBER, (platform, channel_id, number))

    async def last_number(self, platform: str, channel_id: str) -> int:
        """The highest number shown in the channel so far (0 before the first)."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT max(coalesce((SELECT last FROM local_numbers WHERE platform = ?"
            " AND channel_id = ?), 0), coalesce((SELECT max(number) FROM local_posts"
            " WHERE platform = ? AND channel_id = ?), 0)) AS last",
            (platform, channel_id, platform, channel_id))
        return next((int(r["last"]) for r in rows), 0)

    async def by_number(self, platform: str, channel_id: str, number: int
                        ) -> tuple[str, str | None] | None:
        """The kept post printed as ``#number``: its id and its thread's root id (None for a
        top-level post), or None when no kept post has that number."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT message_id, thread_root_id FROM local_posts WHERE platform = ?"
            " AND channel_id = ? AND number = ?", (platform, channel_id, number))
        return next(((str(r["message_id"]),
                      None if r["thread_root_id"] is None else str(r["thread_root_id"]))
                     for r in rows), None)

    async def numbers(self, platform: str, channel_id: str, message_ids: Collection[str]
                      ) -> dict[str, int]:
        """The numbers of those of ``message_ids`` (a handful: a thread's root, a header's
        linked threads) that are kept posts with a number."""
        ids = sorted(set(message_ids))
        if not ids:
            return {}
        rows = await self.db.conn.execute_fetchall(
            "SELECT message_id, number FROM local_posts WHERE platform = ? AND channel_id = ?"
            f" AND number IS NOT NULL AND message_id IN ({', '.join('?' * len(ids))})",
            (platform, channel_id, *ids))
        return {str(r["message_id"]): int(r["number"]) for r in rows}

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
