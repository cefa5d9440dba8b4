"""Benchmark inputs of any size, made from the real recorded listing (no invented text).

The 2024-11-28 arXiv listing (1,504 real items, ``tests/fixture_files.LISTING``) is repeated
with fresh arXiv ids until a file reaches the wanted size or paper count: every title, abstract,
author list and category is real, only the identifiers are new, so the store sees distinct
papers. Two shapes: the listing's own RSS (what ``scoopwatch ingest`` reads from arXiv) and
scoopwatch's JSON Lines (what a lab feeds from elsewhere).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bot.models import Author  # noqa: E402
from tests.fixture_files import LISTING, fixture_bytes  # noqa: E402

_ITEM = re.compile(rb"<item>.*?</item>\s*", re.S)
_LINK_ID = re.compile(rb"<link>https?://arxiv\.org/abs/([^<\s]+)</link>")
_PUB_DATE = re.compile(rb"<pubDate>[^<]*</pubDate>")
_CHANNEL_DATE = b"Thu, 28 Nov 2024 00:00:00 -0500"


def fresh_id(n: int) -> str:
    """The n-th made-up arXiv id (``2001.10000`` on), distinct for n < 1,800,000 and never one
    of the listing's own ``2411.*``/``2410.*`` ids (months 2001 to 2312 only)."""
    month = n // 90_000
    year, mon = 20 + month // 12, 1 + month % 12
    return f"{year:02d}{mon:02d}.{10_000 + n % 90_000:05d}"


@cache
def _listing_parts() -> tuple[bytes, tuple[tuple[bytes, bytes], ...], bytes]:
    """(head up to the first item, ((item bytes, its arXiv id), ...), tail)."""
    data = fixture_bytes(LISTING)
    items = list(_ITEM.finditer(data))
    head, tail = data[: items[0].start()], data[items[-1].end():]
    found = []
    for m in items:
        link = _LINK_ID.search(m.group(0))
        if link is not None:
            found.append((m.group(0), link.group(1)))
    return head, tuple(found), tail


def _rss_items(count: int | None, day: date | None, start: int) -> Iterator[bytes]:
    """Listing items with fresh ids, forever or ``count`` of them; ``day`` re-dates them."""
    _, items, _ = _listing_parts()
    n = 0
    while count is None or n < count:
        raw, old = items[n % len(items)]
        item = raw.replace(old, fresh_id(start + n).encode())
        if day is not None:
            item = _PUB_DATE.sub(f"<pubDate>{_rfc822(day)}</pubDate>".encode(), item)
        yield item
        n += 1


def _rfc822(day: date) -> str:
    return f"{day:%a, %d %b %Y} 00:00:00 -0500"


def write_rss(path: Path, *, size: int | None = None, papers: int | None = None,
              day: date | None = None, start: int = 0) -> int:
    """An RSS listing of ``size`` bytes or ``papers`` items; returns the item count."""
    head, _, tail = _listing_parts()
    if day is not None:
        head = head.replace(_CHANNEL_DATE, _rfc822(day).encode())
    written = n = 0
    with path.open("wb") as out:
        out.write(head)
        written += len(head) + len(tail)
        for item in _rss_items(papers, day, start):
            if size is not None and written >= size:
                break
            out.write(item)
            written += len(item)
            n += 1
        out.write(tail)
    return n


@cache
def listing_records() -> tuple[dict[str, Any], ...]:
    """The listing's new and cross-listed papers as JSON Lines records (real fields)."""
    from bot.models import AnnounceType
    from bot.sources.arxiv_rss import parse_arxiv_rss

    page = parse_arxiv_rss(fixture_bytes(LISTING))
    return tuple(
        {
            "id": p.key,
            "title": p.title,
            "abstract": p.abstract,
            "authors": [a.name for a in p.authors],
            "categories": list(p.categories),
        }
        for p in page.papers
        if p.announce_type in (AnnounceType.NEW, AnnounceType.CROSS)
    )


def release() -> None:
    """Forget the recorded files and listing items read for making inputs: a benchmark that
    goes on measuring the bot's memory after its inputs are made does not count them."""
    for cached in (_listing_parts, listing_records, openalex_authors, fixture_bytes):
        cached.cache_clear()


def write_jsonl(path: Path, *, size: int | None = None, papers: int | None = None,
                day: date | None = date(2024, 11, 28), start: int = 0) -> int:
    """A JSON Lines file of ``size`` bytes or ``papers`` lines; returns the line count."""
    records = listing_records()
    written = n = 0
    with path.open("w", encoding="utf-8") as out:
        while (size is None or written < size) and (papers is None or n < papers):
            record = dict(records[n % len(records)], id=fresh_id(start + n))
            if day is not None:
                record["announced"] = day.isoformat()
            line = json.dumps(record, ensure_ascii=False) + "\n"
            out.write(line)
            written += len(line.encode())
            n += 1
    return n


def week_days(end: date, count: int = 5) -> list[date]:
    """The last ``count`` weekdays up to ``end`` (announcement days), oldest first."""
    days: list[date] = []
    day = end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


_OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
    "<responseDate>{day}T09:00:00Z</responseDate>\n"
    '<request verb="ListRecords" metadataPrefix="arXiv">https://oaipmh.arxiv.org/oai</request>\n'
    "<ListRecords>\n"
)
_OAI_RECORD = (
    "<record><header><identifier>oai:arXiv.org:{id}</identifier>"
    "<datestamp>{day}</datestamp></header><metadata>"
    '<arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{id}</id><created>{created}</created>'
    "<authors>{authors}</authors><title>{title}</title><categories>{categories}</categories>"
    "<abstract>{abstract}</abstract></arXiv></metadata></record>\n"
)


def oai_page(day: date, count: int, start: int, token: str | None = None) -> bytes:
    """An OAI-PMH ``ListRecords`` page (the shape of ``tests/fixtures/arxiv_oai``) of ``count``
    listing papers with fresh ids, stamped ``day`` and created the day before (so they are
    first announcements that day)."""
    from xml.sax.saxutils import escape

    records = listing_records()
    parts = [_OAI_HEAD.format(day=day.isoformat())]
    for n in range(start, start + count):
        rec = records[n % len(records)]
        authors = "".join(
            "<author><keyname>{}</keyname><forenames>{}</forenames></author>".format(
                escape(name.rpartition(" ")[2]), escape(name.rpartition(" ")[0]))
            for name in rec["authors"]
        )
        parts.append(_OAI_RECORD.format(
            id=fresh_id(n), day=day.isoformat(), created=(day - timedelta(days=1)).isoformat(),
            authors=authors, title=escape(str(rec["title"])),
            categories=" ".join(rec["categories"]),
            abstract=escape(str(rec["abstract"]))))
    if token:
        parts.append(f'<resumptionToken cursor="{start}">{token}</resumptionToken>\n')
    parts.append("</ListRecords>\n</OAI-PMH>\n")
    return "".join(parts).encode()


@cache
def openalex_authors() -> tuple[tuple[Author, ...], ...]:
    """Author lists with affiliations from 195 real OpenAlex works (the industry evaluation
    sample), to give some benchmark papers what OpenAlex enrichment would have added."""
    from bot.sources.openalex import parse_openalex

    page = parse_openalex(fixture_bytes("industry-eval/openalex/openalexrag_works_sample.json"))
    return tuple(p.authors for p in page.papers if p.authors)
