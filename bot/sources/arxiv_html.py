"""Authors, affiliations and e-mails from the author block of arXiv's HTML rendering.

arXiv renders papers with LaTeXML. Its stylesheet (LaTeXML-structure-xhtml.xsl) writes::

    <div class="ltx_authors">
      <span class="ltx_creator ltx_role_author">
        <span class="ltx_personname">NAME</span>
        <span class="ltx_author_notes">
          <span class="ltx_contact ltx_role_affiliation">AFFILIATION</span>
          <span class="ltx_contact ltx_role_email"><a href="mailto:X">X</a></span>
          <span class="ltx_contact ltx_role_address">ADDRESS</span>
        </span>
      </span>
      ...

but many templates put several names, affiliations and e-mails into one ``ltx_personname``,
separated by ``<br class="ltx_break">`` and keyed by superscript markers (``Ann<sup>1</sup>,
Bo<sup>2</sup><br><sup>1</sup>Google<br><sup>2</sup>MIT``). Both shapes are handled: markers map
affiliations to names, unmarked lines belong to every name of the block, footnotes
(``ltx_note``) and contact labels ("Affiliation:") are dropped. Anything unexpected yields fewer
affiliations, never an exception; only input that is not HTML raises ``ParseError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from lxml import etree, html

from bot.errors import ParseError, SourceError
from bot.models import Affiliation, AffiliationSource, Author, split_arxiv_id

_SOURCE = AffiliationSource.HTML
_NAME_SEP = re.compile(r"\s*(?:,|;|&|\band\b|\u2003|\u2002|\s{3,})\s*")
_MARKER_SEP = re.compile(r"[,\s]+")
_MATH_SUP = re.compile(r"^\s*(?:\{\s*\})?\^\{?([^{}]*)\}?\s*$")
_EMAIL = re.compile(r"(\{[^{}@]*\}|[\w.+-]+)@([\w-]+(?:\.[\w-]+)+)")
_SKIP_CLASSES = frozenset({"ltx_note", "ltx_contact_name", "ltx_role_footnotemark"})
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_WINDOW = 400_000  # bytes after the author block that can still belong to it

Token = tuple[str, str]  # ("text" | "sup" | "br", value)


class _Response(Protocol):
    status: int
    content: bytes


class HtmlClient(Protocol):
    """What ``fetch_author_block`` needs: ``PoliteClient`` fits, so do test fakes."""

    async def get(self, url: str) -> bytes | _Response: ...


async def fetch_author_block(client: HtmlClient, arxiv_id: str) -> list[Author]:
    """Authors from ``https://arxiv.org/html/<id>``; ``[]`` when arXiv has no HTML (404)."""
    ident, _version = split_arxiv_id(arxiv_id)
    url = f"https://arxiv.org/html/{ident}"
    result = await client.get(url)
    if isinstance(result, bytes | bytearray):
        return parse_author_block(bytes(result))
    if result.status == 404:
        return []
    if not 200 <= result.status < 300:
        raise SourceError(f"arxiv.org: HTTP {result.status} for {url}")
    return parse_author_block(result.content)


def parse_author_block(data: bytes) -> list[Author]:
    """Authors in page order with their affiliations (source ``html``) and e-mail addresses."""
    doc = _document(data)
    block = _author_div(doc) if doc is not None else None
    if block is None:
        return []
    groups: list[_Group] = []
    shared = _Group()  # affiliations listed once for the whole block, outside any author
    for el in block.iter("span", "div"):
        classes = _classes(el)
        if "ltx_creator" in classes and "ltx_role_author" in classes:
            groups.append(_creator(el))
        elif "ltx_role_affiliation" in classes and not _inside_author(el, block):
            for line in _lines(el):
                shared.add_line(line)
    return [author for group in groups for author in group.authors(shared)]


