"""Properties: the parser only ever raises QueryError, and the fast matcher agrees with the
slow reference (``topics_reference``) on random queries over real arXiv abstracts."""

from __future__ import annotations

import re
from functools import cache
from typing import cast

from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from topics_fixtures import real_papers
from topics_reference import RefField, ref_explain, ref_holds

from bot.models import Paper
from bot.topics import QueryError, TopicIndex, parse_query
from bot.topics.query import MAX_TERMS, Query
from bot.topics.scoring import saturate

# -- the parser never fails in any other way -----------------------------------------------

_PIECES = [
    "AND", "OR", "NOT", "-", "(", ")", '"', "“", "”", ",", "ti:", "abs:", "au:", "*", "**",
    " ", " ", "  ", "\t", "word", "Word", "CLIP", "T5", "self-supervised", "é", "ß", "&", "x",
    "models", "diffus*", ":", "_", "\x01",
]
query_like = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)
any_text = st.one_of(st.text(max_size=60), query_like, st.text(alphabet='()"- ,*aAb', max_size=80))


@settings(max_examples=600, deadline=None)
@given(any_text)
def test_parser_raises_only_query_errors_with_a_valid_column(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as error:
        assert error.message
        assert error.column is None or 1 <= error.column <= len(text) + 1
        return
    assert 1 <= len(query.terms) <= MAX_TERMS
    assert parse_query(str(query)) == query  # the canonical form means the same query


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1001, max_value=3000))
def test_overlong_queries_are_refused_whatever_they_contain(length: int) -> None:
    try:
        parse_query(("(a OR " * length)[:length])
    except QueryError as error:
        assert error.column is None
    else:
        raise AssertionError("accepted an over-long query")


# -- the matcher agrees with the reference ---------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*")


@cache
def _words(paper_no: int) -> tuple[str, ...]:
    paper = real_papers()[paper_no]
    return tuple(_WORD.findall(f"{paper.title} {paper.abstract}"))


@cache
def _acronyms() -> tuple[str, ...]:
    everything = (w for n in range(len(real_papers())) for w in _words(n))
    return tuple(sorted({w for w in everything if re.fullmatch(r"[A-Z][A-Z0-9]+", w)}))


@cache
def _ref(key: str, title: str, abstract: str) -> tuple[RefField, RefField]:
    return RefField.of(title), RefField.of(abstract)


@st.composite
def terms(draw: st.DrawFn, words: tuple[str, ...]) -> str:
    """One term built from real words: word, prefix, phrase, long phrase, acronym, field."""
    i = draw(st.integers(0, len(words) - 1))
    word = words[i]
    kind = draw(
        st.sampled_from(["lower", "asis", "prefix", "phrase", "long", "acronym", "acronym phrase"])
    )
    if kind == "lower":
        text = word.lower()
    elif kind == "asis":
        text = word
    elif kind == "prefix":
        text = word.lower()[: draw(st.integers(1, max(1, len(word))))] + "*"
    elif kind in ("phrase", "long"):
        size = draw(st.integers(2, 3) if kind == "phrase" else st.integers(5, 7))
        text = '"' + " ".join(words[i : i + size]) + draw(st.sampled_from(["", "*"])) + '"'
    elif kind == "acronym":
        text = draw(st.sampled_from(_acronyms()))
    else:
        text = f'"{draw(st.sampled_from(_acronyms()))} {word}"'
    return draw(st.sampled_from(["", "", "", "ti:", "abs:"])) + text


@st.composite
def queries(draw: st.DrawFn, words: tuple[str, ...]) -> str:
    """Alternatives (`,` or OR) of conjunctions (space or AND), some negated or grouped."""
    alternatives = []
    for _ in range(draw(st.integers(1, 3))):
        units = [draw(terms(words))]  # each alternative starts with a positive term
        for _ in range(draw(st.integers(0, 3))):
            unit = draw(terms(words))
            shape = draw(st.sampled_from(["plain", "plain", "neg", "not", "group"]))
            if shape == "neg":
                unit = "-" + unit
            elif shape == "not":
                unit = "NOT " + unit
            elif shape == "group":
                unit = f"({unit}, {draw(terms(words))})"
            units.append(unit)
        alternatives.append(draw(st.sampled_from([" ", " AND "])).join(units))
    return draw(st.sampled_from([", ", " OR "])).join(alternatives)


def _perturb(text: str, how: str) -> str:
    """Variants that exercise the non-ASCII and case paths on real text."""
    if how == "accents":
        return text.replace("e", "é").replace("o", "o\u0308")
    if how == "upper":
        return " ".join(w.upper() if len(w) < 5 else w for w in text.split())
    if how == "german":
        return text.replace("ss", "ß").replace(" the ", " ÜBER the ")
    return text


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.data())
def test_matcher_agrees_with_the_reference(data: st.DataObject) -> None:
    papers = real_papers()
    sample = data.draw(st.lists(st.integers(0, len(papers) - 1), min_size=1, max_size=12))
    words = tuple(w for n in sample[:3] for w in _words(n))
    texts = data.draw(st.lists(queries(words), min_size=1, max_size=4))
    parsed: list[Query] = []
    for text in texts:
        try:
            parsed.append(parse_query(text))
        except QueryError:
            assume(False)
    index = TopicIndex.build(enumerate(parsed))
    how = data.draw(st.sampled_from(["none", "none", "accents", "upper", "german"]))
    for n in sample:
        paper = Paper(
            f"{n}-{how}", _perturb(papers[n].title, how), _perturb(papers[n].abstract, how)
        )
        title, abstract = _ref(paper.key, paper.title, paper.abstract)
        expected = {
            topic: ref_explain(query, title, abstract)
            for topic, query in enumerate(parsed)
            if ref_holds(query.root, title, abstract)
        }
        found = {cast(int, m.topic): m for m in index.match_paper(paper)}
        event(f"matched {min(len(found), 3)} topics")
        assert set(found) == set(expected), (texts, paper.key)
        for topic, match in found.items():
            assert [(h.term, h.field, h.count) for h in match.terms] == expected[topic]
            parts = [(2.0 if f == "title" else 1.0) * saturate(c) for _, f, c in expected[topic]]
            assert match.score == sum(parts)  # default weights: no document frequencies
        scored = index.match_paper(paper, explain=False)  # what digests store: no explanation
        assert [(m.topic, m.score) for m in scored] == [
            (m.topic, m.score) for m in index.match_paper(paper)]
        assert all(m.terms == () for m in scored)
