"""rss.arxiv.org listing parsers, checked against the real 2024-11-28 feeds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from lxml import etree

from bot.errors import ParseError, SourceError
from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper
from bot.sources._authors import split_author_list
from bot.sources.arxiv_rss import parse_arxiv_atom, parse_arxiv_rss
from bot.sources.base import ParsedPage, Skipped, SourceFormat

FULL = "arxiv_rss/aioarxiv_2024-11-28_rss_mock_feed.xml"
EMPTY = "arxiv_rss/aioarxiv_2024-11-28_empty_rss_mock_feed.xml"
ERROR = "arxiv_rss/aioarxiv_2024-11-28_error_rss_mock_feed.xml"
THANKSGIVING = date(2024, 11, 28)
ATOM_NS = "http://www.w3.org/2005/Atom"
ARXIV_NS = "http://arxiv.org/schemas/atom"
DC_NS = "http://purl.org/dc/elements/1.1/"


@pytest.fixture(scope="module")
def listing(real: Callable[[str], bytes]) -> ParsedPage:
    return parse_arxiv_rss(real(FULL))


@pytest.fixture(scope="module")
def by_key(listing: ParsedPage) -> dict[str, Paper]:
    return {p.key: p for p in listing.papers}


def rss_item(body: str) -> bytes:
    """A one-item feed in the real rss.arxiv.org layout."""
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="{ARXIV_NS}" xmlns:dc="{DC_NS}" version="2.0"><channel>
<title>cs.LG updates on arXiv.org</title>
<pubDate>Mon, 02 Dec 2024 00:00:00 -0500</pubDate>
<item>{body}</item></channel></rss>""".encode()


def rss_to_atom(rss: bytes) -> bytes:
    """The same listing in the Atom layout of arXiv's atom_specifications (no real recording)."""
    channel = etree.fromstring(rss).find("channel")
    assert channel is not None
    nsmap: Any = {None: ATOM_NS, "arxiv": ARXIV_NS, "dc": DC_NS}
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap=nsmap)

    def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
        child.text = text
        return child

    def field(element: etree._Element, tag: str) -> str:
        return element.findtext(tag) or ""

    def iso(rfc822: str) -> str:
        return parsedate_to_datetime(rfc822).isoformat()

    add(feed, "id", "http://rss.arxiv.org/atom/")
    add(feed, "title", field(channel, "title"))
    add(feed, "updated", iso(field(channel, "lastBuildDate")))
    add(feed, "subtitle", field(channel, "description"))
    for item in channel.iter("item"):
        entry = add(feed, "entry")
        add(entry, "id", field(item, "guid"))
        add(entry, "title", field(item, "title"))
        add(entry, "updated", iso(field(channel, "lastBuildDate")))
        add(entry, "link").attrib.update({"href": field(item, "link"), "rel": "alternate"})
        add(entry, "summary", field(item, "description"))
        for category in item.iter("category"):
            add(entry, "category").set("term", category.text or "")
        add(entry, "published", iso(field(item, "pubDate")))
        for child in item:
            if str(child.tag).startswith(("{" + ARXIV_NS, "{" + DC_NS)):
                entry.append(child)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8")


