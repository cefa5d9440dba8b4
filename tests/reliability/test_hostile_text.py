"""Hostile text: mentions of every platform, markup breakers, 100 KB strings, invisible and
control characters in topic names, queries, notes and paper metadata.

Each is stored safely or refused with a clear sentence, and every adapter renders it without
pinging anyone or breaking a message (checked on the payloads the fakes receive).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from discord_helpers import settle
from discord_payloads import ANA as DISCORD_ANA
from discord_payloads import BEN as DISCORD_BEN
from discord_payloads import CHANNEL as DISCORD_CHANNEL
from discord_payloads import message as discord_message
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from slack_payloads import CHANNEL as SLACK_CHANNEL
from slack_payloads import thread_reply

from adapters.console.chat import ConsolePort
from adapters.slack.render import render as render_slack
from bot.messages import Preformatted, Text, line
from bot.sources.jsonl import parse_jsonl
from bot.store.notes import NoteStore
from bot.store.papers import PaperStore
from tests.reliability.budget import examples, suite_settings
from tests.reliability.labs import NOW, SLACK_USERS, Bot, ConsoleLab, DiscordLab, Loop, SlackLab
from tests.reliability.replies import (
    assert_clear,
    assert_discord_inert,
    assert_shown_plainly,
    assert_slack_inert,
    discord_shown,
    slack_shown,
)
from tests.reliability.texts import HOSTILE, hostile_text, long_token


def test_slack_user_backticks_never_pair_with_the_bots_own_code_block() -> None:
    """Slack's mrkdwn has no escape for backticks: three typed ones opened a code block that
    the bot's own fence (the caret under a bad query) then closed, inside out."""
    message = Text([line("Bad query: ", "x```y"), Preformatted("a```b\n^")])
    payload = render_slack(message)
    assert_slack_inert({"text": payload.text, "blocks": payload.blocks})
    assert payload.blocks[0]["text"]["text"].count("```") == 2


# --- the labs: one per platform, a topic that every hostile paper matches ---------------------

SLOW = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
        HealthCheck.large_base_example]
DAYS = examples(10, 100)  # hostile announcement days per platform
NOTES = examples(48, 800)  # hostile thread replies per platform
WALL = 100_000
DISCORD_MARKUP = re.compile(r"<(?:@[!&]?|#)\d+>")
_ids = itertools.count(1)
WRITTEN: list[str] = []  # every note sent: what members typed, which listings quote
INGESTED: list[str] = []  # every record ingested: what sources "typed" (titles may hold URLs)


@pytest.fixture(scope="module")
def slack(loop: Loop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackLab]:
    bot = loop.run(Bot.open(tmp_path_factory.mktemp("slack") / "bot.db"))
    lab = loop.run(SlackLab.open(bot))
    [answer] = loop.run(lab.commands(["topic add robots robot*"]))
    assert "saved" in slack_shown(answer[0])
    yield lab
    loop.run(lab.close())
    loop.run(bot.close())


@pytest.fixture(scope="module")
def discord(loop: Loop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DiscordLab]:
    bot = loop.run(Bot.open(tmp_path_factory.mktemp("discord") / "bot.db"))
    lab = loop.run(DiscordLab.open(bot))
    [answer] = loop.run(lab.commands([(("topic", "add"), {"name": "robots",
                                                          "query": "robot*"})]))
    assert "saved" in discord_shown(answer[0])
    yield lab
    loop.run(lab.close())
    loop.run(bot.close())


@pytest.fixture(scope="module")
def console(loop: Loop, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleLab]:
    bot = loop.run(Bot.open(tmp_path_factory.mktemp("console") / "bot.db"))
    lab = loop.run(ConsoleLab.open(bot))
    assert "saved" in loop.run(lab.line("/scoop topic add robots robot*"))
    yield lab
    loop.run(bot.close())


# --- paper metadata through JSON Lines -------------------------------------------------------


def hostile_field() -> st.SearchStrategy[str]:
    return st.one_of(hostile_text(300), long_token(WALL),
                     st.sampled_from(HOSTILE).map(lambda h: h * 2000))


