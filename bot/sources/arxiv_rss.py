"""Parse rss.arxiv.org daily listing feeds (RSS 2.0 and its Atom 1.0 twin).

The listing is scoopwatch's main input: one document per announcement day with every new,
cross-listed and replaced paper. Both serialisations carry the same fields (arXiv docs
``rss_specifications`` / ``atom_specifications``); they are read in one pass, one item at a
time (``stream_*``), so a listing of any size is parsed in constant memory.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from bot.errors import ParseError, SourceError
from bot.models import Paper
from bot.sources._authors import split_author_list
from bot.sources._text import (
    announce_type_for,
    announce_type_or_none,
    arxiv_id_or_none,
    clean_abstract,
    clean_doi,
    clean_line,
    dedupe,
    iso_date,
    rfc822_date,
)
from bot.sources._xml import ARXIV, ATOM, DC, Element, iter_elements, text_of
from bot.sources.base import PageFacts, ParsedPage, RecordStream, Skipped, SourceFormat

# "arXiv:2411.17700v1 Announce Type: new \nAbstract: ..." -- every part optional, anchored.
_PREAMBLE = re.compile(
    r"\s*(?:arXiv:(?P<id>\S+)\s+)?(?:Announce Type:\s*(?P<type>[\w-]+)\s*)?(?:Abstract:\s*)?",
    re.IGNORECASE,
)
_FEED_ERROR = "feed error for query"
# Namespaced tags, built once (comparisons run ~15 times per item on 1,500-item listings).
_FEED, _ENTRY, _ID, _TITLE = f"{ATOM}feed", f"{ATOM}entry", f"{ATOM}id", f"{ATOM}title"
_SUBTITLE, _UPDATED, _SUMMARY = f"{ATOM}subtitle", f"{ATOM}updated", f"{ATOM}summary"
_LINK, _CATEGORY, _PUBLISHED = f"{ATOM}link", f"{ATOM}category", f"{ATOM}published"
_AUTHOR, _NAME, _RIGHTS = f"{ATOM}author", f"{ATOM}name", f"{ATOM}rights"
_CREATOR, _DC_RIGHTS = f"{DC}creator", f"{DC}rights"
_ANNOUNCE = f"{ARXIV}announce_type"
_DOIS = frozenset({f"{ARXIV}DOI", f"{ARXIV}doi"})
_JOURNAL_REFS = frozenset({f"{ARXIV}journal_reference", f"{ARXIV}journal_ref"})


@dataclass(slots=True)
class _Entry:
    """Raw fields of one item/entry, filled while iterating its children once."""

    ident: str = ""
    link: str = ""
    title: str = ""
    description: str = ""
    announce_raw: str = ""
    published: date | None = None
    doi: str = ""
    journal_ref: str = ""
    rights: str = ""
    categories: list[str] = field(default_factory=list)
    creators: list[str] = field(default_factory=list)


def parse_arxiv_rss(data: bytes) -> ParsedPage:
    """Papers of an rss.arxiv.org RSS 2.0 listing; raises SourceError for arXiv's error feed."""
    return stream_arxiv_rss(_as_file(data)).page()


def parse_arxiv_atom(data: bytes) -> ParsedPage:
    """Papers of an rss.arxiv.org Atom 1.0 listing (``/atom/<categories>``)."""
    return stream_arxiv_atom(_as_file(data)).page()


def stream_arxiv_rss(source: BinaryIO) -> RecordStream:
    """``parse_arxiv_rss`` one item at a time. The channel's date dates the items after it
    (arXiv writes it before the first item)."""
    return RecordStream(SourceFormat.ARXIV_RSS, lambda facts: _rss_records(source, facts))


def stream_arxiv_atom(source: BinaryIO) -> RecordStream:
    """``parse_arxiv_atom`` one entry at a time. An entry without a date gets the first date
    seen before it, else the feed's ``updated`` (arXiv dates every entry)."""
    return RecordStream(SourceFormat.ARXIV_ATOM, lambda facts: _atom_records(source, facts))


def _as_file(data: bytes) -> BinaryIO:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"arXiv listing: expected bytes, got {type(data).__name__}")
    return io.BytesIO(data)


def _rss_records(source: BinaryIO, facts: PageFacts) -> Iterator[Paper | Skipped]:
    what = "arXiv RSS listing"
    title = description = pub_date = build_date = ""
    channel = checked = False
    for depth, element in iter_elements(source, what, "rss", depth=2):
        tag = element.tag
        if depth == 1:
            channel = channel or tag == "channel"
            continue
        parent = element.getparent()
        if parent is None or parent.tag != "channel":
            continue
        if tag == "item":
            if not checked:  # an error feed says so in its title, before any item
                _raise_feed_error(title, description)
                checked = True
            yield _to_paper(_rss_item(element), facts.announced)
        elif tag == "title":
            title = text_of(element)
            facts.feed_title = clean_line(title) or None
        elif tag == "description":
            description = text_of(element)
        elif tag in ("pubDate", "lastBuildDate"):
            if tag == "pubDate":
                pub_date = text_of(element)
            else:
                build_date = text_of(element)
            facts.announced = rfc822_date(pub_date) or rfc822_date(build_date)
    if not channel:
        raise ParseError(f"{what}: no <channel> element")
    _raise_feed_error(title, description)


