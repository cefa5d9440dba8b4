"""Query suggestions sent to topic owners: one per topic and query, ever.

The row is claimed before the suggestion is posted, so two 👎 arriving together send one; a
post that fails releases it, so a later 👎 tries again. Editing the query starts over: the
new query has not been suggested anything yet.
"""

from __future__ import annotations

from datetime import datetime

from bot.store.db import Database, utc_timestamp


class TopicSuggestionStore:
    """Claims and releases the one suggestion of a topic's query."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def sent(self, topic_id: int, query: str) -> bool:
        rows = await self._db.conn.execute_fetchall(
            "SELECT 1 FROM topic_suggestions WHERE topic_id = ? AND query = ?",
            (topic_id, query),
        )
        return bool(list(rows))

    async def claim(self, topic_id: int, query: str, channel_id: str, now: datetime) -> bool:
        """Take the suggestion of ``query``; False when it was taken already."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO topic_suggestions (topic_id, query, channel_id, sent_at)"
                " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM topics WHERE id = ?)",
                (topic_id, query, channel_id, utc_timestamp(now), topic_id),
            )
            return cur.rowcount == 1

    async def release(self, topic_id: int, query: str) -> None:
        """Give a claim back (its post failed), so the next 👎 may send it."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM topic_suggestions WHERE topic_id = ? AND query = ?",
                (topic_id, query),
            )
