"""The query language: syntax, precedence, canonical form, errors and limits."""

from __future__ import annotations

import pytest

from bot.errors import ScoopwatchError
from bot.topics import QueryError, parse_query
from bot.topics.query import MAX_CHARS, MAX_TERMS, And, Not, Or, Term


def canonical(text: str) -> str:
    return str(parse_query(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The README's example: NOT binds tightest, then AND (implicit too), then OR and comma.
        (
            "diffusion model*, score matching -audio",
            "(diffusion AND model*) OR (score AND matching AND NOT audio)",
        ),
        ("a b OR c d", "(a AND b) OR (c AND d)"),
        ("a AND b, c", "(a AND b) OR c"),
        ("a OR b c", "a OR (b AND c)"),
        ("NOT a b", "NOT a AND b"),
        ("a (b OR c)", "a AND (b OR c)"),
        ("a -(b c)", "a AND NOT (b AND c)"),
        ("a NOT (b, c)", "a AND NOT (b OR c)"),
        ("((a))", "a"),
        ("a (b (c d))", "a AND b AND c AND d"),  # same operator groups flatten
        ("a, (b, c)", "a OR b OR c"),
        ("a --b", "a AND b"),  # double negation cancels
        ("a NOT NOT b", "a AND b"),
        ("a -(-b)", "a AND b"),
    ],
)
def test_precedence_and_canonical_form(text: str, expected: str) -> None:
    assert canonical(text) == expected


def test_canonical_form_reparses_to_the_same_query() -> None:
    for text in ['ti:"CLIP model" abs:(gan OR GANs) -(a b)', "self-supervised diffus*, T5"]:
        query = parse_query(text)
        assert parse_query(str(query)) == query
        assert query.describe() == str(query)


def test_terms_words_phrases_prefixes() -> None:
    query = parse_query('diffus* "score  matching" self-supervised CLIP')
    assert [str(t) for t in query.terms] == [
        "diffus*",
        '"score matching"',  # whitespace inside quotes is normalised
        "self-supervised",
        "CLIP",
    ]
    diffus, phrase, hyphenated, clip = query.terms
    assert diffus.prefix and diffus.words == ("diffus",)
    assert phrase.words == ("score", "matching") and not phrase.prefix
    assert hyphenated.words == ("self", "supervised")  # `-` inside a word separates tokens
    assert [p[0] for p in clip.pieces] == ["acronym"]


def test_piece_kinds_follow_the_rules() -> None:
    (term,) = parse_query('"CLIP Models diffus*"').terms
    assert term.pieces == (("acronym", "CLIP"), ("stem", "model"), ("prefix", "diffus"))
    assert parse_query("loss").terms[0].pieces == (("stem", "loss"),)
    assert parse_query("GANs").terms[0].pieces == (("stem", "gan"),)  # not capitals only
    assert parse_query("T5").terms[0].pieces == (("acronym", "T5"),)
    assert parse_query("CLIP*").terms[0].pieces == (("prefix", "clip"),)  # prefixes ignore case


def test_term_keys_are_normalised_identities() -> None:
    assert parse_query("Models").terms[0].key == parse_query("model").terms[0].key == "model"
    assert parse_query('ti:"Diffusion Models"').terms[0].key == 'ti:"diffusion model"'
    assert parse_query("abs:diffus*").terms[0].key == "abs:diffus*"


def test_fields_apply_to_terms_and_groups() -> None:
    query = parse_query('ti:diffusion abs:"score matching" ti:(a, -b c)')
    assert str(query) == 'ti:diffusion AND abs:"score matching" AND (ti:a OR (NOT ti:b AND ti:c))'
    assert {t.field for t in query.terms} == {"title", "abstract"}
    assert parse_query("ti: x").terms[0].field == "title"  # a space after the colon is fine
    assert parse_query("ti:ti:x").terms[0].field == "title"


def test_lower_case_operators_are_words() -> None:
    query = parse_query("rock and roll or not")
    assert isinstance(query.root, And)
    assert [t.text for t in query.terms] == ["rock", "and", "roll", "or", "not"]


def test_curly_quotes_from_chat_clients_work() -> None:
    assert str(parse_query("“score matching” x")) == '"score matching" AND x'


def test_ast_shape() -> None:
    root = parse_query("a -b, c").root
    assert isinstance(root, Or)
    first, second = root.children
    assert isinstance(first, And) and isinstance(first.children[1], Not)
    assert isinstance(second, Term) and second.text == "c"


