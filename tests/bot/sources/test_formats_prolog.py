"""The root element decides a document's format however long the prolog before it: a DOCTYPE
with a large internal subset, comments (even ones holding a tag), processing instructions."""

from __future__ import annotations

import pytest

from bot.errors import ParseError
from bot.sources.base import SourceFormat
from bot.sources.formats import detect_format, parse_document
from tests.fixture_files import LISTING, fixture_bytes

SUBSET = b"".join(b'<!ENTITY note%d "a note long enough to fill the subset">\n' % i
                  for i in range(150))  # about 9 KB: the root starts far past 4 KB


def with_prolog(document: bytes, root: bytes) -> bytes:
    """``document`` with a DOCTYPE (internal subset) and a tag-holding comment before its
    root, right after the XML declaration."""
    declaration, _, rest = document.partition(b"?>")
    prolog = b"\n<!DOCTYPE " + root + b" [\n" + SUBSET + b"]>\n<!-- <feed> was the old root -->\n"
    return declaration + b"?>" + prolog + rest


def test_a_listing_behind_a_long_doctype_is_still_an_arxiv_listing() -> None:
    plain = fixture_bytes(LISTING)
    padded = with_prolog(plain, b"rss")
    assert padded.index(b"<rss") > 8192
    assert detect_format(padded) is SourceFormat.ARXIV_RSS
    assert len(parse_document(padded).papers) == len(parse_document(plain).papers) == 1504


def test_an_unknown_document_is_named_by_its_real_root() -> None:
    document = with_prolog(b"<?xml version='1.0'?><catalog><item/></catalog>", b"catalog")
    with pytest.raises(ParseError, match=r"unknown XML document with root <catalog> \(x\.xml\)"):
        detect_format(document, "x.xml")


def test_a_document_broken_before_its_root_says_so() -> None:
    with pytest.raises(ParseError, match="not well-formed XML: no root element could be read"):
        detect_format(b"<<<!-- nothing here")
