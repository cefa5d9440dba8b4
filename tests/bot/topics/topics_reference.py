"""A slow, obviously-correct matcher from the README's rules, to check the fast one.

Character loops, token lists and a direct walk of the query AST: nothing shared with
``bot.topics`` except the parsed query itself.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.topics.query import And, Node, Not, Or, Query, Term


def ref_strip(text: str) -> str:
    """NFKD with combining marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))


def ref_tokens(text: str) -> list[str]:
    """NFKD, combining marks dropped; maximal runs of letters or digits (original case)."""
    kept = ref_strip(text)
    tokens, current = [], ""
    for char in kept:
        if char.isalnum():
            current += char
        else:
            if current:
                tokens.append(current)
            current = ""
    if current:
        tokens.append(current)
    return tokens


def ref_stem(token: str) -> str:
    """One trailing `s` off tokens longer than 3 characters not ending in `ss`."""
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def ref_is_acronym(word: str) -> bool:
    """Capitals and digits only, at least 2 characters (and at least one capital)."""
    return (
        len(word) >= 2
        and any(c.isupper() for c in word)
        and all(c.isupper() or c.isdigit() for c in word)
    )


@dataclass(frozen=True)
class RefField:
    """One field of a paper as the spec sees it: original-case and casefolded tokens."""

    original: list[str]
    folded: list[str]

    @classmethod
    def of(cls, text: str) -> RefField:
        original = ref_tokens(text)
        folded = ref_tokens(ref_strip(text).casefold())
        assert len(folded) == len(original), "casefolding changed token boundaries"
        return cls(original, folded)


def term_words(term: Term) -> tuple[list[str], bool]:
    """The term's words and prefix flag, re-derived from its text as the user wrote it."""
    body = term.text[1:-1] if term.text.startswith('"') else term.text
    body = body.strip()
    stripped = body.rstrip("*")
    prefix = stripped != body and ref_strip(stripped)[-1:].isalnum()
    return ref_tokens(stripped if prefix else body), prefix


def word_matches(word: str, is_prefix: bool, original: str, folded: str) -> bool:
    if is_prefix:
        return folded.startswith(word.casefold())
    if ref_is_acronym(word):
        return original in (word, word + "s")
    return ref_stem(folded) == ref_stem(word.casefold())


def ref_count(term: Term, field: RefField) -> int:
    """Positions where the term's words match consecutive tokens."""
    words, prefix = term_words(term)
    count = 0
    for start in range(len(field.folded) - len(words) + 1):
        if all(
            word_matches(
                word,
                prefix and i == len(words) - 1,
                field.original[start + i],
                field.folded[start + i],
            )
            for i, word in enumerate(words)
        ):
            count += 1
    return count


def ref_counts(term: Term, title: RefField, abstract: RefField) -> tuple[int, int]:
    """(title count, abstract count), zero where the term's field forbids it."""
    in_title = ref_count(term, title) if term.field != "abstract" else 0
    in_abstract = ref_count(term, abstract) if term.field != "title" else 0
    return in_title, in_abstract


def ref_holds(node: Node, title: RefField, abstract: RefField) -> bool:
    if isinstance(node, Term):
        return sum(ref_counts(node, title, abstract)) > 0
    if isinstance(node, Not):
        return not ref_holds(node.child, title, abstract)
    if isinstance(node, And):
        return all(ref_holds(c, title, abstract) for c in node.children)
    assert isinstance(node, Or)
    return any(ref_holds(c, title, abstract) for c in node.children)


def _positive(node: Node, negated: bool = False) -> list[Term]:
    if isinstance(node, Term):
        return [] if negated else [node]
    if isinstance(node, Not):
        return _positive(node.child, not negated)
    return [t for c in node.children for t in _positive(c, negated)]


def ref_explain(query: Query, title: RefField, abstract: RefField) -> list[tuple[str, str, int]]:
    """(term as written, field, count) for each positive term that hit, title first.

    Terms matching the same tokens in the same fields are listed once (first spelling).
    """
    seen: set[object] = set()
    out = []
    for term in _positive(query.root):
        words, prefix = term_words(term)
        identity = (
            tuple(
                w if ref_is_acronym(w) and not (prefix and i == len(words) - 1)
                else (w.casefold() if prefix and i == len(words) - 1 else ref_stem(w.casefold()))
                for i, w in enumerate(words)
            ),
            prefix,
            term.field,
        )
        if identity in seen:
            continue
        seen.add(identity)
        in_title, in_abstract = ref_counts(term, title, abstract)
        if in_title:
            out.append((str(term), "title", in_title))
        if in_abstract:
            out.append((str(term), "abstract", in_abstract))
    return out