# ------------------------------------------------------------------ document and tokens
def _document(data: bytes) -> html.HtmlElement | None:
    """The parsed page (or its author-block neighbourhood); None for markup with no content."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"arXiv HTML: expected bytes, got {type(data).__name__}")
    raw = bytes(data).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not raw.startswith(b"<"):
        raise ParseError("arXiv HTML: the document is not HTML")
    start = raw.find(b"ltx_authors")
    if start > 0:  # parse only the author block's neighbourhood: pages can be megabytes
        raw = raw[raw.rfind(b"<", 0, start) : start + _WINDOW]
    text = _XML_DECLARATION.sub("", raw.decode("utf-8", errors="replace"))  # arXiv serves UTF-8
    try:
        return html.document_fromstring(f"<html><body>{text}</body></html>")
    except (etree.ParserError, ValueError):
        return None  # "<!" and other markup without content: nothing to extract


def _author_div(doc: html.HtmlElement) -> html.HtmlElement | None:
    for el in doc.iter("div"):
        if "ltx_authors" in _classes(el):
            return el
    return None


def _classes(el: html.HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def _inside_author(el: html.HtmlElement, block: html.HtmlElement) -> bool:
    parent = el.getparent()
    while parent is not None and parent is not block:
        if "ltx_role_author" in _classes(parent):
            return True
        parent = parent.getparent()
    return False


def _tokens(el: html.HtmlElement) -> Iterator[Token]:
    """Text, superscript markers and line breaks in document order (footnotes skipped)."""
    if el.text:
        yield "text", el.text
    for child in el:
        skipped = not isinstance(child.tag, str) or bool(_classes(child) & _SKIP_CLASSES)
        if skipped:  # comments, footnotes, "Affiliation:" labels
            pass
        elif child.tag == "br":
            yield "br", ""
        elif child.tag == "sup":
            yield "sup", child.text_content()
        elif child.tag == "math":
            marker = _MATH_SUP.match(child.get("alttext") or "")
            if marker:
                yield "sup", marker.group(1)
        else:
            yield from _tokens(child)
        if child.tail:
            yield "text", child.tail


def _lines(el: html.HtmlElement) -> list[list[Token]]:
    lines: list[list[Token]] = [[]]
    for kind, value in _tokens(el):
        if kind == "br":
            lines.append([])
        else:
            lines[-1].append((kind, value))
    return [line for line in lines if _text(line)]


def _text(line: list[Token]) -> str:
    return " ".join("".join(v for k, v in line if k == "text").split())


def _markers(value: str) -> list[str]:
    return [m for m in _MARKER_SEP.split(value.strip()) if m]


# ------------------------------------------------------------------ one ltx_creator
class _Group:
    """Names (with their markers), keyed and shared affiliations, and e-mails of one creator."""

    def __init__(self) -> None:
        self.names: list[tuple[str, list[str]]] = []
        self.keyed: dict[str, list[str]] = {}
        self.shared: list[str] = []
        self.emails: list[str] = []

    def add_line(self, line: list[Token]) -> None:
        text = _text(line)
        if "@" in text:
            self.emails.extend(_emails(text))
        elif _starts_with_marker(line):
            self._add_keyed(line)
        elif text:
            self.shared.append(text)

    def _add_keyed(self, line: list[Token]) -> None:
        """``<sup>1</sup>Google <sup>2</sup>MIT`` -> {"1": ["Google"], "2": ["MIT"]}."""
        pieces: list[tuple[list[str], list[str]]] = []
        for kind, value in line:
            if kind == "sup":
                pieces.append((_markers(value), []))
            elif pieces:
                pieces[-1][1].append(value)
        for keys, texts in pieces:
            text = " ".join("".join(texts).split()).strip(" ,;")
            if text:
                for key in keys:
                    self.keyed.setdefault(key, []).append(text)

    def authors(self, block: _Group) -> list[Author]:
        """Authors of this creator; ``block`` holds affiliations listed for the whole block."""
        emails = self.emails + block.emails
        pair = len(self.names) > 1 and len(emails) == len(self.names)
        out = []
        for i, (name, keys) in enumerate(self.names):
            texts = [t for key in keys for t in self.keyed.get(key, ())] + self.shared
            texts += [t for key in keys for t in block.keyed.get(key, ())]
            if not texts:
                texts = block.shared or [t for ts in block.keyed.values() for t in ts]
            mine = (emails[i],) if pair else tuple(emails)
            affiliations = tuple(Affiliation(name=t, source=_SOURCE) for t in dict.fromkeys(texts))
            out.append(Author(name=name, affiliations=affiliations, emails=mine))
        return out


def _starts_with_marker(line: list[Token]) -> bool:
    for kind, value in line:
        if kind == "sup":
            return bool(value.strip())
        if value.strip():
            return False
    return False


def _creator(creator: html.HtmlElement) -> _Group:
    group = _Group()
    person = next((e for e in creator.iter("span") if "ltx_personname" in _classes(e)), None)
    lines = _lines(person) if person is not None else []
    if lines:
        group.names = _names(lines[0])
        for line in lines[1:]:
            group.add_line(line)
    for contact in creator.iter("span"):
        classes = _classes(contact)
        if "ltx_contact" not in classes:
            continue
        if "ltx_role_email" in classes:
            group.emails.extend(_emails(contact.text_content()))
        elif "ltx_role_affiliation" in classes or "ltx_role_address" in classes:
            for line in _lines(contact):
                group.add_line(line)
    return group


def _names(line: list[Token]) -> list[tuple[str, list[str]]]:
    names: list[tuple[str, list[str]]] = [("", [])]
    for kind, value in line:
        if kind == "sup":
            names[-1][1].extend(_markers(value))
            continue
        parts = _NAME_SEP.split(value)
        names[-1] = (names[-1][0] + parts[0], names[-1][1])
        names.extend((part, []) for part in parts[1:])
    out: list[tuple[str, list[str]]] = []
    for name, keys in names:
        clean = " ".join(name.split()).strip(" ,;*∗†‡")
        if clean:
            out.append((clean, keys))
        elif out and keys:  # a marker after a separator still belongs to the previous name
            out[-1][1].extend(keys)
    return out


def _emails(text: str) -> list[str]:
    """Addresses in a line; ``{ann,bo}@google.com`` expands to one address per local part."""
    found = []
    for local, domain in _EMAIL.findall(text):
        for part in local.strip("{}").split(","):
            if part.strip():
                found.append(f"{part.strip()}@{domain}".lower())
    return found
