"""Parse rss.arxiv.org daily listing feeds (RSS 2.0 and its Atom 1.0 twin).

The listing is scoopwatch's main input: one document per announcement day with every new,
cross-listed and replaced paper. Both serialisations carry the same fields (arXiv docs
``rss_specifications`` / ``atom_specifications``); they are read in one pass over the tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

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
from bot.sources._xml import ARXIV, ATOM, DC, Element, parse_xml, text_of, wrong_root
from bot.sources.base import ParsedPage, Skipped, SourceFormat

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
    root = parse_xml(data, "arXiv RSS listing")
    if root.tag != "rss":
        raise wrong_root("arXiv RSS listing", root)
    channel = root.find("channel")
    if channel is None:
        raise ParseError("arXiv RSS listing: no <channel> element")
    title = description = pub_date = build_date = ""
    entries: list[_Entry] = []
    for child in channel:
        tag = child.tag
        if tag == "item":
            entries.append(_rss_item(child))
        elif tag == "title":
            title = text_of(child)
        elif tag == "description":
            description = text_of(child)
        elif tag == "pubDate":
            pub_date = text_of(child)
        elif tag == "lastBuildDate":
            build_date = text_of(child)
    _raise_feed_error(title, description)
    announced = rfc822_date(pub_date) or rfc822_date(build_date)
    return _page(SourceFormat.ARXIV_RSS, entries, announced, title)


def parse_arxiv_atom(data: bytes) -> ParsedPage:
    """Papers of an rss.arxiv.org Atom 1.0 listing (``/atom/<categories>``)."""
    root = parse_xml(data, "arXiv Atom listing")
    if root.tag != _FEED:
        raise wrong_root("arXiv Atom listing", root)
    title = subtitle = updated = ""
    entries: list[_Entry] = []
    for child in root:
        tag = child.tag
        if tag == _ENTRY:
            entries.append(_atom_entry(child))
        elif tag == _TITLE:
            title = text_of(child)
        elif tag == _SUBTITLE:
            subtitle = text_of(child)
        elif tag == _UPDATED:
            updated = text_of(child)
    _raise_feed_error(title, subtitle)
    announced = next((e.published for e in entries if e.published), None)
    announced = announced or iso_date(updated, eastern=True)
    return _page(SourceFormat.ARXIV_ATOM, entries, announced, title)


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


def _page(
    fmt: SourceFormat, entries: list[_Entry], announced: date | None, title: str
) -> ParsedPage:
    papers: list[Paper] = []
    skipped: list[Skipped] = []
    for entry in entries:
        result = _to_paper(entry, announced)
        if isinstance(result, Paper):
            papers.append(result)
        else:
            skipped.append(result)
    return ParsedPage(
        format=fmt,
        papers=tuple(papers),
        skipped=tuple(skipped),
        announced=announced,
        feed_title=clean_line(title) or None,
    )


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
