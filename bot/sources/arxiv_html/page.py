"""A saved arXiv HTML page (arxiv.org/html or ar5iv) as a paper, for ``detect`` and ``ingest``.

A page saved on announcement day is the evidence a member may want to re-check later, so it
reads like any other recorded source: one ``Paper`` with the title, abstract and the authors of
its author block. Its identity is the arXiv id of the page's canonical link (or of arXiv's own
watermark), else the file's name: a page saved under another name is still one paper.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from lxml import html

from bot.errors import ParseError
from bot.models import Paper, split_arxiv_id
from bot.sources.arxiv_html.block import read_block
from bot.sources.arxiv_html.dom import classes, document, first
from bot.sources.base import ParsedPage, SourceFormat
from bot.sources.paper_ids import id_problem

_HEAD = 200_000
_CANONICAL = re.compile(rb"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>", re.IGNORECASE)
_HREF = re.compile(rb"\bhref=[\"']([^\"'>]+)", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/(?:html|abs|pdf)/([\w.\-/]+?)(?:\.html|\.pdf)?/?$")
_WATERMARK = re.compile(rb"arXiv:(\d{4}\.\d{4,5}(?:v\d+)?|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)")
_TITLE = re.compile(rb"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TITLE_ID = re.compile(r"^\s*\[[^\]]*\]\s*")
_MARKERS = (b"ltx_document", b"ltx_authors", b"LaTeXML")


def looks_like_arxiv_html(head: bytes) -> bool:
    """Whether a document head is a LaTeXML page (format auto-detection)."""
    return any(marker in head for marker in _MARKERS)


def parse_arxiv_html(data: bytes, name: str | None = None) -> ParsedPage:
    """The page as one paper; ``name`` (the file's) is its id when the page names none."""
    doc = document(data)
    if doc is None or not looks_like_arxiv_html(bytes(data[: _HEAD * 5])):
        raise ParseError("arXiv HTML: no LaTeXML article in the document")
    arxiv_id, version = _identity(bytes(data[:_HEAD]), name)
    block = first(doc, "div", "ltx_authors")
    authors = tuple(a for a in read_block(block) if a.name.strip()) if block is not None else ()
    stem = _stem(name) or "page"
    too_long = None if arxiv_id else id_problem(stem)
    if too_long:
        raise ParseError(f"arXiv HTML: the page names no arXiv id and its file name cannot "
                         f"stand in: {too_long}")
    key = arxiv_id or f"html:{stem}"
    paper = Paper(
        key=key,
        title=_title(doc, bytes(data[:_HEAD])),
        abstract=_abstract(doc),
        arxiv_id=arxiv_id,
        version=version,
        authors=authors,
    )
    return ParsedPage(format=SourceFormat.ARXIV_HTML, papers=(paper,))


def _identity(head: bytes, name: str | None) -> tuple[str | None, int | None]:
    candidates: list[str] = []
    for link in _CANONICAL.findall(head):
        href = _HREF.search(link)
        if href:
            match = _ARXIV_URL.search(href.group(1).decode("utf-8", "replace"))
            if match:
                candidates.append(match.group(1))
    candidates += [m.decode("ascii") for m in _WATERMARK.findall(head)[:1]]
    candidates.append(_stem(name))
    for text in candidates:
        try:
            return split_arxiv_id(text)
        except ValueError:
            continue
    return None, None


def _stem(name: str | None) -> str:
    if not name:
        return ""
    stem = PurePath(name).name
    return stem[: -len(".html")] if stem.lower().endswith(".html") else stem


def _title(doc: html.HtmlElement, head: bytes) -> str:
    h1 = first(doc, "h1", "ltx_title_document")
    if h1 is not None:
        text = _text_without_notes(h1)
        if text:
            return text
    match = _TITLE.search(head)
    if match:
        return _TITLE_ID.sub("", " ".join(match.group(1).decode("utf-8", "replace").split()))
    return ""


def _abstract(doc: html.HtmlElement) -> str:
    div = first(doc, "div", "ltx_abstract")
    if div is None:
        return ""
    paragraphs = [_text_without_notes(p) for p in div.iter("p")]
    return "\n".join(p for p in paragraphs if p)


def _text_without_notes(el: html.HtmlElement) -> str:
    parts: list[str] = []
    _collect(el, parts)
    return " ".join("".join(parts).split())


def _collect(el: html.HtmlElement, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            cls = classes(child)
            if "ltx_note" in cls or child.tag in ("annotation", "annotation-xml", "svg"):
                pass
            elif child.tag == "math":
                parts.append(child.get("alttext") or "")
            elif child.tag == "br":
                parts.append(" ")
            else:
                _collect(child, parts)
        if child.tail:
            parts.append(child.tail)
