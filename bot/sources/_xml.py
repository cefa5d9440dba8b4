"""Hardened XML parsing shared by the arXiv and OAI-PMH parsers.

Fetched documents are untrusted: no entity expansion, no network access, no huge trees.
Every failure becomes a ``ParseError`` that says what was expected and what arrived.
"""

from __future__ import annotations

from lxml import etree

from bot.errors import ParseError

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

Element = etree._Element


def parse_xml(data: bytes, expected: str) -> Element:
    """Parse ``data`` safely and return the root element; ``expected`` names it in errors."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParseError(f"{expected}: expected bytes, got {type(data).__name__}")
    if not bytes(data[:4096]).strip():
        raise ParseError(f"{expected}: empty document")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(bytes(data), parser)
    except (etree.LxmlError, ValueError, LookupError) as exc:
        head = bytes(data[:200]).lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")):
            raise ParseError(f"{expected}: got an HTML page, not XML") from exc
        raise ParseError(f"{expected}: malformed XML ({exc})") from exc
    if root is None:
        raise ParseError(f"{expected}: empty document")
    return root


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
