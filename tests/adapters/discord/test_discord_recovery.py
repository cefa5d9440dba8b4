"""Crash recovery through the Discord port: a digest killed mid-way and resumed on the same
database posts every card and prompt exactly once (``tests/adapters/delivery_crash``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from discord_fake_api import FakeDiscord
from discord_helpers import FakeCore
from discord_payloads import BOT, CHANNEL

from adapters.discord.client import ScoopClient
from bot.ports import ChatPort
from bot.store.db import Database
from tests.adapters.delivery_crash import SCENARIOS, crash_and_resume, scenarios


@pytest.mark.parametrize("name", SCENARIOS)
async def test_every_card_and_prompt_once_after_a_crash(
        tmp_path: Path, fake: FakeDiscord, make_client: Callable[..., Awaitable[ScoopClient]],
        name: str) -> None:
    scenario = scenarios()[name]

    async def new_port(db: Database) -> ChatPort:  # a new process logs in again
        return (await make_client(FakeCore())).port

    await crash_and_resume(tmp_path / "bot.db", CHANNEL, scenario, new_port)
    cards = [m for m in fake.posted(CHANNEL)
             if m["embeds"] and not m["embeds"][0]["title"].startswith("scoopwatch digest")]
    assert sorted(m["embeds"][0]["title"] for m in cards) == scenario.titles
    for card in cards:
        in_thread = [m for m in fake.posted(card["id"]) if m["type"] == 0]
        assert [m["author"]["id"] for m in in_thread] == [BOT], card["embeds"][0]["title"]
