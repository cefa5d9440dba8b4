"""Hardened, streaming XML parsing shared by the arXiv and OAI-PMH parsers.

Fetched documents are untrusted: no entity expansion, no network access, no huge trees.
Every failure becomes a ``ParseError`` that says what was expected and what arrived.

Documents are read in chunks and handed over one element at a time (``iter_elements``), each
dropped once its consumer is done with it, so a 150 MB listing needs no more memory than a
1 MB one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from bot.errors import ParseError

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

Element = etree._Element


CHUNK = 1 << 16
_HEAD = 4096


def _parser() -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )


def iter_elements(
    source: BinaryIO, expected: str, root_tag: str, depth: int
) -> Iterator[tuple[int, Element]]:
    """``(depth, element)`` for every complete element down to ``depth`` below the root
    (children before their parent), read from ``source`` in chunks.

    The root must be ``root_tag`` (``wrong_root`` otherwise); ``expected`` names the document
    in errors. Once the consumer asks for the next element, the previous one is emptied and
    detached, so memory holds one record at a time whatever the file's size.
    """
    head = source.read(_HEAD)
    if not isinstance(head, bytes | bytearray):
        raise ParseError(f"{expected}: expected bytes, got {type(head).__name__}")
    if not bytes(head).strip():
        raise ParseError(f"{expected}: empty document")
    parser = _parser()
    level = -1
    root: Element | None = None
    chunk = bytes(head)
    try:
        while chunk:
            parser.feed(chunk)
            for event, element in parser.read_events():
                if not isinstance(element, Element):
                    continue  # namespace events, never asked for
                if event == "start":
                    level += 1
                    if root is None:
                        root = element
                        if element.tag != root_tag:
                            raise wrong_root(expected, element)
                    continue
                if 0 < level <= depth:
                    yield level, element
                    _drop(element)
                level -= 1
            chunk = source.read(CHUNK)
        parser.close()
    except (etree.LxmlError, ValueError, LookupError) as exc:
        if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
            raise ParseError(f"{expected}: got an HTML page, not XML") from exc
        raise ParseError(f"{expected}: malformed XML ({exc})") from exc
    if root is None:
        raise ParseError(f"{expected}: empty document")


def _drop(element: Element) -> None:
    """Free a handled element: its content, and itself from its parent (the tree stays the
    path from the root to the element being read)."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)


_ROOT_CHUNK = 4096


def root_element(data: bytes) -> tuple[str, int]:
    """The root element's local name and how many bytes were read to reach it.

    Read by the hardened parser itself, a chunk at a time, stopping at the first start tag:
    however long the prolog (a DOCTYPE with a large internal subset, comments, processing
    instructions) the root is found, and a tag inside a comment is never taken for it. The
    name is "" when the document is not well-formed before its root.
    """
    parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True,
                                 load_dtd=False, huge_tree=False)
    read = 0
    for start in range(0, len(data), _ROOT_CHUNK):
        chunk = bytes(data[start : start + _ROOT_CHUNK])
        try:
            parser.feed(chunk)
        except etree.XMLSyntaxError:
            return "", read
        read += len(chunk)
        for _event, element in parser.read_events():
            return (local_name(element) if isinstance(element, etree._Element) else ""), read
    return "", read


def local_name(element: Element) -> str:
    """Tag without namespace (``{ns}feed`` -> ``feed``); "" for comments and entities."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def wrong_root(expected: str, root: Element) -> ParseError:
    """The error for a well-formed document of another kind (HTML page, other feed)."""
    name = local_name(root) or "?"
    if name.lower() == "html":
        return ParseError(f"{expected}: got an HTML page, not XML")
    return ParseError(f"{expected}: unexpected root element <{name}>")


def text_of(element: Element | None) -> str:
    """All text inside an element (children included), or "" when absent."""
    if element is None:
        return ""
    if len(element) == 0:
        return element.text or ""
    return "".join(
        part for part in element.itertext() if isinstance(part, str)
    )
