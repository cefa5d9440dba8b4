"""Recognise a document's format and dispatch it to the right parser.

``scoopwatch ingest FILE`` and the fixture-driven tests hand over bytes of unknown origin;
sniffing looks only at the head of XML (cheap on multi-MB listings) and decodes JSON once,
reusing the decoded value for the OpenAlex parser. Recorded HTTP wrappers
(``{"url", "status_code", "body"}``, the arxiv.py golden-file shape) are unwrapped.

``open_document`` reads a file as a ``RecordStream``: the XML formats and JSON Lines are parsed
a record at a time (files of any size); the rest (an OpenAlex page, a wrapper, an HTML page,
all bounded by what a server sends) is parsed whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from bot.errors import ParseError, SourceError
from bot.sources._xml import root_element
from bot.sources.arxiv_api import parse_arxiv_api, stream_arxiv_api
from bot.sources.arxiv_html.page import looks_like_arxiv_html, parse_arxiv_html
from bot.sources.arxiv_rss import (
    parse_arxiv_atom,
    parse_arxiv_rss,
    stream_arxiv_atom,
    stream_arxiv_rss,
)
from bot.sources.base import ParsedPage, RecordStream, SourceFormat
from bot.sources.jsonl import parse_jsonl, stream_jsonl
from bot.sources.oai_pmh import parse_oai_pmh, stream_oai_pmh
from bot.sources.openalex import load_json, parse_openalex, parse_openalex_value

_HEAD = 4096
_NOTHING: Any = object()
_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")

PARSERS: dict[SourceFormat, Callable[[bytes], ParsedPage]] = {
    SourceFormat.ARXIV_RSS: parse_arxiv_rss,
    SourceFormat.ARXIV_ATOM: parse_arxiv_atom,
    SourceFormat.ARXIV_API: parse_arxiv_api,
    SourceFormat.OAI_PMH: parse_oai_pmh,
    SourceFormat.OPENALEX: parse_openalex,
    SourceFormat.JSONL: parse_jsonl,
    SourceFormat.ARXIV_HTML: parse_arxiv_html,
}
_HTML_SNIFF = 1 << 18  # LaTeXML marks can sit after a page's scripts and navigation
STREAMERS: dict[SourceFormat, Callable[[BinaryIO], RecordStream]] = {
    SourceFormat.ARXIV_RSS: stream_arxiv_rss,
    SourceFormat.ARXIV_ATOM: stream_arxiv_atom,
    SourceFormat.ARXIV_API: stream_arxiv_api,
    SourceFormat.OAI_PMH: stream_oai_pmh,
    SourceFormat.JSONL: stream_jsonl,
}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(slots=True)
class _Sniffed:
    """A format decision plus what was learnt on the way (decoded JSON, HTTP wrapper)."""

    fmt: SourceFormat
    data: bytes
    value: Any = _NOTHING
    status: int | None = None
    url: str = ""


def detect_format(data: bytes, filename: str | None = None) -> SourceFormat:
    """The format of ``data``; raises ParseError naming what the document looked like."""
    return _sniff(_as_bytes(data), filename).fmt


def parse_document(
    data: bytes, fmt: SourceFormat | None = None, *, name: str | None = None
) -> ParsedPage:
    """Parse ``data`` as ``fmt`` (auto-detected when None), unwrapping recorded HTTP wrappers.

    ``name`` is the file's name: a saved HTML page that names no arXiv id is known by it.
    """
    data = _as_bytes(data)
    sniffed = _sniff(data, None) if fmt is None else _explicit(data, SourceFormat(fmt))
    origin = f"HTTP {sniffed.status} from {sniffed.url or 'source'}"
    try:
        if sniffed.value is not _NOTHING and sniffed.fmt is SourceFormat.OPENALEX:
            page = parse_openalex_value(sniffed.value)
        elif sniffed.fmt is SourceFormat.ARXIV_HTML:
            page = parse_arxiv_html(sniffed.data, name)
        else:
            page = PARSERS[sniffed.fmt](sniffed.data)
    except ParseError as exc:
        if sniffed.status is not None and sniffed.status >= 400:
            raise SourceError(f"{origin}: {exc}") from exc
        raise
    if sniffed.status is not None and sniffed.status >= 400:
        raise SourceError(origin)
    return page


def open_document(path: str | Path, fmt: SourceFormat | None = None) -> RecordStream:
    """The records of the file at ``path`` as ``fmt`` (auto-detected when None), streamed when
    the format allows; close the stream (``with``) to release the file.

    Detection matches ``parse_document``'s: JSON whose first line is a whole object followed
    by more lines is JSON Lines. Raises ``OSError`` for an unreadable file; parse errors come
    from the stream, at the record where the document breaks.
    """
    name = str(path)
    file = Path(path).open("rb")  # noqa: SIM115 - a stream keeps it open until closed
    try:
        chosen = _streamable(file, None if fmt is None else SourceFormat(fmt), name)
        file.seek(0)
        if chosen is not None:
            stream = STREAMERS[chosen](file)
            stream.on_close(file.close)
            return stream
        data = file.read()
    except BaseException:
        file.close()
        raise
    file.close()
    return RecordStream.of_page(parse_document(data, fmt, name=name))


def _streamable(file: BinaryIO, fmt: SourceFormat | None, name: str) -> SourceFormat | None:
    """The streaming parser to read ``file`` with, or None to parse it whole."""
    raw = file.read(_HTML_SNIFF)
    if raw[:2] in _UTF16_BOMS:
        return None
    head = _head(raw)
    if fmt is not None:
        if fmt is SourceFormat.JSONL or (fmt in STREAMERS and head[:1] == b"<"):
            return fmt
        return None
    if head[:1] == b"<":
        if _is_feed(head) is None and looks_like_arxiv_html(raw):
            return None
        try:
            return _xml_format(raw, head, "")
        except ParseError:
            return None  # parsed whole, to raise the same error as parse_document
    if head[:1] in (b"{", b"[") and (
        name.lower().endswith(_JSONL_SUFFIXES) or _first_line_then_more(file)
    ):
        return SourceFormat.JSONL
    return None


def _first_line_then_more(file: BinaryIO) -> bool:
    """The first non-blank line is a JSON object and another non-blank line follows."""
    file.seek(0)
    lines = (line.strip() for line in file)
    first = next((line for line in lines if line), b"").removeprefix(b"\xef\xbb\xbf")
    return _is_json_object(first) and any(lines)


def _as_bytes(data: bytes) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise ParseError(f"expected bytes, got {type(data).__name__}")


def _explicit(data: bytes, fmt: SourceFormat) -> _Sniffed:
    """A caller-chosen format; a wrapper is still unwrapped (its body keeps that format)."""
    if fmt is SourceFormat.JSONL or data.lstrip()[:1] != b"{":
        return _Sniffed(fmt, data)
    try:
        value = load_json(data, f"{fmt.value} document")
    except ParseError:
        return _Sniffed(fmt, data)  # let the chosen parser report it in its own terms
    wrapped = _unwrap(value)
    if wrapped is not None:
        body, status, url = wrapped
        return _Sniffed(fmt, body, status=status, url=url)
    return _Sniffed(fmt, data, value=value if fmt is SourceFormat.OPENALEX else _NOTHING)


def _sniff(data: bytes, filename: str | None, *, nested: bool = False) -> _Sniffed:
    head = _head(data)
    where = f" ({filename})" if filename else ""
    if not head:
        raise ParseError(f"empty document{where}")
    if head[:1] == b"<":
        if _is_feed(data) is None and looks_like_arxiv_html(data[:_HTML_SNIFF]):
            return _Sniffed(SourceFormat.ARXIV_HTML, data)
        return _Sniffed(_xml_format(data, head, where), data)
    if head[:1] not in (b"{", b"["):
        raise ParseError(f"unrecognised document{where}: starts with {head[:40]!r}")
    if filename and filename.lower().endswith(_JSONL_SUFFIXES):
        return _Sniffed(SourceFormat.JSONL, data)
    try:
        value = load_json(data, "JSON document")
    except ParseError:
        first_line = data.lstrip().split(b"\n", 1)[0]
        if b"\n" in data.strip() and _is_json_object(first_line):
            return _Sniffed(SourceFormat.JSONL, data)
        raise
    wrapped = None if nested else _unwrap(value)
    if wrapped is not None:
        body, status, url = wrapped
        try:
            inner = _sniff(body, filename, nested=True)
        except ParseError as exc:
            if status >= 400:
                raise SourceError(f"HTTP {status} from {url or 'source'}: {exc}") from exc
            raise
        inner.status, inner.url = status, url
        return inner
    return _Sniffed(_json_format(value, where), data, value=value)


def _head(data: bytes, size: int = _HEAD) -> bytes:
    """The first bytes without BOM and leading whitespace (UTF-16 heads re-encoded)."""
    head = data[:size]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()


def _is_feed(data: bytes) -> str | None:
    """The root element's name when it is a feed or OAI-PMH document, else None."""
    root, _read = root_element(data)
    return root if root in ("rss", "feed", "OAI-PMH") else None


