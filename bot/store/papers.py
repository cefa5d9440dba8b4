"""``PaperStore``: batch upserts of parsed papers, reads, and the enrichment retry log.

An ingest run is one transaction: the batch's stored rows are fetched in a few ``IN`` queries,
merged in memory (``bot.store.merge``), and only what changed is written with ``executemany``.
Re-ingesting the same data is a no-op (every paper "unchanged", ``last_changed`` untouched).
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar

from bot.models import AnnounceType, Paper
from bot.store.db import Database, parse_timestamp, utc_timestamp
from bot.store.merge import PaperRecord, merge_record
from bot.store.paper_rows import (
    INSERT_AFFILIATION,
    INSERT_AUTHOR,
    INSERT_PAPER,
    UPDATE_PAPER,
    author_rows,
    chunks,
    load_records,
    paper_row,
)
from bot.twins import Identity, same_identity, title_key

__all__ = ["Attempt", "AttemptOutcome", "ListingState", "PaperStore", "UpsertCounts"]

ABSTRACT, NO_ABSTRACT = "abstract", "'' AS abstract"
TITLE, NO_TITLE = "title", "'' AS title"
TEXT_PAGE = 2000  # papers per page of iter_texts: a few MB of titles and abstracts
TWIN_PAGE = 500  # papers per page of stored_twins


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    """Outcome of one ``upsert_papers`` call, per distinct key in the batch."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged


@dataclass(frozen=True, slots=True)
class ListingState:
    """Where the stored papers of some announce types stand: the newest announcement date, how
    many there are, and the latest ``last_changed`` (opaque text, only ever compared)."""

    newest: date | None
    count: int
    changed: str | None


class AttemptOutcome(StrEnum):
    """What an enrichment source answered for one paper."""

    FOUND = "found"  # done, never asked again
    NOT_FOUND = "not_found"  # may appear later (OpenAlex lags arXiv): retried daily
    ERROR = "error"  # the request failed: retried like not_found


@dataclass(frozen=True, slots=True)
class Attempt:
    """The enrichment log entry of one (paper, source)."""

    key: str
    source: str
    first_tried_at: datetime
    last_tried_at: datetime
    attempts: int
    outcome: AttemptOutcome
    detail: str | None


