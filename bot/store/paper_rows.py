"""Conversions between ``PaperRecord`` and the rows of ``papers``/``authors``/``affiliations``.

Rows are plain tuples built in Python so writes can go through ``executemany`` and so a stored
record and a freshly merged one can be compared without touching the database.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import aiosqlite

from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper
from bot.store.merge import PaperRecord
from bot.twins import title_key

CHUNK = 500  # keys per IN (...) list, well under SQLite's variable limit

PAPER_COLUMNS = (
    "key", "arxiv_id", "version", "doi", "openalex_id", "title", "abstract", "categories",
    "primary_category", "announced", "announce_type", "last_announced", "last_announce_type",
    "url", "published", "updated", "comment", "journal_ref", "extra", "authors_from", "title_key",
)  # fmt: skip
AFFILIATION_COLUMNS = (
    "paper_key", "author_position", "source", "name", "openalex_id", "ror", "type", "lineage",
    "country",
)  # fmt: skip

INSERT_PAPER = (
    f"INSERT INTO papers ({', '.join(PAPER_COLUMNS)}, first_seen, last_changed) "
    f"VALUES ({', '.join('?' * (len(PAPER_COLUMNS) + 2))})"
)
UPDATE_PAPER = (
    f"UPDATE papers SET {', '.join(f'{c} = ?' for c in PAPER_COLUMNS[1:])}, last_changed = ? "
    "WHERE key = ?"
)
INSERT_AUTHOR = "INSERT INTO authors (paper_key, position, name, emails) VALUES (?, ?, ?, ?)"
INSERT_AFFILIATION = (
    f"INSERT INTO affiliations ({', '.join(AFFILIATION_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(AFFILIATION_COLUMNS))})"
)


def _json(value: Any) -> str:
    if not value:  # most authors have no e-mails and most papers no extras: skip the encoder
        return "[]" if isinstance(value, list) else "{}" if isinstance(value, dict) else "null"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def paper_row(rec: PaperRecord) -> tuple[Any, ...]:
    """Values for ``PAPER_COLUMNS``, in order."""
    p = rec.paper
    return (
        p.key, p.arxiv_id, p.version, p.doi, p.openalex_id, p.title, p.abstract,
        _json(list(p.categories)), p.primary_category, _iso(p.announced),
        p.announce_type and str(p.announce_type), _iso(rec.last_announced),
        rec.last_announce_type and str(rec.last_announce_type), p.url, _iso(p.published),
        _iso(p.updated), p.comment, p.journal_ref, _json(p.extra), rec.authors_from,
        title_key(p.title) or "",
    )  # fmt: skip


def author_rows(paper: Paper) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(authors rows, affiliations rows) for one paper; affiliation order is insertion order."""
    authors: list[tuple[Any, ...]] = []
    affiliations: list[tuple[Any, ...]] = []
    for pos, a in enumerate(paper.authors):
        authors.append((paper.key, pos, a.name, _json(list(a.emails))))
        for f in a.affiliations:
            affiliations.append((
                paper.key, pos, str(f.source), f.name, f.openalex_id, f.ror, f.type,
                _json(list(f.lineage)), f.country,
            ))  # fmt: skip
    return authors, affiliations


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def load_records(conn: aiosqlite.Connection, keys: Iterable[str]) -> dict[str, PaperRecord]:
    """Stored records for ``keys`` (missing keys omitted): three queries per 500 keys."""
    wanted = list(dict.fromkeys(keys))
    records: dict[str, PaperRecord] = {}
    for chunk in chunks(wanted):
        marks = ", ".join("?" * len(chunk))
        papers = await conn.execute_fetchall(f"SELECT * FROM papers WHERE key IN ({marks})", chunk)
        authors = await conn.execute_fetchall(
            f"SELECT * FROM authors WHERE paper_key IN ({marks}) ORDER BY paper_key, position",
            chunk,
        )
        affs = await conn.execute_fetchall(
            f"SELECT * FROM affiliations WHERE paper_key IN ({marks}) "
            "ORDER BY paper_key, author_position, id",
            chunk,
        )
        by_author: dict[tuple[str, int], list[Affiliation]] = defaultdict(list)
        for r in affs:
            by_author[(r["paper_key"], r["author_position"])].append(
                Affiliation(
                    name=r["name"],
                    source=AffiliationSource(r["source"]),
                    openalex_id=r["openalex_id"],
                    ror=r["ror"],
                    type=r["type"],
                    lineage=tuple(json.loads(r["lineage"])),
                    country=r["country"],
                )
            )
        by_paper: dict[str, list[Author]] = defaultdict(list)
        for r in authors:
            by_paper[r["paper_key"]].append(
                Author(
                    name=r["name"],
                    affiliations=tuple(by_author.get((r["paper_key"], r["position"]), ())),
                    emails=tuple(json.loads(r["emails"])),
                )
            )
        for r in papers:
            records[r["key"]] = record_from_row(r, tuple(by_paper.get(r["key"], ())))
    return records


def record_from_row(r: aiosqlite.Row, authors: tuple[Author, ...]) -> PaperRecord:
    paper = Paper(
        key=r["key"],
        title=r["title"],
        abstract=r["abstract"],
        arxiv_id=r["arxiv_id"],
        version=r["version"],
        authors=authors,
        categories=tuple(json.loads(r["categories"])),
        primary_category=r["primary_category"],
        announced=_date(r["announced"]),
        announce_type=AnnounceType(r["announce_type"]) if r["announce_type"] else None,
        doi=r["doi"],
        openalex_id=r["openalex_id"],
        url=r["url"],
        published=_date(r["published"]),
        updated=_date(r["updated"]),
        comment=r["comment"],
        journal_ref=r["journal_ref"],
        extra=json.loads(r["extra"]),
    )
    last_type = r["last_announce_type"]
    return PaperRecord(
        paper=paper,
        last_announced=_date(r["last_announced"]),
        last_announce_type=AnnounceType(last_type) if last_type else None,
        authors_from=r["authors_from"],
    )