def _xml_format(data: bytes, head: bytes, where: str) -> SourceFormat:
    if head.lower().startswith((b"<!doctype html", b"<html")):
        raise ParseError(f"got an HTML page, not a feed or API response{where}")
    root, read = root_element(data)
    if not root:
        raise ParseError(f"not well-formed XML: no root element could be read{where}")
    # The prolog, however long, and the start of the document: where the markers below sit.
    lowered = _head(data, read + _HEAD).lower()
    if root == "rss":
        if b"arxiv.org" in lowered:
            return SourceFormat.ARXIV_RSS
        raise ParseError(f"an RSS feed, but not an arXiv listing (no arXiv namespace){where}")
    if root == "feed":
        if b"opensearch" in lowered:
            return SourceFormat.ARXIV_API
        if b"rss.arxiv.org" in lowered or b"announce_type" in lowered or b"oai:arxiv" in lowered:
            return SourceFormat.ARXIV_ATOM
        if b"arxiv.org/api" in lowered:
            return SourceFormat.ARXIV_API
        raise ParseError(f"an Atom feed from neither rss.arxiv.org nor the arXiv API{where}")
    if root == "OAI-PMH":
        return SourceFormat.OAI_PMH
    if root.lower() == "html":
        raise ParseError(f"got an HTML page, not a feed or API response{where}")
    raise ParseError(f"unknown XML document with root <{root}>{where}")


