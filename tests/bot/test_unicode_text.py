"""Lone surrogates (from JSON's ``\\ud800`` or a terminal's undecodable byte) become U+FFFD
where text enters: papers from JSON Lines and OpenAlex are stored, member text is kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot.ports import Actor, CommandEvent, PostRef, Reaction, ThreadRef, ThreadReply
from bot.sources.jsonl import parse_jsonl
from bot.sources.openalex import parse_openalex
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.unicode_text import loads, well_formed

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)


@given(ANY_TEXT)
def test_any_text_becomes_encodable_and_keeps_every_other_character(text: str) -> None:
    clean = well_formed(text)
    clean.encode("utf-8")  # never raises
    assert len(clean) == len(text)
    for was, now in zip(text, clean, strict=True):
        assert now == ("\ufffd" if 0xD800 <= ord(was) <= 0xDFFF else was)


@given(st.text(max_size=80))
def test_well_formed_text_is_returned_as_it_is(text: str) -> None:
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert well_formed(text) is text


@given(st.recursive(ANY_TEXT | st.integers() | st.none(),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(ANY_TEXT, inner, max_size=4), max_leaves=12))
def test_json_of_any_strings_decodes_to_encodable_strings(value: object) -> None:
    for data in (json.dumps(value), json.dumps(value).encode("ascii")):
        json.dumps(loads(data), ensure_ascii=False).encode("utf-8")  # never raises


def test_a_surrogate_pair_spelled_in_json_is_one_character_still() -> None:
    assert loads(b'"\\ud83d\\ude00 and \\ud800 alone"') == "\U0001f600 and \ufffd alone"


async def test_a_json_lines_paper_with_a_lone_surrogate_is_stored(tmp_path: Path) -> None:
    data = (b'{"id": "2412.00001", "title": "Bad \\ud800 title", "abstract": "x\\udfff",'
            b' "authors": ["A \\udc80B"], "announced": "2024-12-02"}\n')
    [paper] = parse_jsonl(data).papers
    assert paper.title == "Bad \ufffd title"
    async with await Database.open(tmp_path / "p.db") as db:
        store = PaperStore(db)
        await store.upsert_papers([paper], now=AT)
        [found] = (await store.get_many([paper.key])).values()
    assert (found.title, found.abstract, found.authors[0].name) == (
        "Bad \ufffd title", "x\ufffd", "A \ufffdB")


def test_an_openalex_work_with_a_lone_surrogate_parses_to_encodable_text() -> None:
    work = {"id": "https://openalex.org/W1", "title": "On \\ud800 things",
            "display_name": "On \\ud800 things", "publication_date": "2024-12-02",
            "authorships": [{"author": {"display_name": "Ana \\udcff"},
                             "raw_affiliation_strings": ["Lab \\ud800"]}]}
    data = json.dumps({"results": [work]}).replace("\\\\ud", "\\ud").replace(
        "\\\\udc", "\\udc").encode()
    assert "\ud800" in json.loads(data)["results"][0]["title"]  # really a lone surrogate
    [paper] = parse_openalex(data).papers
    assert paper.title == "On \ufffd things"
    assert [a.name for a in paper.authors] == ["Ana \ufffd"]
    assert paper.authors[0].affiliations[0].name == "Lab \ufffd"


def test_member_text_from_any_platform_is_well_formed() -> None:
    actor = Actor("U\udcff", "ana \ud800")
    thread = ThreadRef("slack", "C1", "1.0")
    assert (actor.member_id, actor.display_name) == ("U\ufffd", "ana \ufffd")
    reply = ThreadReply("slack", "T1", thread, "2.0", actor, "ours \udcff differs", AT)
    assert reply.text == "ours \ufffd differs"
    command = CommandEvent("slack", "T1", "C1", actor, "topic add ro\ud800bots x")
    assert command.text == "topic add ro\ufffdbots x"
    reaction = Reaction("slack", "T1", PostRef("slack", "C1", "1.0"), actor, "+1\ud800", AT)
    assert reaction.emoji == "+1\ufffd"
