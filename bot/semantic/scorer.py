"""A second scorer behind the matcher's ``Scorer`` protocol: how close a paper is in meaning.

``RarityScorer`` scores a topic's keyword hits; ``SemanticScorer`` ignores the hits and scores
the paper's text against the centroid of the topic's papers (cosine similarity, -1 to 1), so it
also scores a paper that shares no word with the topic. It can stand in for the keyword scorer
in ``TopicIndex.build(scorer=...)`` (matches then rank by meaning), and the related-papers
search calls it with no hits at all.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from bot.semantic.model import Embedder, Vector, paper_text
from bot.semantic.vectors import text_hash
from bot.topics.syntax import Query, Term

if TYPE_CHECKING:
    from bot.topics.explain import TermHit


class SemanticScorer:
    """Cosine similarity of a paper to its topic's centroid; 0.0 for a topic without one.

    ``vectors`` maps ``text_hash(paper_text(title, abstract))`` to a unit vector (the digest
    fills it from the store's cache); a text not in it is embedded once and kept there.
    """

    def __init__(self, embedder: Embedder, centroids: Mapping[Query, Vector],
                 vectors: MutableMapping[str, Vector] | None = None) -> None:
        self.embedder = embedder
        self.centroids = centroids
        self.vectors: MutableMapping[str, Vector] = {} if vectors is None else vectors

    def vector(self, title: str, abstract: str) -> Vector:
        """The paper's unit vector, from ``vectors`` or embedded now."""
        text = paper_text(title, abstract)
        key = text_hash(text)
        found = self.vectors.get(key)
        if found is None:
            found = self.embedder.embed([text])[0]
            self.vectors[key] = found
        return found

    def score(
        self, query: Query, hits: Sequence[tuple[Term, TermHit]], *, title: str, abstract: str
    ) -> float:
        centre = self.centroids.get(query)
        if centre is None:
            return 0.0
        return float(np.dot(self.vector(title, abstract), centre))
