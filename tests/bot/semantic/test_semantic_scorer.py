"""The semantic scorer and its vectors, with the real model the extra ships (no fakes): unit
vectors, the Scorer protocol (alone and inside the keyword index), centroids, stored bytes."""

from __future__ import annotations

import numpy as np
import pytest

from bot.semantic.model import DIM, MODEL_NAME, WordLlamaEmbedder, paper_text
from bot.semantic.scorer import SemanticScorer
from bot.semantic.vectors import centroid, from_bytes, text_hash, to_bytes
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.topics import Scorer, TopicIndex, parse_query
from tests.fixture_files import LISTING, fixture_bytes

# Titles and abstract openings of real papers of the 2024-11-28 listing.
DEX = ("DexDiffuser: Interaction-aware Diffusion Planning for Adaptive Dexterous Manipulation",
       "Dexterous manipulation with contact-rich interactions is crucial for advanced robotics.")
LIFT3D = ("Lift3D Foundation Policy: Lifting 2D Large-Scale Pretrained Models for Robust 3D "
          "Robotic Manipulation", "3D geometric information is essential for manipulation "
          "tasks, as robots need to perceive the 3D environment.")
GALAXY = ("The galaxy cluster mass function and cosmological constraints",
          "We measure the abundance of massive galaxy clusters and constrain dark energy.")


@pytest.fixture(scope="module")
def embedder() -> WordLlamaEmbedder:
    return WordLlamaEmbedder()


def test_vectors_are_unit_rows_of_the_model_width(embedder: WordLlamaEmbedder) -> None:
    rows = embedder.embed([paper_text(*DEX), paper_text(*GALAXY), ""])
    assert rows.shape == (3, DIM) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows[:2], axis=1), 1.0, atol=1e-5)
    assert not rows[2].any()  # no token: a zero row, never NaN
    assert embedder.embed([]).shape == (0, DIM)
    assert np.array_equal(embedder.embed([paper_text(*DEX)])[0], rows[0])  # deterministic
    assert embedder.name == MODEL_NAME


def test_scorer_prefers_the_paper_close_in_meaning(embedder: WordLlamaEmbedder) -> None:
    topic = parse_query('diffusion AND (planning OR "trajectory optimization")')
    scorer = SemanticScorer(embedder, {topic: embedder.embed([paper_text(*DEX)])[0]})
    protocol: Scorer = scorer  # what TopicIndex.build(scorer=...) takes
    assert protocol is scorer
    own = scorer.score(topic, (), title=DEX[0], abstract=DEX[1])
    robot = scorer.score(topic, (), title=LIFT3D[0], abstract=LIFT3D[1])
    galaxy = scorer.score(topic, (), title=GALAXY[0], abstract=GALAXY[1])
    assert own == pytest.approx(1.0, abs=1e-5)
    assert robot > galaxy + 0.1  # a manipulation paper, no shared keyword, beats cosmology
    # A topic without a centroid scores nothing; the text vector was kept for reuse.
    assert scorer.score(parse_query("galaxy"), (), title=GALAXY[0], abstract=GALAXY[1]) == 0.0
    assert text_hash(paper_text(*LIFT3D)) in scorer.vectors


def test_scorer_ranks_keyword_matches_inside_the_index(embedder: WordLlamaEmbedder) -> None:
    """Behind the protocol, the keyword index takes it as its scorer: the same papers match,
    ranked by meaning instead of term rarity."""
    papers = parse_arxiv_rss(fixture_bytes(LISTING)).papers
    query = parse_query("robot*")
    matched = [p for p in papers if TopicIndex.build([(0, query)]).match_paper(p)]
    assert len(matched) > 10
    centre = centroid([embedder.embed([paper_text(*LIFT3D)])[0]], [])
    assert centre is not None
    index = TopicIndex.build([(0, query)], scorer=SemanticScorer(embedder, {query: centre}))
    scored = sorted(((index.match_paper(p)[0].score, p.key) for p in matched), reverse=True)
    assert len(scored) == len(matched)
    vectors = embedder.embed([paper_text(p.title, p.abstract) for p in matched])
    expected = sorted(zip((vectors @ centre).tolist(), [p.key for p in matched],
                          strict=True), reverse=True)
    assert [k for _, k in scored] == [k for _, k in expected]
    assert [s for s, _ in scored] == pytest.approx([s for s, _ in expected], abs=1e-5)


def test_centroid_weighs_seeds_as_much_as_all_matched_papers() -> None:
    x, y = np.eye(2, dtype=np.float32)
    both = centroid([x, x, x], [y])
    assert both is not None and np.allclose(both, np.array([1, 1]) / np.sqrt(2))
    assert centroid([], [y]) is not None and np.allclose(centroid([], [y]), y)  # type: ignore[arg-type]
    assert centroid([], []) is None
    assert centroid([x], [-x]) is None  # they cancel: no direction to compare with


def test_vectors_round_trip_through_bytes(embedder: WordLlamaEmbedder) -> None:
    row = embedder.embed([paper_text(*DEX)])[0]
    data = to_bytes(row)
    assert len(data) == 4 * DIM
    assert np.array_equal(from_bytes(data, DIM), row)
    assert text_hash(paper_text(*DEX)) != text_hash(paper_text(*LIFT3D))
