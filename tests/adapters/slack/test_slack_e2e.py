"""A lab's session on Slack, end to end: real core, real SQLite store, the real arXiv listing
of 2024-11-28 parsed by the real parser, the real matcher and lab registry; Slack itself is
the fake Web API and every inbound request is a signed HTTP request through Bolt.

Transcript: topic add -> digest now -> cards and thread prompts (prompt under its card) ->
a member's reply becomes a note (acknowledged with a reaction) -> an edit updates it -> a
redelivered event is stored once -> notes export is uploaded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from slack_fake_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from slack_helpers import FastSleep, until
from slack_payloads import (
    CHANNEL,
    SIGNING_SECRET,
    event_callback,
    form_body,
    message_changed,
    sign,
    slash_form,
    thread_reply,
)

from adapters.slack import SlackAdapter, SlackSettings
from bot.app import build_core
from bot.config import build_config
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.papers import PaperStore
from tests.fixture_files import LISTING, fixture_path

FEED = fixture_path(LISTING)
NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
ANA, BEN = "U0ANA0001", "U0BEN0002"


@dataclass
class Lab:
    """The running bot and its store, as the transcript needs them."""

    adapter: SlackAdapter
    db: Database
    fake: FakeSlack

    async def command(self, text: str, user: str = ANA, name: str = "ana") -> dict | None:
        """``/scoop text`` as a signed request; returns what ``respond()`` sent, if anything."""
        before = len(self.fake.responses)
        body = form_body(slash_form(text, self.fake.response_url(), user=user, user_name=name))
        status, _ = await self.post(body, "application/x-www-form-urlencoded")
        assert status == 200
        await self.settle()
        return self.fake.responses[before] if len(self.fake.responses) > before else None

    async def event(self, event: dict, *, event_id: str | None = None,
                    retry: int | None = None) -> str:
        payload = event_callback(event, event_id)
        body = json.dumps(payload)
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"
                   } if retry else {}
        status, _ = await self.post(body, "application/json", headers)
        assert status == 200
        return payload["event_id"]

    async def post(self, body: str, ctype: str, extra: dict[str, str] | None = None
                   ) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.adapter.http_port}/slack/events"
        headers = {"Content-Type": ctype, **sign(body), **(extra or {})}
        async with aiohttp.ClientSession() as session, session.post(
                url, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()

    async def settle(self) -> None:
        """Let the listener Bolt started after the ack run to its end."""
        await asyncio.sleep(0.05)
        assert await self.adapter.handlers.inflight.wait_idle(10)


@pytest.fixture
async def lab(tmp_path: Path, fake: FakeSlack, sleep: FastSleep) -> AsyncIterator[Lab]:
    db = await Database.open(tmp_path / "lab.db")
    papers = PaperStore(db)
    page = parse_arxiv_rss(FEED.read_bytes())
    await papers.upsert_papers(list(page.papers))
    config = build_config({"digest": {"mode": "all-papers", "max_papers": 3}}, env={})
    core, _scheduler = build_core(config, db, clock=lambda: NOW)
    settings = SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN,
                             signing_secret=SIGNING_SECRET, mode="http", api_url=fake.api_url,
                             http_host="127.0.0.1", http_port=0)
    adapter = SlackAdapter(core, settings, sleep=sleep)
    core.register_port(adapter.port)
    await adapter.start()
    yield Lab(adapter, db, fake)
    await adapter.stop()
    await db.close()


async def test_lab_session_transcript(lab: Lab) -> None:
    fake = lab.fake
    # 1. Ana registers a topic; the preview answer is for her only.
    answer = await lab.command("topic add eeg-decoding EEG AND (classification OR detection)")
    assert answer is not None and answer["response_type"] == "ephemeral", answer
    assert "eeg-decoding" in answer["text"]

    # 2. The digest: a header, then one card per paper with its prompt in the card's thread.
    answer = await lab.command("digest now")
    assert answer is not None and answer["response_type"] in ("in_channel", "ephemeral")
    assert "Digest posted" in answer["text"], answer["text"]
    history = fake.posted(CHANNEL)
    top = [m for m in history if "thread_ts" not in m]
    prompts = [m for m in history if "thread_ts" in m]
    cards = top[1:]
    assert top[0]["blocks"][0]["type"] == "header"
    assert 1 <= len(cards) <= 3 and len(prompts) == len(cards)
    assert [p["thread_ts"] for p in prompts] == [c["ts"] for c in cards]
    for c in cards:
        assert "EEG" in c["text"].upper() and "[sw:" in c["text"]
        assert c["blocks"][0]["text"]["text"].startswith("*<https://arxiv.org/abs/")
    assert all(f"<@{ANA}>" in p["blocks"][0]["text"]["text"] for p in prompts)
    # Ana is pinged once per paper: by its thread prompt, never by the header or the card.
    assert [f"<@{ANA}>" in json.dumps(m) for m in history] == [
        "thread_ts" in m for m in history]

    # 3. Ben answers in the first card's thread: a note, acknowledged with a reaction.
    card_ts = cards[0]["ts"]
    reply = fake.human_message(CHANNEL, BEN, "We decode from 4 channels &lt;10ms, not 64.",
                               thread_ts=card_ts)
    event_id = await lab.event(thread_reply(BEN, reply["text"], reply["ts"], card_ts))
    await until(lambda: (CHANNEL, reply["ts"], "white_check_mark") in fake.reactions)
    notes = NoteStore(lab.db)
    note = await notes.get_by_message("slack", CHANNEL, reply["ts"])
    assert note is not None and note.text == "We decode from 4 channels <10ms, not 64."
    assert note.author_name == "ben"

    # 4. Slack redelivers the same event: still one note.
    await lab.event(thread_reply(BEN, reply["text"], reply["ts"], card_ts),
                    event_id=event_id, retry=1)
    await lab.settle()
    assert len(await notes.recent("slack", "T0LAB0001", limit=50)) == 1

    # 5. Ben edits his reply: the note follows.
    await lab.event(message_changed(BEN, "We decode from 4 channels, not 64.", reply["text"],
                                    reply["ts"], card_ts, "1732810000.000000"))
    await lab.settle()
    note = await notes.get_by_message("slack", CHANNEL, reply["ts"])
    assert note is not None and note.text == "We decode from 4 channels, not 64."
    assert len(await notes.recent("slack", "T0LAB0001", limit=50)) == 1

    # 6. The bot's own prompt in that thread never becomes a note.
    prompt = prompts[0]
    own = thread_reply("UBOT0SW01", prompt["text"], prompt["ts"], card_ts)
    own["bot_id"] = "BBOT0SW01"
    await lab.event(own)
    await lab.settle()
    assert len(await notes.recent("slack", "T0LAB0001", limit=50)) == 1

    # 7. Export: the Markdown file is uploaded to the channel.
    assert await lab.command("notes export") is None  # the upload is the answer
    [upload] = fake.uploads.values()
    assert upload["channel"] == CHANNEL and upload["filename"].endswith(".md")
    assert b"We decode from 4 channels, not 64." in upload["content"]
