"""``SourceState``: small JSON values per source (cursors, ETags, last announcement seen).

Fetchers keep their resumable state here so a restart continues where the last run stopped
instead of re-downloading or, worse, skipping a day.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.store.db import Database, utc_timestamp

__all__ = ["SourceState"]


class SourceState:
    """Key/value store scoped by source name; values are anything ``json.dumps`` accepts."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, source: str, key: str, default: Any = None) -> Any:
        rows = await self.db.conn.execute_fetchall(
            "SELECT value FROM source_state WHERE source = ? AND key = ?", (source, key)
        )
        for r in rows:
            return json.loads(r[0])
        return default

    async def set(self, source: str, key: str, value: Any, *, now: datetime | None = None) -> None:
        """Store ``value`` (``TypeError`` if it is not JSON-serialisable, before any write)."""
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO source_state (source, key, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, key) DO UPDATE SET "
                "value = excluded.value, updated_at = excluded.updated_at",
                (source, key, text, utc_timestamp(now)),
            )

    async def delete(self, source: str, key: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM source_state WHERE source = ? AND key = ?", (source, key)
            )

    async def all(self, source: str) -> dict[str, Any]:
        """Every key of one source, e.g. for ``scoopwatch status``."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT key, value FROM source_state WHERE source = ? ORDER BY key", (source,)
        )
        return {r[0]: json.loads(r[1]) for r in rows}
