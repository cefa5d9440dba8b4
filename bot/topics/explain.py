"""Matches and their explanations: which terms hit, where, how often, and the score.

Building a Match is the per-match cost of the matcher, so immutable TermHits (and, for
additive scorers, their score parts) are cached per term, field and count, and a match whose
explanation nobody will read (most of a digest's) can be scored alone.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Literal

from bot.topics.scoring import Scorer, additive_part
from bot.topics.syntax import Query, Term

FieldName = Literal["title", "abstract"]


@dataclass(frozen=True, slots=True)
class TermHit:
    """One term of a matched topic: as written (canonical form), where it hit, how often."""

    term: str
    field: FieldName
    count: int


@dataclass(frozen=True, slots=True)
class Match:
    """A topic matching a paper, with its score and the term hits that explain it."""

    topic: Hashable
    score: float
    terms: tuple[TermHit, ...]


class ExplainedTerm:
    """A positive term of one topic and the atom whose counts explain it."""

    __slots__ = ("_part", "abstract", "atom", "term", "title")

    def __init__(self, term: Term, atom: int, scorer: Scorer) -> None:
        self.term, self.atom = term, atom
        # Per field: None when the term may not hit there, else count -> (TermHit, score part).
        self.title: dict[int, tuple[TermHit, float]] | None = (
            None if term.field == "abstract" else {}
        )
        self.abstract: dict[int, tuple[TermHit, float]] | None = (
            None if term.field == "title" else {}
        )
        self._part = additive_part(scorer)

    def hit(self, field: FieldName, count: int) -> tuple[TermHit, float]:
        """Create (and cache) the TermHit and, for additive scorers, its share of the score."""
        part = self._part(self.term, field, count) if self._part else 0.0
        found = (TermHit(str(self.term), field, count), part)
        cache = self.title if field == "title" else self.abstract
        if cache is not None:
            cache[count] = found
        return found


class Explainer:
    """Turns one topic's atom counts on a paper into its Match."""

    __slots__ = ("additive", "name", "query", "scorer", "terms")

    def __init__(
        self, name: Hashable, query: Query, terms: tuple[ExplainedTerm, ...], scorer: Scorer
    ) -> None:
        self.name, self.query, self.terms, self.scorer = name, query, terms, scorer
        self.additive = additive_part(scorer) is not None

    def __call__(
        self, title_counts: Mapping[int, int], total: Mapping[int, int], title: str, abstract: str
    ) -> Match:
        """The Match, from per-atom counts in the title and in title + abstract."""
        hits: list[TermHit] = []
        terms: list[Term] = []
        score = 0.0
        for entry in self.terms:
            in_title = title_counts.get(entry.atom, 0)
            if in_title and entry.title is not None:
                hit, part = entry.title.get(in_title) or entry.hit("title", in_title)
                hits.append(hit)
                terms.append(entry.term)
                score += part
            in_abstract = total.get(entry.atom, 0) - in_title
            if in_abstract and entry.abstract is not None:
                hit, part = entry.abstract.get(in_abstract) or entry.hit("abstract", in_abstract)
                hits.append(hit)
                terms.append(entry.term)
                score += part
        if not self.additive:
            pairs = list(zip(terms, hits, strict=True))
            score = self.scorer.score(self.query, pairs, title=title, abstract=abstract)
        return Match(self.name, score, tuple(hits))

    def score(
        self, title_counts: Mapping[int, int], total: Mapping[int, int], title: str, abstract: str
    ) -> float:
        """The Match's score without building its explanation (the same sum, in the same
        order, as ``__call__``): a catch-all topic matches every paper, and explaining each
        match costs more than finding it."""
        if not self.additive:
            return self(title_counts, total, title, abstract).score
        score = 0.0
        for entry in self.terms:
            in_title = title_counts.get(entry.atom, 0)
            if in_title and entry.title is not None:
                score += (entry.title.get(in_title) or entry.hit("title", in_title))[1]
            in_abstract = total.get(entry.atom, 0) - in_title
            if in_abstract and entry.abstract is not None:
                score += (entry.abstract.get(in_abstract) or entry.hit("abstract", in_abstract))[1]
        return score
