"""The hand-made labels of bench/industry_eval.py are well-formed and the targets hold."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from industry_fixtures import REAL_DIR

BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.fixture(scope="module")
def industry_eval():
    sys.path.insert(0, str(BENCH))
    try:
        import industry_eval as module
    finally:
        sys.path.remove(str(BENCH))
    return module


def test_labels_cover_the_tricky_records(industry_eval) -> None:
    labels = industry_eval.load_labels()
    assert len(labels) >= 250
    ids = {label.record_id: label for label in labels}
    for record_id, industry in [
        ("e5257143b1", True),  # Lorne Applebaum, a Google paper
        ("nZIFBtNuJi", False),  # Toyota Technological Institute at Chicago
        ("JXcXnJJSuL", False),  # Allen Institute for AI
        ("3TzGD95Jw1", False),  # Shanghai AI Laboratory
        ("PbQOZntuXO", False),  # IDEAS NCBR
        ("W2168201538", False),  # Los Alamos typed company
        ("W2033425827", True),  # Ionis typed funder (a pharma company)
        ("W4396723768", True),  # IBM Research - Zurich typed facility
        ("W2112891119", False),  # "Meta-Analysis" in the title
        ("2509.05540", False),  # Anthropic's Claude in an abstract
    ]:
        assert ids[record_id].is_industry is industry, record_id
    assert all(label.why for label in labels)


def test_evaluation_meets_the_targets_with_no_flag_from_abstracts(industry_eval) -> None:
    from bot.industry.registry import Registry

    registry = Registry.default()
    labels = industry_eval.load_labels()
    papers = industry_eval.load_papers(REAL_DIR, (label.source for label in labels))
    overall = industry_eval.evaluate(labels, papers, registry)["all"]
    assert overall.tp / (overall.tp + overall.fp) >= 0.97
    assert overall.tp / (overall.tp + overall.fn) >= 0.90
    assert industry_eval.abstract_only_flags(papers.values(), registry) == 0
