"""Follow-through on Discord, through discord.py against the fake REST API and gateway
payloads: the one reminder in a quiet paper thread (once, across a crash and a restart),
``/scoop snooze`` run inside a thread (Discord gives the interaction the thread as its
channel), a ✋ on a card, and the digest header's links to the threads still open."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from discord_fake_api import FakeDiscord
from discord_helpers import FakeCore, settle
from discord_payloads import (
    ANA,
    BEN,
    BOT,
    CHANNEL,
    GUILD,
    TOKEN,
    guild_create,
    message,
    reaction_add,
    slash,
    thread_channel,
)

from adapters.discord.client import ScoopClient
from adapters.discord.limits import EMBEDS_TOTAL_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX
from adapters.discord.render import render
from bot.app import build_core
from bot.config import build_config
from bot.core.scheduler import Scheduler
from bot.messages import DigestHeader, ThreadLink, ThreadReminder
from bot.ports import ChatPort, ThreadRef
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.adapters.reminder_crash import remind_across_a_crash
from tests.bot.core.fakes_digest import FakeClock
from tests.fixture_files import LISTING, fixture_path

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)


@dataclass
class Lab:
    client: ScoopClient
    db: Database
    fake: FakeDiscord
    scheduler: Scheduler
    clock: FakeClock

    async def command(self, path: tuple[str, ...], user: str = ANA, *,
                      thread: str | None = None, **values: str) -> str:
        """``/scoop path`` run in the channel, or inside ``thread``; the answer's text."""
        before = len(self.fake.calls)
        payload = slash(path, user, **values)
        if thread is not None:  # what Discord sends for a command run inside a thread
            payload["channel_id"] = thread
            payload["channel"] = {**thread_channel(thread, CHANNEL),
                                  "permissions": "2251799813685247"}
        self.client._connection.parse_interaction_create(payload)
        await settle(30)
        answers = [c.json for c in self.fake.calls[before:] if c.route == "callback"]
        assert answers, f"no answer to /scoop {' '.join(path)}"
        data = answers[-1]["data"]
        return "\n".join([data.get("content") or ""] + [
            e.get("description") or "" for e in data.get("embeds") or []])


