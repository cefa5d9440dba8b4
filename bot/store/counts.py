"""How much the bot holds for one workspace, in the four numbers ``/scoop status`` prints.

A read across tables that other stores own, kept in one place so the status reply asks one
object. Status must answer even when the store is half broken, so a table that does not exist
(a database opened without migrating) counts as empty instead of failing the reply.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bot.store.db import Database


@dataclass(frozen=True, slots=True)
class WorkspaceCounts:
    """``papers`` is every stored paper (papers are shared by all workspaces); the rest are
    this workspace's: topics not paused, notes not deleted, papers posted in its channels."""

    papers: int
    active_topics: int
    notes: int
    posted: int


class CountStore:
    """Row counts for the status reply."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def for_workspace(self, platform: str, workspace: str) -> WorkspaceCounts:
        """The four counts of one workspace (see :class:`WorkspaceCounts`)."""
        scope = (platform, workspace)
        return WorkspaceCounts(
            papers=await self._count("SELECT count(*) FROM papers"),
            active_topics=await self._count(
                "SELECT count(*) FROM topics WHERE platform = ? AND workspace = ? AND paused = 0",
                scope),
            notes=await self._count(
                "SELECT count(*) FROM notes WHERE platform = ? AND workspace = ?"
                " AND deleted_at IS NULL", scope),
            posted=await self._count(
                "SELECT count(*) FROM posts WHERE platform = ? AND workspace = ?", scope),
        )

    async def _count(self, sql: str, args: Sequence[object] = ()) -> int:
        try:
            rows = await self.db.conn.execute_fetchall(sql, args)
        except sqlite3.OperationalError:  # a table another migration owns is missing
            return 0
        return int(next(iter(rows))[0])
