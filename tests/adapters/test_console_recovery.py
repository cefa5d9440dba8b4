"""Crash recovery on the console: the terminal keeps nothing the bot can read back, so the
console keeps the posts recovery asks about in the database (``local_posts``). A digest killed
between the console printing a card or prompt and the outbox recording it, then restarted on
the same database, shows every card and prompt exactly once."""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from adapters.console.chat import CHANNEL, ConsolePort
from bot.app import run_bot
from bot.config import load_config
from bot.messages import Text
from bot.ports import ChatPort, PostRef
from bot.sources.jsonl import parse_jsonl
from bot.store.db import Database
from bot.store.posts import PostStore
from bot.store.stores import Stores
from tests.adapters.delivery_crash import NOW, SCENARIOS, crash_and_resume, scenarios
from tests.adapters.test_console_adapter import CARD, PROMPT
from tests.bot.core.fakes_digest import Crash

QUESTION = "How does our work differ?"


def shown_cards(out: str) -> list[str]:
    """Titles of the cards printed (a card is ``#N <title>``, its link, then its labs)."""
    return re.findall(r"^#\d+ (.+)\n(?:  https?://\S+\n)?  Labs: ", out, flags=re.MULTILINE)


async def test_a_new_session_finds_what_an_earlier_one_posted(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "bot.db") as db:
        kept = Stores.on(db).local_posts
        first = ConsolePort(io.StringIO(), session="a", local_posts=kept, clock=lambda: NOW)
        card = await first.post(CHANNEL, CARD)
        thread = await first.open_thread(card, "x")
        prompt = await first.post(CHANNEL, PROMPT, thread)
        await first.post(CHANNEL, Text("Topic saved."))
        later = ConsolePort(io.StringIO(), session="b", local_posts=kept, clock=lambda: NOW)
        assert await later.find_marker(CHANNEL, CARD.marker, NOW) == card
        assert await later.find_marker(CHANNEL, CARD.marker[:-1], NOW) is None  # whole only
        assert await later.find_bot_reply(thread) == prompt
        rows = await db.conn.execute_fetchall("SELECT count(*) AS n FROM local_posts")
        assert next(iter(rows))["n"] == 2  # the card and its prompt; a command reply is not


async def test_a_post_printed_while_a_card_is_recorded_keeps_numbers_apart(
        tmp_path: Path) -> None:
    """A command reply printed while a scheduled digest's card is being recorded takes the
    next number; the card is recorded under the number it is printed with."""
    async with await Database.open(tmp_path / "bot.db") as db:
        out = io.StringIO()
        port = ConsolePort(out, session="s", local_posts=Stores.on(db).local_posts,
                           clock=lambda: NOW)
        posting = asyncio.create_task(port.post(CHANNEL, CARD))
        await asyncio.sleep(0)  # the card is being written to the database
        reply = await port.post(CHANNEL, Text("Topic saved."))
        card = await posting
        assert (card.message_id, reply.message_id) == ("s.1", "s.2")
        assert await port.find_marker(CHANNEL, CARD.marker, NOW) == card
        assert f"#1 {CARD.title}" in out.getvalue() and "#2 Topic saved." in out.getvalue()


async def test_a_card_that_cannot_be_recorded_is_not_printed(tmp_path: Path) -> None:
    """The card's number stays unused; a command's answer is still shown (its number is
    only written down, best effort, so the member sees what was done)."""
    db = await Database.open(tmp_path / "bot.db")
    out = io.StringIO()
    port = ConsolePort(out, session="s", local_posts=Stores.on(db).local_posts,
                       clock=lambda: NOW)
    await port.post(CHANNEL, Text("numbers go on from the database"))
    await db.close()  # the database is gone: the record fails
    with pytest.raises(ValueError):
        await port.post(CHANNEL, CARD)
    assert out.getvalue() == "#1 numbers go on from the database\n" and list(port.entries) == [1]
    await port.post(CHANNEL, Text("still here"))
    assert out.getvalue().endswith("\n#3 still here\n")


@pytest.mark.parametrize("name", SCENARIOS)
async def test_every_card_and_prompt_once_after_a_crash(tmp_path: Path, name: str) -> None:
    scenario = scenarios()[name]
    terminal = io.StringIO()  # what the person at the console saw, across both sessions

    async def new_port(db: Database) -> ChatPort:  # a new process: a new session
        return ConsolePort(terminal, local_posts=Stores.on(db).local_posts, clock=lambda: NOW)

    await crash_and_resume(tmp_path / "bot.db", CHANNEL, scenario, new_port)
    out = terminal.getvalue()
    assert sorted(shown_cards(out)) == scenario.titles, out
    assert out.count(QUESTION) == len(scenario.papers), out


PAPERS = [{"id": f"2411.1880{i}", "title": title, "announced": "2024-11-28",
           "authors": [{"name": "Ada Lovelace", "affiliations": ["OpenAI"]}]}
          for i, title in enumerate(["Diffusion planning at scale", "Diffusion for control"])]
SESSION = "/scoop topic add diffusion diffusion\n/scoop digest now since 2024-11-28\n"


@pytest.mark.parametrize("nth", [0, 2], ids=["card", "prompt"])
async def test_scoopwatch_run_killed_after_printing_shows_nothing_twice(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
    """``scoopwatch run`` on the console, killed after the first card (``nth`` 0) or its
    prompt (``nth`` 2) is printed and before the outbox records it; run again on the same
    database, it finishes the digest without printing anything twice."""
    db_path = tmp_path / "bot.db"
    page = parse_jsonl("\n".join(json.dumps(p) for p in PAPERS).encode())
    async with await Database.open(db_path) as db:
        await Stores.on(db).papers.upsert_papers(list(page.papers))
    advance = PostStore.advance
    calls = {"n": 0}

    async def killed(self: PostStore, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == nth + 1:
            raise Crash("killed between printing and recording")
        return await advance(self, *args, **kwargs)

    config = load_config(env={}, cwd=tmp_path)
    first, second = io.StringIO(), io.StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(PostStore, "advance", killed)
        await run_bot(config, db_path=str(db_path), stdin=io.StringIO(SESSION), stdout=first,
                      clock=lambda: NOW, network=False)
    assert calls["n"] == nth + 1  # it died where it should
    await run_bot(config, db_path=str(db_path), stdin=io.StringIO(""), stdout=second,
                  clock=lambda: NOW, network=False)
    out = first.getvalue() + second.getvalue()
    assert sorted(shown_cards(out)) == sorted(p["title"] for p in PAPERS), out
    assert out.count(QUESTION) == len(PAPERS), out
    async with await Database.open(db_path) as db:
        assert await Stores.on(db).posts.pending() == []


async def test_a_reply_of_an_earlier_session_is_confirmed_without_a_number() -> None:
    """A reply kept before a kill is stored when the restarted bot drains its inbox, and its
    ✅ lands on a message of the earlier session, which has no number in this one: the
    console says so instead of printing "#None"."""
    out = io.StringIO()
    port = ConsolePort(out, session="b")
    await port.react(PostRef("console", CHANNEL, "a.9"), "white_check_mark")
    await port.react(PostRef("console", CHANNEL, "b.3"), "white_check_mark")
    assert out.getvalue().splitlines() == [
        "   ✓ note stored (a message of an earlier session)", "   ✓ note stored (#3)"]