class TestRealListing:
    def test_counts_match_the_recording(self, listing: ParsedPage) -> None:
        assert listing.format is SourceFormat.ARXIV_RSS
        assert len(listing.papers) == 1504
        assert listing.skipped == ()
        types = Counter(p.announce_type for p in listing.papers)
        assert types == {AnnounceType.NEW: 926, AnnounceType.REPLACE: 569, AnnounceType.CROSS: 9}
        for category, expected in {"cs.LG": 218, "cs.AI": 194, "cs.CV": 227, "cs.CL": 102,
                                   "stat.ML": 36}.items():
            assert sum(category in p.categories for p in listing.papers) == expected, category
        assert sum(p.doi is not None for p in listing.papers) == 111
        assert sum(p.journal_ref is not None for p in listing.papers) == 97

    def test_announcement_date_and_title(self, listing: ParsedPage) -> None:
        assert listing.announced == THANKSGIVING
        assert all(p.announced == THANKSGIVING for p in listing.papers)
        assert listing.feed_title is not None
        assert listing.feed_title.startswith("astro-ph, cond-mat, physics, quant-ph")

    def test_every_item_has_unversioned_key_and_version(self, listing: ParsedPage) -> None:
        keys = [p.key for p in listing.papers]
        assert len(set(keys)) == 1504
        for paper in listing.papers:
            assert paper.key == paper.arxiv_id and "v" not in paper.key
            assert paper.version is not None and paper.version >= 1
            assert paper.title and paper.abstract and paper.authors
            assert not paper.abstract.startswith(("arXiv:", "Abstract"))
            assert "Announce Type" not in paper.abstract
            assert paper.primary_category == paper.categories[0]

    def test_first_item(self, by_key: dict[str, Paper]) -> None:
        paper = by_key["2411.17700"]
        assert paper.title.startswith("Exploring the Impact of Generative AI on Cross-Border")
        assert paper.abstract.startswith("This study investigates the influence of generative")
        assert paper.abstract.endswith("regression and structural equations (PLS-SEM).")
        assert paper.version == 1
        assert paper.authors == (Author(name="Jun Cui"),)
        assert paper.categories == ("cs.CY",)
        assert paper.announce_type is AnnounceType.NEW
        assert paper.url == "https://arxiv.org/abs/2411.17700"
        assert paper.extra["license"] == "http://creativecommons.org/licenses/by/4.0/"

    def test_new_item_with_doi_and_journal_reference(self, by_key: dict[str, Paper]) -> None:
        paper = by_key["2411.17758"]
        assert paper.title == (
            "PP-LEM: Efficient and Privacy-Preserving Clearance Mechanism for Local Energy Markets"
        )
        assert [a.name for a in paper.authors] == ["Kamil Erdayandi", "Mustafa Asan Mustafa"]
        assert paper.categories == ("cs.GT", "cs.CR")
        assert paper.primary_category == "cs.GT"
        assert paper.doi == "10.1016/j.segan.2024.101477"
        assert paper.journal_ref == (
            "Sustainable Energy, Grids and Networks, Volume 39, 2024, 101477, ISSN 2352-4677"
        )

    def test_replacement_keeps_its_version(self, by_key: dict[str, Paper]) -> None:
        paper = by_key["1712.07645"]
        assert paper.announce_type is AnnounceType.REPLACE
        assert paper.version == 2
        assert [a.name for a in paper.authors] == [
            "G. Roepke", "D. Blaschke", "Yu. B. Ivanov", "Iu. Karpenko", "O. V. Rogachevsky",
            "H. H. Wolter",
        ]
        assert paper.doi == "10.1134/S1547477118030159"

    def test_cross_listing_keeps_category_order(self, by_key: dict[str, Paper]) -> None:
        paper = by_key["2411.16552"]
        assert paper.announce_type is AnnounceType.CROSS
        assert paper.categories == ("stat.AP", "cs.LG", "econ.EM", "stat.ME", "stat.ML")
        assert paper.primary_category == "stat.AP"

    def test_parenthesised_affiliations_become_arxiv_affiliations(
        self, by_key: dict[str, Paper]
    ) -> None:
        paper = by_key["2409.13694"]
        assert len(paper.authors) == 8
        lei = paper.authors[5]
        assert lei.name == "Chenyi Lei"
        assert lei.affiliations == (
            Affiliation(name="Kuaishou Technology, Beijing, China", source=AffiliationSource.ARXIV),
        )
        assert paper.authors[0].affiliations[0].name.startswith("State Key Laboratory")

    def test_collaboration_note_is_not_an_affiliation(self, listing: ParsedPage) -> None:
        authors = [a for p in listing.papers for a in p.authors if a.name == "Aaron B. Pearlman"]
        assert authors and authors[0].affiliations == ()

    def test_tex_accents_in_names_become_unicode(self, by_key: dict[str, Paper]) -> None:
        assert "Özenç Güngör" in [a.name for a in by_key["2211.02603"].authors]
        assert "Guðmundur K. Stefánsson" in [a.name for a in by_key["2411.18567"].authors]
        assert not any("\\" in a.name for p in by_key.values() for a in p.authors)

    def test_abstract_paragraphs_are_kept(self, by_key: dict[str, Paper]) -> None:
        paragraphs = by_key["2411.17838"].abstract.split("\n\n")
        assert len(paragraphs) == 2
        assert paragraphs[1].startswith("The most popular TSCL algorithms are either fast")

    def test_entities_are_unescaped(self, by_key: dict[str, Paper]) -> None:
        assert by_key["2307.10544"].title == (
            "Design & Optimization of the HV divider for JUNO 20-inch PMT"
        )


