"""Parse topic queries: precedence NOT/- > AND/implicit AND > OR/comma, fields, limits.

Every failure is a QueryError naming the column to fix; no other exception escapes, whatever the
input. A query must be able to fail on a paper containing none of its terms: `-audio` or
`gan OR -audio` would match nearly every paper, so they are refused rather than guessed at.
"""

from __future__ import annotations

from bot.messages import Block, Code, Span, item, line
from bot.topics.lexer import Kind, Lexeme, QueryError, lex
from bot.topics.normalize import strip_marks, words
from bot.topics.syntax import (
    And,
    Field,
    Node,
    Not,
    Or,
    Query,
    Term,
    matches_without_terms,
    render,
)

__all__ = ["HELP", "And", "Node", "Not", "Or", "Query", "QueryError", "Term", "parse_query"]

HELP: tuple[Block, ...] = (
    line("Topic queries match a paper's title and abstract."),
    item("Words match plurals too: ", Code("model"), " finds models (", Code("loss"),
         " stays loss). Case and accents are ignored: ", Code("Schrödinger"),
         " = schrodinger. Punctuation splits words: ", Code("self-supervised"),
         ' is the phrase "self supervised".'),
    item(Code('"a phrase"'), " matches those words in a row; ", Code("diffus*"),
         " matches any word starting with diffus."),
    item("ACRONYMS in capitals (CLIP, RAG, T5) match only when written so, plus a plural s "
         "(GANs); ", Code("clip"), " in lower case matches any case."),
    item(Code("ti:word"), ", ", Code('ti:"a phrase"'), ", ", Code("abs:(a, b)"),
         ": only in the title / only in the abstract."),
    item("Operators, tightest first: NOT or -word, then AND (or just a space), then OR or a "
         "comma. Parentheses group. ", Code("diffusion model*, score matching -audio"),
         " means (diffusion AND model*) OR (score AND matching AND NOT audio)."),
    item("Every alternative needs a term that is not negated; at most 1,000 characters, "
         "100 terms."),
)

MAX_CHARS = 1000
MAX_TERMS = 100
MAX_DEPTH = 32  # parentheses; keeps every recursive walk of the AST far from Python's limit
_STARTS = {Kind.WORD, Kind.PHRASE, Kind.LPAREN, Kind.NOT, Kind.FIELD}
_BINARY_NAMES: dict[Kind, Span] = {Kind.AND: "AND", Kind.OR: "OR", Kind.COMMA: Code(",")}


def parse_query(text: str) -> Query:
    """Parse ``text`` into a Query, or raise QueryError."""
    if len(text) > MAX_CHARS:
        raise QueryError(f"query is {len(text):,} characters long; the limit is {MAX_CHARS:,}")
    if not text.strip():
        raise QueryError("empty query")
    parser = _Parser(lex(text))
    root = parser.parse()
    if parser.term_count > MAX_TERMS:
        raise QueryError(f"query has {parser.term_count} terms; the limit is {MAX_TERMS}")
    if matches_without_terms(root):
        raise QueryError(
            (Code(render(root)), " would match papers containing none of its terms: "
             "every alternative needs a term that is not negated"))
    return Query(root, text)


def _make(kind: type[And] | type[Or], parts: list[Node]) -> Node:
    """Flatten nested groups of the same operator; one part needs no group."""
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.children if isinstance(part, kind) else (part,))
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