@pytest.fixture
async def lab(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[Lab]:
    db = await Database.open(tmp_path / "lab.db")
    await PaperStore(db).upsert_papers(
        parse_arxiv_rss(fixture_path(LISTING).read_bytes()).papers)
    config = build_config({"digest": {"mode": "all-papers", "max_papers": 4}}, env={})
    clock = FakeClock(NOW)
    core, scheduler = build_core(config, Stores.on(db), clock=clock)
    client = ScoopClient(core, answer_within=5.0)
    await client.login(TOKEN)
    client._connection.parse_guild_create(guild_create())
    core.register_port(client.port)
    yield Lab(client, db, fake, scheduler, clock)
    await client.close()
    await db.close()


def bot_messages(fake: FakeDiscord, thread: str) -> list[dict[str, Any]]:
    return [m for m in fake.posted(thread) if m["type"] == 0 and m["author"]["id"] == BOT]


def reminders_in(fake: FakeDiscord, thread: str) -> list[dict[str, Any]]:
    return [m for m in bot_messages(fake, thread)
            if any((e.get("footer") or {}).get("text", "").startswith("sw:remind:")
                   for e in m["embeds"])]


async def test_reminder_snooze_hand_and_open_threads_on_discord(lab: Lab) -> None:
    fake = lab.fake
    await lab.command(("topic", "add"), name="eeg", query="EEG")
    await lab.command(("topic", "add"), BEN, name="eeg-too", query="EEG")
    assert "Digest posted" in await lab.command(("digest", "now"))
    cards = fake.posted(CHANNEL)[1:]
    assert len(cards) == 4
    noted, snoozed, handed, quiet = (c["id"] for c in cards)

    # A note in the first thread; /scoop snooze inside the second; ✋🏽 on the third card.
    lab.client._connection.parse_thread_create({**fake.channels[noted], "newly_created": True})
    reply = message(noted, BEN, "Ours decodes from 4 channels.", in_thread=True,
                    at=NOW + timedelta(minutes=3))
    fake.add_message(noted, reply)
    lab.client._connection.parse_message_create(reply)
    answer = await lab.command(("snooze",), BEN, thread=snoozed)
    assert answer.startswith("Closed as not a concern"), answer
    lab.client._connection.parse_message_reaction_add(reaction_add(handed, ANA, "✋🏽"))
    await settle()
    assert "react ✋ on the paper's card" in await lab.command(("snooze",))

    # Three days on: one reminder, in the quiet thread only, pinging each member once.
    lab.clock.advance(days=3)
    assert lab.scheduler.reminders is not None
    await lab.scheduler.reminders()
    await lab.scheduler.reminders()
    assert [len(reminders_in(fake, t)) for t in (noted, snoozed, handed, quiet)] == [0, 0, 0, 1]
    [reminder] = reminders_in(fake, quiet)
    assert reminder["content"].startswith(f"<@{ANA}> <@{BEN}> A gentle reminder")
    assert reminder["content"].count(f"<@{ANA}>") == 1
    sent = next(c for c in fake.calls_of("create_message")
                if c.path.endswith(f"/{quiet}/messages") and "gentle" in c.json["content"])
    assert sent.json["allowed_mentions"] == {"parse": [], "users": [int(ANA), int(BEN)]}
    assert "/scoop snooze" in reminder["embeds"][0]["description"]

    # The next digest's header links the one thread still open.
    await lab.command(("digest", "now"))
    header = [m for m in fake.posted(CHANNEL) if m["embeds"]
              and m["embeds"][0]["title"].startswith("scoopwatch digest")][-1]
    [field] = [f for f in header["embeds"][0]["fields"] if "still open" in f["name"]]
    assert field["name"].startswith("1 paper thread is still open from the last 14 days")
    assert f"](https://discord.com/channels/{GUILD}/{quiet})" in field["value"]
    assert all(t not in field["value"] for t in (noted, snoozed, handed))
    assert await NoteStore(lab.db).get_by_message("discord", CHANNEL, reply["id"])


async def test_a_command_in_a_thread_names_its_channel_and_thread(
        make_client: Callable[..., Awaitable[ScoopClient]], core: FakeCore) -> None:
    client = await make_client(core)
    thread = "1310000000000000555"
    payload = slash(("snooze",), BEN)
    payload["channel_id"] = thread
    payload["channel"] = {**thread_channel(thread, CHANNEL), "permissions": "2251799813685247"}
    client._connection.parse_interaction_create(payload)
    await settle()
    in_channel = slash(("status",), BEN)
    client._connection.parse_interaction_create(in_channel)
    await settle()
    first, second = core.commands
    assert (first.channel_id, first.thread) == (CHANNEL, ThreadRef("discord", CHANNEL, thread))
    assert (second.channel_id, second.thread) == (CHANNEL, None)


@pytest.mark.parametrize("when", ["before", "after"])
async def test_one_reminder_across_a_crash_and_a_restart(
        tmp_path: Path, fake: FakeDiscord, make_client: Callable[..., Awaitable[ScoopClient]],
        when: str) -> None:
    async def new_port(db: Database) -> ChatPort:  # a new process logs in again
        return (await make_client(FakeCore())).port

    thread = await remind_across_a_crash(tmp_path / "bot.db", CHANNEL, when, new_port)
    assert len(reminders_in(fake, thread.root_message_id)) == 1
    assert len(bot_messages(fake, thread.root_message_id)) == 2  # the prompt, the reminder


def test_a_header_with_many_open_threads_stays_within_discord_limits() -> None:
    titles = ["@everyone [x](https://evil.example) " + "y" * 200 + f" {n}" for n in range(5)]
    links = tuple(ThreadLink(GUILD, CHANNEL, f"13100000000000006{n:02d}", title[:80],
                             date(2024, 11, 20)) for n, title in enumerate(titles))
    header = DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 900, 0, 0,
                          quiet_reason="no new paper matched", open_threads=links,
                          open_total=40, marker="sw:digest:0123456789ab")
    [embed] = render(header).embeds
    [field] = embed.fields
    assert field.name is not None and field.value is not None
    assert len(field.name) <= FIELD_NAME_MAX and len(field.value) <= FIELD_VALUE_MAX
    assert len(embed) <= EMBEDS_TOTAL_MAX
    assert field.value.count("](https://discord.com/channels/") == 5
    # Titles are inert: no ping, and their brackets are escaped, so only our links link.
    assert "@everyone" not in field.value and "@\u200beveryone" in field.value
    assert field.value.count("\\[x\\](https://evil.example)") == 5
    assert field.value.endswith("… and 35 more: /scoop status lists them")
    assert embed.footer.text == "sw:digest:0123456789ab"


def test_a_reminder_pings_only_the_matched_members_and_carries_its_marker() -> None:
    message = render(ThreadReminder((ANA, ANA, "console-user"), 3, "sw:remind:0123456789ab"))
    assert message.content.count(f"<@{ANA}>") == 1 and "<@console-user>" not in message.content
    assert message.allowed_mentions().users == [discord.Object(int(ANA))]  # type: ignore[comparison-overlap]
    assert message.embeds[0].footer.text == "sw:remind:0123456789ab"