class TestEmptyAndErrorFeeds:
    def test_empty_feed(self, real: Callable[[str], bytes]) -> None:
        page = parse_arxiv_rss(real(EMPTY))
        assert page.papers == () and page.skipped == ()
        assert page.announced == THANKSGIVING
        assert page.feed_title == "test updates on arXiv.org"

    def test_error_feed_names_the_bad_archive(self, real: Callable[[str], bytes]) -> None:
        with pytest.raises(SourceError, match="'astroph'") as caught:
            parse_arxiv_rss(real(ERROR))
        assert "Bad archive 'astroph'" in str(caught.value)

    def test_wrong_documents_are_parse_errors(self, real: Callable[[str], bytes]) -> None:
        with pytest.raises(ParseError, match="HTML"):
            parse_arxiv_rss(b"<!DOCTYPE html><html><body><p>503 Service Unavailable</body></html>")
        with pytest.raises(ParseError, match="root element <feed>"):
            parse_arxiv_rss(real("arxiv_api/arxivpy_2016_id_list_1111.2011v2.xml"))
        with pytest.raises(ParseError, match="no <channel>"):
            parse_arxiv_rss(b"<rss version='2.0'/>")
        with pytest.raises(ParseError, match="malformed XML"):
            parse_arxiv_rss(real(FULL)[:100_000])


class TestItemVariants:
    def test_id_from_description_when_guid_missing(self) -> None:
        page = parse_arxiv_rss(rss_item(
            "<title>T</title><description>arXiv:2412.00001v3 Announce Type: replace-cross \n"
            "Abstract: Text.</description><dc:creator>A. B</dc:creator>"
        ))
        (paper,) = page.papers
        assert (paper.key, paper.version) == ("2412.00001", 3)
        assert paper.announce_type is AnnounceType.REPLACE_CROSS
        assert paper.abstract == "Text."
        assert paper.announced == date(2024, 12, 2)

    def test_item_without_any_identifier_is_skipped(self) -> None:
        page = parse_arxiv_rss(rss_item("<title>Mystery</title><description>x</description>"))
        assert page.papers == ()
        assert page.skipped == (Skipped(ident="Mystery", reason=page.skipped[0].reason),)
        assert "no arXiv identifier" in page.skipped[0].reason

    def test_unknown_announce_type_is_kept_raw(self) -> None:
        page = parse_arxiv_rss(rss_item(
            "<guid>oai:arXiv.org:hep-th/9901001v2</guid><title>Old</title>"
            "<description>Plain abstract.</description>"
            "<arxiv:announce_type>withdrawn</arxiv:announce_type>"
        ))
        (paper,) = page.papers
        assert paper.key == "hep-th/9901001" and paper.version == 2
        assert paper.announce_type is None
        assert paper.extra["announce_type_raw"] == "withdrawn"
        assert paper.abstract == "Plain abstract."