def _json_format(value: Any, where: str) -> SourceFormat:
    if isinstance(value, dict):
        if isinstance(value.get("results"), list) or "meta" in value or "error" in value:
            return SourceFormat.OPENALEX
        if _is_openalex_work(value):
            return SourceFormat.OPENALEX
        if "title" in value and "id" in value:
            return SourceFormat.JSONL  # a one-line JSON Lines file
        keys = ", ".join(sorted(str(k) for k in value)[:8])
        raise ParseError(f"JSON object of unknown shape (keys: {keys}){where}")
    if isinstance(value, list):
        if not value or _is_openalex_work(value[0]):
            return SourceFormat.OPENALEX
        raise ParseError(
            f"a JSON list that is not OpenAlex works{where}; JSON Lines needs one object per line"
        )
    raise ParseError(f"JSON {type(value).__name__} is not a paper document{where}")


def _is_openalex_work(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    ident = value.get("id")
    return (isinstance(ident, str) and "openalex.org/W" in ident) or "authorships" in value


def _is_json_object(line: bytes) -> bool:
    try:
        return isinstance(load_json(line, "line"), dict)
    except ParseError:
        return False


def _unwrap(value: Any) -> tuple[bytes, int, str] | None:
    """Body bytes, status and URL of an arxiv.py recording; the body was decoded as latin-1."""
    if not isinstance(value, dict) or not isinstance(value.get("body"), str):
        return None
    status = value.get("status_code")
    if isinstance(status, bool) or not isinstance(status, int):
        return None
    body: str = value["body"]
    try:
        raw = body.encode("latin-1")
    except UnicodeEncodeError:  # recorded as real text after all
        raw = body.encode("utf-8", errors="surrogatepass")
    url = value.get("url")
    return raw, status, url if isinstance(url, str) else ""
