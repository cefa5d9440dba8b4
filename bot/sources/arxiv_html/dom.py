"""The page as lines of tokens: text, superscript markers, notes, breaks.

arXiv pages are untrusted and can be megabytes: the parser never touches the network, expands
no entities beyond HTML's own, and reads only the neighbourhood of the author block. LaTeXML
puts meaning in markup that plain text loses (a ``<sup>`` marker, a ``<br>`` between a name and
an affiliation, a ``\\AND`` it could not expand, a marker written as math, the parts of an
acmart affiliation), so the block is turned into tokens that keep exactly that.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree, html

from bot.errors import ParseError

Kind = Literal["text", "sup", "br", "and", "note", "fnmark"]
Token = tuple[Kind, str]

_WINDOW = 400_000  # bytes after the author block that can still belong to it
_BEFORE = 200_000  # bytes before it in which the title and the <article> start are looked for
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_SKIP_TAGS = frozenset({"svg", "img", "script", "style", "annotation", "annotation-xml"})
_SKIP_CLASSES = frozenset({"ltx_contact_name", "ltx_note_mark", "ltx_note_type", "ltx_tag_note"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_GROUP_BREAK = re.compile(r"^\s*\\(?:AND|And|and)\s*$")
_MATH_LEAVES = frozenset({"mi", "mn", "mo", "mtext", "ms"})
_PARSER = html.HTMLParser(
    no_network=True, remove_comments=True, remove_pis=True, huge_tree=False, recover=True
)


@dataclass
class Line:
    """Tokens between two ``<br>``; ``group_break`` when a ``\\AND`` started it."""

    tokens: list[Token] = field(default_factory=list)
    group_break: bool = False

    @property
    def text(self) -> str:
        return " ".join("".join(v for k, v in self.tokens if k == "text").split())


def document(data: bytes) -> html.HtmlElement | None:
    """The parsed author-block neighbourhood; None for markup with no content at all."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"arXiv HTML: expected bytes, got {type(data).__name__}")
    raw = bytes(data).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not raw.startswith(b"<"):
        raise ParseError("arXiv HTML: the document is not HTML")
    start = raw.find(b"ltx_authors")
    if start > 0:  # parse only the author block's neighbourhood: pages can be megabytes
        head = max(0, start - _BEFORE)
        article = raw.rfind(b"<article", head, start)
        begin = article if article >= 0 else raw.rfind(b"<", head, start)
        raw = raw[max(begin, 0) : start + _WINDOW]
    text = _XML_DECLARATION.sub("", raw.decode("utf-8", errors="replace"))  # arXiv serves UTF-8
    text = _CONTROL.sub(" ", text)  # libxml2 refuses NUL and other C0 controls
    try:
        return html.document_fromstring(f"<html><body>{text}</body></html>", parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None  # "<!" and other markup without content: nothing to extract


def copy_of(el: html.HtmlElement) -> html.HtmlElement:
    """A detached copy to edit without touching the page."""
    return copy.deepcopy(el)


def classes(el: html.HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def first(root: html.HtmlElement, tag: str, cls: str) -> html.HtmlElement | None:
    """The first ``tag`` element below ``root`` carrying the class ``cls``."""
    for el in root.iter(tag):
        if cls in classes(el):
            return el
    return None


def lines_of(el: html.HtmlElement) -> list[Line]:
    """The element's content split at ``<br>`` and at unexpanded ``\\AND``; empty lines dropped."""
    out = [Line()]
    for kind, value in tokens(el):
        if kind == "br":
            out.append(Line())
        elif kind == "and":
            out.append(Line(group_break=True))
        else:
            out[-1].tokens.append((kind, value))
    kept: list[Line] = []
    pending_break = False
    for line in out:
        pending_break = pending_break or line.group_break
        if line.text or any(k in ("sup", "note", "fnmark") for k, _ in line.tokens):
            line.group_break = pending_break
            kept.append(line)
            pending_break = False
    return kept


def tokens(el: html.HtmlElement) -> Iterator[Token]:
    """Text, markers, notes and breaks in document order."""
    if el.text:
        yield "text", el.text
    for child in el:
        if isinstance(child.tag, str):
            yield from element_tokens(child)
        if child.tail:
            yield "text", child.tail


def element_tokens(child: html.HtmlElement) -> Iterator[Token]:
    """The tokens of one element itself (a note, a marker, a break, or its content)."""
    tag = child.tag.rpartition("}")[2].lower()
    cls = classes(child)
    if tag in _SKIP_TAGS or cls & _SKIP_CLASSES:
        return
    if "ltx_ERROR" in cls:  # an unexpanded macro: \AND separates authors, others separate words
        yield ("and", "") if _GROUP_BREAK.match(child.text_content()) else ("text", " ")
        return
    if "ltx_note" in cls:
        yield from _note(child, cls)
        return
    if tag == "br":
        yield "br", ""
    elif tag == "sup":
        yield "sup", child.text_content()
    elif tag == "math":
        yield from _math(child)
    else:
        if any(c.startswith("ltx_affiliation_") for c in cls):
            yield "text", ", "  # acmart parts: institution, city, country are separate spans
        yield from tokens(child)
        href = child.get("href") or ""
        if tag == "a" and href.startswith("mailto:") and "@" not in child.text_content():
            yield "text", " " + href.removeprefix("mailto:")


def _note(note: html.HtmlElement, cls: set[str]) -> Iterator[Token]:
    """``\\footnotemark`` -> its number; ``\\thanks``/footnote -> its words (marks dropped)."""
    if "ltx_role_footnotemark" in cls:
        tag = first(note, "span", "ltx_tag_note")
        number = tag.text_content().strip() if tag is not None else ""
        yield "fnmark", number
        return
    content = first(note, "span", "ltx_note_content")
    if content is not None:
        words = "".join(v for k, v in tokens(content) if k == "text")
        if words.strip():
            yield "note", " ".join(words.split())


def _math(math: html.HtmlElement) -> Iterator[Token]:
    """A superscript with an empty base is a marker (``{}^{1}``); other math is its text."""
    top = [c for c in math.iter() if isinstance(c.tag, str)]
    sup = next((c for c in top if c.tag in ("msup", "msubsup")), None)
    if sup is not None and len(sup) >= 2 and not _math_text(sup[0]).strip():
        yield "sup", _math_text(sup[1])
        return
    text = _math_text(math)
    if text:
        yield "text", text


def _math_text(el: html.HtmlElement) -> str:
    parts = [
        c.text or ""
        for c in el.iter()
        if isinstance(c.tag, str) and c.tag in _MATH_LEAVES and not _in_annotation(c, el)
    ]
    return unicodedata.normalize("NFKC", "".join(parts))


def _in_annotation(el: html.HtmlElement, stop: html.HtmlElement) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in ("annotation", "annotation-xml"):
            return True
        parent = parent.getparent()
    return False
