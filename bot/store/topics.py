"""Members' research topics: a slug name and the query text exactly as typed.

The query is stored as text, not compiled, so a newer matcher re-reads every topic with its
own rules; the topic service validates it before anything is written.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.errors import ScoopwatchError
from bot.store.db import Database, utc_timestamp


class TopicExistsError(ScoopwatchError):
    """The member already has a topic of that name."""


class TopicLimitError(ScoopwatchError):
    """The member already has as many topics as allowed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a member may have at most {limit} topics")
        self.limit = limit


@dataclass(frozen=True, slots=True)
class TopicRecord:
    """One topic with its owner's display name (joined from ``members``)."""

    id: int
    platform: str
    workspace: str
    member_id: str
    member_name: str
    name: str
    query: str
    paused: bool


class TopicLike(Protocol):
    """What the core reads from a topic (:class:`TopicRecord` in production): the pipeline
    matches ``id`` and ``query``; a digest names ``name`` and its owner."""

    @property
    def id(self) -> int: ...
    @property
    def member_id(self) -> str: ...
    @property
    def member_name(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def query(self) -> str: ...


_SELECT = (
    "SELECT t.id, t.platform, t.workspace, t.member_id, t.name, t.query, t.paused,"
    " coalesce(m.display_name, t.member_id) AS member_name"
    " FROM topics t LEFT JOIN members m ON m.platform = t.platform"
    " AND m.workspace = t.workspace AND m.member_id = t.member_id"
)
_ORDER = " ORDER BY member_name COLLATE NOCASE, t.member_id, t.name"


class TopicStore:
    """CRUD on ``topics``; every write is one transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, platform: str, workspace: str, member_id: str, name: str, query: str,
        now: datetime, *, limit: int | None = None,
    ) -> TopicRecord:
        """Insert a topic; :class:`TopicExistsError` when the member already has ``name``,
        :class:`TopicLimitError` when they already have ``limit`` topics (counted in the same
        transaction, so two adds at once cannot both slip under it)."""
        try:
            stamp = utc_timestamp(now)
            async with self._db.transaction() as conn:
                if limit is not None:
                    rows = await conn.execute_fetchall(
                        "SELECT count(*) FROM topics WHERE platform = ? AND workspace = ?"
                        " AND member_id = ? AND name != ?",
                        (platform, workspace, member_id, name),
                    )
                    if int(next(iter(rows))[0]) >= limit:
                        raise TopicLimitError(limit)
                cur = await conn.execute(
                    "INSERT INTO topics (platform, workspace, member_id, name, query, paused,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                    (platform, workspace, member_id, name, query, stamp, stamp),
                )
                topic_id = cur.lastrowid
        except sqlite3.IntegrityError as exc:
            raise TopicExistsError(f"you already have a topic named {name}") from exc
        record = await self.by_id(int(topic_id or 0))
        assert record is not None
        return record

    async def update_query(
        self, platform: str, workspace: str, member_id: str, name: str, query: str,
        now: datetime,
    ) -> TopicRecord | None:
        """Replace a topic's query; None when the member has no such topic."""
        return await self._update(
            platform, workspace, member_id, name, "query = ?", (query,), now
        )

    async def set_paused(
        self, platform: str, workspace: str, member_id: str, name: str, paused: bool,
        now: datetime,
    ) -> TopicRecord | None:
        return await self._update(
            platform, workspace, member_id, name, "paused = ?", (int(paused),), now
        )

    async def _update(
        self, platform: str, workspace: str, member_id: str, name: str, assignment: str,
        values: tuple[object, ...], now: datetime,
    ) -> TopicRecord | None:
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE topics SET {assignment}, updated_at = ? WHERE platform = ?"
                " AND workspace = ? AND member_id = ? AND name = ?",
                (*values, utc_timestamp(now), platform, workspace, member_id, name),
            )
            changed = cur.rowcount
        if not changed:
            return None
        return await self.get(platform, workspace, member_id, name)

    async def remove(self, platform: str, workspace: str, member_id: str, name: str) -> bool:
        """Delete a topic (overlaps cascade); False when there was none."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "DELETE FROM topics WHERE platform = ? AND workspace = ? AND member_id = ?"
                " AND name = ?",
                (platform, workspace, member_id, name),
            )
            return cur.rowcount == 1

    async def by_id(self, topic_id: int) -> TopicRecord | None:
        return await self._one(" WHERE t.id = ?", (topic_id,))

    async def get(
        self, platform: str, workspace: str, member_id: str, name: str
    ) -> TopicRecord | None:
        return await self._one(
            " WHERE t.platform = ? AND t.workspace = ? AND t.member_id = ? AND t.name = ?",
            (platform, workspace, member_id, name),
        )

    async def list_for_member(
        self, platform: str, workspace: str, member_id: str
    ) -> list[TopicRecord]:
        return await self._many(
            " WHERE t.platform = ? AND t.workspace = ? AND t.member_id = ?",
            (platform, workspace, member_id),
        )

    async def list_for_workspace(self, platform: str, workspace: str) -> list[TopicRecord]:
        """Every topic of a workspace, paused ones included."""
        return await self._many(" WHERE t.platform = ? AND t.workspace = ?", (platform, workspace))

    async def find_by_name(self, platform: str, workspace: str, name: str) -> list[TopicRecord]:
        """Topics called ``name`` of any member (names are unique per member only)."""
        return await self._many(
            " WHERE t.platform = ? AND t.workspace = ? AND t.name = ?", (platform, workspace, name)
        )

    async def active_topics(self, platform: str, workspace: str) -> list[TopicRecord]:
        """The topics a workspace's digests cover (not paused)."""
        return await self._many(
            " WHERE t.platform = ? AND t.workspace = ? AND t.paused = 0", (platform, workspace)
        )

    async def all_active(self) -> list[TopicRecord]:
        """Every non-paused topic of every workspace (the daily matcher's input)."""
        return await self._many(" WHERE t.paused = 0", ())

    async def _one(self, where: str, params: tuple[object, ...]) -> TopicRecord | None:
        rows = await self._many(where, params)
        return rows[0] if rows else None

    async def _many(self, where: str, params: tuple[object, ...]) -> list[TopicRecord]:
        rows = await self._db.conn.execute_fetchall(_SELECT + where + _ORDER, params)
        return [
            TopicRecord(
                id=r["id"], platform=r["platform"], workspace=r["workspace"],
                member_id=r["member_id"], member_name=r["member_name"], name=r["name"],
                query=r["query"], paused=bool(r["paused"]),
            )
            for r in rows
        ]
