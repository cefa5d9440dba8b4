"""Split a topic query into lexemes, each with the 1-based column users see in errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from bot.errors import ScoopwatchError
from bot.messages import Code, Span, span_text


class QueryError(ScoopwatchError):
    """A query the user must fix; ``column`` is 1-based, or None for whole-query problems.

    ``message`` may be spans, so a quoted piece of the query is :class:`Code` (chat shows it as
    code) rather than backticks typed into a string; ``str()`` is the plain-text form.
    """

    def __init__(self, message: str | Sequence[Span], column: int | None = None) -> None:
        where = () if column is None else (f" at column {column}",)
        self.spans: tuple[Span, ...] = (
            (message, *where) if isinstance(message, str) else (*message, *where))
        self.message = "".join(span_text(s) for s in
                               ((message,) if isinstance(message, str) else message))
        self.column = column
        super().__init__("".join(span_text(s) for s in self.spans))


class Kind(Enum):
    """Lexeme kinds; ``NOT`` covers both `NOT` and a leading `-`."""

    WORD = "word"
    PHRASE = "phrase"
    FIELD = "field"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    AND = "AND"
    OR = "OR"
    NOT = "NOT"
    END = "end of query"


@dataclass(frozen=True, slots=True)
class Lexeme:
    """One lexeme: ``text`` is the word as written, the phrase content or the field name."""

    kind: Kind
    text: str
    column: int


# Chat clients often turn straight quotes into curly ones; accept both.
QUOTES = "\"“”"
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\s()," + QUOTES + "]+")
_FIELD = re.compile(r"(ti|abs):")
# arXiv-style field names users may try; refusing them beats silently matching "au smith".
_UNKNOWN_FIELD = re.compile(r"(au|all|cat|co|jr|rn|id|ab|title|abstract|author):")
_OPERATORS = {"AND": Kind.AND, "OR": Kind.OR, "NOT": Kind.NOT}
_SINGLE = {"(": Kind.LPAREN, ")": Kind.RPAREN, ",": Kind.COMMA, "-": Kind.NOT}


def lex(text: str) -> list[Lexeme]:
    """Lexemes of ``text`` followed by one END lexeme.

    A `-` starting a word negates it (`-audio`); inside a word it is a separator
    (`self-supervised`). Operators are upper case; lower-case `and`/`or`/`not` are plain words.
    """
    out: list[Lexeme] = []
    i, n = 0, len(text)
    while i < n:
        space = _SPACE.match(text, i)
        if space:
            i = space.end()
            continue
        col, char = i + 1, text[i]
        if char in _SINGLE:
            out.append(Lexeme(_SINGLE[char], char, col))
            i += 1
        elif char in QUOTES:
            close = min((p for q in QUOTES if (p := text.find(q, i + 1)) >= 0), default=-1)
            if close < 0:
                raise QueryError("unbalanced quote", col)
            out.append(Lexeme(Kind.PHRASE, text[i + 1 : close], col))
            i = close + 1
        elif field := _FIELD.match(text, i):
            out.append(Lexeme(Kind.FIELD, field[1], col))
            i = field.end()
        else:
            if unknown := _UNKNOWN_FIELD.match(text, i):
                raise QueryError(("unknown field ", Code(unknown[0]), " (use ti: or abs:)"), col)
            word = _WORD.match(text, i)
            assert word is not None  # any other character starts a word
            out.append(Lexeme(_OPERATORS.get(word[0], Kind.WORD), word[0], col))
            i = word.end()
    out.append(Lexeme(Kind.END, "", n + 1))
    return out
