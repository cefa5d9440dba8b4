"""Parse export.arxiv.org ``/api/query`` Atom responses (2026 backend and the legacy one).

The API gives per-paper metadata the listing lacks (``arxiv:affiliation``, comment, dates) and
paging facts the fetcher needs to tell "no more results" from "arXiv returned an empty page".
Both serialisations use the same namespaces, so one tag-driven pass reads either.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from bot.errors import ParseError, SourceError
from bot.models import Affiliation, AffiliationSource, Author, Paper
from bot.sources._text import (
    arxiv_id_or_none,
    clean_abstract,
    clean_doi,
    clean_line,
    clean_name,
    dedupe,
    iso_date,
    safe_int,
)
from bot.sources._xml import ARXIV, ATOM, OPENSEARCH, Element, iter_elements, text_of
from bot.sources.base import PageFacts, ParsedPage, RecordStream, Skipped, SourceFormat

_WHAT = "arXiv API response"
_ERROR_ID_MARK = "arxiv.org/api/errors"

_ENTRY = f"{ATOM}entry"
_ID = f"{ATOM}id"
_TITLE = f"{ATOM}title"
_SUMMARY = f"{ATOM}summary"
_AUTHOR = f"{ATOM}author"
_NAME = f"{ATOM}name"
_CATEGORY = f"{ATOM}category"
_LINK = f"{ATOM}link"
_PUBLISHED = f"{ATOM}published"
_UPDATED = f"{ATOM}updated"
_AFFILIATION = f"{ARXIV}affiliation"
_PRIMARY = f"{ARXIV}primary_category"
_DOI = f"{ARXIV}doi"
_COMMENT = f"{ARXIV}comment"
_JOURNAL_REF = f"{ARXIV}journal_ref"
_PAGING = {
    f"{OPENSEARCH}totalResults": "total_results",
    f"{OPENSEARCH}startIndex": "start_index",
    f"{OPENSEARCH}itemsPerPage": "items_per_page",
}


def parse_arxiv_api(data: bytes) -> ParsedPage:
    """Papers and opensearch paging of one API page; an API error entry raises SourceError."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"{_WHAT}: expected bytes, got {type(data).__name__}")
    return stream_arxiv_api(io.BytesIO(data)).page()


def stream_arxiv_api(source: BinaryIO) -> RecordStream:
    """``parse_arxiv_api`` one entry at a time (a saved result set can be large)."""
    return RecordStream(SourceFormat.ARXIV_API, lambda facts: _records(source, facts))


def _records(source: BinaryIO, facts: PageFacts) -> Iterator[Paper | Skipped]:
    for _, element in iter_elements(source, _WHAT, f"{ATOM}feed", depth=1):
        tag = element.tag
        if tag == _ENTRY:
            _raise_if_error(element)
            yield _entry_paper(element)
        elif tag in _PAGING:
            setattr(facts, _PAGING[tag], safe_int(text_of(element)))
        elif tag == _TITLE:
            facts.feed_title = clean_line(text_of(element)) or None


def _raise_if_error(entry: Element) -> None:
    """arXiv reports bad queries (HTTP 400) as a feed whose single entry is the error."""
    ident = text_of(entry.find(_ID))
    if _ERROR_ID_MARK not in ident:
        return
    summary = clean_line(text_of(entry.find(_SUMMARY)))
    reason = ident.rpartition("#")[2]
    raise SourceError(f"arXiv API error: {summary or reason or 'unspecified error'}")


def _entry_paper(entry: Element) -> Paper | Skipped:
    ident = title = summary = published = updated = doi = comment = journal_ref = url = ""
    primary = ""
    categories: list[str] = []
    authors: list[Author] = []
    for child in entry:
        tag = child.tag
        if tag == _ID:
            ident = text_of(child).strip()
        elif tag == _TITLE:
            title = text_of(child)
        elif tag == _SUMMARY:
            summary = text_of(child)
        elif tag == _AUTHOR:
            author = _author(child)
            if author is not None:
                authors.append(author)
        elif tag == _CATEGORY:
            categories.append(child.get("term") or "")
        elif tag == _PRIMARY:
            primary = (child.get("term") or "").strip()
        elif tag == _PUBLISHED:
            published = text_of(child)
        elif tag == _UPDATED:
            updated = text_of(child)
        elif tag == _DOI:
            doi = text_of(child)
        elif tag == _COMMENT:
            comment = text_of(child)
        elif tag == _JOURNAL_REF:
            journal_ref = text_of(child)
        elif tag == _LINK and child.get("rel", "alternate") == "alternate" and not url:
            url = (child.get("href") or "").strip()
    found = arxiv_id_or_none(ident) or arxiv_id_or_none(url)
    if found is None:
        return Skipped(ident=ident or clean_line(title) or "(entry without id)",
                       reason="entry id is not an arXiv identifier")
    arxiv_id, version = found
    # Primary first so that "first category = primary" holds for every source.
    cats = dedupe([primary, *categories])
    return Paper(
        key=arxiv_id,
        title=clean_line(title),
        abstract=clean_abstract(summary),
        arxiv_id=arxiv_id,
        version=version,
        authors=tuple(authors),
        categories=cats,
        primary_category=primary or (cats[0] if cats else None),
        doi=clean_doi(doi),
        url=url or None,
        published=iso_date(published),
        updated=iso_date(updated),
        comment=clean_line(comment) or None,
        journal_ref=clean_line(journal_ref) or None,
    )


def _author(node: Element) -> Author | None:
    name = ""
    affiliations: list[str] = []
    for child in node:
        if child.tag == _NAME:
            name = clean_name(text_of(child))
        elif child.tag == _AFFILIATION:
            affiliations.append(clean_name(text_of(child)))
    if not name:
        return None
    return Author(
        name=name,
        affiliations=tuple(
            Affiliation(name=a, source=AffiliationSource.ARXIV) for a in dedupe(affiliations)
        ),
    )
