"""The query AST: frozen, comparable and printable in a canonical, re-parseable form."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Literal

from bot.topics.normalize import fold, is_acronym, stem

Field = Literal["title", "abstract"]
PieceKind = Literal["stem", "acronym", "prefix"]
Piece = tuple[PieceKind, str]
_FIELD_PREFIX = {None: "", "title": "ti:", "abstract": "abs:"}


@dataclass(frozen=True, slots=True)
class Term:
    """One searchable term: a word, a phrase or a prefix, optionally limited to one field.

    ``text`` is the term as the user wrote it, with canonical quoting (`diffus*`, `CLIP`,
    `self-supervised`, `"score matching"`); ``words`` are its tokens in original case. The
    column only locates errors, so it is left out of equality.
    """

    text: str
    words: tuple[str, ...]
    prefix: bool = False
    field: Field | None = None
    column: int | None = dc_field(default=None, compare=False)

    @property
    def pieces(self) -> tuple[Piece, ...]:
        """How each token matches: by stem, as a case-sensitive acronym, or as a prefix."""
        last = len(self.words) - 1
        out: list[Piece] = []
        for i, word in enumerate(self.words):
            if self.prefix and i == last:
                out.append(("prefix", fold(word)))
            elif is_acronym(word):
                out.append(("acronym", word))
            else:
                out.append(("stem", stem(fold(word))))
        return tuple(out)

    @property
    def key(self) -> str:
        """Normalised identity (`ti:"diffusion model"`), the key of document frequencies.

        Spellings that match the same tokens (`Models`, `model`) share a key.
        """
        parts = [value + "*" if kind == "prefix" else value for kind, value in self.pieces]
        body = parts[0] if len(parts) == 1 else '"' + " ".join(parts) + '"'
        return _FIELD_PREFIX[self.field] + body

    def __str__(self) -> str:
        return _FIELD_PREFIX[self.field] + self.text

    def __hash__(self) -> int:
        # The text fixes words and prefix; hashing two fields keeps dictionary lookups cheap.
        return hash((self.text, self.field))


@dataclass(frozen=True, slots=True)
class Not:
    """Papers the child does not match."""

    child: Node


@dataclass(frozen=True, slots=True)
class And:
    """All children match (two or more, never nested directly in another And)."""

    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Any child matches (two or more, never nested directly in another Or)."""

    children: tuple[Node, ...]


Node = Term | Not | And | Or


def render(node: Node) -> str:
    """Canonical text with explicit operators: `(diffusion AND model*) OR NOT audio`."""
    if isinstance(node, Term):
        return str(node)
    if isinstance(node, Not):
        inner = render(node.child)
        return f"NOT ({inner})" if isinstance(node.child, And | Or) else f"NOT {inner}"
    inner_kind, joiner = (Or, " AND ") if isinstance(node, And) else (And, " OR ")
    return joiner.join(
        f"({render(c)})" if isinstance(c, inner_kind) else render(c) for c in node.children
    )


def iter_terms(node: Node, negated: bool = False) -> Iterator[tuple[Term, bool]]:
    """Every term occurrence with its polarity (True when under an odd number of NOTs)."""
    if isinstance(node, Term):
        yield node, negated
    elif isinstance(node, Not):
        yield from iter_terms(node.child, not negated)
    else:
        for child in node.children:
            yield from iter_terms(child, negated)


def matches_without_terms(node: Node) -> bool:
    """True when the node holds for a paper that contains none of its terms (`-audio`)."""
    if isinstance(node, Term):
        return False
    if isinstance(node, Not):
        return not matches_without_terms(node.child)
    if isinstance(node, And):
        return all(matches_without_terms(c) for c in node.children)
    return any(matches_without_terms(c) for c in node.children)


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed topic query; ``source`` is the text the user typed (not part of equality)."""

    root: Node
    source: str = dc_field(default="", compare=False)

    @property
    def terms(self) -> tuple[Term, ...]:
        """Distinct terms in order of first appearance, negated ones included."""
        return tuple(dict.fromkeys(term for term, _ in iter_terms(self.root)))

    @property
    def positive_terms(self) -> tuple[Term, ...]:
        """Distinct terms that can make the query match (not under an odd number of NOTs)."""
        return tuple(dict.fromkeys(t for t, negated in iter_terms(self.root) if not negated))

    def describe(self) -> str:
        """Canonical readable form, echoed back to the user."""
        return render(self.root)

    def __str__(self) -> str:
        return render(self.root)
