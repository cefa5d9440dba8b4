"""Parse OpenAlex ``/works`` responses into papers with institution-level affiliations.

OpenAlex is scoopwatch's main affiliation source: institutions carry ids, ROR, type and
lineage (strong evidence), and ``raw_affiliation_strings`` keep what the paper said (needed
when OpenAlex mis-typed or failed to match the lab). The JSON is untrusted: every field is
type-checked, and a malformed work is reported as ``Skipped`` rather than crashing the page.
"""

from __future__ import annotations

import re
from typing import Any

from bot import unicode_text
from bot.errors import ParseError, SourceError
from bot.models import Affiliation, AffiliationSource, Author, Paper
from bot.sources._text import arxiv_id_or_none, clean_doi, clean_line, iso_date, safe_int
from bot.sources.base import ParsedPage, Skipped, SourceFormat
from bot.sources.paper_ids import id_problem

_WHAT = "OpenAlex response"
_ARXIV_DOI_PREFIX = "10.48550/arxiv."
_OA = AffiliationSource.OPENALEX
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_COMMA_RUN = re.compile(r"\s*,(?:\s*,)+")
ARXIV_SOURCE = "https://openalex.org/S4306400194"  # "arXiv (Cornell University)"
# http(s)://arxiv.org/abs|pdf/<id>, or the OAI id OpenAlex gives arXiv locations.
_ARXIV_LOCATION = re.compile(
    r"^(?:https?://(?:export\.|www\.)?arxiv\.org/(?:abs|pdf)/|pmh:oai:arXiv\.org:)"
    r"([\w.\-/]+?)(?:\.pdf)?/?$", re.IGNORECASE)


def load_json(data: bytes, what: str) -> Any:
    """``json.loads`` whose every failure (encoding, syntax, nesting depth) is a ParseError, and
    whose strings are well formed (:mod:`bot.unicode_text`)."""
    try:
        return unicode_text.loads(data)
    except RecursionError as exc:
        raise ParseError(f"{what}: JSON nested too deeply") from exc
    except (ValueError, TypeError) as exc:
        head = bytes(data[:200]).lstrip().lower() if isinstance(data, bytes | bytearray) else b""
        if head.startswith((b"<!doctype html", b"<html")):
            raise ParseError(f"{what}: got an HTML page, not JSON") from exc
        raise ParseError(f"{what}: not valid JSON ({exc})") from exc


def parse_openalex(data: bytes) -> ParsedPage:
    """A ``/works`` list page, a single work, or a JSON list of works."""
    return parse_openalex_value(load_json(data, _WHAT))


def parse_openalex_error(data: bytes) -> str:
    """The message of an OpenAlex error body (``{"error", "message"}``), for log lines."""
    value = load_json(data, _WHAT)
    message = _error_message(value)
    if message is None:
        raise ParseError(f"{_WHAT}: not an OpenAlex error body")
    return message


def parse_openalex_value(value: Any) -> ParsedPage:
    """Like ``parse_openalex`` for already-decoded JSON (format sniffing decodes once)."""
    meta: dict[str, Any] = {}
    if isinstance(value, list):
        works: list[Any] = value
    elif isinstance(value, dict) and isinstance(value.get("results"), list):
        works = value["results"]
        meta = _dict(value.get("meta"))
    elif isinstance(value, dict) and _short_id(value.get("id"), "W"):
        works = [value]
    else:
        message = _error_message(value)
        if message is not None:
            raise SourceError(f"OpenAlex error: {message}")
        raise ParseError(f"{_WHAT}: expected a works page, a work or a list of works")
    papers: list[Paper] = []
    skipped: list[Skipped] = []
    for index, work in enumerate(works):
        result = _work_or_skip(work, index)
        if isinstance(result, Paper):
            papers.append(result)
        else:
            skipped.append(result)
    cursor = meta.get("next_cursor")
    return ParsedPage(
        format=SourceFormat.OPENALEX,
        papers=tuple(papers),
        skipped=tuple(skipped),
        total_results=safe_int(meta.get("count")),
        items_per_page=safe_int(meta.get("per_page")),
        next_cursor=cursor if isinstance(cursor, str) and cursor else None,
    )


def _error_message(value: Any) -> str | None:
    if not isinstance(value, dict) or "error" not in value or "results" in value:
        return None
    parts = [_str(value.get("error")), _str(value.get("message"))]
    return ": ".join(p for p in parts if p) or "unspecified error"


def _work_or_skip(work: Any, index: int) -> Paper | Skipped:
    if not isinstance(work, dict):
        return Skipped(ident=f"result {index}", reason="work is not a JSON object")
    ident = _str(work.get("id")) or f"result {index}"
    too_long = id_problem(ident)
    if too_long:  # named by position: the id itself is what cannot be shown
        return Skipped(ident=f"result {index}", reason=too_long)
    try:
        return _work(work, ident)
    except (TypeError, ValueError, AttributeError) as exc:
        # Schema drift in one work must not cost the page; the reason makes it visible.
        return Skipped(ident=ident, reason=f"malformed work: {exc}")


