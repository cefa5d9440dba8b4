"""Parse scoopwatch's generic JSON Lines paper format (one paper object per line).

This is the escape hatch for papers no built-in source covers (conference lists, exports of
other tools). Users write these files by hand or by script, so each bad line is reported with
its number and reason while the good lines still load. Lines are read one at a time.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any, BinaryIO

from bot import unicode_text
from bot.errors import ParseError
from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper
from bot.sources._text import (
    announce_type_for,
    announce_type_or_none,
    arxiv_id_or_none,
    clean_abstract,
    clean_doi,
    clean_line,
    dedupe,
)
from bot.sources.base import ParsedPage, RecordStream, Skipped, SourceFormat
from bot.sources.paper_ids import id_problem

_BOM = b"\xef\xbb\xbf"
_SOURCE = AffiliationSource.JSONL
_ANNOUNCE_TYPES = ", ".join(t.value for t in AnnounceType)


class _BadRecord(ValueError):
    """A line that is JSON but not a valid paper record; the message is the user's reason."""


def parse_jsonl(data: bytes) -> ParsedPage:
    """Papers of a JSON Lines file; bad lines become ``Skipped(ident="line N", reason)``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"JSON Lines: expected bytes, got {type(data).__name__}")
    return stream_jsonl(io.BytesIO(bytes(data))).page()


def stream_jsonl(source: BinaryIO) -> RecordStream:
    """``parse_jsonl`` line by line, so a file of any size is read in constant memory."""
    return RecordStream(SourceFormat.JSONL, lambda facts: _records(source))


def _records(source: BinaryIO) -> Iterator[Paper | Skipped]:
    json_lines = 0
    first_bad: Skipped | None = None
    for number, raw in enumerate(source, start=1):
        line = (raw.removeprefix(_BOM) if number == 1 else raw).strip()
        if not line:
            continue
        try:
            record = unicode_text.loads(line)
        except RecursionError:
            bad = Skipped(ident=f"line {number}", reason="JSON nested too deeply")
        except ValueError as exc:
            bad = Skipped(ident=f"line {number}", reason=f"not valid JSON: {exc}")
        else:
            json_lines += 1
            try:
                yield _paper(record)
            except _BadRecord as exc:
                yield Skipped(ident=f"line {number}", reason=str(exc))
            continue
        first_bad = first_bad or bad
        yield bad
    if first_bad is not None and not json_lines:
        raise ParseError(
            f"JSON Lines: no line is valid JSON ({first_bad.ident}: {first_bad.reason})"
        )


def _paper(record: Any) -> Paper:
    if not isinstance(record, dict):
        raise _BadRecord(f"expected a JSON object, got {_kind(record)}")
    raw_id = record.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    ident = clean_line(_opt_str(record, "id", raw_id))
    if not ident:
        raise _BadRecord('missing "id"')
    too_long = id_problem(ident)
    if too_long:
        raise _BadRecord(too_long)
    title = clean_line(_opt_str(record, "title"))
    if not title:
        raise _BadRecord(f'record {ident!r}: missing "title"')
    found = arxiv_id_or_none(ident)
    announce_raw = _opt_str(record, "announce_type")
    announce = announce_type_or_none(announce_raw)
    if announce_raw and announce is None:
        raise _BadRecord(
            f"record {ident!r}: announce_type {announce_raw!r} is not one of {_ANNOUNCE_TYPES}"
        )
    # Category names never contain spaces or commas: "cs.LG cs.AI" is two of them.
    categories = dedupe(
        c for item in _str_list(record, "categories") for c in item.replace(",", " ").split()
    )
    version = _version(record, ident, found[1] if found else None)
    announced = _date(record, ident)
    if announced is not None:  # an announcement: new unless the record says otherwise
        announce = announce_type_for(announce, version)
    return Paper(
        key=found[0] if found else f"jsonl:{ident}",
        title=title,
        abstract=clean_abstract(_opt_str(record, "abstract")),
        arxiv_id=found[0] if found else None,
        version=version,
        authors=tuple(_author(a, ident) for a in _list(record, "authors")),
        categories=categories,
        primary_category=categories[0] if categories else None,
        announced=announced,
        announce_type=announce,
        doi=clean_doi(_opt_str(record, "doi")),
        url=clean_line(_opt_str(record, "url")) or None,
    )


def _author(value: Any, ident: str) -> Author:
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise _BadRecord(f"record {ident!r}: each author must be an object or a name")
    name = clean_line(_opt_str(value, "name"))
    if not name:
        raise _BadRecord(f'record {ident!r}: author without "name"')
    affiliations = dedupe(clean_line(a) for a in _str_list(value, "affiliations"))
    emails = dedupe(e.lower() for e in _str_list(value, "emails"))
    return Author(
        name=name,
        affiliations=tuple(Affiliation(name=a, source=_SOURCE) for a in affiliations),
        emails=emails,
    )


def _version(record: dict[str, Any], ident: str, from_id: int | None) -> int | None:
    """``"version": 2``, else the id's ``v2`` suffix; both given, they must agree."""
    value = record.get("version")
    if value is None:
        return from_id
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _BadRecord(f'record {ident!r}: "version" must be a whole number from 1')
    if from_id is not None and from_id != value:
        raise _BadRecord(f'record {ident!r}: "version" {value} contradicts the id\'s v{from_id}')
    return value


def _date(record: dict[str, Any], ident: str) -> date | None:
    raw = _opt_str(record, "announced").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _BadRecord(f"record {ident!r}: announced {raw!r} is not a YYYY-MM-DD date") from None


def _opt_str(record: dict[str, Any], key: str, value: Any = None) -> str:
    value = record.get(key) if value is None else value
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _BadRecord(f'"{key}" must be a string, got {_kind(value)}')
    return value


def _list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise _BadRecord(f'"{key}" must be a list, got {_kind(value)}')
    return value


def _str_list(record: dict[str, Any], key: str) -> list[str]:
    """A list of strings; a single string is accepted as a one-item list."""
    value = record.get(key)
    if isinstance(value, str):
        return [value]
    items = _list(record, key)
    if not all(isinstance(item, str) for item in items):
        raise _BadRecord(f'"{key}" must be a list of strings')
    return items


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )
