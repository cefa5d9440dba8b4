"""Compile topic expressions into fast predicates over the set of term ids that hit.

Topics are evaluated only on papers where one of their *trigger* terms hit: for each clause of
the topic's disjunctive normal form, its rarest required term. Rarity comes from measured
document frequencies when available, else from a rough guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set

from bot.topics.syntax import And, Node, Not, Term, iter_terms

Predicate = Callable[[Set[int]], bool]


MAX_CLAUSES = 32  # DNF size up to which a topic is evaluated as clauses
Clause = tuple[frozenset[int], frozenset[int]]  # (term ids required, term ids forbidden)


def compile_topic(
    root: Node, term_id: Callable[[Term], int], cost: Callable[[Term], float]
) -> tuple[Predicate, frozenset[int] | None]:
    """The topic's predicate over the set of term ids that hit, and its trigger terms.

    Topics are usually small ORs of ANDs, so they are evaluated in disjunctive normal form with
    C-level set operations; each clause's rarest required term is a trigger, and a topic is
    evaluated only on papers where a trigger hit. Huge DNFs fall back to a closure tree.
    None as triggers means "evaluate on every paper" (impossible for parsed queries).
    """
    found = clauses(root, term_id)
    if found is None:
        tree = triggers(root, term_id, cost)
        return predicate(root, term_id), (tree[1] if tree else None)
    rarity = {term_id(term): cost(term) for term, _ in iter_terms(root)}
    picked = set()
    for required, _ in found:
        if not required:
            return _clause_predicate(found), None
        picked.add(min(required, key=lambda tid: (rarity[tid], tid)))
    return _clause_predicate(found), frozenset(picked)


def clauses(
    node: Node, term_id: Callable[[Term], int], negated: bool = False
) -> list[Clause] | None:
    """Disjunctive normal form without contradictory clauses, or None beyond MAX_CLAUSES."""
    if isinstance(node, Term):
        one = frozenset((term_id(node),))
        return [(frozenset(), one)] if negated else [(one, frozenset())]
    if isinstance(node, Not):
        return clauses(node.child, term_id, not negated)
    parts = [clauses(child, term_id, negated) for child in node.children]
    if any(part is None for part in parts):
        return None
    if isinstance(node, And) == negated:  # a disjunction once the negation is pushed down
        merged = [clause for part in parts for clause in part or ()]
    else:
        merged = [(frozenset(), frozenset())]
        for part in parts:
            merged = [
                (req | r, forb | f)
                for req, forb in merged
                for r, f in part or ()
                if (req | r).isdisjoint(forb | f)
            ]
            if len(merged) > MAX_CLAUSES:
                return None
    unique = list(dict.fromkeys(merged))
    return unique if len(unique) <= MAX_CLAUSES else None


def _clause_predicate(found: list[Clause]) -> Predicate:
    if not found:  # every clause contradictory (`a -a`): never matches
        return lambda hits: False
    if len(found) == 1:
        required, forbidden = found[0]
        if not forbidden:
            return required.issubset
        return lambda hits: required <= hits and forbidden.isdisjoint(hits)

    def any_clause(hits: Set[int]) -> bool:
        for required, forbidden in found:  # noqa: SIM110 - a loop beats any() over a genexpr
            if required <= hits and forbidden.isdisjoint(hits):
                return True
        return False

    return any_clause


def predicate(node: Node, term_id: Callable[[Term], int]) -> Predicate:
    """A closure tree deciding the node from the set of term ids that hit (huge topics only)."""
    if isinstance(node, Term):
        tid = term_id(node)
        return lambda hits: tid in hits
    if isinstance(node, Not):
        inner = predicate(node.child, term_id)
        return lambda hits: not inner(hits)
    parts = [predicate(c, term_id) for c in node.children]
    if isinstance(node, And):
        return lambda hits: all(p(hits) for p in parts)
    return lambda hits: any(p(hits) for p in parts)


def triggers(
    node: Node, term_id: Callable[[Term], int], cost: Callable[[Term], float], negated: bool = False
) -> tuple[float, frozenset[int]] | None:
    """Positive terms one of which must hit for the node to hold (None if there are none).

    AND needs only its rarest child's set, OR the union of all.
    """
    if isinstance(node, Term):
        return None if negated else (cost(node), frozenset((term_id(node),)))
    if isinstance(node, Not):
        return triggers(node.child, term_id, cost, not negated)
    options = [triggers(c, term_id, cost, negated) for c in node.children]
    if isinstance(node, And) != negated:  # a conjunction, after pushing the negation down
        found = [o for o in options if o is not None]
        return min(found, key=lambda o: o[0]) if found else None
    if any(o is None for o in options):
        return None
    return sum(o[0] for o in options if o), frozenset().union(*(o[1] for o in options if o))


def guess_document_frequency(term: Term) -> float:
    """A rough share of papers a term hits, used to pick triggers when no statistics exist.

    Longer words and phrases are rarer; short prefixes are common; acronyms are fairly rare.
    """
    shares = []
    for kind, value in term.pieces:
        if kind == "acronym":
            shares.append(0.03)
        elif kind == "prefix":
            shares.append(min(1.0, 0.6 * 0.6 ** (len(value) - 3)))
        else:
            shares.append(min(0.8, 0.4 * 0.7 ** (len(value) - 4)))
    share = min(shares) * 0.2 ** (len(shares) - 1)
    return share * (0.2 if term.field == "title" else 1.0)


def cost_function(doc_freq: Mapping[str, float] | None) -> Callable[[Term], float]:
    """Measured document frequency when known, else the guess."""
    if not doc_freq:
        return guess_document_frequency
    return lambda term: doc_freq.get(term.key, guess_document_frequency(term))
