"""A query edit for a topic whose cards keep getting 👎, and the message that offers it.

The terms come from the matches themselves: each rated paper's overlap terms (the query terms
that hit it, as its card showed them; the current query's own hits for a card that showed
none). A term found in the 👎 papers and in none of the 👍 ones is what let the unwanted
papers in. Candidate edits exclude such terms (``(QUERY) -term``) or require a term every 👍
paper has (``(QUERY) term``); each candidate is run through the real matcher on the rated
papers, and the one that leaves out the most 👎 papers while keeping every 👍 one is offered.
When no edit does that, nothing is offered: a suggestion that loses good papers or matches
nothing would teach the wrong thing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from bot.core.notes.reactions import NOT_RELEVANT, RELEVANT, SYMBOLS
from bot.messages import Block, Code, Preformatted, Text, line
from bot.models import Paper
from bot.topics import QueryError, TopicIndex, parse_query
from bot.topics.syntax import And, Node, Not, Or, Term

SHOWN_TERMS = 3
UP, DOWN = SYMBOLS[RELEVANT], SYMBOLS[NOT_RELEVANT]


@dataclass(frozen=True, slots=True)
class RatedPaper:
    """A paper a topic matched, with the query terms that hit it (its overlap terms)."""

    paper: Paper
    terms: frozenset[str]


@dataclass(frozen=True, slots=True)
class Culprit:
    """A term of the unwanted matches: in how many 👎 and 👍 papers it hit."""

    term: str
    bad: int
    good: int


@dataclass(frozen=True, slots=True)
class Proposal:
    """The edit to try and what it does on the rated papers."""

    culprits: tuple[Culprit, ...]
    query: str
    dropped: int  # 👎 papers the edited query no longer matches
    bad: int
    good: int  # 👍 papers, all still matched


def culprits(root: Node, bad: Sequence[RatedPaper], good: Sequence[RatedPaper]
             ) -> list[Culprit]:
    """Terms that let the 👎 papers in: those in none of the 👍 papers, most frequent first;
    when every term of the 👎 papers is in a 👍 one too, those more frequent among the 👎. A
    term every match needs says nothing about the unwanted ones, so it is never named."""
    terms = dict.fromkeys(t for p in bad for t in sorted(p.terms)
                          if _satisfiable_without(root, t))
    found = [Culprit(t, sum(t in p.terms for p in bad), sum(t in p.terms for p in good))
             for t in terms]
    clean = [c for c in found if c.good == 0]
    found = clean or [c for c in found if c.bad > c.good]
    return sorted(found, key=lambda c: (-c.bad, c.good))


def propose(query: str, bad: Sequence[RatedPaper], good: Sequence[RatedPaper]
            ) -> Proposal | None:
    """The best single edit of ``query`` (see the module docstring), or None."""
    try:
        root = parse_query(query).root
    except QueryError:
        return None
    suspects = culprits(root, bad, good)
    clean = [c.term for c in suspects if c.good == 0]
    candidates = [f"({query}) -{t}" for t in clean]
    if len(clean) > 1 and _satisfiable_without(root, *clean):
        candidates.append(f"({query}) " + " ".join(f"-{t}" for t in clean))
    if good:
        shared = [t for t in dict.fromkeys(t for p in good for t in sorted(p.terms))
                  if all(t in p.terms for p in good) and any(t not in p.terms for p in bad)]
        candidates += [f"({query}) {t}" for t in shared]
    papers = [p.paper for p in (*bad, *good)]
    scored: list[tuple[int, int, str]] = []
    for order, candidate in enumerate(candidates):
        matched = match_terms(candidate, papers)
        if matched is None or any(p.paper.key not in matched for p in good):
            continue
        dropped = sum(p.paper.key not in matched for p in bad)
        if dropped:
            scored.append((dropped, -order, candidate))
    if not scored:
        return None
    dropped, _order, best = max(scored)
    return Proposal(tuple(suspects[:SHOWN_TERMS]), best, dropped, len(bad), len(good))


def match_terms(query: str, papers: Sequence[Paper]) -> dict[str, frozenset[str]] | None:
    """The papers ``query`` matches, by key, with the terms that hit each (None when the query
    does not parse)."""
    try:
        parsed = parse_query(query)
    except QueryError:
        return None
    index = TopicIndex.build([(0, parsed)])
    out: dict[str, frozenset[str]] = {}
    for paper in papers:
        found = index.match_paper(paper)
        if found:
            out[paper.key] = frozenset(hit.term for m in found for hit in m.terms)
    return out


def _satisfiable_without(node: Node, *terms: str) -> bool:
    """Whether the query can still match a paper that lacks all of ``terms`` (``(Q) -term``
    would otherwise match nothing at all)."""
    if isinstance(node, Term):
        return str(node) not in terms
    if isinstance(node, Not):
        return True
    if isinstance(node, And):
        return all(_satisfiable_without(c, *terms) for c in node.children)
    if isinstance(node, Or):
        return any(_satisfiable_without(c, *terms) for c in node.children)
    return True


def suggestion_message(topic: str, owner_id: str, downvoted: int, window: int,
                       proposal: Proposal) -> Text:
    """The one message a topic's owner gets: what went wrong, the edit, the exact commands."""
    blocks: list[Block] = [line(
        "Your topic ", Code(topic), f" got {DOWN} on {downvoted} of its last {window} rated "
        "paper cards.")]
    spans: list[str | Code] = ["The unwanted matches came through "]
    for i, c in enumerate(proposal.culprits):
        among = ("" if not proposal.good else f", none of the {UP} ones" if not c.good
                 else f", {c.good} of the {UP} ones")
        spans += [", " if i else "", Code(c.term), f" (in {c.bad} of the {DOWN} papers{among})"]
    blocks.append(line(*spans, "."))
    kept = ("" if not proposal.good else f" and keeps the {UP} one" if proposal.good == 1
            else f" and keeps all {proposal.good} {UP} ones")
    blocks.append(line(
        f"This edit leaves out {proposal.dropped} of the {proposal.bad} {DOWN} papers{kept}; "
        "the preview compares it with your topic on the last 7 days:"))
    blocks.append(Preformatted(f"/scoop preview vs {topic} {proposal.query}"))
    blocks.append(line("If you like it, ", Code(f"/scoop topic edit {topic} {proposal.query}"),
                       " saves it. This suggestion is sent once for this query."))
    return Text(blocks, mentions=(owner_id,))


def split_rated(rated: Collection[tuple[RatedPaper, str]]
                ) -> tuple[list[RatedPaper], list[RatedPaper]]:
    """(👎 papers, 👍 papers) of a topic's rated papers and their verdicts."""
    return ([p for p, v in rated if v == "not relevant"],
            [p for p, v in rated if v == "relevant"])
