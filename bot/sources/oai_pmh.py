"""Parse arXiv OAI-PMH ``ListRecords``/``GetRecord`` responses.

OAI-PMH is arXiv's bulk, resumable channel: the parser returns the records plus the
``resumptionToken`` that continues the harvest. ``metadataPrefix=arXiv`` is the supported
format; ``arXivRaw`` is read too (it adds the version history).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from bot.errors import ParseError, SourceError
from bot.models import Affiliation, AffiliationSource, Author, Paper
from bot.sources._authors import split_author_list
from bot.sources._text import (
    arxiv_id_or_none,
    clean_abstract,
    clean_doi,
    clean_line,
    clean_name,
    dedupe,
    iso_date,
    rfc822_date,
    safe_int,
)
from bot.sources._xml import Element, iter_elements, local_name, text_of
from bot.sources.base import PageFacts, ParsedPage, RecordStream, Skipped, SourceFormat

_WHAT = "OAI-PMH response"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARXIV_OAI = "{http://arxiv.org/OAI/arXiv/}"
ARXIV_RAW = "{http://arxiv.org/OAI/arXivRaw/}"
_NO_RECORDS = "noRecordsMatch"
_BODIES = ("ListRecords", "GetRecord")
_EXTRA_FIELDS = ("license", "report-no", "msc-class", "acm-class", "proxy", "submitter")


def parse_oai_pmh(data: bytes) -> ParsedPage:
    """Records of one OAI-PMH page; OAI ``<error>`` raises SourceError except noRecordsMatch."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"{_WHAT}: expected bytes, got {type(data).__name__}")
    return stream_oai_pmh(io.BytesIO(data)).page()


def stream_oai_pmh(source: BinaryIO) -> RecordStream:
    """``parse_oai_pmh`` one record at a time (a saved harvest can be large)."""
    return RecordStream(SourceFormat.OAI_PMH, lambda facts: _records(source, facts))


def _records(source: BinaryIO, facts: PageFacts) -> Iterator[Paper | Skipped]:
    body = False
    errors: list[tuple[str, str]] = []
    for depth, element in iter_elements(source, _WHAT, f"{OAI}OAI-PMH", depth=2):
        name = local_name(element)
        if depth == 1:
            if name == "error":
                errors.append((element.get("code") or "unknown", clean_line(text_of(element))))
            elif name in _BODIES:
                body = True
            elif name not in ("responseDate", "request", ""):
                raise ParseError(f"{_WHAT}: <{name}> holds no records (use ListRecords/GetRecord)")
            continue
        parent = element.getparent()
        if parent is None or local_name(parent) not in _BODIES:
            continue
        if name == "record":
            _raise_errors(errors)  # OAI errors come before the body
            yield _record(element)
        elif name == "resumptionToken":
            facts.resumption_token = text_of(element).strip() or None
            facts.complete_list_size = safe_int(element.get("completeListSize"))
    _raise_errors(errors)
    if not body and not errors:
        raise ParseError(f"{_WHAT}: no ListRecords or GetRecord element")
    # noRecordsMatch alone is an empty harvest window, not a failure


def _raise_errors(errors: list[tuple[str, str]]) -> None:
    real = [(code, text) for code, text in errors if code != _NO_RECORDS]
    if real:
        detail = "; ".join(f"{code}: {text}" if text else code for code, text in real)
        raise SourceError(f"OAI-PMH error {detail}")


def _record(record: Element) -> Paper | Skipped:
    header = record.find(f"{OAI}header")
    identifier = text_of(header.find(f"{OAI}identifier")).strip() if header is not None else ""
    if header is not None and header.get("status") == "deleted":
        return Skipped(ident=identifier or "(deleted record)", reason="deleted record")
    metadata = record.find(f"{OAI}metadata")
    payload = next(iter(metadata), None) if metadata is not None else None
    if payload is None:
        return Skipped(ident=identifier or "(record)", reason="record has no metadata")
    if payload.tag not in (f"{ARXIV_OAI}arXiv", f"{ARXIV_RAW}arXivRaw"):
        return Skipped(
            ident=identifier or "(record)",
            reason=f"unsupported metadata format <{local_name(payload)}> (use arXiv)",
        )
    fields: dict[str, str] = {}
    authors: list[Author] = []
    versions: list[Element] = []
    for child in payload:
        name = local_name(child)
        if name == "authors":
            authors.extend(_authors(child))
        elif name == "version":
            versions.append(child)
        elif name:
            fields[name] = text_of(child)
    found = arxiv_id_or_none(fields.get("id")) or arxiv_id_or_none(identifier)
    if found is None:
        return Skipped(ident=identifier or "(record)", reason="no arXiv identifier in record")
    arxiv_id, version = found
    published, updated = iso_date(fields.get("created")), iso_date(fields.get("updated"))
    if versions:  # arXivRaw: the version history dates the paper
        version = safe_int((versions[-1].get("version") or "").lstrip("v")) or version
        published = published or rfc822_date(text_of(versions[0].find(f"{ARXIV_RAW}date")))
        updated = updated or rfc822_date(text_of(versions[-1].find(f"{ARXIV_RAW}date")))
    categories = dedupe(fields.get("categories", "").split())
    extra = {k: clean_line(fields[k]) for k in _EXTRA_FIELDS if clean_line(fields.get(k))}
    datestamp = text_of(header.find(f"{OAI}datestamp")).strip() if header is not None else ""
    if datestamp:
        extra["datestamp"] = datestamp
    return Paper(
        key=arxiv_id,
        title=clean_line(fields.get("title")),
        abstract=clean_abstract(fields.get("abstract")),
        arxiv_id=arxiv_id,
        version=version,
        authors=tuple(authors),
        categories=categories,
        primary_category=categories[0] if categories else None,
        doi=clean_doi(fields.get("doi")),
        published=published,
        updated=updated,
        comment=clean_line(fields.get("comments")) or None,
        journal_ref=clean_line(fields.get("journal-ref")) or None,
        extra=extra,
    )


def _authors(node: Element) -> list[Author]:
    """``arXiv`` splits names into keyname/forenames/suffix; ``arXivRaw`` has one string."""
    if len(node) == 0:
        return split_author_list(text_of(node))
    authors: list[Author] = []
    for author in node:
        if local_name(author) != "author":
            continue
        parts: dict[str, str] = {}
        affiliations: list[str] = []
        for child in author:
            name = local_name(child)
            if name == "affiliation":
                affiliations.append(clean_name(text_of(child)))
            elif name:
                parts[name] = clean_name(text_of(child))
        full = " ".join(
            p for p in (parts.get("forenames"), parts.get("keyname"), parts.get("suffix")) if p
        )
        if full:
            authors.append(Author(
                name=full,
                affiliations=tuple(
                    Affiliation(name=a, source=AffiliationSource.ARXIV)
                    for a in dedupe(affiliations)
                ),
            ))
    return authors
