"""OpenAlex works parser, checked against real 2025-2026 responses."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest

from bot.errors import ParseError, SourceError
from bot.models import Affiliation, AffiliationSource
from bot.sources.base import SourceFormat
from bot.sources.openalex import parse_openalex, parse_openalex_error, rebuild_abstract

RAG = "industry-eval/openalex/openalexrag_works_sample.json"
RESEARCHHUB = "industry-eval/openalex/researchhub_openalex_sample_response.json"
BIODIVERSITY = (
    "openalex/openalexpro_vcr_2026-03_works_title_and_abstract_search_cursor_page1_excerpt23.body.json"
)
CHUNK4 = "openalex/openalexpro_works_cursor_chunk4_page1.json"
CHUNK4_LAST = "openalex/openalexpro_works_cursor_chunk4_page2_last.json"
KEYPAPERS = "openalex/openalexpro_works_cursor_keypapers_page1.json"
KEYPAPERS_LAST = "openalex/openalexpro_works_cursor_keypapers_page2_last.json"
CHEMCROW = "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json"
IONIS = "industry/cassettes/paperqa_2025-08_doi_search_ionis_openalex.body.json"
PAPERQA = "industry/cassettes/paperqa_2025-09_title_search_paperqa_openalex.body.json"
OA = AffiliationSource.OPENALEX

Real = Callable[[str], bytes]


@pytest.mark.parametrize(("path", "count"), [
    (RAG, 195), (BIODIVERSITY, 23), (CHUNK4, 25), (CHUNK4_LAST, 0), (KEYPAPERS, 2),
    (KEYPAPERS_LAST, 0), (RESEARCHHUB, 3), (CHEMCROW, 2), (IONIS, 1), (PAPERQA, 1),
])
def test_work_counts(real: Real, path: str, count: int) -> None:
    page = parse_openalex(real(path))
    assert page.format is SourceFormat.OPENALEX
    assert len(page.papers) == count and page.skipped == ()
    for paper in page.papers:
        assert paper.openalex_id is not None and paper.openalex_id.startswith("W")
        assert paper.key in (paper.arxiv_id, f"openalex:{paper.openalex_id}")


def test_cursor_paging(real: Real) -> None:
    first = parse_openalex(real(KEYPAPERS))
    assert first.next_cursor == (
        "IlsxMDAuMCwgOTU3LCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzI3NDE4MDk4MDcnXSI="
    )
    assert (first.total_results, first.items_per_page) == (2, 200)
    assert parse_openalex(real(KEYPAPERS_LAST)).next_cursor is None
    assert parse_openalex(real(BIODIVERSITY)).next_cursor is not None


def test_keypapers_fields_and_company_institution(real: Real) -> None:
    bibliometrix, state_of_oa = parse_openalex(real(KEYPAPERS)).papers
    assert bibliometrix.key == "openalex:W2755950973"
    assert bibliometrix.title == (
        "bibliometrix : An R-tool for comprehensive science mapping analysis"
    )
    assert bibliometrix.abstract == ""  # abstract_inverted_index: null
    assert bibliometrix.doi == "10.1016/j.joi.2017.08.007"
    assert bibliometrix.published == date(2017, 9, 12)
    assert bibliometrix.arxiv_id is None
    piwowar = state_of_oa.authors[0]
    assert piwowar.name == "Heather Piwowar"
    assert piwowar.affiliations == (
        Affiliation(name="Impact Technology Development (United States)", source=OA,
                    openalex_id="I4210166736", ror=piwowar.affiliations[0].ror, type="company",
                    lineage=("I4210166736",), country="US"),
        Affiliation(name="Impactstory, Sanford, NC, USA", source=OA),
    )
    assert state_of_oa.abstract.startswith("Despite growing interest in Open Access (OA)")


def test_ibm_research_zurich_is_a_facility_with_raw_string(real: Real) -> None:
    journal, preprint = parse_openalex(real(CHEMCROW)).papers
    assert journal.key == "openalex:W4396723768"
    baldassari = next(a for a in journal.authors if a.name == "Carlo Baldassari")
    assert baldassari.affiliations == (
        Affiliation(name="IBM Research - Zurich", source=OA, openalex_id="I4210126328",
                    ror="02js37d36", type="facility",
                    lineage=("I1341412227", "I4210114115", "I4210126328"), country="CH"),
        Affiliation(name="Accelerated Discovery, IBM Research – Europe, Rüschlikon, Switzerland",
                    source=OA),
    )
    # The arXiv preprint: keyed by its arXiv id, and OpenAlex knows no affiliations for it.
    assert (preprint.key, preprint.arxiv_id, preprint.openalex_id) == (
        "2304.05376", "2304.05376", "W4365597205")
    assert preprint.doi == "10.48550/arxiv.2304.05376"
    assert [a.name for a in preprint.authors] == [
        "Andres M Bran", "Sam Cox", "Andrew Dickson White", "Philippe Schwaller"]
    assert all(a.affiliations == () for a in preprint.authors)


def test_funder_typed_company_and_single_work_object(real: Real) -> None:
    (paper,) = parse_openalex(real(IONIS)).papers
    assert paper.key == "openalex:W2033425827"
    assert [(f.name, f.type) for f in paper.authors[0].affiliations] == [
        ("Ionis Pharmaceuticals (United States)", "funder"),
        ("Isis Pharmaceuticals Inc, 2855 Gazelle Court, Carlsbad, CA 92010, USA.", None),
    ]


def test_works_list_with_arxiv_dois(real: Real) -> None:
    papers = {p.key: p for p in parse_openalex(real(RAG)).papers}
    assert sum(p.key == p.arxiv_id for p in papers.values()) == 15  # arXiv DOIs
    assert sum(p.arxiv_id is not None for p in papers.values()) == 18  # + arXiv locations
    albert = papers["1909.11942"]
    assert albert.title.startswith("ALBERT: A Lite BERT")
    lan = albert.authors[0]
    assert (lan.name, lan.affiliations[0].name, lan.affiliations[0].type) == (
        "Zhenzhong Lan", "Google (United States)", "company")
    assert lan.affiliations[0].ror == "00njsd438"
    assert albert.extra == {"publication_year": "2019", "type": "preprint"}
    xlnet = papers["1906.08237"]
    # "Le, Quoc V." with raw "Google,,,,," (no institution match) in the recorded data.
    assert xlnet.authors[-1].name == "Quoc V. Le"
    assert xlnet.authors[-1].affiliations == (Affiliation(name="Google", source=OA),)


def test_raw_string_equal_to_institution_name_is_not_repeated(real: Real) -> None:
    (segformer,) = [p for p in parse_openalex(real(RAG)).papers if p.openalex_id == "W3170841864"]
    zheng = next(a for a in segformer.authors if a.name == "Sixiao Zheng")
    assert [f.name for f in zheng.affiliations] == ["Fudan University"]
    assert zheng.affiliations[0].openalex_id is not None


def test_abstract_is_rebuilt_in_order(real: Real) -> None:
    review = parse_openalex(real(RAG)).papers[0]
    assert review.key == "openalex:W3140854437"
    assert review.abstract.startswith(
        "In the last few years, the deep learning (DL) computing paradigm has been deemed the "
        "Gold Standard in the machine learning (ML) community."
    )
    assert rebuild_abstract({"b": [1], "a": [0, 3], "c": [2]}) == "a b c a"
    assert rebuild_abstract({"x": [0], "y": [0], "z": ["1", True]}) == "x"
    assert rebuild_abstract(None) == "" and rebuild_abstract([]) == ""


def test_error_bodies(real: Real) -> None:
    body = b'{"error":"Invalid or missing API key","message":"API key not found"}'
    with pytest.raises(SourceError, match="Invalid or missing API key: API key not found"):
        parse_openalex(body)
    assert parse_openalex_error(body) == "Invalid or missing API key: API key not found"
    with pytest.raises(ParseError):
        parse_openalex_error(real(KEYPAPERS))


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><body>Cloudflare</body></html>",
    b"not json",
    b'{"results": {"a": 1}}',
    b'"a string"',
    b"[" * 100_000,
    b"\xff\xfe\x00garbage",
])
def test_non_works_documents_are_parse_errors(data: bytes) -> None:
    with pytest.raises(ParseError):
        parse_openalex(data)


def test_malformed_works_are_skipped_not_fatal() -> None:
    good = {"id": "https://openalex.org/W1", "title": "Fine", "authorships": [
        {"author": {"display_name": 7}, "institutions": "nope", "raw_affiliation_strings": [None]},
        {"author": {"display_name": "Ada"}, "institutions": [{"display_name": "X", "lineage": 5}],
         "raw_affiliation_strings": ["X", "  Y  "]},
    ], "abstract_inverted_index": {"w": "bad"}, "publication_date": "someday"}
    page = parse_openalex(json.dumps([good, 42, {"title": "no id"}]).encode())
    (paper,) = page.papers
    assert paper.title == "Fine" and paper.abstract == "" and paper.published is None
    assert [(a.name, [f.name for f in a.affiliations]) for a in paper.authors] == [
        ("Ada", ["X", "Y"])]
    assert [s.ident for s in page.skipped] == ["result 1", "result 2"]


def test_a_work_with_an_overlong_id_is_skipped_by_position() -> None:
    works = [{"id": "https://openalex.org/W" + "1" * 100_000, "title": "Long"},
             {"id": "https://openalex.org/W2", "title": "Fine"}]
    page = parse_openalex(json.dumps(works).encode())
    assert [p.key for p in page.papers] == ["openalex:W2"]
    (skipped,) = page.skipped
    assert skipped.ident == "result 0" and "at most 200" in skipped.reason
    assert len(skipped.reason) < 200


def test_a_published_work_names_its_venue_and_a_preprint_none(real: Real) -> None:
    by_id = {p.openalex_id: p for p in parse_openalex(real(CHEMCROW)).papers}
    journal, preprint = by_id["W4396723768"], by_id["W4365597205"]
    assert journal.extra["venue"] == "Nature Machine Intelligence"
    assert journal.doi == "10.1038/s42256-024-00832-8" and journal.arxiv_id is None
    assert "venue" not in preprint.extra  # arXiv is a repository, not a venue
    rag = {p.openalex_id: p for p in parse_openalex(real(RAG)).papers}
    # No source object: the name the publisher gave (raw_source_name) is the venue.
    assert rag["W2964110616"].extra["venue"].startswith("Proceedings of the 57th Annual Meeting")


def test_an_arxiv_location_gives_a_work_its_arxiv_id_without_changing_its_key(
        real: Real) -> None:
    rag = {p.openalex_id: p for p in parse_openalex(real(RAG)).papers}
    merged = rag["W1533230146"]  # DOI 10.4230/tgdk.1.1.7, primary location arXiv 1412.6575
    assert (merged.key, merged.arxiv_id) == ("openalex:W1533230146", "1412.6575")
    assert merged.abs_url == "https://arxiv.org/abs/1412.6575"
