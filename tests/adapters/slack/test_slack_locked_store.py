"""A thread reply that arrives while another process holds the store's write lock for longer
than SQLite's busy timeout: it is kept before Slack is acknowledged, and stored as a note,
exactly once, when the lock is released, over HTTP and over Socket Mode.

The second connection holds ``BEGIN IMMEDIATE`` for ten busy timeouts (a large ingest does
the same for seconds); before the inbox, the reply was acknowledged at once and then failed
with ``database is locked``: Slack never sent it again and the note was lost.
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
from slack_fake_api import APP_TOKEN, BOT_TOKEN, TEAM, FakeSlack
from slack_helpers import FastSleep
from slack_payloads import (
    CHANNEL,
    SIGNING_SECRET,
    event_callback,
    sign,
    socket_envelope,
    thread_reply,
)

import bot.store.db as store_db
from adapters.slack.runner import SlackAdapter, SlackSettings
from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.stores import Stores
from tests.adapters.paper_thread import seed_paper_thread

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
ROOT, REPLY = "1732800000.000100", "1732801000.000200"
BUSY_MS = 100
HOLD = 10 * BUSY_MS / 1000  # seconds the other connection keeps the write lock
TEXT = "We decode from 4 channels, not 64."


@dataclass
class Bot:
    db: Database
    core: Core
    adapter: SlackAdapter
    path: Path

    async def notes(self) -> list[str]:
        return [n.text for n in await NoteStore(self.db).recent("slack", TEAM, limit=50)]


async def _bot(tmp_path: Path, fake: FakeSlack, sleep: FastSleep, mode: str
               ) -> AsyncIterator[Bot]:
    path = tmp_path / "lab.db"
    db = await Database.open(path)
    await seed_paper_thread(db, "slack", TEAM, CHANNEL, ROOT)
    core, _scheduler = build_core(build_config({}, env={}), Stores.on(db), clock=lambda: NOW)
    settings = SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN,
                             signing_secret=SIGNING_SECRET, mode=mode,  # type: ignore[arg-type]
                             api_url=fake.api_url, http_host="127.0.0.1", http_port=0)
    adapter = SlackAdapter(core, settings, sleep=sleep)
    core.register_port(adapter.port)
    await adapter.start()
    try:
        yield Bot(db, core, adapter, path)
    finally:
        await adapter.stop()
        await db.close()


@pytest.fixture(autouse=True)
def _short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite gives up on a lock after BUSY_MS here (5 s in production)."""
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", BUSY_MS)


@pytest.fixture
async def http_bot(tmp_path: Path, fake: FakeSlack, sleep: FastSleep) -> AsyncIterator[Bot]:
    async for running in _bot(tmp_path, fake, sleep, "http"):
        yield running


@pytest.fixture
async def socket_bot(tmp_path: Path, fake: FakeSlack, sleep: FastSleep) -> AsyncIterator[Bot]:
    async for running in _bot(tmp_path, fake, sleep, "socket"):
        yield running


async def _post(bot: Bot, payload: dict[str, object], retry: int = 0) -> int:
    body = json.dumps(payload)
    headers = {"Content-Type": "application/json", **sign(body)}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    url = f"http://127.0.0.1:{bot.adapter.http_port}/slack/events"
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body.encode(), headers=headers) as resp:
        return resp.status


async def test_http_reply_under_a_held_lock_is_stored_once_released(
        http_bot: Bot, fake: FakeSlack) -> None:
    payload = event_callback(thread_reply("U0BEN0002", TEXT, REPLY, ROOT))
    async with await Database.open(http_bot.path) as other:
        async with other.transaction():  # an ingest in another process holds the lock
            first = asyncio.create_task(_post(http_bot, payload))
            await asyncio.sleep(HOLD / 2)
            # Slack gave up waiting for the answer and sends the event again.
            again = asyncio.create_task(_post(http_bot, payload, retry=1))
            await asyncio.sleep(HOLD / 2)
            assert not first.done(), "Slack was acknowledged before the reply was kept"
        assert (await first, await again) == (200, 200)
    await http_bot.core.inbox.idle()
    assert await http_bot.notes() == [TEXT]
    assert fake.reactions == [(CHANNEL, REPLY, "white_check_mark")]


async def test_socket_mode_reply_under_a_held_lock_is_acked_once_kept(
        socket_bot: Bot, fake: FakeSlack) -> None:
    payload = event_callback(thread_reply("U0BEN0002", TEXT, REPLY, ROOT))
    async with await Database.open(socket_bot.path) as other:
        async with other.transaction():
            ack = asyncio.create_task(fake.socket_send(
                socket_envelope("events_api", payload, envelope_id="env-1"), timeout=30))
            await asyncio.sleep(HOLD)
            assert not ack.done(), "the envelope was acked before the reply was kept"
        assert (await ack)["envelope_id"] == "env-1"
    await socket_bot.core.inbox.idle()
    assert await socket_bot.notes() == [TEXT]
    assert fake.reactions == [(CHANNEL, REPLY, "white_check_mark")]
