"""scoopwatch's JSON Lines paper format: good lines load, bad lines are reported by number."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import ParseError
from bot.models import Affiliation, AffiliationSource, AnnounceType, Author
from bot.sources.base import SourceFormat
from bot.sources.jsonl import parse_jsonl
from bot.sources.paper_ids import MAX_ID_CHARS


def lines(*records: object) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode()


DEEPMIND_PAPER = {
    "id": "2411.17700v2",
    "title": "  Diffusion   planning ",
    "abstract": "First line\nwrapped.\n  Second paragraph.",
    "authors": [{"name": "Ada Lovelace", "affiliations": ["Google DeepMind"],
                 "emails": ["Ada@DeepMind.com"]}, "Alan Turing"],
    "categories": ["cs.LG", "cs.AI", "cs.LG"],
    "announced": "2024-11-28",
    "announce_type": "new",
    "doi": "https://doi.org/10.48550/arXiv.2411.17700",
    "url": "https://example.org/p",
}


def test_full_record() -> None:
    page = parse_jsonl(lines(DEEPMIND_PAPER))
    assert page.format is SourceFormat.JSONL and page.skipped == ()
    (paper,) = page.papers
    assert (paper.key, paper.arxiv_id, paper.version) == ("2411.17700", "2411.17700", 2)
    assert paper.title == "Diffusion planning"
    assert paper.abstract == "First line wrapped.\n\nSecond paragraph."
    assert paper.authors == (
        Author(name="Ada Lovelace",
               affiliations=(Affiliation(name="Google DeepMind", source=AffiliationSource.JSONL),),
               emails=("ada@deepmind.com",)),
        Author(name="Alan Turing"),
    )
    assert paper.categories == ("cs.LG", "cs.AI") and paper.primary_category == "cs.LG"
    assert paper.announced == date(2024, 11, 28)
    assert paper.announce_type is AnnounceType.NEW
    assert paper.doi == "10.48550/arXiv.2411.17700"
    assert paper.url == "https://example.org/p"


def test_non_arxiv_ids_are_prefixed_and_blank_lines_ignored() -> None:
    data = lines({"id": "colm-2024-17", "title": "A"}, "", "   ", {"id": 42, "title": "B"}) + b"\n"
    keys = [(p.key, p.arxiv_id) for p in parse_jsonl(data).papers]
    assert keys == [("jsonl:colm-2024-17", None), ("jsonl:42", None)]


def test_old_style_arxiv_id_and_string_categories() -> None:
    (paper,) = parse_jsonl(lines({"id": "hep-th/9901001", "title": "T",
                                  "categories": "hep-th math-ph"})).papers
    assert paper.key == "hep-th/9901001"
    assert paper.categories == ("hep-th", "math-ph")


@pytest.mark.parametrize(("record", "reason"), [
    ("{not json", "not valid JSON"),
    ([1, 2], "expected a JSON object, got a list"),
    ({"title": "no id"}, 'missing "id"'),
    ({"id": "x"}, 'missing "title"'),
    ({"id": "x", "title": 5}, '"title" must be a string, got a number'),
    ({"id": "x", "title": "t", "announced": "28/11/2024"}, "is not a YYYY-MM-DD date"),
    ({"id": "x", "title": "t", "announce_type": "weird"},
     "announce_type 'weird' is not one of new, cross, replace, replace-cross"),
    ({"id": "x", "title": "t", "authors": "Ada"}, '"authors" must be a list, got a string'),
    ({"id": "x", "title": "t", "authors": [{"affiliations": ["X"]}]}, 'author without "name"'),
    ({"id": "x", "title": "t", "authors": [{"name": "A", "emails": [1]}]},
     '"emails" must be a list of strings'),
    ({"id": "x", "title": "t", "categories": [None]}, '"categories" must be a list of strings'),
])
def test_bad_lines_are_skipped_with_reason(record: object, reason: str) -> None:
    page = parse_jsonl(lines({"id": "good", "title": "G"}, record, {"id": "also", "title": "H"}))
    assert [p.key for p in page.papers] == ["jsonl:good", "jsonl:also"]
    (skipped,) = page.skipped
    assert skipped.ident == "line 2"
    assert reason in skipped.reason


def test_a_file_without_any_json_line_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no line is valid JSON"):
        parse_jsonl(b"title,abstract\nfoo,bar\n")


def test_empty_file_and_bom() -> None:
    assert parse_jsonl(b"").papers == ()
    assert parse_jsonl(b"\n\n").papers == ()
    (paper,) = parse_jsonl(b"\xef\xbb\xbf" + lines({"id": "a", "title": "t"})).papers
    assert paper.key == "jsonl:a"


def test_crlf_and_non_ascii() -> None:
    data = lines({"id": "a", "title": "Ünïcödé"}, {"id": "b", "title": "x"}).replace(b"\n", b"\r\n")
    assert [p.title for p in parse_jsonl(data).papers] == ["Ünïcödé", "x"]


def test_an_overlong_id_is_refused_by_line_and_the_rest_loads() -> None:
    """A 100 KB id would be the paper's key everywhere (store, CLI, the card's marker); it is
    refused with a reason that quotes only its start, and the other lines still load."""
    huge = "p" * 100_000
    page = parse_jsonl(lines({"id": "p-1", "title": "A"}, {"id": huge, "title": "B"},
                             {"id": "q" * 200, "title": "C"}))
    assert [p.key for p in page.papers] == ["jsonl:p-1", "jsonl:" + "q" * 200]
    (skipped,) = page.skipped
    assert skipped.ident == "line 2"
    assert "100,000 characters long" in skipped.reason and "at most 200" in skipped.reason
    assert len(skipped.reason) < 200


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=400))
def test_every_id_becomes_a_bounded_key_or_a_reason(ident: str) -> None:
    page = parse_jsonl(lines({"id": ident, "title": "T"}, {"id": "next", "title": "N"}))
    assert page.papers[-1].key == "jsonl:next"
    for paper in page.papers:
        assert len(paper.key) <= MAX_ID_CHARS + len("jsonl:")
    assert len(page.papers) + len(page.skipped) == 2
