"""A thread reply that arrives over the gateway while another process holds the store's write
lock for longer than SQLite's busy timeout: it waits its turn in the inbox and is stored as a
note, exactly once, when the lock is released, even when the gateway replays it meanwhile.

Gateway events are not acknowledged, so the handler keeps the event first. Before the inbox,
the reply failed with ``database is locked`` and nothing ever brought it back.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from discord_fake_api import FakeDiscord
from discord_helpers import settle
from discord_payloads import (
    BEN,
    CHANNEL,
    EPOCH,
    GUILD,
    TOKEN,
    guild_create,
    message,
    snowflake,
    thread_channel,
)

import bot.store.db as store_db
from adapters.discord.client import ScoopClient
from bot.app import build_core
from bot.config import build_config
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.stores import Stores
from tests.adapters.paper_thread import seed_paper_thread

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
BUSY_MS = 100
HOLD = 10 * BUSY_MS / 1000
TEXT = "We decode from 4 channels, not 64."


async def test_gateway_reply_under_a_held_lock_is_stored_once_released(
        tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", BUSY_MS)
    path = tmp_path / "lab.db"
    db = await Database.open(path)
    card_id = snowflake()
    await seed_paper_thread(db, "discord", GUILD, CHANNEL, card_id)
    core, _scheduler = build_core(build_config({}, env={}), Stores.on(db), clock=lambda: NOW)
    client = ScoopClient(core)
    await client.login(TOKEN)
    client._connection.parse_guild_create(guild_create())
    client._connection.parse_thread_create(thread_channel(card_id, newly_created=True))
    fake.channels[card_id] = thread_channel(card_id)
    core.register_port(client.port)
    reply = message(card_id, BEN, TEXT, in_thread=True, at=EPOCH + timedelta(minutes=7))
    fake.add_message(card_id, reply)
    try:
        async with await Database.open(path) as other, other.transaction():
            client._connection.parse_message_create(reply)
            await asyncio.sleep(HOLD / 2)
            client._connection.parse_message_create(reply)  # replayed after a resume
            await asyncio.sleep(HOLD / 2)
        await settle(30)
        notes = await NoteStore(db).recent("discord", GUILD, limit=50)
        assert [n.text for n in notes] == [TEXT]
        assert fake.reactions == [(card_id, reply["id"], "✅")]
    finally:
        await client.close()
        await db.close()
