"""Topic queries and the one-pass matcher that explains itself.

``parse_query`` turns a member's query into a ``Query`` (``HELP`` is the user-facing summary of
the language); ``TopicIndex.build`` compiles all topics into one Aho-Corasick automaton and
``match``/``match_paper``/``match_many`` return scored, explained ``Match`` objects.
``term_document_frequency`` and ``broad_terms`` serve topic previews and rarity weights.
"""

from bot.topics.matcher import (
    BroadTerm,
    Match,
    TermHit,
    TopicIndex,
    broad_terms,
    term_document_frequency,
)
from bot.topics.query import HELP, Query, QueryError, Term, parse_query
from bot.topics.scoring import RarityScorer, Scorer

__all__ = [
    "HELP",
    "BroadTerm",
    "Match",
    "Query",
    "QueryError",
    "RarityScorer",
    "Scorer",
    "Term",
    "TermHit",
    "TopicIndex",
    "broad_terms",
    "parse_query",
    "term_document_frequency",
]
