"""How much a match matters: rarer terms and title hits weigh more, repeats saturate.

The index takes any ``Scorer``, so a semantic re-ranker can replace or wrap the keyword scorer
later without touching matching.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, Protocol

from bot.topics.syntax import Query, Term

if TYPE_CHECKING:
    from bot.topics.explain import TermHit

TITLE_WEIGHT = 2.0  # a title hit counts twice an abstract hit
DEFAULT_WEIGHT = 1.0  # term weight when no document frequency is known
MIN_SHARE = 1e-4  # floor for unseen terms, so weights stay finite


class Scorer(Protocol):
    """Scores one topic's hits on one paper; higher means more relevant.

    A later semantic re-ranker implements this and receives the paper text too. A scorer whose
    score is a plain sum over hits may also offer ``hit_score(term, field, count)``: the index
    then caches those parts instead of calling ``score`` for every match.
    """

    def score(
        self, query: Query, hits: Sequence[tuple[Term, TermHit]], *, title: str, abstract: str
    ) -> float: ...


HitScore = Callable[[Term, Literal["title", "abstract"], int], float]


def additive_part(scorer: Scorer) -> HitScore | None:
    """A scorer's ``hit_score`` when its score is a plain sum over hits, so the index can
    cache each part instead of calling ``score`` per match."""
    part = getattr(scorer, "hit_score", None)
    return part if callable(part) else None


def saturate(count: int) -> float:
    """1 for one hit, approaching 2: repeating a word should not outweigh a rarer one."""
    return 2.0 * count / (count + 1)


class RarityScorer:
    """Sum over hits of idf-like weight x field weight x saturated count.

    ``doc_freq`` maps ``Term.key`` to the share of recent papers the term hits
    (``term_document_frequency``); weight = ln(1 + 1/share), so a term in 84% of papers weighs
    0.78 and one in 1% weighs 4.6. A title hit (weight 2) outscores any number of abstract hits
    of the same term (saturation stays below 2).
    """

    def __init__(self, doc_freq: Mapping[str, float] | None = None) -> None:
        self.doc_freq = doc_freq or {}
        self._weights: dict[Term, float] = {}

    def weight(self, term: Term) -> float:
        """The rarity weight of a term; a field-limited term falls back to its unlimited key."""
        cached = self._weights.get(term)
        if cached is not None:
            return cached
        share = self.doc_freq.get(term.key)
        if share is None and term.field is not None:
            share = self.doc_freq.get(dataclasses.replace(term, field=None).key)
        weight = DEFAULT_WEIGHT if share is None else math.log1p(1.0 / max(share, MIN_SHARE))
        self._weights[term] = weight
        return weight

    def hit_score(self, term: Term, field: Literal["title", "abstract"], count: int) -> float:
        """One hit's part: weight x field weight x saturated count."""
        return self.weight(term) * (TITLE_WEIGHT if field == "title" else 1.0) * saturate(count)

    def score(
        self, query: Query, hits: Sequence[tuple[Term, TermHit]], *, title: str, abstract: str
    ) -> float:
        return sum(self.hit_score(term, hit.field, hit.count) for term, hit in hits)
