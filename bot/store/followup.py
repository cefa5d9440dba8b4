"""Follow-through on paper threads: which are still open, who closed one, and the one reminder
a thread gets.

A thread is *open* while its post is ``done`` and it has neither a note (a live one: a deleted
note does not count) nor a closure (``thread_closures``). Since a paper is posted at most once
per channel, a note belongs to a thread by (platform, channel, paper). Reminders are an outbox
like the others: the row (``thread_reminders``, keyed by post) is written before the platform
call, so a thread can never get a second one.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Database, parse_timestamp, utc_timestamp

# A post whose thread nobody answered and nobody closed (``p`` is the post).
_OPEN = """
    p.state = 'done' AND p.thread_root_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM notes n WHERE n.platform = p.platform
                    AND n.channel_id = p.channel_id AND n.paper_key = p.paper_key
                    AND n.deleted_at IS NULL)
    AND NOT EXISTS (SELECT 1 FROM thread_closures c WHERE c.post_id = p.id)
"""
_THREAD_COLUMNS = """
    p.id, p.platform, p.workspace, p.channel_id, p.thread_root_id, p.card_message_id,
    p.paper_key, p.member_ids, p.created_at,
    COALESCE(json_extract(p.card, '$.title'), p.paper_key) AS title
"""


@dataclass(frozen=True, slots=True)
class PaperThread:
    """A paper's thread in a channel: where it is, what it is about, whom it concerns."""

    post_id: int
    platform: str
    workspace: str
    channel_id: str
    thread_root_id: str
    card_message_id: str | None
    paper_key: str
    title: str
    member_ids: tuple[str, ...]
    opened_at: datetime


def _thread(row: sqlite3.Row) -> PaperThread:
    return PaperThread(
        post_id=row["id"], platform=row["platform"], workspace=row["workspace"],
        channel_id=row["channel_id"], thread_root_id=row["thread_root_id"],
        card_message_id=row["card_message_id"], paper_key=row["paper_key"],
        title=row["title"] or row["paper_key"], member_ids=tuple(json.loads(row["member_ids"])),
        opened_at=parse_timestamp(row["created_at"]),
    )


@dataclass(frozen=True, slots=True)
class Closure:
    """Who closed a thread without a note, how (``snooze`` or ``reaction``) and when."""

    post_id: int
    member_id: str
    via: str
    closed_at: datetime


@dataclass(frozen=True, slots=True)
class ReminderRecord:
    """A reminder still to post (``intent``); ``settled`` when the thread got a note or was
    closed since its intent was recorded."""

    post_id: int
    platform: str
    channel_id: str
    thread_root_id: str
    marker: str
    reminder: str  # the message as JSON (bot.core.delivery.message_json)
    attempts: int
    created_at: datetime
    settled: bool


