"""Scores (rarity, field, saturation), pluggable scorers, document frequencies and warnings."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from bot.models import Paper
from bot.topics import (
    Query,
    RarityScorer,
    Term,
    TermHit,
    TopicIndex,
    broad_terms,
    parse_query,
    term_document_frequency,
)
from bot.topics.scoring import saturate


def score(query: str, title: str, abstract: str, doc_freq: dict[str, float] | None = None) -> float:
    index = TopicIndex.build([("t", parse_query(query))], doc_freq=doc_freq)
    (found,) = index.match(title, abstract)
    return found.score


def test_title_hits_outweigh_abstract_hits() -> None:
    assert score("graph", "graph", "") > score("graph", "", "graph")
    # However often a word repeats in the abstract, one title hit still weighs more.
    assert score("graph", "graph", "") > score("graph", "", "graph " * 50)


def test_counts_saturate() -> None:
    assert saturate(1) == 1.0
    assert saturate(1) < saturate(2) < saturate(10) < 2.0
    once, twice, often = (score("graph", "", "graph " * n) for n in (1, 2, 30))
    assert once < twice < often < 2 * once


def test_rare_terms_weigh_more() -> None:
    doc_freq = {"benchmark": 0.84, "quasar": 0.01}
    common = score("benchmark, quasar", "", "benchmark", doc_freq)
    rare = score("benchmark, quasar", "", "quasar", doc_freq)
    assert rare > common
    assert common == pytest.approx(math.log1p(1 / 0.84))
    assert rare == pytest.approx(math.log1p(1 / 0.01))


def test_default_weight_without_statistics_and_field_fallback() -> None:
    assert score("anything", "", "anything") == 1.0
    # A field-limited term without its own statistic uses the unlimited term's.
    assert score("ti:quasar", "quasar", "", {"quasar": 0.01}) == pytest.approx(
        2 * math.log1p(100)
    )
    assert score("quasar", "", "quasar", {"quasar": 0.0}) == pytest.approx(math.log1p(1e4))


def test_matches_are_sorted_best_first() -> None:
    index = TopicIndex.build(
        [("abstract", parse_query("graph")), ("title", parse_query("ti:graph OR graph neural"))]
    )
    found = index.match("graph", "graph neural")
    assert [m.topic for m in found] == ["title", "abstract"]
    assert found[0].score > found[1].score


class LengthScorer:
    """A stand-in second scorer: longer abstracts score higher, whatever hit."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, TermHit]]]] = []

    def score(
        self, query: Query, hits: Sequence[tuple[Term, TermHit]], *, title: str, abstract: str
    ) -> float:
        self.calls.append((str(query), [(str(t), h) for t, h in hits]))
        return float(len(abstract))


def test_a_second_scorer_plugs_in() -> None:
    scorer = LengthScorer()
    index = TopicIndex.build([("t", parse_query("graph -x"))], scorer=scorer)
    (found,) = index.match("graph", "twelve chars")
    assert found.score == 12.0
    assert scorer.calls == [("graph AND NOT x", [("graph", TermHit("graph", "title", 1))])]


def test_rarity_scorer_is_a_plain_sum_over_hits() -> None:
    scorer = RarityScorer({"a": 0.5})
    (a,) = parse_query("a").terms
    hits = [(a, TermHit("a", "title", 1)), (a, TermHit("a", "abstract", 3))]
    expected = math.log1p(2) * (2 * saturate(1) + saturate(3))
    assert scorer.score(parse_query("a"), hits, title="", abstract="") == pytest.approx(expected)


def test_term_document_frequency_counts_papers_not_occurrences() -> None:
    papers = [
        Paper("1", "graph graph graph", "neural"),
        Paper("2", "none", "graph"),
        Paper("3", "none", "none"),
        Paper("4", "Graphs", "GNN"),
    ]
    queries = [parse_query("graph -GNN"), parse_query("ti:graph, neural*")]
    shares = term_document_frequency(queries, papers)
    assert shares == {"graph": 0.75, "GNN": 0.25, "ti:graph": 0.5, "neural*": 0.25}
    index = TopicIndex.build(enumerate(queries))
    assert term_document_frequency(index, papers) == shares
    assert term_document_frequency(queries, []) == {}


def test_broad_term_warnings_on_real_papers(papers: Sequence[Paper]) -> None:
    warnings = [str(b) for b in broad_terms(parse_query("model*, benchmark"), papers)]
    assert len(warnings) == 1
    share = term_document_frequency([parse_query("model*")], papers)["model*"]
    assert warnings[0] == (
        f"`model*` appears in {share:.0%} of papers: use a phrase or combine it with AND"
    )
    assert share > 0.2


def test_broad_term_already_anded_gets_different_advice(papers: Sequence[Paper]) -> None:
    (broad,) = broad_terms(parse_query("model* quasar"), papers)
    warning = str(broad)
    assert warning.startswith("`model*` appears in ")
    assert warning.endswith("of papers: it narrows this topic very little")


def test_no_warning_for_narrow_or_negated_terms(papers: Sequence[Paper]) -> None:
    assert broad_terms(parse_query('"diffusion model" -model*'), papers) == []
    assert broad_terms(parse_query("model*"), []) == []
    assert broad_terms(parse_query("model*"), papers, threshold=0.99) == []


def test_index_uses_doc_freq_for_triggers_without_changing_results(
    papers: Sequence[Paper],
) -> None:
    queries = [
        parse_query(q)
        for q in [
            "model* quantum, learning -neural",
            '"language model*" LLM',
            "ti:graph abs:(network*, GNN)",
            "data driven, self-supervised",
        ]
    ]
    doc_freq = term_document_frequency(queries, papers)
    guessed = TopicIndex.build(enumerate(queries))
    measured = TopicIndex.build(enumerate(queries), doc_freq=doc_freq)
    matched = 0
    for paper in papers:
        topics = {m.topic for m in guessed.match_paper(paper)}
        assert topics == {m.topic for m in measured.match_paper(paper)}
        matched += bool(topics)
    assert matched > 100