class TestAtomListing:
    def test_atom_twin_parses_identically(self, real: Callable[[str], bytes],
                                          listing: ParsedPage) -> None:
        page = parse_arxiv_atom(rss_to_atom(real(FULL)))
        assert page.format is SourceFormat.ARXIV_ATOM
        assert page.papers == listing.papers
        assert [p.extra for p in page.papers] == [p.extra for p in listing.papers]
        assert page.announced == THANKSGIVING
        assert page.feed_title == listing.feed_title

    def test_empty_atom_feed_dates_by_us_eastern_day(self) -> None:
        feed = f"""<feed xmlns="{ATOM_NS}"><id>http://rss.arxiv.org/atom/cs.LG</id>
        <title>cs.LG updates on arXiv.org</title>
        <updated>2024-11-29T03:10:00+00:00</updated></feed>""".encode()
        page = parse_arxiv_atom(feed)
        assert page.papers == ()
        assert page.announced == THANKSGIVING  # 22:10 on Thursday in New York

    def test_atom_error_feed(self) -> None:
        feed = f"""<feed xmlns="{ATOM_NS}"><title>Feed error for query: https://rss.arxiv.org/atom/cs.XX</title>
        <subtitle>Bad category 'cs.XX'.</subtitle></feed>""".encode()
        with pytest.raises(SourceError, match=r"'cs\.XX'"):
            parse_arxiv_atom(feed)

    def test_atom_author_names_may_be_packed(self) -> None:
        feed = f"""<feed xmlns="{ATOM_NS}" xmlns:arxiv="{ARXIV_NS}"><entry>
        <id>oai:arXiv.org:2412.00002v1</id><title>T</title>
        <summary>arXiv:2412.00002v1 Announce Type: new
Abstract: A.</summary>
        <author><name>Ada Lovelace, Alan Turing (Google DeepMind)</name></author>
        <published>2024-12-02T00:00:00-05:00</published>
        <arxiv:announce_type>new</arxiv:announce_type></entry></feed>""".encode()
        (paper,) = parse_arxiv_atom(feed).papers
        assert [a.name for a in paper.authors] == ["Ada Lovelace", "Alan Turing"]
        assert paper.authors[1].affiliations[0].name == "Google DeepMind"
        assert paper.announced == date(2024, 12, 2)

    def test_rss_is_not_atom(self, real: Callable[[str], bytes]) -> None:
        with pytest.raises(ParseError, match="root element <rss>"):
            parse_arxiv_atom(real(EMPTY))


class TestAuthorListSplitting:
    @pytest.mark.parametrize(
        ("text", "names"),
        [
            ("A. One, B. Two, C. Three", ["A. One", "B. Two", "C. Three"]),
            ("A. One, B. Two and C. Three", ["A. One", "B. Two", "C. Three"]),
            ("A. One, B. Two, and C. Three", ["A. One", "B. Two", "C. Three"]),
            ("Ben Anderson and Andrea Sand", ["Ben Anderson", "Andrea Sand"]),
            ("  Jun   Cui ", ["Jun Cui"]),
            ("", []),
        ],
    )
    def test_names(self, text: str, names: list[str]) -> None:
        assert [a.name for a in split_author_list(text)] == names

    def test_affiliations_keep_inner_commas_and_ands(self) -> None:
        authors = split_author_list(
            "Jadelynn Dao (Andrew and Peggy Cherng Department of Medical Engineering, Caltech), "
            "Sarah Solomon (Dartmouth)"
        )
        assert [a.name for a in authors] == ["Jadelynn Dao", "Sarah Solomon"]
        assert authors[0].affiliations[0].name == (
            "Andrew and Peggy Cherng Department of Medical Engineering, Caltech"
        )
        assert authors[1].affiliations[0].name == "Dartmouth"

    def test_unbalanced_parenthesis_does_not_lose_the_author(self) -> None:
        authors = split_author_list("A. One (Univ X, B. Two")
        assert [a.name for a in authors] == ["A. One"]
        assert authors[0].affiliations[0].name == "Univ X, B. Two"