def test_terms_are_distinct_and_positive_terms_skip_negated_ones() -> None:
    query = parse_query("a b -c, a -(-d)")
    assert [t.text for t in query.terms] == ["a", "b", "c", "d"]
    assert [t.text for t in query.positive_terms] == ["a", "b", "d"]


def test_columns_are_left_out_of_equality() -> None:
    assert parse_query("x  y") == parse_query("x y")
    assert parse_query("x y").terms[1].column == 3


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("diffusion model (score matching", "unbalanced parenthesis", 17),
        ("a (b OR c)) d", "unbalanced parenthesis", 11),
        ("(a OR (b c)", "unbalanced parenthesis", 1),
        ("", "empty query", None),
        ("   \t ", "empty query", None),
        ("NOT", "NOT needs a term", 1),
        ("diffusion NOT", "NOT needs a term", 11),
        ("a -", "NOT needs a term", 3),
        ("a (NOT) b", "NOT needs a term", 4),
        ("a AND", "AND needs a term on each side", 3),
        ("AND a", "AND needs a term on each side", 1),
        ("a OR OR b", "OR needs a term on each side", 3),
        ("a,,b", "`,` needs a term on each side", 2),
        ("a, ", "`,` needs a term on each side", 2),
        ("a ()", "empty parentheses", 3),
        ('a "b c', "unbalanced quote", 3),
        ('a ""', "empty phrase", 3),
        ('" , "', "empty phrase", 1),
        ("a & b", "`&` has no letters or digits", 3),
        ("a *", "`*` has no letters or digits", 3),
        ("ti:", "ti: needs a term", 1),
        ("x abs:)", "abs: needs a term", 3),
        ("ti:(a abs:b)", "abs: inside a title group never matches", 7),
        ("au:smith", "unknown field `au:` (use ti: or abs:)", 1),
    ],
)
def test_errors_point_at_the_column(text: str, message: str, column: int | None) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert (caught.value.message, caught.value.column) == (message, column)
    expected = message if column is None else f"{message} at column {column}"
    assert str(caught.value) == expected
    assert isinstance(caught.value, ScoopwatchError)


def test_issue_example_error_text() -> None:
    with pytest.raises(QueryError, match=r"^unbalanced parenthesis at column 17$"):
        parse_query("diffusion model (score matching")


@pytest.mark.parametrize("text", ["-audio", "NOT audio", "gan OR -audio", "-(a b)", "a, NOT b"])
def test_queries_matching_papers_without_their_terms_are_refused(text: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert caught.value.column is None
    assert "would match papers containing none of its terms" in caught.value.message


@pytest.mark.parametrize("text", ["a -audio", "NOT (NOT a)", "(a, b) -c", "a -b, c -d"])
def test_negation_with_a_positive_term_in_every_alternative_is_fine(text: str) -> None:
    parse_query(text)


def test_length_limit() -> None:
    assert parse_query("x" * MAX_CHARS).terms[0].text == "x" * MAX_CHARS
    with pytest.raises(QueryError) as caught:
        parse_query("x" * (MAX_CHARS + 1))
    assert caught.value.column is None
    assert caught.value.message == "query is 1,001 characters long; the limit is 1,000"


def test_term_limit_counts_every_term() -> None:
    parse_query(" ".join(["a"] * MAX_TERMS))
    with pytest.raises(QueryError) as caught:
        parse_query(" ".join(["a"] * (MAX_TERMS + 1)))
    assert caught.value.message == "query has 101 terms; the limit is 100"
    assert caught.value.column is None


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(QueryError, match="parentheses nested more than 32 deep at column 33"):
        parse_query("(" * 400 + "a" + ")" * 400)
    assert str(parse_query("(" * 32 + "a" + ")" * 32)) == "a"
    assert str(parse_query("-" * 998 + "a")) == "a"  # long NOT chains are counted, not nested
    with pytest.raises(QueryError, match="would match papers containing none"):
        parse_query("-" * 999 + "a")


def test_help_text_states_the_issue_example_correctly() -> None:
    from bot.messages import plain_text
    from bot.topics import HELP

    text = plain_text(HELP)
    assert "`diffusion model*, score matching -audio` means" in text
    assert "(diffusion AND model*) OR (score AND matching AND NOT audio)" in text
    assert canonical("diffusion model*, score matching -audio") in text
