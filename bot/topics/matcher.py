"""Match every topic against a paper in one pass, and explain each match.

All topics share one Aho-Corasick automaton (see ``atoms``). A paper is normalised once and
scanned once; hits are counted per atom and field and turned into the set of term ids that hit.
Only topics whose trigger terms hit (see ``compiler``) have their expression evaluated, so the
per-paper cost is O(text + hits + matches), whatever the number of topics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.models import Paper
from bot.topics.atoms import AtomTable, Scanner
from bot.topics.compiler import Predicate, compile_topic, cost_function
from bot.topics.explain import ExplainedTerm, Explainer, Match, TermHit
from bot.topics.scoring import RarityScorer, Scorer
from bot.topics.syntax import And, Field, Node, Not, Query, Term, iter_terms

__all__ = [
    "BroadTerm",
    "Match",
    "TermHit",
    "TopicIndex",
    "broad_terms",
    "term_document_frequency",
]

# Term ids: the atom id for terms valid in both fields, shifted for field-limited terms, so the
# set of term ids that hit is built from the atom counters by C-level set operations.
_TITLE = 1 << 40
_ABSTRACT = 2 << 40
_SHIFT: dict[Field | None, int] = {None: 0, "title": _TITLE, "abstract": _ABSTRACT}


class TopicIndex:
    """All topics compiled together; build once per change of topics, then match many papers."""

    def __init__(self, scorer: Scorer) -> None:
        """Empty index; use ``build``."""
        self._atoms = AtomTable()
        self._scanner = Scanner(self._atoms)
        self._term_keys: dict[int, str] = {}  # term id -> Term.key
        self._fielded_atoms: dict[Field, set[int]] = {"title": set(), "abstract": set()}
        self._title_only: frozenset[int] = frozenset()  # atoms of ti: terms
        self._abstract_only: frozenset[int] = frozenset()  # atoms of abs: terms
        self._fielded = False
        self._predicates: list[Predicate] = []  # per topic number
        self._explainers: list[Explainer] = []
        self._triggers: dict[int, list[int]] = {}  # term id -> topic numbers
        self._trigger_ids: frozenset[int] = frozenset()
        self._always: frozenset[int] = frozenset()  # topics without triggers (hand-built only)
        self._scorer = scorer

    @classmethod
    def build(
        cls,
        topics: Iterable[tuple[Hashable, Query]],
        *,
        doc_freq: Mapping[str, float] | None = None,
        scorer: Scorer | None = None,
    ) -> TopicIndex:
        """Compile topics. ``doc_freq`` (from ``term_document_frequency``) picks rare trigger
        terms and feeds the default RarityScorer; ``scorer`` replaces that scorer."""
        index = cls(scorer if scorer is not None else RarityScorer(doc_freq))
        cost = cost_function(doc_freq)
        for name, query in topics:
            index._add(name, query, cost)
        index._scanner = Scanner(index._atoms)
        index._trigger_ids = frozenset(index._triggers)
        index._title_only = frozenset(index._fielded_atoms["title"])
        index._abstract_only = frozenset(index._fielded_atoms["abstract"])
        index._fielded = bool(index._title_only or index._abstract_only)
        return index

    def __len__(self) -> int:
        return len(self._explainers)

    @property
    def topics(self) -> list[tuple[Hashable, Query]]:
        """The (name, query) pairs the index was built from."""
        return [(explainer.name, explainer.query) for explainer in self._explainers]

    def _term_id(self, term: Term) -> int:
        """One id per (atom, field): spellings matching the same tokens share it."""
        atom = self._atoms.atom(term.pieces)
        if term.field is not None:
            self._fielded_atoms[term.field].add(atom)
        tid = atom + _SHIFT[term.field]
        self._term_keys.setdefault(tid, term.key)
        return tid

    def _add(self, name: Hashable, query: Query, cost: Callable[[Term], float]) -> None:
        number = len(self._explainers)
        explained: dict[int, ExplainedTerm] = {}
        for term, negated in iter_terms(query.root):
            tid = self._term_id(term)
            if not negated and tid not in explained:
                explained[tid] = ExplainedTerm(term, self._atoms.atom(term.pieces), self._scorer)
        compiled, trigger_ids = compile_topic(query.root, self._term_id, cost)
        self._predicates.append(compiled)
        self._explainers.append(Explainer(name, query, tuple(explained.values()), self._scorer))
        if trigger_ids is None:
            self._always |= {number}
        for tid in trigger_ids or ():
            self._triggers.setdefault(tid, []).append(number)

    def _hit_terms(self, title_counts: Counter[int], total: Counter[int]) -> set[int]:
        """Ids of the terms that hit, field limits applied."""
        hits = set(total)
        if not self._fielded:
            return hits
        if self._title_only:
            hits.update(map(_TITLE.__add__, self._title_only.intersection(title_counts)))
        if self._abstract_only:
            present = self._abstract_only.intersection(total)
            in_abstract = [atom for atom in present if total[atom] > title_counts[atom]]
            hits.update(map(_ABSTRACT.__add__, in_abstract))
        return hits

    def match(self, title: str, abstract: str, *, explain: bool = True) -> list[Match]:
        """Topics matching this title and abstract, best score first. ``explain=False`` leaves
        each Match's ``terms`` empty (the score is the same) and costs a fraction."""
        title_counts, total = self._scanner.count(title, abstract)
        hits = self._hit_terms(title_counts, total)
        triggered = hits & self._trigger_ids
        if not triggered and not self._always:
            return []
        candidates = self._always.union(*map(self._triggers.__getitem__, triggered))
        predicates, explainers = self._predicates, self._explainers
        if explain:
            matches = [
                explainers[n](title_counts, total, title, abstract)
                for n in sorted(candidates)
                if predicates[n](hits)
            ]
        else:
            matches = [
                Match(explainers[n].name, explainers[n].score(title_counts, total, title,
                                                              abstract), ())
                for n in sorted(candidates)
                if predicates[n](hits)
            ]
        if len(matches) > 1:
            matches.sort(key=_by_score)
        return matches

    def match_paper(self, paper: Paper, *, explain: bool = True) -> list[Match]:
        """``match`` on a Paper's title and abstract."""
        return self.match(paper.title, paper.abstract, explain=explain)

    def match_many(self, papers: Iterable[Paper]) -> Iterator[tuple[Paper, list[Match]]]:
        """Lazily match a stream of papers (a day's listing or a 50,000-paper backfill)."""
        match = self.match
        for paper in papers:
            yield paper, match(paper.title, paper.abstract)

    def term_keys(self) -> list[str]:
        """``Term.key`` of every distinct term of every topic, negated ones included."""
        return list(dict.fromkeys(self._term_keys.values()))

    def term_hits(self, title: str, abstract: str) -> set[str]:
        """Keys (``Term.key``) of the terms of any topic found in this text, negated too."""
        hits = self._hit_terms(*self._scanner.count(title, abstract))
        return {self._term_keys[tid] for tid in hits if tid in self._term_keys}