def _work(work: dict[str, Any], ident: str) -> Paper | Skipped:
    work_id = _short_id(work.get("id"), "W")
    doi = clean_doi(_str(work.get("doi")))
    arxiv = None
    if doi and doi.lower().startswith(_ARXIV_DOI_PREFIX):
        arxiv = arxiv_id_or_none(doi[len(_ARXIV_DOI_PREFIX) :])
    if arxiv is None and work_id is None:
        return Skipped(ident=ident, reason="work has neither an OpenAlex id nor an arXiv DOI")
    key = arxiv[0] if arxiv else f"openalex:{work_id}"
    location = _dict(work.get("primary_location"))
    url = _str(location.get("landing_page_url")) or (f"https://doi.org/{doi}" if doi else None)
    elsewhere = arxiv or _arxiv_elsewhere(work)
    return Paper(
        key=key,
        title=clean_line(_str(work.get("title")) or _str(work.get("display_name"))),
        abstract=rebuild_abstract(work.get("abstract_inverted_index")),
        arxiv_id=elsewhere[0] if elsewhere else None,
        version=arxiv[1] if arxiv else None,
        authors=tuple(a for a in map(_author, _list(work.get("authorships"))) if a),
        doi=doi,
        openalex_id=work_id,
        url=url or _str(work.get("id")) or None,
        published=iso_date(_str(work.get("publication_date"))),
        extra=_extra(work),
    )


def _extra(work: dict[str, Any]) -> dict[str, str]:
    """Work facts without a Paper field: year (when no full date was selected), type, and the
    venue (journal, proceedings) a card names."""
    extra: dict[str, str] = {}
    year = work.get("publication_year")
    if isinstance(year, int) and not isinstance(year, bool):
        extra["publication_year"] = str(year)
    if _str(work.get("type")):
        extra["type"] = _str(work.get("type"))
    venue = venue_of(work)
    if venue:
        extra["venue"] = venue
    return extra


def venue_of(work: dict[str, Any]) -> str | None:
    """Where the work was published: its primary location's source (a journal, a conference's
    proceedings), or the name the publisher gave; None for repositories such as arXiv."""
    location = _dict(work.get("primary_location"))
    source = _dict(location.get("source"))
    if _str(source.get("type")) == "repository" or _str(source.get("id")) == ARXIV_SOURCE:
        return None
    return clean_line(_str(source.get("display_name")) or _str(location.get("raw_source_name"))
                      ) or None


def _arxiv_elsewhere(work: dict[str, Any]) -> tuple[str, int | None] | None:
    """The arXiv id of a work whose DOI is not arXiv's: from ``ids`` (an ``arxiv`` entry) or a
    location on arXiv (its landing page, PDF or OAI id), e.g. a proceedings paper OpenAlex
    merged with its preprint."""
    found = arxiv_id_or_none(_str(_dict(work.get("ids")).get("arxiv")))
    if found:
        return found
    for location in [work.get("primary_location"), *_list(work.get("locations"))]:
        location = _dict(location)
        for field in ("landing_page_url", "pdf_url", "id"):
            text = _str(location.get(field))
            match = _ARXIV_LOCATION.search(text)
            found = arxiv_id_or_none(match[1]) if match else None
            if found:
                return found
    return None


def rebuild_abstract(index: Any) -> str:
    """OpenAlex ships abstracts as ``{word: [positions]}``; put the words back in order."""
    if not isinstance(index, dict):
        return ""
    placed: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(word, str) or not isinstance(positions, list):
            continue
        for pos in positions:
            if isinstance(pos, int) and not isinstance(pos, bool) and pos not in placed:
                placed[pos] = word
    return clean_line(" ".join(placed[p] for p in sorted(placed)))


def _author(authorship: Any) -> Author | None:
    if not isinstance(authorship, dict):
        return None
    person = _dict(authorship.get("author"))
    raw_name = _str(person.get("display_name")) or _str(authorship.get("raw_author_name"))
    name = _display_name(raw_name)
    if not name:
        return None
    affiliations: list[Affiliation] = []
    for inst in _list(authorship.get("institutions")):
        if isinstance(inst, dict) and _str(inst.get("display_name")):
            affiliations.append(_institution(inst))
    known = {a.name.casefold() for a in affiliations}
    raw_strings = [_str(s) for s in _list(authorship.get("raw_affiliation_strings"))]
    raw_strings += [
        _str(_dict(a).get("raw_affiliation_string")) for a in _list(authorship.get("affiliations"))
    ]
    for raw in raw_strings:
        raw = _COMMA_RUN.sub(",", clean_line(raw)).strip(" ,;")
        if raw and raw.casefold() not in known:
            known.add(raw.casefold())
            affiliations.append(Affiliation(name=raw, source=_OA))
    return Author(name=name, affiliations=tuple(affiliations))


def _display_name(raw: str) -> str:
    """Some works list authors as "Dai, Zihang"; show them as the other sources do."""
    name = clean_line(raw)
    last, comma, first = (part.strip() for part in name.partition(","))
    if comma and last and first and "," not in first and first.lower() not in _NAME_SUFFIXES:
        return f"{first} {last}"
    return name


def _institution(inst: dict[str, Any]) -> Affiliation:
    lineage = tuple(
        short for short in (_short_id(x, "I") for x in _list(inst.get("lineage"))) if short
    )
    ror = _str(inst.get("ror")).rstrip("/").rpartition("/")[2] or None
    return Affiliation(
        name=clean_line(_str(inst.get("display_name"))),
        source=_OA,
        openalex_id=_short_id(inst.get("id"), "I"),
        ror=ror,
        type=_str(inst.get("type")) or None,
        lineage=lineage,
        country=_str(inst.get("country_code")) or None,
    )


def _short_id(value: Any, kind: str) -> str | None:
    """``https://openalex.org/W123`` -> ``W123`` (only for the expected entity kind)."""
    short = _str(value).rstrip("/").rpartition("/")[2]
    if len(short) > 1 and short[0].upper() == kind and short[1:].isascii() and short[1:].isdigit():
        return kind + short[1:]
    return None


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