class _Parser:
    """Recursive descent over lexemes; one method per precedence level."""

    def __init__(self, lexemes: list[Lexeme]) -> None:
        self.lexemes = lexemes
        self.pos = 0
        self.open_parens: list[int] = []  # columns, innermost last
        self.term_count = 0

    def peek(self) -> Lexeme:
        return self.lexemes[self.pos]

    def take(self) -> Lexeme:
        lexeme = self.lexemes[self.pos]
        self.pos += 1
        return lexeme

    def parse(self) -> Node:
        node = self.disjunction(None)
        extra = self.peek()
        if extra.kind is not Kind.END:  # only a stray `)` can stop a disjunction early
            raise QueryError("unbalanced parenthesis", extra.column)
        return node

    def disjunction(self, field: Field | None) -> Node:
        parts = [self.conjunction(field)]
        while self.peek().kind in (Kind.OR, Kind.COMMA):
            self.require_operand(self.take())
            parts.append(self.conjunction(field))
        return _make(Or, parts)

    def conjunction(self, field: Field | None) -> Node:
        parts = [self.unary(field)]
        while True:
            kind = self.peek().kind
            if kind is Kind.AND:
                self.require_operand(self.take())
            elif kind not in _STARTS:
                return _make(And, parts)
            parts.append(self.unary(field))

    def unary(self, field: Field | None) -> Node:
        negated = False
        while self.peek().kind is Kind.NOT:
            operator = self.take()
            negated = not negated
            if self.peek().kind not in _STARTS:
                raise QueryError("NOT needs a term", operator.column)
        node = self.primary(field)
        if not negated:
            return node
        return node.child if isinstance(node, Not) else Not(node)

    def primary(self, field: Field | None) -> Node:
        lexeme = self.take()
        if lexeme.kind is Kind.LPAREN:
            if self.peek().kind is Kind.RPAREN:
                raise QueryError("empty parentheses", lexeme.column)
            if len(self.open_parens) >= MAX_DEPTH:
                raise QueryError(f"parentheses nested more than {MAX_DEPTH} deep", lexeme.column)
            self.open_parens.append(lexeme.column)
            node = self.disjunction(field)
            if self.take().kind is not Kind.RPAREN:
                raise QueryError("unbalanced parenthesis", lexeme.column)
            self.open_parens.pop()
            return node
        if lexeme.kind is Kind.FIELD:
            inner: Field = "title" if lexeme.text == "ti" else "abstract"
            if field is not None and field != inner:
                message = f"{lexeme.text}: inside a {field} group never matches"
                raise QueryError(message, lexeme.column)
            if self.peek().kind not in _STARTS:
                raise QueryError(f"{lexeme.text}: needs a term", lexeme.column)
            return self.unary(inner)
        if lexeme.kind in (Kind.WORD, Kind.PHRASE):
            self.term_count += 1
            return _term(lexeme, field)
        self.pos -= 1
        raise self.missing_term(lexeme)

    def require_operand(self, operator: Lexeme) -> None:
        """Binary operators need a term right after them (and one before: see missing_term)."""
        if self.peek().kind not in _STARTS:
            name = _BINARY_NAMES[operator.kind]
            raise QueryError((name, " needs a term on each side"), operator.column)

    def missing_term(self, found: Lexeme) -> QueryError:
        """The error for a term position holding something else (`OR b`, `a )`, `(a`)."""
        if found.kind in _BINARY_NAMES:
            name = _BINARY_NAMES[found.kind]
            return QueryError((name, " needs a term on each side"), found.column)
        if found.kind is Kind.END and self.open_parens:
            return QueryError("unbalanced parenthesis", self.open_parens[-1])
        if found.kind is Kind.RPAREN:
            return QueryError("unbalanced parenthesis", found.column)
        return QueryError("empty query")


def _term(lexeme: Lexeme, field: Field | None) -> Term:
    """A Term from a word or phrase; a trailing `*` on the last word makes it a prefix."""
    raw = lexeme.text
    body = raw.strip() if lexeme.kind is Kind.PHRASE else raw
    stripped = body.rstrip("*")
    prefix = stripped != body and strip_marks(stripped)[-1:].isalnum()
    tokens = tuple(words(stripped if prefix else body))
    if not tokens:
        if lexeme.kind is Kind.PHRASE:
            raise QueryError("empty phrase", lexeme.column)
        raise QueryError((Code(raw), " has no letters or digits"), lexeme.column)
    text = f'"{" ".join(raw.split())}"' if lexeme.kind is Kind.PHRASE else raw
    return Term(text, tokens, prefix, field, lexeme.column)
