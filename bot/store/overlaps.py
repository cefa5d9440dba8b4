"""Paper x topic overlaps and the cached industry flags of papers.

Overlaps are recomputed wholesale for a set of papers (the matcher is fast), so a topic added
or edited today also sees last week's papers; flags are the detector's output, cached so status,
exports and cards can show labs without re-running detection.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from array import array
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
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


class PackedOverlaps(Mapping[str, tuple[OverlapRow, ...]]):
    """Overlaps per paper key, as ``OverlapStore.for_papers`` reads them (best score first),
    packed: topic ids and scores in two flat arrays, each paper a span of them. A digest
    window keeps a week's overlaps (tens of thousands) while a hundred digests compose; as
    row objects with a list per paper they took four times the memory. Rows are made again
    when a paper's overlaps are read, equal to the stored ones."""

    __slots__ = ("_scores", "_spans", "_terms", "_topics")

    def __init__(self) -> None:
        self._spans: dict[str, int] = {}  # key -> first row << 32 | row count
        self._topics = array("q")
        self._scores = array("d")
        self._terms: dict[str, tuple[tuple[TermHitRow, ...], ...]] = {}  # explained rows only

    def add(self, key: str, rows: Sequence[tuple[int, float, tuple[TermHitRow, ...]]]) -> None:
        """Keep ``rows`` (topic id, score, terms) as ``key``'s overlaps, in this order."""
        if not rows or key in self._spans:
            raise ValueError(f"overlaps of {key!r}: none given, or given twice")
        self._spans[key] = len(self._topics) << 32 | len(rows)
        self._topics.extend(topic for topic, _score, _terms in rows)
        self._scores.extend(score for _topic, score, _terms in rows)
        if any(terms for _topic, _score, terms in rows):
            self._terms[key] = tuple(terms for _topic, _score, terms in rows)

    def __getitem__(self, key: str) -> tuple[OverlapRow, ...]:
        span = self._spans[key]
        start, count = span >> 32, span & 0xFFFFFFFF
        terms = self._terms.get(key)
        return tuple(OverlapRow(key, self._topics[i], self._scores[i],
                                terms[i - start] if terms else ())
                     for i in range(start, start + count))

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)

    def __contains__(self, key: object) -> bool:
        return key in self._spans


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
        stamp = utc_timestamp(now)
        values = [
            (row.paper_key, row.topic_id, row.score, _terms_json(row.terms), stamp, row.topic_id)
            for row in rows
        ]
        async with self.db.transaction() as conn:
            for chunk in _chunks(key_list):
                marks = ",".join("?" * len(chunk))
                await conn.execute(f"DELETE FROM overlaps WHERE paper_key IN ({marks})", chunk)
            cur = await conn.executemany(
                """
                INSERT OR REPLACE INTO overlaps (paper_key, topic_id, score, terms, computed_at)
                SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM topics WHERE id = ?)
                """,
                values,
            )
        return max(cur.rowcount, 0)

    async def for_papers(
        self, keys: Iterable[str], topic_ids: Iterable[int] | None = None
    ) -> dict[str, list[OverlapRow]]:
        """Overlaps of ``keys`` (optionally only for ``topic_ids``), best score first.

        Catch-all topics make this tens of thousands of rows a digest: they are decoded in a
        worker thread so the event loop keeps serving commands and notes.
        """
        wanted_topics = None if topic_ids is None else frozenset(topic_ids)
        out: dict[str, list[OverlapRow]] = {}
        async for rows in self._rows_of(keys):
            out.update(await asyncio.to_thread(_by_paper, rows, wanted_topics))
        return out

    async def packed_for_papers(self, keys: Iterable[str]) -> PackedOverlaps:
        """``for_papers(keys)``, packed (``PackedOverlaps``): what a digest window keeps."""
        out = PackedOverlaps()
        async for rows in self._rows_of(keys):
            await asyncio.to_thread(_pack, rows, out)
        return out

    async def _rows_of(self, keys: Iterable[str]) -> AsyncIterator[Iterable[sqlite3.Row]]:
        """The overlap rows of ``keys``, best score first, a chunk of keys at a time."""
        for chunk in _chunks(list(dict.fromkeys(keys))):
            marks = ",".join("?" * len(chunk))
            yield await self.db.conn.execute_fetchall(
                "SELECT paper_key, topic_id, score, terms FROM overlaps"
                f" WHERE paper_key IN ({marks}) ORDER BY score DESC",
                chunk,
            )

    async def save_flags(
        self, flags: Mapping[str, Sequence[FlagLike]], now: datetime
    ) -> None:
        """Replace the cached flags of each given paper (an empty list clears them)."""
        stamp = utc_timestamp(now)
        rows = [
            (key, f.company, f.lab, f.evidence, str(f.via), float(f.confidence),
             getattr(f, "author", None), stamp)
            for key, paper_flags in flags.items()
            for f in paper_flags
        ]
        async with self.db.transaction() as conn:
            await conn.executemany("DELETE FROM paper_flags WHERE paper_key = ?",
                                   [(key,) for key in flags])
            await conn.executemany(
                """
                INSERT INTO paper_flags (paper_key, company, lab, evidence, via,
                                         confidence, author, computed_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                rows,
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


def _by_paper(rows: Iterable[sqlite3.Row], topic_ids: frozenset[int] | None
              ) -> dict[str, list[OverlapRow]]:
    """Rows per paper; a paper's rows share one key string (a digest window holds a week's
    overlaps, tens of thousands of rows for a few thousand papers)."""
    out: dict[str, list[OverlapRow]] = {}
    for r in rows:
        if topic_ids is None or r["topic_id"] in topic_ids:
            found = out.get(r["paper_key"])
            if found is None:
                out[r["paper_key"]] = [_overlap(r)]
            else:
                found.append(_overlap(r, found[0].paper_key))
    return out


def _pack(rows: Iterable[sqlite3.Row], out: PackedOverlaps) -> None:
    """Rows (one chunk of papers, best score first) into ``out``, each paper's in order."""
    grouped: dict[str, list[tuple[int, float, tuple[TermHitRow, ...]]]] = {}
    for r in rows:
        grouped.setdefault(r["paper_key"], []).append(
            (int(r["topic_id"]), float(r["score"]), _hits(r["terms"])))
    for key, found in grouped.items():
        out.add(key, found)


def _terms_json(terms: Sequence[TermHitRow]) -> str:
    if not terms:  # overlaps are stored unexplained (see bot.core.ingest.pipeline)
        return "[]"
    return json.dumps([{"term": t.term, "field": t.field, "count": t.count} for t in terms])


def _hits(text: str) -> tuple[TermHitRow, ...]:
    raw = json.loads(text) if text != "[]" else ()
    return tuple(TermHitRow(t["term"], t["field"], int(t["count"])) for t in raw)


def _overlap(r: sqlite3.Row, key: str | None = None) -> OverlapRow:
    return OverlapRow(key or r["paper_key"], int(r["topic_id"]), float(r["score"]),
                      _hits(r["terms"]))
