"""Property tests: for any input bytes, parsers succeed or raise ParseError/SourceError only.

The inputs are fetched from the network or handed over by users; an unexpected exception type
would escape the fetchers' error handling and crash an ingest run.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import ParseError, SourceError
from bot.sources.arxiv_api import parse_arxiv_api
from bot.sources.arxiv_rss import parse_arxiv_atom, parse_arxiv_rss
from bot.sources.base import ParsedPage
from bot.sources.formats import detect_format, parse_document
from bot.sources.jsonl import parse_jsonl
from bot.sources.oai_pmh import parse_oai_pmh
from bot.sources.openalex import parse_openalex

PARSERS: list[Callable[[bytes], ParsedPage]] = [
    parse_arxiv_rss, parse_arxiv_atom, parse_arxiv_api, parse_oai_pmh, parse_openalex,
    parse_jsonl, parse_document,
]
REAL_FILES = [
    "arxiv_rss/aioarxiv_2024-11-28_rss_mock_feed.xml",
    "arxiv_rss/aioarxiv_2024-11-28_error_rss_mock_feed.xml",
    "arxiv_api/arxivpy_2026_q_testing_s0_m10_bc5a6c384fe9.body.xml",
    "arxiv_api/arxivpy_2026_id_abc_s0_m100_b79c8dcf6bc3.json",
    "arxiv_api/arxivpy_2016_search_au_del_maestro.xml",
    "arxiv_oai/hepcrawl_oai2_2017_arxiv-physics-hep-th.xml",
    "openalex/openalexpro_works_cursor_keypapers_page1.json",
    "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json",
]
Real = Callable[[str], bytes]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def only_expected_errors(parser: Callable[[bytes], object], data: bytes) -> None:
    with contextlib.suppress(ParseError, SourceError):
        parser(data)


def all_parsers(data: bytes) -> None:
    for parser in PARSERS:
        only_expected_errors(parser, data)
    only_expected_errors(detect_format, data)


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    all_parsers(data)


PREFIXES = [
    b"<rss xmlns:arxiv='http://arxiv.org/schemas/atom'><channel><item><guid>",
    b"<feed xmlns='http://www.w3.org/2005/Atom' xmlns:opensearch='x'><entry><id>",
    b"<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'><ListRecords><record>",
    b'{"meta": {}, "results": [{"id": "https://openalex.org/W1", "authorships": ',
    b'{"url": "u", "status_code": 400, "body": "',
    b'{"id": "2401.00001", "title": ',
]


@FUZZ
@given(st.sampled_from(PREFIXES), st.binary(max_size=500))
def test_plausible_heads_with_random_tails(prefix: bytes, tail: bytes) -> None:
    all_parsers(prefix + tail)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(REAL_FILES), st.floats(min_value=0.0, max_value=1.0))
def test_real_files_truncated_anywhere(real: Real, path: str, fraction: float) -> None:
    data = real(path)
    all_parsers(data[: int(len(data) * fraction)])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(REAL_FILES[2:]), st.data())
def test_real_files_with_corrupted_bytes(real: Real, path: str, data: st.DataObject) -> None:
    raw = bytearray(real(path)[:20_000])
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    all_parsers(bytes(raw))


# Well-formed documents with arbitrary content in every field the parsers read.
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=60,
)
RSS_TAGS = ["title", "link", "description", "guid", "category", "pubDate", "dc:creator",
            "arxiv:announce_type", "arxiv:DOI", "arxiv:journal_reference", "dc:rights"]
ATOM_TAGS = ["id", "title", "summary", "published", "updated", "arxiv:doi", "arxiv:comment",
             "arxiv:journal_ref", "arxiv:announce_type", "dc:creator"]


@FUZZ
@given(st.lists(st.lists(st.tuples(st.sampled_from(RSS_TAGS), TEXT), max_size=12), max_size=4),
       TEXT)
def test_rss_with_arbitrary_field_text(items: list[list[tuple[str, str]]], title: str) -> None:
    body = "".join(
        "<item>" + "".join(f"<{t}>{escape(v)}</{t}>" for t, v in fields) + "</item>"
        for fields in items
    )
    doc = (f"<rss xmlns:arxiv='http://arxiv.org/schemas/atom' "
           f"xmlns:dc='http://purl.org/dc/elements/1.1/'><channel><title>{escape(title)}</title>"
           f"<pubDate>{escape(title)}</pubDate>{body}</channel></rss>").encode()
    all_parsers(doc)


@FUZZ
@given(st.lists(st.lists(st.tuples(st.sampled_from(ATOM_TAGS), TEXT), max_size=10), max_size=4),
       st.lists(st.tuples(TEXT, TEXT), max_size=4), TEXT)
def test_atom_with_arbitrary_field_text(
    entries: list[list[tuple[str, str]]], authors: list[tuple[str, str]], total: str
) -> None:
    author_xml = "".join(
        f"<author><name>{escape(n)}</name><arxiv:affiliation>{escape(a)}</arxiv:affiliation>"
        f"</author><category term={quoteattr(a)}/><arxiv:primary_category term={quoteattr(n)}/>"
        for n, a in authors
    )
    body = "".join(
        "<entry>" + "".join(f"<{t}>{escape(v)}</{t}>" for t, v in fields) + author_xml + "</entry>"
        for fields in entries
    )
    for head in ("<opensearch:totalResults>", "<opensearch:startIndex>"):
        body += f"{head}{escape(total)}{head.replace('<', '</')}"
    doc = ("<feed xmlns='http://www.w3.org/2005/Atom' xmlns:arxiv='http://arxiv.org/schemas/atom' "
           "xmlns:dc='http://purl.org/dc/elements/1.1/' "
           f"xmlns:opensearch='http://a9.com/-/spec/opensearch/1.1/'>{body}</feed>").encode()
    all_parsers(doc)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
WORK_KEYS = ["id", "doi", "title", "display_name", "publication_date", "publication_year",
             "primary_location", "authorships", "abstract_inverted_index", "type"]
AUTHORSHIP = st.fixed_dictionaries({}, optional={
    "author": st.fixed_dictionaries({}, optional={"display_name": JSON_VALUES}) | JSON_VALUES,
    "institutions": st.lists(st.fixed_dictionaries({}, optional={
        k: JSON_VALUES | TEXT for k in ("id", "display_name", "ror", "type", "lineage",
                                        "country_code")}), max_size=3) | JSON_VALUES,
    "raw_affiliation_strings": st.lists(JSON_VALUES, max_size=3) | JSON_VALUES,
    "affiliations": JSON_VALUES,
})
WORK = st.fixed_dictionaries({"id": st.just("https://openalex.org/W1") | JSON_VALUES}, optional={
    **{k: JSON_VALUES for k in WORK_KEYS if k not in ("id", "authorships")},
    "doi": st.sampled_from(["https://doi.org/10.48550/arxiv.2401.00001", "10.1/x"]) | JSON_VALUES,
    "authorships": st.lists(AUTHORSHIP, max_size=3) | JSON_VALUES,
})


@FUZZ
@given(st.lists(WORK, max_size=4), JSON_VALUES)
def test_openalex_shapes_with_arbitrary_values(works: list[object], meta: object) -> None:
    all_parsers(json.dumps(works).encode())
    all_parsers(json.dumps({"meta": meta, "results": works}).encode())
    if works:
        all_parsers(json.dumps(works[0]).encode())


@FUZZ
@given(st.lists(JSON_VALUES | st.fixed_dictionaries({"id": JSON_VALUES, "title": JSON_VALUES},
                                                    optional={"authors": JSON_VALUES,
                                                              "categories": JSON_VALUES,
                                                              "announced": JSON_VALUES}),
                max_size=5))
def test_jsonl_with_arbitrary_values(records: list[object]) -> None:
    data = "\n".join(json.dumps(r) for r in records).encode()
    all_parsers(data)
    only_expected_errors(parse_jsonl, data)


def test_external_entities_are_never_resolved() -> None:
    doc = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">
<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom"><channel><title>&secret;&d;</title><item>
<guid>oai:arXiv.org:2401.00001v1</guid><title>T &secret;</title><description>&d;</description>
</item></channel></rss>"""
    page = parse_arxiv_rss(doc)
    (paper,) = page.papers
    assert "root:" not in paper.title and "aaaa" not in paper.abstract
    assert page.feed_title is None or "root:" not in page.feed_title
