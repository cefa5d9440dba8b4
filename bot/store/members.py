"""Members of a workspace as the bot last saw them.

Display names are refreshed on every command so lists, notes and exports can show a human name
without a platform API call, and so ``@ana`` can be resolved to a platform user id.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Database, utc_timestamp


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """One member of one workspace."""

    platform: str
    workspace: str
    member_id: str
    display_name: str


class MemberStore:
    """Upserts and look-ups of ``members`` rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def upsert(
        self, platform: str, workspace: str, member_id: str, display_name: str, now: datetime
    ) -> None:
        """Insert the member or refresh their display name (no write when unchanged).

        A blank name means the platform could not say right now: a name already known is
        kept (a new member is filed under their id until it is known). When a name becomes
        known, notes stored meanwhile under the bare id take it, in the same transaction.
        """
        name = display_name.strip()
        async with self._db.transaction() as conn:
            if not name:
                await conn.execute(
                    "INSERT OR IGNORE INTO members"
                    " (platform, workspace, member_id, display_name, updated_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (platform, workspace, member_id, member_id, utc_timestamp(now)),
                )
                return
            await conn.execute(
                "INSERT INTO members (platform, workspace, member_id, display_name, updated_at)"
                " VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (platform, workspace, member_id) DO UPDATE SET"
                " display_name = excluded.display_name, updated_at = excluded.updated_at"
                " WHERE members.display_name IS NOT excluded.display_name",
                (platform, workspace, member_id, name, utc_timestamp(now)),
            )
            await conn.execute(
                "UPDATE notes SET author_name = ? WHERE platform = ? AND workspace = ?"
                " AND author_id = ? AND author_name = author_id",
                (name, platform, workspace, member_id),
            )

    async def get(self, platform: str, workspace: str, member_id: str) -> MemberRecord | None:
        rows = await self._db.conn.execute_fetchall(
            "SELECT * FROM members WHERE platform = ? AND workspace = ? AND member_id = ?",
            (platform, workspace, member_id),
        )
        return next((_record(r) for r in rows), None)

    async def find(self, platform: str, workspace: str, ref: str) -> list[MemberRecord]:
        """Members whose id is ``ref`` or whose display name is ``ref`` (case-insensitive).

        An exact id wins over name matches, so a platform mention always resolves to one
        member; a name can be shared, and the caller reports the ambiguity.
        """
        by_id = await self.get(platform, workspace, ref)
        if by_id is not None:
            return [by_id]
        rows = await self._db.conn.execute_fetchall(
            "SELECT * FROM members WHERE platform = ? AND workspace = ?"
            " AND display_name = ? COLLATE NOCASE ORDER BY member_id",
            (platform, workspace, ref),
        )
        return [_record(r) for r in rows]

    async def names(
        self, platform: str, workspace: str, member_ids: Iterable[str]
    ) -> dict[str, str]:
        """Display names by member id (ids never seen are left out)."""
        ids = list(dict.fromkeys(member_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self._db.conn.execute_fetchall(
            f"SELECT member_id, display_name FROM members WHERE platform = ? AND workspace = ?"
            f" AND member_id IN ({marks})",
            (platform, workspace, *ids),
        )
        return {r["member_id"]: r["display_name"] for r in rows}


def _record(r: sqlite3.Row) -> MemberRecord:
    return MemberRecord(r["platform"], r["workspace"], r["member_id"], r["display_name"])