def _atom_records(source: BinaryIO, facts: PageFacts) -> Iterator[Paper | Skipped]:
    title = subtitle = ""
    updated: date | None = None
    first_published: date | None = None
    checked = False
    for _, element in iter_elements(source, "arXiv Atom listing", _FEED, depth=1):
        tag = element.tag
        if tag == _ENTRY:
            if not checked:
                _raise_feed_error(title, subtitle)
                checked = True
            entry = _atom_entry(element)
            first_published = first_published or entry.published
            facts.announced = first_published or updated
            yield _to_paper(entry, facts.announced)
        elif tag == _TITLE:
            title = text_of(element)
            facts.feed_title = clean_line(title) or None
        elif tag == _SUBTITLE:
            subtitle = text_of(element)
        elif tag == _UPDATED:
            updated = iso_date(text_of(element), eastern=True)
            facts.announced = first_published or updated
    _raise_feed_error(title, subtitle)


def _rss_item(item: Element) -> _Entry:
    entry = _Entry()
    for child in item:
        tag = child.tag
        if tag == "title":
            entry.title = text_of(child)
        elif tag == "link":
            entry.link = text_of(child).strip()
        elif tag == "description":
            entry.description = text_of(child)
        elif tag == "guid":
            entry.ident = text_of(child).strip()
        elif tag == "category":
            entry.categories.append(text_of(child))
        elif tag == "pubDate":
            entry.published = rfc822_date(text_of(child))
        elif tag == _CREATOR:
            entry.creators.append(text_of(child))
        else:
            _common_field(entry, tag, child)
    return entry


def _atom_entry(node: Element) -> _Entry:
    entry = _Entry()
    for child in node:
        tag = child.tag
        if tag == _ID:
            entry.ident = text_of(child).strip()
        elif tag == _TITLE:
            entry.title = text_of(child)
        elif tag == _SUMMARY:
            entry.description = text_of(child)
        elif tag == _LINK:
            if child.get("rel", "alternate") == "alternate" and not entry.link:
                entry.link = (child.get("href") or "").strip()
        elif tag == _CATEGORY:
            entry.categories.append(child.get("term") or "")
        elif tag == _PUBLISHED:
            entry.published = iso_date(text_of(child), eastern=True)
        elif tag == _CREATOR:
            entry.creators.append(text_of(child))
        elif tag == _AUTHOR:
            entry.creators.extend(text_of(name) for name in child.iter(_NAME))
        elif tag == _RIGHTS:
            entry.rights = text_of(child)
        else:
            _common_field(entry, tag, child)
    return entry


def _common_field(entry: _Entry, tag: object, child: Element) -> None:
    """arXiv extension elements, identical in both serialisations."""
    if tag == _ANNOUNCE:
        entry.announce_raw = text_of(child)
    elif tag in _DOIS:
        entry.doi = text_of(child)
    elif tag in _JOURNAL_REFS:
        entry.journal_ref = text_of(child)
    elif tag == _DC_RIGHTS:
        entry.rights = text_of(child)


def _raise_feed_error(title: str, details: str) -> None:
    """arXiv answers a bad category with a normal-looking feed whose title says so."""
    if not title.strip().lower().startswith(_FEED_ERROR):
        return
    query = title.split(":", 1)[1].strip() if ":" in title else ""
    bad = query.rstrip("/").rsplit("/", 1)[-1] or query
    message = clean_line(details) or "no details given"
    raise SourceError(f"arXiv listing feed error for {bad!r}: {message}")


def _to_paper(entry: _Entry, page_announced: date | None) -> Paper | Skipped:
    preamble = _PREAMBLE.match(entry.description)
    abstract = entry.description[preamble.end() :] if preamble else entry.description
    stated_id = preamble.group("id") if preamble else None
    found = (
        arxiv_id_or_none(entry.ident)
        or arxiv_id_or_none(stated_id)
        or arxiv_id_or_none(entry.link)
    )
    if found is None:
        ident = entry.ident or entry.link or clean_line(entry.title) or "(unnamed item)"
        return Skipped(ident=ident, reason="no arXiv identifier in guid/id, description or link")
    arxiv_id, version = found
    if version is None and stated_id:
        stated = arxiv_id_or_none(stated_id)
        if stated and stated[0] == arxiv_id:
            version = stated[1]
    announce = announce_type_or_none(entry.announce_raw)
    if announce is None and preamble and preamble.group("type"):
        announce = announce_type_or_none(preamble.group("type"))
    extra: dict[str, str] = {}
    if entry.rights.strip():
        extra["license"] = entry.rights.strip()
    announced = entry.published or page_announced
    if entry.announce_raw.strip() and announce is None:
        extra["announce_type_raw"] = entry.announce_raw.strip()  # a type we don't know: kept out
    elif announce is None and announced is not None:
        announce = announce_type_for(None, version)
    categories = dedupe(entry.categories)
    authors = tuple(a for creator in entry.creators for a in split_author_list(creator))
    return Paper(
        key=arxiv_id,
        title=clean_line(entry.title),
        abstract=clean_abstract(abstract),
        arxiv_id=arxiv_id,
        version=version,
        authors=authors,
        categories=categories,
        primary_category=categories[0] if categories else None,
        announced=announced,
        announce_type=announce,
        doi=clean_doi(entry.doi),
        url=entry.link or None,
        journal_ref=clean_line(entry.journal_ref) or None,
        extra=extra,
    )
