"""Every export format gives back what members wrote, whatever they wrote: CSV and JSON field
for field; Markdown keeps its shape (one heading per topic and per paper, one list item per
note, no block or link a note opened itself) and each item shows the note's text."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token
from test_core_support import FakePost, make_env, paper, reply

from bot.core.notes.export import (
    FIELDS,
    NO_TOPIC,
    ExportRow,
    as_text_cell,
    export_notes,
    render,
)
from bot.store.stores import Stores

HOSTILE = ["\r", "\n", "\r\n", "\n\n", "\x00", '"', "'", ",", ";", "|", "`", "```", "~~~",
           "\u200b", "\u200f", "\u202e", "\u2028", "\x85", "\t", "    ", "#", "## ", "- ",
           "* ", "+ ", "1. ", "2) ", "> ", "=", "===", "---", "***", "___", "<b>", "<!--",
           "&amp;", "&#42;", "*", "**", "_", "[x](https://e.org)", "[x]: /u", "![i](j)", "\\",
           "<https://e.org>", "@everyone", "<!channel>", "| a | b |", "\\*"]
pieces = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))
hostile_text = st.lists(pieces, max_size=24).map("".join)
long_text = st.builds(lambda piece, times: piece * times,
                      st.sampled_from([*HOSTILE, "x", "é"]), st.integers(500, 5_000))
note_text = st.one_of(hostile_text, long_text)
LONG_PASTE = "\r\n".join(  # about 100 KB pasted at once
    ["| cell | `code` | **b** |", "1. x", "> q", "\x00\u202e\u200b"] * 2_300)
name = hostile_text.filter(lambda s: bool(s.split()))


@st.composite
def export_rows(draw: st.DrawFn) -> list[ExportRow]:
    count = draw(st.integers(1, 4))
    rows = []
    for i in range(count):
        key = draw(st.sampled_from(["2411.00001", "2411.00002", "openalex:W1"]))
        rows.append(ExportRow(
            topic=draw(st.sampled_from(["diffusion-planning", "rlhf", NO_TOPIC])),
            paper_key=key, paper_title=draw(name),
            paper_url=draw(st.sampled_from([None, f"https://arxiv.org/abs/{key}",
                                            "https://e.org/a b(c)<d>"])),
            labs=tuple(draw(st.lists(name, max_size=2))), author=draw(name),
            author_id=draw(hostile_text), written_at="2024-11-28 15:00 UTC",
            edited_at=draw(st.sampled_from([None, "2024-11-29 09:30 UTC"])),
            text=draw(note_text), note_id=i + 1))
    return rows


def flat(text: str) -> str:
    """What a Markdown reader sees of ``text``: whitespace runs are one space, NUL is U+FFFD
    (CommonMark's rule)."""
    return " ".join(text.replace("\x00", "\ufffd").split())


def inline_text(token: Token) -> str:
    parts = []
    for child in token.children or []:
        assert child.type in ("text", "softbreak", "hardbreak", "strong_open", "strong_close",
                              "link_open", "link_close"), child
        parts.append(child.content if child.type == "text" else
                     "\n" if child.type.endswith("break") else "")
    return "".join(parts)


def items(tokens: list[Token]) -> Iterator[str]:
    """The text of each list item, paragraphs joined by a line break."""
    current: list[str] | None = None
    for token in tokens:
        if token.type == "list_item_open":
            current = []
        elif token.type == "list_item_close":
            assert current is not None
            yield "\n".join(current)
            current = None
        elif token.type == "inline" and current is not None:
            current.append(inline_text(token))


def check_markdown(rows: list[ExportRow], text: str) -> None:
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    allowed = {"heading_open", "heading_close", "inline", "paragraph_open", "paragraph_close",
               "bullet_list_open", "bullet_list_close", "list_item_open", "list_item_close"}
    assert {t.type for t in tokens} <= allowed, {t.type for t in tokens} - allowed
    headings = [(t.tag, flat(inline_text(tokens[i + 1])))
                for i, t in enumerate(tokens) if t.type == "heading_open"]
    expected = [("h1", "Differentiation notes")]
    topic = paper_key = None
    for row in rows:
        if row.topic != topic:
            topic, paper_key = row.topic, None
            expected.append(("h2", flat(row.topic)))
        if row.paper_key != paper_key:
            paper_key = row.paper_key
            expected.append(("h3", flat(row.paper_title)))
    assert headings == expected
    links = [c for t in tokens if t.type == "inline" for c in t.children or []
             if c.type == "link_open"]
    assert len(links) == sum(1 for t, _ in expected if t == "h3") - sum(
        1 for i, row in enumerate(rows) if row.paper_url is None and (
            i == 0 or (rows[i - 1].topic, rows[i - 1].paper_key) != (row.topic, row.paper_key)))
    shown = list(items(tokens))
    assert len(shown) == len(rows)
    for row, item in zip(rows, shown, strict=True):
        edited = f", edited {row.edited_at[:10]}" if row.edited_at else ""
        assert flat(item) == flat(f"{row.author} ({row.written_at[:10]}{edited}): {row.text}")


def as_csv_row(row: ExportRow) -> dict[str, str]:
    """What the CSV holds for ``row``: every value, a formula-like start kept as text."""
    return {name: str(as_text_cell(value)) for name, value in as_row(row).items()}


def as_row(row: ExportRow) -> dict[str, str]:
    return {"topic": row.topic, "paper_key": row.paper_key, "paper_title": row.paper_title,
            "paper_url": row.paper_url or "", "labs": "; ".join(row.labs),
            "author": row.author, "author_id": row.author_id, "written_at": row.written_at,
            "edited_at": row.edited_at or "", "text": row.text, "note_id": str(row.note_id)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(export_rows())
@example([ExportRow(topic="rlhf", paper_key="2411.00001", paper_title="t", paper_url=None,
                    labs=(), author="ana", author_id="U1", written_at="2024-11-28 15:00 UTC",
                    edited_at=None, text=LONG_PASTE, note_id=1)])
def test_every_format_gives_back_what_went_in(rows: list[ExportRow]) -> None:
    read = list(csv.DictReader(io.StringIO(render(rows, "csv").decode(), newline="")))
    assert read == [as_csv_row(r) for r in rows]
    items_back = json.loads(render(rows, "json"))
    assert [tuple(item) for item in items_back] == [FIELDS] * len(rows)
    assert items_back == [{**as_row(r), "paper_url": r.paper_url, "labs": list(r.labs),
                           "edited_at": r.edited_at, "note_id": r.note_id} for r in rows]
    check_markdown(rows, render(rows, "md").decode())


async def test_a_note_with_a_bare_carriage_return_stays_one_csv_record(tmp_path: Path) -> None:
    env = await make_env(tmp_path, papers=[paper("2411.00001", "Diffusion planning")])
    env.threads.add(FakePost("2411.00001", ("diffusion-planning",), "c1", "c1", "p1"))
    written = "Ours is online.\rTheirs is offline."  # nothing else that would force quotes
    await env.core.handle_thread_reply(reply(written, "m1", root="c1"))
    data = await export_notes(Stores.on(env.db), fmt="csv")
    await env.db.close()
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert [r["text"] for r in rows] == [written]


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x.example\",\"ok\")", "+1 ours", "-ours",
                                  "@SUM(A1)", "\tcmd", "\r=1"])
def test_a_note_starting_like_a_formula_stays_text_in_a_spreadsheet(text: str) -> None:
    row = ExportRow(topic="rlhf", paper_key="2411.00001", paper_title="=1+1", paper_url=None,
                    labs=(), author="ana", author_id="U1", written_at="2024-11-28 15:00 UTC",
                    edited_at=None, text=text, note_id=1)
    [read] = list(csv.DictReader(io.StringIO(render([row], "csv").decode(), newline="")))
    assert read["text"] == "'" + text and read["paper_title"] == "'=1+1"
    assert json.loads(render([row], "json"))[0]["text"] == text  # JSON keeps it exactly
