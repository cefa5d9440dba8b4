"""Command answers as each platform shows them: the bot's own markup drawn, member text escaped.

The real core and query parser answer ``topic add``, ``preview``, ``notes``, ``help topic`` and
a bad query; the answers go through the Slack, Discord and console renderers. List items are
the platform's list (never an escaped ``\\-``), help's code is code (never escaped backticks),
a parse error's caret sits in a code block under its column, and the space is the platform's
own word. Paper titles, notes and queries, which members and sources wrote, stay escaped.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.render import render as render_discord
from adapters.plain import render as render_plain
from adapters.slack.render import render as render_slack
from bot.core.facade import Core
from bot.messages import Message, Preformatted, Text, line
from bot.models import AnnounceType, Author, Paper
from bot.ports import Actor, CommandEvent
from bot.store.db import Database
from bot.store.notes import NoteDraft, NoteStore
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.bot.core.test_core_support import FakeThreads

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
TITLE = "Robots *fast* & <slow>: planning_with `code` @everyone"
NOTE = "Ours is **online**; theirs is > 10x slower @here"
BAD = "diffusion AND (planning"  # unbalanced parenthesis at column 15


def robot_paper(key: str) -> Paper:
    return Paper(key=key, title=TITLE, abstract="Robots plan.", arxiv_id=key, version=1,
                 authors=(Author("Ana García"),), categories=("cs.RO",),
                 primary_category="cs.RO", announced=date(2024, 11, 28),
                 announce_type=AnnounceType.NEW, url=f"https://arxiv.org/abs/{key}")


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    db = await Database.open(tmp_path / "answers.db")
    await PaperStore(db).upsert_papers([robot_paper("2411.00001")])
    await NoteStore(db).add(NoteDraft(
        "discord", "G1", "C1", "root", "msg", "2411.00001", TITLE, None, ("robots",), "U2",
        "bo", NOTE, NOW))
    yield Core(Stores.on(db), threads=FakeThreads(), clock=lambda: NOW)  # type: ignore[arg-type]
    await db.close()


async def answer(core: Core, text: str) -> Text:
    result = await core.handle_command(
        CommandEvent("discord", "G1", "C1", Actor("U1", "ana"), text))
    (message,) = result.messages
    assert isinstance(message, Text)
    return message


def discord_text(message: Message) -> str:
    out = render_discord(message)
    return "\n".join([out.content, *(e.description or "" for e in out.embeds)])


def slack_text(message: Message) -> str:
    out = render_slack(message)
    return "\n".join(e["text"]["text"] for e in out.blocks if e["type"] == "section")


@pytest.mark.parametrize("command", ["topic add robots robot*", "preview robot*", "notes"])
async def test_list_items_are_the_platforms_lists_with_member_text_escaped(
    core: Core, command: str
) -> None:
    message = await answer(core, command)
    discord = discord_text(message)
    [item] = [row for row in discord.splitlines() if "Robots" in row]
    assert item.startswith("- ") and "\\-" not in discord
    assert r"\*fast\*" in item and "@\u200beveryone" in item and "\\`code\\`" in item
    slack = slack_text(message)
    [item] = [row for row in slack.splitlines() if "Robots" in row]
    assert item.lstrip(" ").startswith("• ") and "&amp; &lt;slow&gt;" in item
    [item] = [row for row in render_plain(message).splitlines() if "Robots" in row]
    assert item.startswith("  - ") and TITLE in item
    if command == "notes":
        assert r"Ours is \*\*online\*\*" in discord and "@\u200bhere" in discord


async def test_help_code_is_code_and_the_space_is_the_platforms_word(core: Core) -> None:
    message = await answer(core, "help topic")
    discord = discord_text(message)
    assert "`diffus*`" in discord and "\\`" not in discord
    assert "- `ti:word`, `ti:\"a phrase\"`" in discord
    assert "all for the whole server" in discord and "workspace" not in discord
    slack = slack_text(message)
    assert "`diffus*`" in slack and "• `ti:word`" in slack
    assert "all for the whole workspace" in slack and "server" not in slack
    assert "all for the whole workspace" in render_plain(message)


async def test_parse_error_caret_lines_up_in_a_code_block(core: Core) -> None:
    message = await answer(core, f"topic add robots {BAD}")
    column = 15
    discord = discord_text(message)
    assert discord.startswith("Bad query: unbalanced parenthesis at column 15\n")
    assert f"```\n{BAD}\n{' ' * (column - 1)}^\n```" in discord
    assert f"```{BAD}\n{' ' * (column - 1)}^```" in slack_text(message)
    assert render_plain(message).splitlines()[1:] == [f"  {BAD}", f"  {' ' * (column - 1)}^"]


async def test_a_quoted_query_term_is_code_and_stays_inert(core: Core) -> None:
    message = await answer(core, "preview (a) OR -@everyone***")
    discord = discord_text(message)
    assert "Bad query: " in discord and "@everyone" not in discord


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_user_text_in_a_code_block_never_escapes_it(query: str) -> None:
    """Whatever a member types, the code block holding it stays one block and pings nobody."""
    message = Text([line("Bad query: ", "x"), Preformatted(f"{query}\n^")])
    discord = render_discord(message)
    fenced = discord.content.split("\n", 1)[1]
    assert fenced.startswith("```\n") and fenced.endswith("\n```")
    assert "```" not in fenced[4:-4]
    assert not re.search(r"@(everyone|here)", fenced) and not discord.allowed_mentions().users
    slack = render_slack(message)
    block = slack.blocks[0]["text"]["text"].split("\n", 1)[1]
    assert block.startswith("```") and block.endswith("```") and "```" not in block[3:-3]
    assert not re.search(r"<[!@#]", json.dumps(slack.blocks))


def test_a_long_preformatted_block_is_split_into_whole_code_blocks() -> None:
    """Cut only between whole code blocks: on Discord within its 6,000 characters of embeds
    (the rest is one closing "…"), on Slack into several sections."""
    rows = "\n".join(f"row {i} " + "x`" * (40 + i % 7) for i in range(400))
    message = Text([line("Bad query: x"), Preformatted(rows + "\n" + "@everyone " * 900)])
    discord = render_discord(message)
    parts = [e.description or "" for e in discord.embeds]
    assert all(len(p) <= 4096 for p in parts) and sum(map(len, parts)) <= 6000
    assert all(p.count("```") % 2 == 0 for p in parts) and parts[-1].endswith("```\n…")
    sections = [b["text"]["text"] for b in render_slack(message).blocks if b["type"] == "section"]
    assert len(sections) > 1 and all(len(s) <= 3000 for s in sections)
    assert all(s.count("```") % 2 == 0 for s in sections)
