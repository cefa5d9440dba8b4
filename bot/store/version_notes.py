"""Which paper threads owe a "new version" note, and the intent -> done log of those notes.

A thread owes one when its post is ``done`` and the paper's stored version is above
``posts.noted_version`` (the version the card showed, or the last one noted). Only ``done``
posts: a note posted before the thread prompt would be found by the outbox's crash check
(``find_bot_reply``) and taken for the prompt. What is owed is read from the tables rather than
from one fetch's diff, so a note held back by a crash, a platform error or a missing adapter
goes out at a later run instead of being lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.store.db import Database, utc_timestamp


@dataclass(frozen=True, slots=True)
class DueNote:
    """One thread that has not heard of its paper's latest version yet."""

    post_id: int
    platform: str
    channel_id: str
    thread_root_id: str
    paper_key: str
    arxiv_id: str | None
    version: int
    attempts: int  # earlier tries of this note: one may have reached the platform
    announced: date | None  # when a replace* announcement is what brought this version


class VersionNoteStore:
    """Reads due notes; records each note's intent before posting and its outcome after."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def due(self, post_id: int | None = None) -> list[DueNote]:
        """Done posts whose paper moved past ``noted_version`` (NULL counts as v1), oldest
        post first; only ``post_id``'s when given (re-read just before posting its note)."""
        rows = await self.db.conn.execute_fetchall(
            """
            SELECT p.id, p.platform, p.channel_id, p.thread_root_id, p.paper_key,
                   pa.arxiv_id, pa.version, COALESCE(vn.attempts, 0) AS attempts,
                   CASE WHEN pa.last_announce_type IN ('replace', 'replace-cross')
                        THEN pa.last_announced END AS announced
            FROM posts p JOIN papers pa ON pa.key = p.paper_key
            LEFT JOIN version_notes vn ON vn.post_id = p.id AND vn.version = pa.version
            WHERE p.state = 'done' AND p.thread_root_id IS NOT NULL
              AND pa.version > COALESCE(p.noted_version, 1)
              AND (? IS NULL OR p.id = ?)
            ORDER BY p.id
            """,
            (post_id, post_id),
        )
        return [
            DueNote(
                post_id=r["id"], platform=r["platform"], channel_id=r["channel_id"],
                thread_root_id=r["thread_root_id"], paper_key=r["paper_key"],
                arxiv_id=r["arxiv_id"], version=r["version"], attempts=r["attempts"],
                announced=date.fromisoformat(r["announced"]) if r["announced"] else None,
            )
            for r in rows
        ]

    async def begin(self, post_id: int, version: int, now: datetime) -> None:
        """Record the intent and count this try, before the platform call: a later run
        then knows an earlier try may have reached the platform."""
        stamp = utc_timestamp(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO version_notes (post_id, version, attempts, created_at, updated_at)"
                " VALUES (?, ?, 1, ?, ?) ON CONFLICT (post_id, version) DO UPDATE SET"
                " attempts = attempts + 1, updated_at = excluded.updated_at",
                (post_id, version, stamp, stamp),
            )

    async def finish(self, post_id: int, version: int, message_id: str, now: datetime) -> None:
        """Mark the note done and move the post's ``noted_version``, in one transaction."""
        stamp = utc_timestamp(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE version_notes SET state = 'done', message_id = ?, updated_at = ?"
                " WHERE post_id = ? AND version = ?",
                (message_id, stamp, post_id, version),
            )
            await conn.execute(
                "UPDATE posts SET noted_version = ?"
                " WHERE id = ? AND COALESCE(noted_version, 0) < ?",
                (version, post_id, version),
            )