class PaperStore:
    """Papers with their authors and per-source affiliations."""

    # Upserts that changed something, per open database (every PaperStore on it shares it).
    _writes: ClassVar[weakref.WeakKeyDictionary[Database, int]] = weakref.WeakKeyDictionary()

    def __init__(self, db: Database) -> None:
        self.db = db

    async def version(self) -> tuple[int, int]:
        """A value that changes whenever stored papers may have changed: this process's
        upserts that changed a row, and SQLite's ``data_version`` (bumped by every commit of
        another connection, such as a ``scoopwatch ingest`` running beside the bot). Lets a
        caller keep work derived from the papers until they change."""
        rows = await self.db.conn.execute_fetchall("PRAGMA data_version")
        return self._writes.get(self.db, 0), int(next(iter(rows))[0])

    async def upsert_papers(
        self, papers: Iterable[Paper], *, now: datetime | None = None
    ) -> UpsertCounts:
        """Insert or merge ``papers`` in one transaction (rules in ``bot.store.merge``).

        A key repeated within the batch is merged in order and counted once.
        """
        batch = list(papers)
        if not batch:
            return UpsertCounts()
        stamp = utc_timestamp(now)
        async with self.db.transaction() as conn:
            stored = await load_records(conn, [p.key for p in batch])
            merged: dict[str, PaperRecord] = {}
            for paper in batch:
                base = merged.get(paper.key) or stored.get(paper.key)
                merged[paper.key] = merge_record(base, paper)
            inserts: list[tuple[Any, ...]] = []
            updates: list[tuple[Any, ...]] = []
            rewrite: list[str] = []
            authors: list[tuple[Any, ...]] = []
            affiliations: list[tuple[Any, ...]] = []
            unchanged = 0
            for key, rec in merged.items():
                old = stored.get(key)
                row = paper_row(rec)
                if old is None:
                    inserts.append((*row, stamp, stamp))
                elif rec.paper.authors != old.paper.authors:
                    rewrite.append(key)
                    updates.append((*row[1:], stamp, key))
                elif row != paper_row(old):
                    updates.append((*row[1:], stamp, key))
                    continue
                else:
                    unchanged += 1
                    continue
                au, af = author_rows(rec.paper)
                authors.extend(au)
                affiliations.extend(af)
            await conn.executemany(INSERT_PAPER, inserts)
            await conn.executemany(UPDATE_PAPER, updates)
            delete = [(k,) for k in rewrite]
            await conn.executemany("DELETE FROM affiliations WHERE paper_key = ?", delete)
            await conn.executemany("DELETE FROM authors WHERE paper_key = ?", delete)
            await conn.executemany(INSERT_AUTHOR, authors)
            await conn.executemany(INSERT_AFFILIATION, affiliations)
        if inserts or updates:
            self._writes[self.db] = self._writes.get(self.db, 0) + 1
        return UpsertCounts(new=len(inserts), updated=len(updates), unchanged=unchanged)

    async def get(self, key: str) -> Paper | None:
        return (await self.get_many([key])).get(key)

    async def get_many(self, keys: Iterable[str]) -> dict[str, Paper]:
        """Papers by key; keys not stored are simply absent from the result."""
        records = await load_records(self.db.conn, keys)
        return {k: r.paper for k, r in records.items()}

    async def iter_papers(
        self,
        since: date | None = None,
        until: date | None = None,
        announce_types: Collection[AnnounceType] | None = None,
    ) -> list[Paper]:
        """Papers whose first announcement is in [since, until] (inclusive) and of one of
        ``announce_types``; ordered by announced date then key (unannounced ones last)."""
        where, args = [], []
        if since is not None:
            where.append("announced >= ?")
            args.append(since.isoformat())
        if until is not None:
            where.append("announced <= ?")
            args.append(until.isoformat())
        if announce_types is not None:
            types = [str(t) for t in announce_types]
            if not types:
                return []
            where.append(f"announce_type IN ({', '.join('?' * len(types))})")
            args.extend(types)
        sql = "SELECT key FROM papers"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = await self.db.conn.execute_fetchall(
            sql + " ORDER BY announced IS NULL, announced, key", args
        )
        keys = [r[0] for r in rows]
        found = await self.get_many(keys)
        return [found[k] for k in keys if k in found]

    async def iter_texts(
        self,
        since: date | None,
        until: date | None,
        announce_types: Collection[AnnounceType],
        *,
        size: int = TEXT_PAGE,
        abstracts: bool = True,
        titles: bool = True,
    ) -> AsyncIterator[list[Paper]]:
        """What topic matching reads of the papers ``iter_papers`` would return, ``size`` at a
        time: key, title (unless not ``titles``), abstract (unless not ``abstracts``),
        announcement date and type; no authors. A week of papers at university scale is tens
        of thousands: matching them page by page keeps memory flat, and skipping the authors
        makes the reading several times cheaper. Without titles and abstracts (what a digest
        window selects by: keys and dates) a week's papers take a few MB."""
        types = [str(t) for t in announce_types]
        if not types:
            return
        where = [f"announce_type IN ({', '.join('?' * len(types))})"]
        args: list[Any] = list(types)
        if since is not None:
            where.append("announced >= ?")
            args.append(since.isoformat())
        if until is not None:
            where.append("announced <= ?")
            args.append(until.isoformat())
        after = ""
        while True:
            rows = list(await self.db.conn.execute_fetchall(
                f"SELECT key, {TITLE if titles else NO_TITLE},"
                f" {ABSTRACT if abstracts else NO_ABSTRACT},"
                " announced, announce_type FROM papers WHERE "
                + " AND ".join([*where, "key > ?"]) + " ORDER BY key LIMIT ?",
                [*args, after, size],
            ))
            if not rows:
                return
            yield [_text(r) for r in rows]
            after = rows[-1]["key"]

    async def texts_for(self, keys: Iterable[str]) -> list[Paper]:
        """``iter_texts``' view of the stored papers among ``keys``."""
        found: list[Paper] = []
        for chunk in chunks(list(dict.fromkeys(keys))):
            rows = await self.db.conn.execute_fetchall(
                "SELECT key, title, abstract, announced, announce_type FROM papers"
                f" WHERE key IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            found += (_text(r) for r in rows)
        return found

    async def count(self) -> int:
        rows = await self.db.conn.execute_fetchall("SELECT count(*) FROM papers")
        return int(next(iter(rows))[0])

    async def listing_state(self, announce_types: Collection[AnnounceType]) -> ListingState:
        """The state of the papers of ``announce_types`` in one aggregate query: enough for a
        cache of them (topic previews) to tell it is stale without reading every paper."""
        types = [str(t) for t in announce_types]
        rows = await self.db.conn.execute_fetchall(
            "SELECT max(announced), count(*), max(last_changed) FROM papers"
            f" WHERE announce_type IN ({', '.join('?' * len(types))})",
            types,
        )
        newest, count, changed = next(iter(rows))
        return ListingState(date.fromisoformat(newest) if newest else None, int(count), changed)

    async def keys_needing_enrichment(
        self,
        source: str,
        now: datetime,
        retry_days: int = 5,
        *,
        keys: Collection[str] | None = None,
        retry_interval: timedelta = timedelta(hours=20),
        limit: int | None = None,
    ) -> list[str]:
        """Keys ``source`` should be asked about now, ordered by announced date then key.

        Never tried → due. ``found`` → never again. ``not_found``/``error`` → due again once
        ``retry_interval`` has passed since the last try (20 h: "daily" for a nightly job whose
        start time jitters), until ``retry_days`` after the paper was announced (or first seen,
        when the announcement date is unknown); then we give up. ``keys`` restricts the check
        to candidates (e.g. papers that matched a topic).
        """
        now = parse_timestamp(utc_timestamp(now))
        sql = (
            "SELECT p.key, p.announced, p.first_seen, a.outcome, a.last_tried_at "
            "FROM papers p LEFT JOIN paper_source_attempts a "
            "ON a.paper_key = p.key AND a.source = ? "
            "WHERE (a.outcome IS NULL OR a.outcome != 'found')"
        )
        if keys is None:
            rows = list(await self.db.conn.execute_fetchall(sql, [source]))
        else:
            rows = []
            for chunk in chunks(list(dict.fromkeys(keys))):
                rows += await self.db.conn.execute_fetchall(
                    f"{sql} AND p.key IN ({', '.join('?' * len(chunk))})", [source, *chunk]
                )
        due: list[tuple[str, str]] = []
        for r in rows:
            if r["outcome"] is not None:
                if now - parse_timestamp(r["last_tried_at"]) < retry_interval:
                    continue
                start = (
                    datetime.combine(date.fromisoformat(r["announced"]), time(), UTC)
                    if r["announced"]
                    else parse_timestamp(r["first_seen"])
                )
                if now >= start + timedelta(days=retry_days):
                    continue
            due.append((r["announced"] or "9999", r["key"]))
        due.sort()
        result = [k for _, k in due]
        return result[:limit] if limit is not None else result

    async def record_attempt(
        self,
        key: str,
        source: str,
        outcome: AttemptOutcome | str,
        detail: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Log that ``source`` was asked about ``key`` and what it answered.

        Raises ``KeyError`` for a key that is not stored.
        """
        outcome = AttemptOutcome(outcome)
        stamp = utc_timestamp(now)
        try:
            async with self.db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO paper_source_attempts "
                    "(paper_key, source, first_tried_at, last_tried_at, attempts, outcome, detail)"
                    " VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (paper_key, source) DO UPDATE SET"
                    " last_tried_at = excluded.last_tried_at, attempts = attempts + 1,"
                    " outcome = excluded.outcome, detail = excluded.detail",
                    (key, str(source), stamp, stamp, str(outcome), detail),
                )
        except sqlite3.IntegrityError as exc:
            raise KeyError(f"no stored paper {key!r} to record a {source} attempt for") from exc

    async def attempt(self, key: str, source: str) -> Attempt | None:
        """The enrichment log entry for (key, source), if any."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM paper_source_attempts WHERE paper_key = ? AND source = ?",
            (key, str(source)),
        )
        for r in rows:
            return Attempt(
                key=r["paper_key"],
                source=r["source"],
                first_tried_at=parse_timestamp(r["first_tried_at"]),
                last_tried_at=parse_timestamp(r["last_tried_at"]),
                attempts=r["attempts"],
                outcome=AttemptOutcome(r["outcome"]),
                detail=r["detail"],
            )
        return None

    # --- the same work under two keys (bot.twins) ----------------------------------------

    async def fill_title_keys(self, batch: int = 5000) -> int:
        """Give rows written before titles had keys (migration 009) theirs; returns how many.
        A title too short to have one gets "" (NULL means not computed yet)."""
        filled = 0
        while True:
            rows = list(await self.db.conn.execute_fetchall(
                "SELECT key, title FROM papers WHERE title_key IS NULL LIMIT ?", (batch,)))
            if not rows:
                return filled
            async with self.db.transaction() as conn:
                await conn.executemany("UPDATE papers SET title_key = ? WHERE key = ?",
                                       [(title_key(r["title"]) or "", r["key"]) for r in rows])
            filled += len(rows)

    async def find_twins(self, papers: Sequence[Paper]) -> dict[str, list[tuple[str, str]]]:
        """For each of ``papers``, the stored papers that are the same work under another key,
        with why (``bot.twins.same_work``): {key: [(twin key, reason), ...]}; papers without
        a twin are absent."""
        return await self._twins([Identity.of(p) for p in papers])

    async def stored_twins(self, keys: Iterable[str], *, size: int = TWIN_PAGE
                           ) -> AsyncIterator[dict[str, list[tuple[str, str]]]]:
        """``find_twins`` for stored papers, read by key, ``size`` papers a page. Only what
        identifies a work is read (``bot.twins.Identity``), not the full records; the papers
        are taken in title-key order, so the twins of a page are mostly in it and each page
        reads few papers besides its own (a week at university scale is tens of thousands)."""
        wanted = list(dict.fromkeys(keys))
        titled: list[tuple[str, str]] = []
        for chunk in chunks(wanted):
            rows = await self.db.conn.execute_fetchall(
                f"SELECT coalesce(title_key, ''), key FROM papers"
                f" WHERE key IN ({', '.join('?' * len(chunk))})", chunk)
            titled += ((r[0], r[1]) for r in rows)
        titled.sort()
        for start in range(0, len(titled), size):
            page = [key for _title, key in titled[start:start + size]]
            yield await self._twins(list((await self._identities(page)).values()))

    async def _twins(self, probes: Sequence[Identity]) -> dict[str, list[tuple[str, str]]]:
        dois = {form for p in probes if p.doi
                for form in (p.doi, p.doi.lower(), p.doi.upper())}  # as stored, indexed
        ids = {i for p in probes for i in p.ids}
        titles = {p.title for p in probes if p.title}
        clauses = (("doi", dois), ("arxiv_id", ids), ("key", ids), ("title_key", titles))
        keys: set[str] = set()
        for column, values in clauses:
            for chunk in chunks(sorted(values)):
                rows = await self.db.conn.execute_fetchall(
                    f"SELECT key FROM papers WHERE {column} IN ({', '.join('?' * len(chunk))})",
                    list(chunk))
                keys.update(r[0] for r in rows)
        stored = await self._identities(keys)
        by: dict[str, list[str]] = {}  # each DOI, arXiv id and title key -> stored keys
        for other in stored.values():
            for mark in other.marks():
                by.setdefault(mark, []).append(other.key)
        found: dict[str, list[tuple[str, str]]] = {}
        for probe in probes:
            near = sorted({key for mark in probe.marks() for key in by.get(mark, ())})
            for key in near:
                reason = same_identity(probe, stored[key])
                if reason is not None:
                    found.setdefault(probe.key, []).append((key, reason))
        return found

    async def _identities(self, keys: Iterable[str]) -> dict[str, Identity]:
        """What tells two versions of a work apart (``bot.twins.Identity``), by key. A week's
        digest window compares every candidate with its possible twins: reading them in full
        (affiliations, e-mails, JSON fields) would cost several times the time and memory."""
        found: dict[str, Identity] = {}
        for chunk in chunks(list(dict.fromkeys(keys))):
            marks = ", ".join("?" * len(chunk))
            names: dict[str, list[str]] = {}
            for r in await self.db.conn.execute_fetchall(
                    f"SELECT paper_key, name FROM authors WHERE paper_key IN ({marks})", chunk):
                names.setdefault(r[0], []).append(r[1])
            for r in await self.db.conn.execute_fetchall(
                    f"SELECT key, title, doi, arxiv_id FROM papers WHERE key IN ({marks})",
                    chunk):
                found[r[0]] = Identity.of(Paper(key=r[0], title=r[1], doi=r[2], arxiv_id=r[3]),
                                          names.get(r[0], ()))
        return found

    # --- reads for the lab registry's suggestions ------------------------------------------

    async def with_affiliations_since(self, since: date) -> list[Paper]:
        """Papers announced (or, without an announcement, first stored) on or after ``since``
        that carry an affiliation or an e-mail from any source, newest first: what the
        detector can read when it looks for companies the registry does not list."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT p.key FROM papers p "
            "WHERE coalesce(p.announced, substr(p.first_seen, 1, 10)) >= ? AND ("
            "EXISTS (SELECT 1 FROM affiliations a WHERE a.paper_key = p.key) OR "
            "EXISTS (SELECT 1 FROM authors u WHERE u.paper_key = p.key AND u.emails <> '[]')) "
            "ORDER BY coalesce(p.announced, substr(p.first_seen, 1, 10)) DESC, p.key",
            (since.isoformat(),))
        keys = [r[0] for r in rows]
        found = await self.get_many(keys)
        return [found[k] for k in keys if k in found]


def _text(r: Any) -> Paper:
    """A paper as ``iter_texts`` reads it (no authors, no other fields)."""
    return Paper(
        key=r["key"],
        title=r["title"],
        abstract=r["abstract"],
        announced=_day(r["announced"]) if r["announced"] else None,
        announce_type=AnnounceType(r["announce_type"]) if r["announce_type"] else None,
    )


@lru_cache(maxsize=64)
def _day(text: str) -> date:
    """One date object per announcement day: a window's papers share a handful of days."""
    return date.fromisoformat(text)