def _by_score(match: Match) -> float:
    return -match.score


def term_document_frequency(
    index_or_queries: TopicIndex | Iterable[Query], papers: Iterable[Paper]
) -> dict[str, float]:
    """Share of papers each term hits, keyed by ``Term.key``; empty when there are no papers.

    Feeds rarity weights and trigger choice (``TopicIndex.build(doc_freq=...)``) and warnings.
    """
    index = (
        index_or_queries
        if isinstance(index_or_queries, TopicIndex)
        else TopicIndex.build(enumerate(index_or_queries))
    )
    counts: Counter[str] = Counter()
    total = 0
    for paper in papers:
        total += 1
        counts.update(index.term_hits(paper.title, paper.abstract))
    if not total:
        return {}
    return {key: counts[key] / total for key in index.term_keys()}


@dataclass(frozen=True, slots=True)
class BroadTerm:
    """A positive term hitting a large share of papers, and what to do about it."""

    term: str
    share: float
    advice: str

    def __str__(self) -> str:
        return f"`{self.term}` appears in {self.share:.0%} of papers: {self.advice}"


def broad_terms(query: Query, papers: Sequence[Paper], threshold: float = 0.2
                ) -> list[BroadTerm]:
    """Positive terms hitting more than ``threshold`` of ``papers``.

    A broad term standing alone makes the whole topic broad ("use a phrase or combine it with
    AND"); one already ANDed with another term narrows the topic little, which is said instead.
    """
    shares = term_document_frequency([query], papers)
    alone = _standalone_terms(query.root)
    found = []
    for term in query.positive_terms:
        share = shares.get(term.key, 0.0)
        if share > threshold:
            advice = (
                "use a phrase or combine it with AND"
                if term in alone
                else "it narrows this topic very little"
            )
            found.append(BroadTerm(str(term), share, advice))
    return found


def _standalone_terms(node: Node, conjoined: bool = False) -> set[Term]:
    """Positive terms that can make the query match without any other positive term."""
    if isinstance(node, Term):
        return set() if conjoined else {node}
    if isinstance(node, Not):  # terms under NOT are negated: never what makes a match
        return set()
    found: set[Term] = set()
    for child in node.children:
        others = isinstance(node, And) and any(
            not negated
            for other in node.children
            if other is not child
            for _, negated in iter_terms(other)
        )
        found |= _standalone_terms(child, conjoined or others)
    return found
