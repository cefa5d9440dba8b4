"""Every parser: a paper that carries an announcement date also says how it was announced.

Digests and topic previews read new and cross-listed papers only, so an announced paper
stored without a type would never be shown. A record that leaves the type out counts like a new
arXiv paper, unless it names a version above 1 (then it is a replacement). Sources that
describe papers without announcing them (arXiv API, OAI-PMH, OpenAlex) claim no announcement
at all, so merging them into the store never re-dates or re-types a paper.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.models import AnnounceType
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.sources.formats import parse_document
from bot.sources.jsonl import parse_jsonl


def rss_item(body: str) -> bytes:
    """A one-item feed in the real rss.arxiv.org layout, dated Monday 2024-12-02."""
    return ("<?xml version='1.0' encoding='UTF-8'?><rss xmlns:arxiv=\"http://arxiv.org/schemas/"
            "atom\" version=\"2.0\"><channel><title>cs.LG updates on arXiv.org</title>"
            "<pubDate>Mon, 02 Dec 2024 00:00:00 -0500</pubDate>"
            f"<item>{body}</item></channel></rss>").encode()


ANNOUNCING = ["arxiv_rss/aioarxiv_2024-11-28_rss_mock_feed.xml"]
DESCRIBING = [
    "arxiv_api/arxivpy_2016_id_list_1111.2011v2.xml",
    "arxiv_api/arxivpy_2026_q_testing_s0_m100_cfe7536492ca.body.xml",
    "arxiv_oai/hepcrawl_oai2_2017_arxiv-physics-hep-th.xml",
    "openalex/openalexpro_works_cursor_keypapers_page1.json",
    "openalex/openalexpro_vcr_2026-03_works_title_and_abstract_search_cursor_page1_excerpt23"
    ".body.json",
]


@pytest.mark.parametrize("name", ANNOUNCING)
def test_recorded_listings_give_every_paper_a_type(name: str,
                                                   real: Callable[[str], bytes]) -> None:
    papers = parse_document(real(name)).papers
    assert papers and all(p.announced and p.announce_type for p in papers)


@pytest.mark.parametrize("name", DESCRIBING)
def test_describing_sources_claim_no_announcement(name: str,
                                                  real: Callable[[str], bytes]) -> None:
    papers = parse_document(real(name)).papers
    assert papers
    assert all(p.announced is None and p.announce_type is None for p in papers)


@pytest.mark.parametrize(("extra", "expected"), [
    ({}, AnnounceType.NEW),
    ({"id": "2411.01234v1"}, AnnounceType.NEW),
    ({"id": "2411.01234v3"}, AnnounceType.REPLACE),
    ({"version": 2}, AnnounceType.REPLACE),
    ({"announce_type": "replace"}, AnnounceType.REPLACE),
    ({"announce_type": "cross"}, AnnounceType.CROSS),
    ({"id": "2411.01234v2", "announce_type": "new"}, AnnounceType.NEW),  # it says otherwise
    ({"id": "colm-2024-17"}, AnnounceType.NEW),
])
def test_jsonl_type_defaults(extra: dict[str, object], expected: AnnounceType) -> None:
    record = {"id": "2411.01234", "title": "T", "announced": "2024-11-28", **extra}
    (paper,) = parse_jsonl(json.dumps(record).encode()).papers
    assert paper.announce_type is expected


def test_jsonl_without_a_date_is_metadata_not_an_announcement() -> None:
    """Such a line can add affiliations to a stored paper without re-typing it."""
    (paper,) = parse_jsonl(b'{"id": "2411.01234", "title": "T"}').papers
    assert (paper.announced, paper.announce_type) == (None, None)


@pytest.mark.parametrize(("record", "reason"), [
    ({"version": 0}, '"version" must be a whole number from 1'),
    ({"version": "2"}, '"version" must be a whole number from 1'),
    ({"id": "2411.01234v3", "version": 2}, "\"version\" 2 contradicts the id's v3"),
])
def test_jsonl_bad_versions_are_reported(record: dict[str, object], reason: str) -> None:
    page = parse_jsonl(json.dumps({"id": "2411.01234", "title": "T", **record}).encode())
    assert page.papers == () and reason in page.skipped[0].reason


@given(
    version=st.one_of(st.none(), st.integers(min_value=1, max_value=40)),
    stated=st.one_of(st.none(), st.sampled_from([t.value for t in AnnounceType])),
    day=st.dates(min_value=date(1991, 8, 14), max_value=date(2100, 1, 1)),
)
def test_jsonl_announced_records_always_have_a_type(
    version: int | None, stated: str | None, day: date,
) -> None:
    record: dict[str, object] = {"id": "2411.01234", "title": "T", "announced": day.isoformat()}
    if version is not None:
        record["version"] = version
    if stated is not None:
        record["announce_type"] = stated
    (paper,) = parse_jsonl(json.dumps(record).encode()).papers
    if stated is not None:
        assert paper.announce_type is AnnounceType(stated)
    elif version is not None and version > 1:
        assert paper.announce_type is AnnounceType.REPLACE
    else:
        assert paper.announce_type is AnnounceType.NEW


@pytest.mark.parametrize(("ident", "expected"), [
    ("2412.00001v1", AnnounceType.NEW), ("2412.00001v2", AnnounceType.REPLACE),
    ("2412.00001", AnnounceType.NEW),
])
def test_listing_item_without_a_type_counts_as_new_or_replacement(
    ident: str, expected: AnnounceType,
) -> None:
    (paper,) = parse_arxiv_rss(rss_item(
        f"<guid>oai:arXiv.org:{ident}</guid><title>T</title><description>Text.</description>"
    )).papers
    assert paper.announced == date(2024, 12, 2) and paper.announce_type is expected
