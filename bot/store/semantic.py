"""Cached paper embeddings and topics' seed papers, for the optional semantic extra.

Vectors are kept as bytes (little-endian float32) so the store never needs numpy, which only
the extra installs. A digest asks for the vectors it needs, embeds only the papers missing (or
whose text changed) and stores them: each paper is embedded once per model.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Database, utc_timestamp

_CHUNK = 500  # keys per IN (...) list, well under SQLite's variable limit


@dataclass(frozen=True, slots=True)
class StoredVector:
    """One cached embedding: the hash of the text it was made from, and its float32 bytes."""

    paper_key: str
    text_hash: str
    dim: int
    vector: bytes


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class SemanticStore:
    """Reads and writes ``paper_embeddings`` and ``topic_seeds``; reads a topic's matches."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def vectors(self, keys: Iterable[str], model: str) -> dict[str, StoredVector]:
        """The cached vectors of ``keys`` made by ``model``."""
        found: dict[str, StoredVector] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            marks = ",".join("?" * len(chunk))
            rows = await self.db.conn.execute_fetchall(
                "SELECT paper_key, text_hash, dim, vector FROM paper_embeddings"
                f" WHERE model = ? AND paper_key IN ({marks})",
                (model, *chunk),
            )
            for row in rows:
                found[row["paper_key"]] = StoredVector(row["paper_key"], row["text_hash"],
                                                       row["dim"], bytes(row["vector"]))
        return found

    async def save_vectors(self, model: str, vectors: Sequence[StoredVector],
                           now: datetime) -> None:
        """Store (or replace, when the text changed) vectors made by ``model``."""
        if not vectors:
            return
        stamp = utc_timestamp(now)
        async with self.db.transaction() as conn:
            await conn.executemany(
                "INSERT OR REPLACE INTO paper_embeddings"
                " (paper_key, model, text_hash, dim, vector, created_at)"
                " SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM papers WHERE key = ?)",
                [(v.paper_key, model, v.text_hash, v.dim, v.vector, stamp, v.paper_key)
                 for v in vectors],
            )

    async def count(self, model: str | None = None) -> int:
        """How many vectors are cached (of one model, or all)."""
        sql = "SELECT count(*) FROM paper_embeddings"
        rows = await self.db.conn.execute_fetchall(
            sql + (" WHERE model = ?" if model else ""), (model,) if model else ())
        return int(next(iter(rows))[0])

    async def matched_keys(self, topic_ids: Iterable[int], limit: int) -> dict[int, list[str]]:
        """Per topic, the keys of the papers it matched (``overlaps``), newest ``limit`` first:
        what its centroid is made of, with its seeds."""
        found: dict[int, list[str]] = {}
        for topic_id in dict.fromkeys(topic_ids):
            rows = await self.db.conn.execute_fetchall(
                "SELECT o.paper_key FROM overlaps o JOIN papers p ON p.key = o.paper_key"
                " WHERE o.topic_id = ? ORDER BY p.announced DESC, o.paper_key LIMIT ?",
                (topic_id, limit),
            )
            found[topic_id] = [row[0] for row in rows]
        return found

    async def add_seeds(self, topic_id: int, keys: Sequence[str], now: datetime) -> int:
        """Add seed papers to a topic; returns how many were new."""
        stamp = utc_timestamp(now)
        added = 0
        async with self.db.transaction() as conn:
            for key in dict.fromkeys(keys):
                cur = await conn.execute(
                    "INSERT OR IGNORE INTO topic_seeds (topic_id, paper_key, added_at)"
                    " VALUES (?, ?, ?)", (topic_id, key, stamp))
                added += max(cur.rowcount, 0)
        return added

    async def seeds(self, topic_ids: Iterable[int]) -> dict[int, list[str]]:
        """Per topic, its seed papers' keys in the order they were added."""
        ids = list(dict.fromkeys(topic_ids))
        found: dict[int, list[str]] = {i: [] for i in ids}
        if not ids:
            return found
        marks = ",".join("?" * len(ids))
        rows: Iterable[sqlite3.Row] = await self.db.conn.execute_fetchall(
            f"SELECT topic_id, paper_key FROM topic_seeds WHERE topic_id IN ({marks})"
            " ORDER BY added_at, rowid", ids)
        for row in rows:
            found[row[0]].append(row[1])
        return found