@st.composite
def hostile_records(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Two papers of one announcement day with hostile titles, abstracts and authors; each
    matches the ``robots`` topic."""
    records = []
    for _ in range(2):
        records.append({
            "id": f"hostile-{next(_ids)}",
            "title": "robot " + draw(hostile_field()),
            "abstract": draw(hostile_field()),
            "authors": [{"name": draw(hostile_text(80)),
                         "affiliations": [draw(hostile_text(120)), "Google DeepMind"]}
                        for _ in range(draw(st.integers(1, 3)))],
            "categories": ["cs.RO"], "announced": NOW.date().isoformat(),
        })
    return records


async def ingest(bot: Bot, records: list[dict[str, Any]]) -> list[str]:
    """Ingest the lines as ``scoopwatch ingest`` reads them; the keys stored."""
    INGESTED.extend(json.dumps(r, ensure_ascii=False) for r in records)
    data = "\n".join(json.dumps(r) for r in records).encode()
    page = parse_jsonl(data)
    for skipped in page.skipped:
        assert_clear(str(skipped.reason))
    await PaperStore(bot.db).upsert_papers(list(page.papers))
    for paper in page.papers:  # stored as read: nothing lost or rewritten on the way in
        [stored] = [p for p in await PaperStore(bot.db).iter_papers(None, None, None)
                    if p.key == paper.key]
        assert stored.title == paper.title and stored.abstract == paper.abstract
    return [p.key for p in page.papers]


@suite_settings(DAYS, checks=SLOW)
@given(records=hostile_records())
def test_hostile_papers_reach_slack_inert(slack: SlackLab, loop: Loop,
                                          records: list[dict[str, Any]]) -> None:
    keys = loop.run(ingest(slack.bot, records))
    before = len(slack.fake.calls)
    [answer] = loop.run(slack.commands(["digest now"]))
    assert_clear(slack_shown(answer[0]))
    posts = [c.args for c in slack.fake.calls[before:] if c.method == "chat.postMessage"]
    assert all(c.status == 200 for c in slack.fake.calls[before:]), "a post Slack refused"
    assert len(posts) >= 1 + 2 * len(keys)  # header, then a card and a prompt per paper
    for args in posts:
        blocks = args.get("blocks")
        payload = {"text": args.get("text"),
                   "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks or []}
        assert_slack_inert(payload, mentions=SLACK_USERS[:1])
        assert_shown_plainly({**args, **payload})


@suite_settings(DAYS, checks=SLOW)
@given(records=hostile_records())
def test_hostile_papers_reach_discord_inert(discord: DiscordLab, loop: Loop,
                                            records: list[dict[str, Any]]) -> None:
    keys = loop.run(ingest(discord.bot, records))
    before = len(discord.fake.calls)
    [answer] = loop.run(discord.commands([(("digest", "now"), {})]))
    assert_clear(discord_shown(answer[0]))
    calls = discord.fake.calls[before:]
    assert all(c.status < 400 for c in calls), [c.status for c in calls]
    posts = [c.json for c in calls if c.route == "create_message"]
    assert len(posts) >= 1 + 2 * len(keys)
    for data in posts:
        assert_discord_inert(data, mentions=[DISCORD_ANA])
        assert_shown_plainly(data)
    for start in (c for c in calls if c.route == "start_thread"):
        assert 0 < len(start.json["name"]) <= 100
        assert_shown_plainly(start.json)


@suite_settings(DAYS, checks=SLOW)
@given(records=hostile_records())
def test_hostile_papers_reach_the_console_readable(console: ConsoleLab, loop: Loop,
                                                   records: list[dict[str, Any]]) -> None:
    loop.run(ingest(console.bot, records))
    printed = loop.run(console.line("/scoop digest now"))
    assert_clear(printed, typed="\n".join(INGESTED))  # the URLs of titles are the sources''
    assert_terminal_safe(printed)


def assert_terminal_safe(printed: str) -> None:
    """The console prints to a terminal: no control character but line breaks and tabs may
    reach it (an escape sequence would rewrite the screen or the window title)."""
    bad = {c for c in printed if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0}
    assert not bad, sorted(map(hex, map(ord, bad)))


# --- notes: hostile thread replies -------------------------------------------------------------


def note_text() -> st.SearchStrategy[str]:
    return st.one_of(hostile_text(500), long_token(WALL)).filter(lambda t: t.strip())


@suite_settings(NOTES // 8, checks=SLOW)
@given(texts=st.lists(note_text(), min_size=8, max_size=8))
def test_hostile_notes_on_slack_are_kept_and_listed_inert(slack: SlackLab, loop: Loop,
                                                          texts: list[str]) -> None:
    cards = [m for m in slack.fake.posted(SLACK_CHANNEL) if m.get("bot_id")
             and "thread_ts" not in m and "sw:paper:" in m["text"]]
    if not cards:
        loop.run(ingest(slack.bot, [{"id": f"plain-{next(_ids)}", "title": "robot arms",
                                     "abstract": "", "announced": NOW.date().isoformat()}]))
        loop.run(slack.commands(["digest now"]))
        cards = [m for m in slack.fake.posted(SLACK_CHANNEL) if m.get("bot_id")
                 and "thread_ts" not in m and "sw:paper:" in m["text"]]
    root = cards[-1]["ts"]
    WRITTEN.extend(texts)
    for text in texts:
        typed = slack_escape_inbound(text)
        human = slack.fake.human_message(SLACK_CHANNEL, SLACK_USERS[1], typed, thread_ts=root)
        loop.run(slack.event(thread_reply(SLACK_USERS[1], typed, human["ts"], root)))
        loop.run(slack.bot.core.inbox.idle())
        note = loop.run(NoteStore(slack.bot.db).get_by_message("slack", SLACK_CHANNEL,
                                                                human["ts"]))
        assert note is not None, f"reply {text[:80]!r} not kept"
        assert note.text in (text, text.strip()), (text[:80], note.text[:80])
    [answer] = loop.run(slack.commands(["notes robots"]))
    for payload in answer:
        assert_slack_inert(payload)
        assert_shown_plainly(payload)
        assert_clear(slack_shown(payload), "\n".join(WRITTEN + INGESTED))


def slack_escape_inbound(text: str) -> str:
    """What Slack sends for typed text: ``&``, ``<`` and ``>`` as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@suite_settings(NOTES // 8, checks=SLOW)
@given(texts=st.lists(note_text(), min_size=8, max_size=8))
def test_hostile_notes_on_discord_are_kept_and_listed_inert(discord: DiscordLab, loop: Loop,
                                                            texts: list[str]) -> None:
    fake = discord.fake
    cards = [m for m in fake.posted(DISCORD_CHANNEL) if m["embeds"]
             and (m["embeds"][0].get("footer") or {}).get("text", "").endswith(
                 tuple("0123456789abcdef")) and m["id"] in fake.channels]
    if not cards:
        loop.run(ingest(discord.bot, [{"id": f"plain-{next(_ids)}", "title": "robot arms",
                                       "abstract": "", "announced": NOW.date().isoformat()}]))
        loop.run(discord.commands([(("digest", "now"), {})]))
        cards = [m for m in fake.posted(DISCORD_CHANNEL) if m["id"] in fake.channels]
    thread_id = cards[-1]["id"]
    state = discord.client._connection
    state.parse_thread_create({**fake.channels[thread_id], "newly_created": True})
    WRITTEN.extend(texts)
    for text in texts:
        content = text[:4000]  # Discord's longest message (Nitro)
        reply = discord_message(thread_id, DISCORD_BEN, content, in_thread=True)
        fake.add_message(thread_id, reply)
        state.parse_message_create(reply)
        loop.run(settle_discord(discord))
        note = loop.run(NoteStore(discord.bot.db).get_by_message("discord", DISCORD_CHANNEL,
                                                                  reply["id"]))
        assert note is not None, f"reply {content[:80]!r} not kept"
        if not DISCORD_MARKUP.search(content):  # mentions are kept as the names they show
            assert note.text in (content, content.strip()), (content[:80], note.text[:80])
    [answer] = loop.run(discord.commands([(("notes", "list"), {"of": "robots"})]))
    for data in answer:
        assert_discord_inert(data)
        assert_shown_plainly(data)
        assert_clear(discord_shown(data), "\n".join(WRITTEN + INGESTED))


async def settle_discord(lab: DiscordLab) -> None:
    await settle(30)
    await lab.bot.core.inbox.idle()


@suite_settings(NOTES // 8, checks=SLOW)
@given(texts=st.lists(note_text(), min_size=8, max_size=8))
def test_hostile_notes_on_the_console_are_kept_and_listed_readable(
        console: ConsoleLab, loop: Loop, texts: list[str]) -> None:
    entries = console.session.port.entries
    cards = [n for n, e in entries.items() if e.marker and e.marker.startswith("sw:paper:")]
    if not cards:
        loop.run(ingest(console.bot, [{"id": f"plain-{next(_ids)}", "title": "robot arms",
                                       "abstract": "", "announced": NOW.date().isoformat()}]))
        loop.run(console.line("/scoop digest now"))
        cards = [n for n, e in entries.items() if e.marker and e.marker.startswith("sw:paper:")]
    WRITTEN.extend(texts)
    for text in texts:
        one_line = " ".join(text.splitlines()) or "x"  # the console reads one line at a time
        printed = loop.run(console.line(f"@ben reply {cards[-1]} {one_line}"))
        assert_terminal_safe(printed)
        assert "note stored" in printed or "not a note" not in printed, printed[:300]
    printed = loop.run(console.line("/scoop notes robots"))
    assert_clear(printed, "\n".join(WRITTEN + INGESTED))
    assert_terminal_safe(printed)


def test_the_console_never_prints_a_control_character_a_source_or_member_wrote() -> None:
    """A title from a JSON Lines file carried an escape sequence that set the terminal's title
    and cleared the screen; the console now shows control characters as visible symbols."""
    out = io.StringIO()
    port = ConsolePort(out)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(port.post("console", Text("robot \x1b]0;pwned\x07\x1b[2J\x00")))
        loop.run_until_complete(port.say("ben", "ours \x1b[31mred\x1b[0m \x7f\x85", "s.1"))
    finally:
        loop.close()
    assert_terminal_safe(out.getvalue())
    assert "robot ␛]0;pwned␇␛[2J␀" in out.getvalue()


# --- control and bidi characters on the wire ----------------------------------------------------

CONTROLLED = {"id": "controlled-1", "title": "robot \u202eevil title\x00\x1b[2J",
              "abstract": "\u2067an isolate left open\x07 then \u202dforced\x7f\x85",
              "authors": [{"name": "\u202eAna\x00 Lee", "affiliations": ["Google DeepMind"]}],
              "categories": ["cs.RO"], "announced": NOW.date().isoformat()}


def test_control_and_bidi_characters_of_a_paper_reach_no_slack_or_discord_payload(
        slack: SlackLab, discord: DiscordLab, loop: Loop) -> None:
    """A NUL, an escape sequence and a right-to-left override in a feed's title, abstract
    and author reached Slack's and Discord's payloads as they were: a NUL can get the message
    refused, the override reversed the rest of the card's line."""
    loop.run(ingest(slack.bot, [CONTROLLED]))
    before = len(slack.fake.calls)
    loop.run(slack.commands(["digest now"]))
    posts = [c.args for c in slack.fake.calls[before:] if c.method == "chat.postMessage"]
    assert any("evil" in json.dumps(args) for args in posts)
    for args in posts:
        blocks = args.get("blocks")
        assert_shown_plainly({**args, "blocks": json.loads(blocks) if isinstance(blocks, str)
                              else blocks or []})
    loop.run(ingest(discord.bot, [CONTROLLED]))
    before = len(discord.fake.calls)
    loop.run(discord.commands([(("digest", "now"), {})]))
    calls = [c for c in discord.fake.calls[before:]
             if c.route in ("create_message", "start_thread")]
    assert any("evil" in json.dumps(c.json) for c in calls)
    for call in calls:
        assert_shown_plainly(call.json)


NUL_TOPIC = "ro\x00bots"
REFUSED = 'NAME must be 1-40 characters of a-z, 0-9 and "-" (got "ro␀bots")'


def test_a_topic_name_with_a_nul_is_refused_alike_on_every_platform(
        slack: SlackLab, discord: DiscordLab, console: ConsoleLab, loop: Loop) -> None:
    """A topic name is a slug, so a NUL in one is refused with one sentence; the name it
    quotes back shows the NUL as ␀ on Slack and Discord, as the console does."""
    [on_slack] = loop.run(slack.commands([f"topic add {NUL_TOPIC} robot*"]))
    [on_discord] = loop.run(discord.commands(
        [(("topic", "add"), {"name": NUL_TOPIC, "query": "robot*"})]))
    printed = loop.run(console.line(f"/scoop topic add {NUL_TOPIC} robot*"))
    for payload in on_slack:
        assert_shown_plainly(payload)
    for data in on_discord:
        assert_shown_plainly(data)
    assert_terminal_safe(printed)
    for shown in (slack_shown(on_slack[0]), discord_shown(on_discord[0]).replace("\\", ""),
                  printed):
        assert REFUSED in shown, shown
        assert "saved" not in shown
