"""Crash recovery through the Slack port: a digest killed mid-way and resumed on the same
database posts every card and prompt exactly once (``tests/adapters/delivery_crash``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_fake_api import BOT_TOKEN, BOT_USER, FakeSlack
from slack_helpers import FastSleep

from adapters.slack.app import build_web_client
from adapters.slack.pacing import ChannelPacer
from adapters.slack.port import SlackPort
from bot.ports import ChatPort
from bot.store.db import Database
from tests.adapters.delivery_crash import SCENARIOS, crash_and_resume, scenarios

CHANNEL = "C0DIGEST1"


@pytest.mark.parametrize("name", SCENARIOS)
async def test_every_card_and_prompt_once_after_a_crash(
        tmp_path: Path, fake: FakeSlack, sleep: FastSleep, name: str) -> None:
    scenario = scenarios()[name]

    async def new_port(db: Database) -> ChatPort:  # a new process signs in again
        return SlackPort(build_web_client(BOT_TOKEN, fake.api_url, sleep=sleep),
                         ChannelPacer(1.0, sleep=sleep))

    await crash_and_resume(tmp_path / "bot.db", CHANNEL, scenario, new_port)
    posted = fake.posted(CHANNEL)
    cards = [m for m in posted
             if "thread_ts" not in m and not m["text"].startswith("scoopwatch digest")]
    assert sorted(m["text"].split(" (OpenAI")[0] for m in cards) == scenario.titles
    for card in cards:
        replies = [m for m in posted if m.get("thread_ts") == card["ts"]]
        assert [m["user"] for m in replies] == [BOT_USER], card["text"][:40]
