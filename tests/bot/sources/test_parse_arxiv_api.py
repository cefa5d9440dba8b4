"""export.arxiv.org API parser, checked against real 2026 and legacy 2016 recordings."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest

from bot.errors import ParseError, SourceError
from bot.models import Affiliation, AffiliationSource
from bot.sources.arxiv_api import parse_arxiv_api
from bot.sources.base import SourceFormat

API = "arxiv_api/"
Q100 = API + "arxivpy_2026_q_testing_s0_m100_cfe7536492ca"
Q10 = API + "arxivpy_2026_q_testing_s0_m10_bc5a6c384fe9"
Q10_PAGE2 = API + "arxivpy_2026_q_testing_s10_m10_34e56e15aaac"
UNKNOWN_ID = API + "arxivpy_2026_id_0000.0000_s0_m100_8b51d9633a68"
BAD_ID = API + "arxivpy_2026_id_abc_s0_m100_b79c8dcf6bc3"
OLD_ID = API + "arxivpy_2026_id_astro-ph_0601001_s0_m100_3150dca9dc76"
ONE_OF_TWO = API + "arxivpy_2026_id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af"
LEGACY_SEARCH = API + "arxivpy_2016_search_au_del_maestro.xml"
LEGACY_ID = API + "arxivpy_2016_id_list_1111.2011v2.xml"

Real = Callable[[str], bytes]


def body(real: Real, stem: str) -> bytes:
    return real(stem + ".body.xml")


def test_hundred_entry_page(real: Real) -> None:
    page = parse_arxiv_api(body(real, Q100))
    assert page.format is SourceFormat.ARXIV_API
    assert len(page.papers) == 100 and page.skipped == ()
    assert sum(len(p.authors) for p in page.papers) == 366
    affiliated = [
        (a.name, a.affiliations) for p in page.papers for a in p.authors if a.affiliations
    ]
    assert affiliated == [
        ("Marie-Claude Gaudel", (Affiliation(name="LRI", source=AffiliationSource.ARXIV),)),
        ("Pascale Le Gall", (Affiliation(name="IBISC", source=AffiliationSource.ARXIV),)),
    ]
    assert (page.total_results, page.start_index, page.items_per_page) == (214881, 0, 100)
    assert sum(p.doi is not None for p in page.papers) == 32
    assert sum(p.comment is not None for p in page.papers) == 97
    assert sum(p.journal_ref is not None for p in page.papers) == 18
    assert all(p.announced is None and p.announce_type is None for p in page.papers)
    assert all(p.primary_category == p.categories[0] for p in page.papers)


def test_entry_fields(real: Real) -> None:
    paper = parse_arxiv_api(body(real, Q10)).papers[0]
    assert (paper.key, paper.arxiv_id, paper.version) == ("2202.12139", "2202.12139", 1)
    assert paper.title == (
        "Testing Deep Learning Models: A First Comparative Study of Multiple Testing Techniques"
    )
    assert paper.abstract.startswith("Deep Learning (DL) has revolutionized the capabilities")
    assert [a.name for a in paper.authors] == [
        "Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker",
    ]
    assert paper.categories == ("cs.SE", "cs.LG")
    assert paper.primary_category == "cs.SE"
    assert paper.published == paper.updated == date(2022, 2, 24)
    assert paper.doi == "10.1109/ICSTW55395.2022.00035"
    assert paper.comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert paper.journal_ref is not None and paper.journal_ref.startswith(
        "Artificial Intelligence in Software Testing @ 2022 IEEE"
    )
    assert paper.url == "https://arxiv.org/abs/2202.12139v1"


def test_non_ascii_names_and_paragraphs(real: Real) -> None:
    page = parse_arxiv_api(body(real, Q10))
    names = [a.name for p in page.papers for a in p.authors]
    assert "Aurora Ramírez" in names and "José Raúl Romero" in names
    (review,) = [p for p in page.papers if p.key == "1812.11470"]
    paragraphs = review.abstract.split("\n\n")
    assert [p.split(".")[0] for p in paragraphs] == [
        "Context", "Objective", "Results", "Conclusion",
    ]


def test_second_page_paging(real: Real) -> None:
    page = parse_arxiv_api(body(real, Q10_PAGE2))
    assert len(page.papers) == 10
    assert (page.total_results, page.start_index, page.items_per_page) == (214881, 10, 10)
    first = {p.key for p in parse_arxiv_api(body(real, Q10)).papers}
    assert first.isdisjoint(p.key for p in page.papers)


def test_unknown_id_is_an_empty_page(real: Real) -> None:
    page = parse_arxiv_api(body(real, UNKNOWN_ID))
    assert page.papers == ()
    assert (page.total_results, page.start_index, page.items_per_page) == (0, 0, 100)


def test_malformed_id_raises_the_api_error(real: Real) -> None:
    with pytest.raises(SourceError, match="incorrect id format for abc"):
        parse_arxiv_api(body(real, BAD_ID))


def test_old_style_id_with_affiliations(real: Real) -> None:
    (paper,) = parse_arxiv_api(body(real, OLD_ID)).papers
    assert (paper.key, paper.version) == ("astro-ph/0601001", 1)
    assert [(a.name, a.affiliations[0].name) for a in paper.authors] == [
        ("Andrew Gould", "Ohio State"),
        ("Susan Dorsher", "Ohio State"),
        ("B. Scott Gaudi", "CfA"),
        ("Andrzej Udalski", "Warsaw University Observatory"),
    ]
    assert paper.categories == ("astro-ph",)


def test_id_list_with_a_missing_id(real: Real) -> None:
    page = parse_arxiv_api(body(real, ONE_OF_TWO))
    (paper,) = page.papers
    assert paper.key == "1707.08567"
    assert len(paper.authors) == 34
    assert page.total_results == 1


def test_legacy_2016_serialisation(real: Real) -> None:
    page = parse_arxiv_api(real(LEGACY_SEARCH))
    assert len(page.papers) == 10
    assert (page.total_results, page.start_index, page.items_per_page) == (31, 0, 10)
    assert sum(len(p.authors) for p in page.papers) == 24
    old = next(p for p in page.papers if p.key == "cond-mat/0412498")
    assert old.version == 1 and old.primary_category == "cond-mat.str-el"
    assert [a.name for a in old.authors] == ["Adrian Del Maestro", "Subir Sachdev"]
    for paper in page.papers:
        assert "\n" not in paper.title and "  " not in paper.title
        assert paper.abstract == paper.abstract.strip() and "\n" not in paper.abstract


def test_legacy_hard_wrapped_title_and_summary(real: Real) -> None:
    (paper,) = parse_arxiv_api(real(LEGACY_ID)).papers
    assert (paper.key, paper.version) == ("1111.2011", 2)
    assert paper.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert paper.abstract.startswith("Theoretical description of anisotropic systems, such as "
                                     "layered superconductors and coupled spin chains")
    assert paper.abstract.endswith("to the theory describing a single node.")
    assert paper.published == date(2011, 11, 8) and paper.updated == date(2012, 4, 2)
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert paper.comment == "8 pages, 3 figures. Published version"
    assert paper.categories == ("cond-mat.str-el", "cond-mat.stat-mech")


# The 100-entry page's wrapper is not kept (it repeats its .body.xml; five wrappers cover the rule).
@pytest.mark.parametrize("stem", [Q10, Q10_PAGE2, OLD_ID, ONE_OF_TWO, UNKNOWN_ID])
def test_latin1_wrapper_bodies_equal_the_extracted_xml(real: Real, stem: str) -> None:
    wrapper = json.loads(real(stem + ".json"))
    assert wrapper["status_code"] == 200
    assert parse_arxiv_api(wrapper["body"].encode("latin-1")) == parse_arxiv_api(body(real, stem))


def test_non_api_documents(real: Real) -> None:
    with pytest.raises(ParseError, match="root element <rss>"):
        parse_arxiv_api(real("arxiv_rss/aioarxiv_2024-11-28_empty_rss_mock_feed.xml"))
    with pytest.raises(ParseError, match="empty document"):
        parse_arxiv_api(b"  \n")
    with pytest.raises(ParseError):
        parse_arxiv_api(b'{"not": "xml"}')


def test_entry_without_arxiv_id_is_skipped() -> None:
    feed = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:x</id>
    <title>Stray</title></entry></feed>"""
    page = parse_arxiv_api(feed)
    assert page.papers == () and page.skipped[0].ident == "urn:x"
