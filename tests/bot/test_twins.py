"""One work under two keys: a journal version on OpenAlex and its arXiv preprint, on real
OpenAlex records (the ChemCrow pair of one recorded title search, lab works of the RAG set)."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

from bot.models import Author, Paper
from bot.sources.openalex import parse_openalex_value
from bot.twins import comparable_doi, same_work, title_key
from tests.fixture_files import fixture_bytes

CHEMCROW = "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json"
WORKS = "industry-eval/openalex/openalexrag_works_sample.json"


@cache
def works(relpath: str) -> dict[str, Paper]:
    page = parse_openalex_value(json.loads(fixture_bytes(relpath)))
    return {p.openalex_id or p.key: p for p in page.papers}


def test_a_journal_version_and_its_preprint_are_one_work_by_title() -> None:
    journal = works(CHEMCROW)["W4396723768"]  # Nature Machine Intelligence, 2024
    preprint = works(CHEMCROW)["W4365597205"]  # "ChemCrow: Augmenting large-language models…"
    assert journal.key == "openalex:W4396723768" and preprint.key == "2304.05376"
    assert title_key(journal.title) == title_key(preprint.title) == (
        "augmenting large language models with chemistry tools")
    assert same_work(journal, preprint) == same_work(preprint, journal) == "title"


def test_a_shared_title_without_a_shared_author_is_two_papers() -> None:
    journal = works(CHEMCROW)["W4396723768"]
    stranger = replace(works(CHEMCROW)["W4365597205"], authors=(Author("Ada Lovelace"),))
    assert same_work(journal, stranger) is None


def test_doi_and_arxiv_locations_link_versions() -> None:
    merged = works(WORKS)["W1533230146"]  # DOI 10.4230/tgdk…, primary location arXiv 1412.6575
    assert merged.key == "openalex:W1533230146" and merged.arxiv_id == "1412.6575"
    preprint = Paper(key="1412.6575", title="Embedding Entities and Relations",
                     arxiv_id="1412.6575")
    assert same_work(merged, preprint) == "arxiv id"
    nature = works(WORKS)["W4384071683"]
    on_arxiv = Paper(key="2212.13138", title="Large Language Models Encode Clinical Knowledge",
                     doi="10.1038/S41586-023-06291-2")  # journal DOI as an arXiv listing gives it
    assert same_work(nature, on_arxiv) == "doi"


def test_arxivs_own_dois_and_short_titles_are_no_evidence() -> None:
    a = Paper(key="2401.00001", title="Introduction", doi="10.48550/arXiv.2401.00001",
              authors=(Author("A. Smith"),))
    b = Paper(key="openalex:W1", title="Introduction", doi="10.48550/arxiv.2401.00001",
              authors=(Author("A. Smith"),))
    assert comparable_doi(a.doi) is None and title_key("Introduction") is None
    assert same_work(a, b) is None


def test_a_long_head_before_a_colon_is_part_of_the_title() -> None:
    assert title_key("A survey of diffusion models for planning: methods and open problems") == (
        "a survey of diffusion models for planning methods and open problems")
    assert title_key("Gemma 2: Improving Open Language Models at a Practical Size") == (
        "improving open language models at a practical size")


@given(st.text(max_size=200), st.text(max_size=200), st.text(max_size=40))
def test_same_work_is_symmetric_and_never_raises(t1: str, t2: str, name: str) -> None:
    a = Paper(key="openalex:W1", title=t1, authors=(Author(name),))
    b = Paper(key="2401.00001", title=t2, authors=(Author(name),))
    assert same_work(a, b) == same_work(b, a)
    key = title_key(t1)
    assert key is None or (key == key.strip() and len(key.split()) >= 4)
