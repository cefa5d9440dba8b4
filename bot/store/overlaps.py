"""Paper x topic overlaps and the cached industry flags of papers.

Overlaps are recomputed wholesale for a set of papers (the matcher is fast), so a topic added
or edited today also sees last week's papers; flags are the detector's output, cached so status,
exports and cards can show labs without re-running detection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.store.db import Database, utc_timestamp


@dataclass(frozen=True, slots=True)
class TermHitRow:
    """One matched term of an overlap: the term, where it hit (title/abstract), how often."""

    term: str
    field: str
    count: int


@dataclass(frozen=True, slots=True)
class OverlapRow:
    """A paper matched a topic."""

    paper_key: str
    topic_id: int
    score: float
    terms: tuple[TermHitRow, ...]


@dataclass(frozen=True, slots=True)
class StoredFlag:
    """An industry flag as cached in ``paper_flags`` (same fields as ``bot.industry.Flag``)."""

    company: str
    lab: str | None
    evidence: str
    via: str
    confidence: float
    author: str | None = None


class FlagLike(Protocol):
    """What the store needs from a detector flag."""

    @property
    def company(self) -> str: ...
    @property
    def lab(self) -> str | None: ...
    @property
    def evidence(self) -> str: ...
    @property
    def via(self) -> str: ...
    @property
    def confidence(self) -> float: ...


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class OverlapStore:
    """Reads and writes ``overlaps`` and ``paper_flags``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def replace_for_papers(
        self, keys: Iterable[str], rows: Iterable[OverlapRow], now: datetime
    ) -> int:
        """Replace every overlap of ``keys`` with ``rows`` in one transaction.

        Rows naming a topic deleted meanwhile are dropped (not a foreign-key failure).
        Returns the number of rows stored.
        """
        key_list = list(dict.fromkeys(keys))
        stored = 0
        async with self.db.transaction() as conn:
            for chunk in _chunks(key_list):
                marks = ",".join("?" * len(chunk))
                await conn.execute(f"DELETE FROM overlaps WHERE paper_key IN ({marks})", chunk)
            for row in rows:
                terms = json.dumps(
                    [{"term": t.term, "field": t.field, "count": t.count} for t in row.terms]
                )
                cur = await conn.execute(
                    """
                    INSERT OR REPLACE INTO overlaps (paper_key, topic_id, score, terms, computed_at)
                    SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM topics WHERE id = ?)
                    """,
                    (row.paper_key, row.topic_id, row.score, terms, utc_timestamp(now),
                     row.topic_id),
                )
                stored += max(cur.rowcount, 0)
        return stored

    async def for_papers(
        self, keys: Iterable[str], topic_ids: Iterable[int] | None = None
    ) -> dict[str, list[OverlapRow]]:
        """Overlaps of ``keys`` (optionally only for ``topic_ids``), best score first."""
        wanted_topics = None if topic_ids is None else set(topic_ids)
        out: dict[str, list[OverlapRow]] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            marks = ",".join("?" * len(chunk))
            rows = await self.db.conn.execute_fetchall(
                f"SELECT * FROM overlaps WHERE paper_key IN ({marks}) ORDER BY score DESC",
                chunk,
            )
            for r in rows:
                if wanted_topics is not None and r["topic_id"] not in wanted_topics:
                    continue
                out.setdefault(r["paper_key"], []).append(_overlap(r))
        return out

    async def save_flags(
        self, flags: Mapping[str, Sequence[FlagLike]], now: datetime
    ) -> None:
        """Replace the cached flags of each given paper (an empty list clears them)."""
        async with self.db.transaction() as conn:
            for key, paper_flags in flags.items():
                await conn.execute("DELETE FROM paper_flags WHERE paper_key = ?", (key,))
                for f in paper_flags:
                    await conn.execute(
                        """
                        INSERT INTO paper_flags (paper_key, company, lab, evidence, via,
                                                 confidence, author, computed_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        (key, f.company, f.lab, f.evidence, str(f.via), float(f.confidence),
                         getattr(f, "author", None), utc_timestamp(now)),
                    )

    async def flags_for(self, keys: Iterable[str]) -> dict[str, list[StoredFlag]]:
        """Cached flags per paper key (papers never detected are absent)."""
        out: dict[str, list[StoredFlag]] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            marks = ",".join("?" * len(chunk))
            rows = await self.db.conn.execute_fetchall(
                f"SELECT * FROM paper_flags WHERE paper_key IN ({marks}) ORDER BY id", chunk
            )
            for r in rows:
                out.setdefault(r["paper_key"], []).append(
                    StoredFlag(r["company"], r["lab"], r["evidence"], r["via"],
                               r["confidence"], r["author"])
                )
        return out

    async def labs_for(self, keys: Iterable[str]) -> dict[str, list[tuple[str, str | None]]]:
        """``(company, lab)`` of each paper's cached flags, most confident first (papers never
        flagged are absent); ``{}`` on a database whose flag table is not migrated yet, so a
        notes export never fails for want of lab names."""
        out: dict[str, list[tuple[str, str | None]]] = {}
        for chunk in _chunks(list(dict.fromkeys(keys))):
            marks = ",".join("?" * len(chunk))
            try:
                rows = await self.db.conn.execute_fetchall(
                    f"SELECT paper_key, company, lab FROM paper_flags WHERE paper_key IN ({marks})"
                    " ORDER BY paper_key, confidence DESC, id",
                    chunk,
                )
            except sqlite3.OperationalError:
                return {}
            for r in rows:
                out.setdefault(r["paper_key"], []).append((r["company"], r["lab"]))
        return out

    async def paper_keys(self) -> list[str]:
        """Every paper that overlaps some topic (the enrichment candidates)."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT DISTINCT paper_key FROM overlaps ORDER BY paper_key"
        )
        return [r[0] for r in rows]

    async def count(self) -> int:
        rows = await self.db.conn.execute_fetchall("SELECT count(*) FROM overlaps")
        return int(next(iter(rows))[0])


def _overlap(r: sqlite3.Row) -> OverlapRow:
    raw = json.loads(r["terms"])
    terms = tuple(TermHitRow(t["term"], t["field"], int(t["count"])) for t in raw)
    return OverlapRow(r["paper_key"], int(r["topic_id"]), float(r["score"]), terms)
