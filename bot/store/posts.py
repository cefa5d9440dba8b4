"""The posting outbox: one row per paper per channel, ever, walking intent -> done.

The row is written *before* anything reaches the platform and each platform reference is
recorded as soon as it is known, so a restart can always tell which step to resume (see
``bot.core.delivery.cards``). The UNIQUE (platform, channel_id, paper_key) constraint is what makes
"one post per paper per channel, ever" hold even across versions and restarts.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.store.db import Database, parse_timestamp, utc_timestamp

STATES = ("intent", "posted", "threaded", "prompted", "done")


@dataclass(frozen=True, slots=True)
class NewPost:
    """What a digest wants posted: the serialised card and thread prompt, and who it concerns."""

    paper_key: str
    marker: str
    topics: tuple[str, ...]
    member_ids: tuple[str, ...]
    card: str  # JSON, see bot.core.delivery.message_json
    prompt: str  # JSON, see bot.core.delivery.message_json


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One outbox row as stored."""

    id: int
    platform: str
    workspace: str
    channel_id: str
    paper_key: str
    marker: str
    state: str
    attempts: int
    card_message_id: str | None
    thread_root_id: str | None
    prompt_message_id: str | None
    topics: tuple[str, ...]
    member_ids: tuple[str, ...]
    card: str
    prompt: str
    created_at: datetime
    updated_at: datetime


def _row(row: sqlite3.Row) -> PostRecord:
    return PostRecord(
        id=row["id"],
        platform=row["platform"],
        workspace=row["workspace"],
        channel_id=row["channel_id"],
        paper_key=row["paper_key"],
        marker=row["marker"],
        state=row["state"],
        attempts=row["attempts"],
        card_message_id=row["card_message_id"],
        thread_root_id=row["thread_root_id"],
        prompt_message_id=row["prompt_message_id"],
        topics=tuple(json.loads(row["topics"])),
        member_ids=tuple(json.loads(row["member_ids"])),
        card=row["card"],
        prompt=row["prompt"],
        created_at=parse_timestamp(row["created_at"]),
        updated_at=parse_timestamp(row["updated_at"]),
    )


class PostStore:
    """Outbox rows. Writes are single transactions; state changes are compare-and-set."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert_intents(
        self,
        conn: aiosqlite.Connection,
        platform: str,
        workspace: str,
        channel_id: str,
        posts: Sequence[NewPost],
        now: datetime,
    ) -> list[int]:
        """Record intents inside the caller's open transaction (so a digest records its
        intents, its header and its cursor at once); papers already in this channel are
        skipped. Returns the ids created, in the given order.

        ``noted_version`` starts at the paper's stored version: the card shows that one, so
        only a later version earns a note in the thread (``bot.core.delivery.version_notes``).
        """
        created: list[int] = []
        for p in posts:
            cur = await conn.execute(
                """
                INSERT OR IGNORE INTO posts (platform, workspace, channel_id, paper_key,
                    marker, state, topics, member_ids, card, prompt, created_at, updated_at,
                    noted_version)
                VALUES (?, ?, ?, ?, ?, 'intent', ?, ?, ?, ?, ?, ?,
                        (SELECT version FROM papers WHERE key = ?))
                """,
                (platform, workspace, channel_id, p.paper_key, p.marker,
                 json.dumps(list(p.topics)), json.dumps(list(p.member_ids)),
                 p.card, p.prompt, utc_timestamp(now), utc_timestamp(now), p.paper_key),
            )
            if cur.rowcount:
                created.append(int(cur.lastrowid or 0))
        return created

    async def get(self, post_id: int) -> PostRecord | None:
        rows = await self.db.conn.execute_fetchall("SELECT * FROM posts WHERE id = ?", (post_id,))
        return next(map(_row, rows), None)

    async def posted_keys(self, platform: str, channel_id: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` already have a row (in any state) in this channel."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = await self.db.conn.execute_fetchall(
                f"SELECT paper_key FROM posts WHERE platform = ? AND channel_id = ? "
                f"AND paper_key IN ({marks})",
                (platform, channel_id, *chunk),
            )
            found.update(r["paper_key"] for r in rows)
        return found

    async def pending(
        self, platform: str | None = None, channel_id: str | None = None
    ) -> list[PostRecord]:
        """Rows not yet done, oldest first (resumed at start and after every digest)."""
        sql = "SELECT * FROM posts WHERE state <> 'done'"
        args: list[str] = []
        if platform is not None:
            sql += " AND platform = ?"
            args.append(platform)
        if channel_id is not None:
            sql += " AND channel_id = ?"
            args.append(channel_id)
        rows = await self.db.conn.execute_fetchall(sql + " ORDER BY id", args)
        return [_row(r) for r in rows]

    async def bump_attempt(self, post_id: int, now: datetime) -> None:
        """Count a try of the current step before the platform call is made."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE posts SET attempts = attempts + 1, updated_at = ? WHERE id = ?",
                (utc_timestamp(now), post_id),
            )

    async def advance(
        self, post_id: int, from_state: str, to_state: str, now: datetime, **refs: str
    ) -> PostRecord | None:
        """Move a row to its next state and record platform refs; returns the row as it is
        now, or None if it had moved on (compare-and-set)."""
        allowed = {"card_message_id", "thread_root_id", "prompt_message_id"}
        if to_state not in STATES or not set(refs) <= allowed:
            raise ValueError(f"bad outbox transition to {to_state} with {sorted(refs)}")
        sets = "".join(f", {name} = ?" for name in refs)
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(
                f"UPDATE posts SET state = ?, attempts = 0, updated_at = ?{sets} "
                "WHERE id = ? AND state = ? RETURNING *",
                (to_state, utc_timestamp(now), *refs.values(), post_id, from_state),
            )
        return next(map(_row, rows), None)

    async def find_by_thread(
        self, platform: str, channel_id: str, root_message_id: str
    ) -> PostRecord | None:
        """The paper post whose thread this is (a reply may arrive before 'threaded')."""
        rows = await self.db.conn.execute_fetchall(
            """
            SELECT * FROM posts WHERE platform = ? AND channel_id = ?
              AND (thread_root_id = ? OR card_message_id = ?)
            ORDER BY thread_root_id = ? DESC LIMIT 1
            """,
            (platform, channel_id, root_message_id, root_message_id, root_message_id),
        )
        return next(map(_row, rows), None)

    async def find_by_message(self, platform: str, message_id: str) -> PostRecord | None:
        """The post one of whose messages (card, thread root, prompt) has this id."""
        rows = await self.db.conn.execute_fetchall(
            """
            SELECT * FROM posts WHERE platform = ?
              AND (card_message_id = ? OR thread_root_id = ? OR prompt_message_id = ?)
            LIMIT 1
            """,
            (platform, message_id, message_id, message_id),
        )
        return next(map(_row, rows), None)

    async def count(self, platform: str | None = None, workspace: str | None = None) -> int:
        sql, args = "SELECT count(*) FROM posts WHERE 1", list[str]()
        if platform is not None:
            sql, args = sql + " AND platform = ?", [*args, platform]
        if workspace is not None:
            sql, args = sql + " AND workspace = ?", [*args, workspace]
        rows = await self.db.conn.execute_fetchall(sql, args)
        return int(next(iter(rows))[0])