class FollowupStore:
    """Reads open threads; writes closures and the reminder outbox (single transactions)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def open_threads(self, platform: str, channel_id: str, since: datetime
                           ) -> list[PaperThread]:
        """A channel's open threads whose card was posted since ``since``, oldest first."""
        rows = await self.db.conn.execute_fetchall(
            f"SELECT {_THREAD_COLUMNS} FROM posts p WHERE p.platform = ? AND p.channel_id = ?"
            f" AND p.created_at >= ? AND {_OPEN} ORDER BY p.created_at, p.id",
            (platform, channel_id, utc_timestamp(since)),
        )
        return [_thread(r) for r in rows]

    async def due_reminders(self, opened_before: datetime, opened_after: datetime
                            ) -> list[PaperThread]:
        """Open threads opened in (``opened_after``, ``opened_before``] that never had a
        reminder, oldest first."""
        rows = await self.db.conn.execute_fetchall(
            f"SELECT {_THREAD_COLUMNS} FROM posts p WHERE p.created_at <= ?"
            f" AND p.created_at > ? AND {_OPEN}"
            " AND NOT EXISTS (SELECT 1 FROM thread_reminders r WHERE r.post_id = p.id)"
            " ORDER BY p.created_at, p.id",
            (utc_timestamp(opened_before), utc_timestamp(opened_after)),
        )
        return [_thread(r) for r in rows]

    async def close(self, post_id: int, member_id: str, via: str, at: datetime) -> bool:
        """Close a thread without a note; False when it was closed before (the first
        closure is kept)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO thread_closures (post_id, member_id, via, closed_at)"
                " VALUES (?, ?, ?, ?)", (post_id, member_id, via, utc_timestamp(at)))
            return cur.rowcount == 1

    async def closure(self, post_id: int) -> Closure | None:
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM thread_closures WHERE post_id = ?", (post_id,))
        return next((Closure(r["post_id"], r["member_id"], r["via"],
                             parse_timestamp(r["closed_at"])) for r in rows), None)

    async def has_note(self, post_id: int) -> bool:
        """Whether the thread has a live note."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT 1 FROM posts p JOIN notes n ON n.platform = p.platform"
            " AND n.channel_id = p.channel_id AND n.paper_key = p.paper_key"
            " WHERE p.id = ? AND n.deleted_at IS NULL LIMIT 1", (post_id,))
        return bool(list(rows))

    # --- the reminder outbox --------------------------------------------------------------------

    async def record_reminder(self, post_id: int, marker: str, reminder: str, now: datetime
                              ) -> bool:
        """Record the intent to remind a thread; False when it has a reminder row already
        (in any state: a thread is reminded once, ever)."""
        stamp = utc_timestamp(now)
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO thread_reminders (post_id, marker, reminder, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?)", (post_id, marker, reminder, stamp, stamp))
            return cur.rowcount == 1

    async def pending_reminders(self, post_id: int | None = None) -> list[ReminderRecord]:
        """Reminders recorded and not yet done or cancelled, oldest first (only
        ``post_id``'s when given: re-read just before posting)."""
        rows = await self.db.conn.execute_fetchall(
            f"""
            SELECT r.post_id, p.platform, p.channel_id, p.thread_root_id, r.marker, r.reminder,
                   r.attempts, r.created_at,
                   NOT ({_OPEN}) AS settled
            FROM thread_reminders r JOIN posts p ON p.id = r.post_id
            WHERE r.state = 'intent' AND (? IS NULL OR r.post_id = ?)
            ORDER BY r.created_at, r.post_id
            """,
            (post_id, post_id),
        )
        return [
            ReminderRecord(
                post_id=r["post_id"], platform=r["platform"], channel_id=r["channel_id"],
                thread_root_id=r["thread_root_id"], marker=r["marker"], reminder=r["reminder"],
                attempts=r["attempts"], created_at=parse_timestamp(r["created_at"]),
                settled=bool(r["settled"]),
            )
            for r in rows
        ]

    async def bump_reminder(self, post_id: int, now: datetime) -> None:
        """Count a try before the platform call."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE thread_reminders SET attempts = attempts + 1, updated_at = ?"
                " WHERE post_id = ?", (utc_timestamp(now), post_id))

    async def finish_reminder(self, post_id: int, message_id: str, now: datetime) -> bool:
        """Mark the reminder posted (compare-and-set from ``intent``)."""
        return await self._settle(post_id, "done", message_id, now)

    async def cancel_reminder(self, post_id: int, now: datetime) -> bool:
        """Drop a reminder that never reached the thread: a note or a closure came first. The
        row stays, so the thread is never reminded later."""
        return await self._settle(post_id, "cancelled", None, now)

    async def _settle(self, post_id: int, state: str, message_id: str | None, now: datetime
                      ) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE thread_reminders SET state = ?, message_id = ?, updated_at = ?"
                " WHERE post_id = ? AND state = 'intent'",
                (state, message_id, utc_timestamp(now), post_id))
            return cur.rowcount == 1

    async def reminder_state(self, post_id: int) -> str | None:
        """``intent``, ``done``, ``cancelled``, or None for a thread never reminded."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT state FROM thread_reminders WHERE post_id = ?", (post_id,))
        return next((str(r["state"]) for r in rows), None)
