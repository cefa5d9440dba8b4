"""Parse export.arxiv.org ``/api/query`` Atom responses (2026 backend and the legacy one).

The API gives per-paper metadata the listing lacks (``arxiv:affiliation``, comment, dates) and
paging facts the fetcher needs to tell "no more results" from "arXiv returned an empty page".
Both serialisations use the same namespaces, so one tag-driven pass reads either.
"""

from __future__ import annotations

from bot.errors import SourceError
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
from bot.sources._xml import ARXIV, ATOM, OPENSEARCH, Element, parse_xml, text_of, wrong_root
from bot.sources.base import ParsedPage, Skipped, SourceFormat

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
    root = parse_xml(data, _WHAT)
    if root.tag != f"{ATOM}feed":
        raise wrong_root(_WHAT, root)
    paging: dict[str, int | None] = {}
    title = ""
    entries: list[Element] = []
    for child in root:
        tag = child.tag
        if tag == _ENTRY:
            _raise_if_error(child)
            entries.append(child)
        elif tag in _PAGING:
            paging[_PAGING[tag]] = safe_int(text_of(child))
        elif tag == _TITLE:
            title = text_of(child)
    papers: list[Paper] = []
    skipped: list[Skipped] = []
    for entry in entries:
        result = _entry_paper(entry)
        if isinstance(result, Paper):
            papers.append(result)
        else:
            skipped.append(result)
    return ParsedPage(
        format=SourceFormat.ARXIV_API,
        papers=tuple(papers),
        skipped=tuple(skipped),
        feed_title=clean_line(title) or None,
        total_results=paging.get("total_results"),
        start_index=paging.get("start_index"),
        items_per_page=paging.get("items_per_page"),
    )


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
