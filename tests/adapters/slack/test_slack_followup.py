"""Follow-through on Slack, through Bolt and the Slack SDK against the fake Web API: the one
reminder in a quiet paper thread (once, across a crash and a restart), closing a thread with
the "Snooze paper thread" message shortcut (Slack runs no slash command in a thread) or a ✋
on its card, and the digest header's permalinks to the threads still open."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_fake_api import BOT_TOKEN, BOT_USER, FakeSlack, check_blocks
from slack_helpers import FakeCore, FastSleep, MakeAdapter, until
from slack_lab import ANA, BEN, NOW, Lab, open_lab
from slack_payloads import (
    CHANNEL,
    form_body,
    message_shortcut,
    reaction_added,
    thread_reply,
)

from adapters.slack.app import build_web_client
from adapters.slack.pacing import ChannelPacer
from adapters.slack.port import SlackPort
from adapters.slack.render import SNOOZE_SHORTCUT, render
from bot.messages import DigestHeader, ThreadLink, ThreadReminder
from bot.ports import ChatPort, ThreadRef
from bot.store.db import Database
from bot.store.notes import NoteStore
from tests.adapters.reminder_crash import remind_across_a_crash
from tests.bot.core.fakes_digest import FakeClock


async def shortcut(lab: Lab, message: dict[str, Any], user: str = BEN, name: str = "ben",
                   callback_id: str = "scoop_snooze") -> dict[str, Any]:
    """A member picks a message shortcut on ``message``; returns what ``respond()`` sent."""
    before = len(lab.fake.responses)
    payload = message_shortcut(callback_id, message, lab.fake.response_url("s1"), user=user,
                               user_name=name)
    status, _ = await lab.post(form_body({"payload": json.dumps(payload)}),
                               "application/x-www-form-urlencoded")
    assert status == 200
    await lab.settle()
    assert len(lab.fake.responses) > before, "the shortcut was not answered"
    return lab.fake.responses[before]


def replies(fake: FakeSlack, root: str) -> list[dict[str, Any]]:
    return [m for m in fake.posted(CHANNEL) if m.get("thread_ts") == root and m["ts"] != root]


def reminders_in(fake: FakeSlack, root: str) -> list[dict[str, Any]]:
    return [m for m in replies(fake, root) if "[sw:remind:" in m["text"]]


async def test_reminder_snooze_hand_and_open_threads_on_slack(
        tmp_path: Path, fake: FakeSlack, sleep: FastSleep) -> None:
    clock = FakeClock(NOW)
    async with open_lab(tmp_path, fake, sleep, clock=clock, max_papers=4) as lab:
        await lab.command("topic add eeg EEG")
        await lab.command("topic add eeg-too EEG", user=BEN, name="ben")
        await lab.command("digest now")
        top = [m for m in fake.posted(CHANNEL) if "thread_ts" not in m]
        cards = top[1:]
        assert len(cards) == 4
        noted, snoozed, handed, quiet = (c["ts"] for c in cards)

        # A note in the first thread; the second closed from its prompt's ⋯ menu; the third
        # by a ✋ (in any skin tone) on its card.
        reply = fake.human_message(CHANNEL, BEN, "Ours decodes from 4 channels.", noted)
        await lab.event(thread_reply(BEN, reply["text"], reply["ts"], noted))
        [prompt] = replies(fake, snoozed)
        answer = await shortcut(lab, prompt)
        assert answer["response_type"] == "ephemeral"
        assert answer["text"].startswith("Closed as not a concern"), answer
        await lab.event(reaction_added(ANA, "hand::skin-tone-3", handed))
        # Typed in the channel, /scoop snooze has no thread and says what to do instead.
        typed = await lab.command("snooze")
        assert typed is not None and "react ✋ on the paper's card" in typed["text"]

        # Three days on: one reminder, in the quiet thread only, pinging each member once.
        clock.advance(days=3)
        assert lab.scheduler is not None and lab.scheduler.reminders is not None
        await lab.scheduler.reminders()
        await lab.scheduler.reminders()  # the next run adds nothing
        assert [len(reminders_in(fake, ts)) for ts in (noted, snoozed, handed, quiet)] == [
            0, 0, 0, 1]
        [reminder] = reminders_in(fake, quiet)
        first = reminder["blocks"][0]["text"]["text"]
        assert first.startswith(f"<@{ANA}> <@{BEN}> A gentle reminder")
        assert first.count(f"<@{ANA}>") == 1 and first.count(f"<@{BEN}>") == 1
        assert SNOOZE_SHORTCUT in json.dumps(reminder["blocks"])
        assert reminder["user"] == BOT_USER

        # The next digest's header (before its own new cards) links the one thread still open.
        await lab.command("digest now")
        header = [m for m in fake.posted(CHANNEL)
                  if m["text"].startswith("scoopwatch digest")][-1]
        assert check_blocks(header["blocks"]) is None
        section = next(b["text"]["text"] for b in header["blocks"]
                       if "still open" in (b.get("text") or {}).get("text", ""))
        assert section.startswith("1 paper thread is still open from the last 14 days")
        permalink = f"https://lab.slack.com/archives/{CHANNEL}/p{quiet.replace('.', '')}"
        assert re.search(rf"<{re.escape(permalink)}\|[^>]+>", section), section
        for closed in (noted, snoozed, handed):
            assert closed.replace(".", "") not in section
        assert await NoteStore(lab.db).get_by_message("slack", CHANNEL, reply["ts"])


@pytest.mark.parametrize("when", ["before", "after"])
async def test_one_reminder_across_a_crash_and_a_restart(
        tmp_path: Path, fake: FakeSlack, sleep: FastSleep, when: str) -> None:
    async def new_port(db: Database) -> ChatPort:  # a new process signs in again
        return SlackPort(build_web_client(BOT_TOKEN, fake.api_url, sleep=sleep),
                         ChannelPacer(1.0, sleep=sleep))

    thread = await remind_across_a_crash(tmp_path / "bot.db", CHANNEL, when, new_port)
    [reminder] = reminders_in(fake, thread.root_message_id)
    assert reminder["user"] == BOT_USER
    # The prompt, then the reminder: nothing else in the thread.
    assert len(replies(fake, thread.root_message_id)) == 2


def test_a_header_with_many_open_threads_stays_within_block_kit() -> None:
    titles = ["<!channel> *Diffusion* " + "x" * 200 + f" {n}" for n in range(5)]
    links = tuple(ThreadLink("T0LAB0001", CHANNEL, f"1732800000.00000{n}", title[:80],
                             date(2024, 11, 20)) for n, title in enumerate(titles))
    header = DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 900, 0, 0,
                          quiet_reason="no new paper matched", open_threads=links,
                          open_total=40)
    permalinks = {t.root_message_id: f"https://lab.slack.com/archives/{CHANNEL}/p{n}"
                  for n, t in enumerate(links)}
    message = render(header, permalinks)
    assert check_blocks(message.blocks) is None
    section = message.blocks[-1]["text"]["text"]
    assert section.count("<https://lab.slack.com/archives/") == 5
    assert "<!channel>" not in section and "&lt;!channel&gt;" in section
    assert section.endswith("… and 35 more: /scoop status lists them")
    # Without a permalink (Slack could not give one) the title is shown unlinked.
    bare = render(header, {}).blocks[-1]["text"]["text"]
    assert "<https://" not in bare and bare.count("(posted 2024-11-20)") == 5


def test_a_reminder_keeps_its_marker_last_in_the_fallback() -> None:
    reminder = ThreadReminder(("U0ANA0001", "U0ANA0001", "not-an-id"), 3, "sw:remind:0123456789ab")
    message = render(reminder)
    assert message.text.endswith("[sw:remind:0123456789ab]")
    assert message.text.count("<@U0ANA0001>") == 1 and "<@not-an-id>" not in message.text
    assert check_blocks(message.blocks) is None


async def test_socket_mode_shortcut_runs_snooze_on_the_thread_of_the_message(
        fake: FakeSlack, core: FakeCore, make_adapter: MakeAdapter) -> None:
    """The card itself (a thread root) and a message in its thread name the same thread."""
    adapter = await make_adapter(core, mode="socket", start=False)
    card = {"type": "message", "user": BOT_USER, "text": "A card", "ts": "1732800000.000100"}
    in_thread = {**card, "ts": "1732800000.000200", "thread_ts": "1732800000.000100"}
    for n, message in enumerate((card, in_thread)):
        body = message_shortcut("scoop_snooze", message, fake.response_url(f"k{n}"))
        resp = await adapter.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
        assert resp.status == 200
    await until(lambda: len(fake.responses) == 2)
    assert [(c.text, c.thread, c.channel_id, c.workspace, c.actor.member_id)
            for c in core.commands] == [
        ("snooze", ThreadRef("slack", CHANNEL, "1732800000.000100"), CHANNEL, "T0LAB0001",
         ANA)] * 2
    assert {r["_key"] for r in fake.responses} == {"k0", "k1"}
