"""``/scoop trends`` on Discord: the real core on a store with known history behind the
client; the answer is a public message with the chart attached as a PNG (the options mirrored
from the table: ``topic`` and ``weeks``), and without matplotlib a private sentence saying
what to install."""

from __future__ import annotations

import struct
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_fake_api import FakeDiscord
from discord_helpers import settle
from discord_payloads import GUILD, slash

from adapters.discord.client import ScoopClient
from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.core.trends.chart import HEIGHT_PX, INSTALL_HINT, WIDTH_PX
from bot.store.db import Database
from bot.store.stores import Stores
from tests.bot.core.trends_lab import NOW, TIMEZONE, seed

EPHEMERAL = 64


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with await Database.open(tmp_path / "lab.db") as db:
        stores = Stores.on(db)
        await seed(stores, "discord", GUILD)
        config = build_config({"bot": {"timezone": TIMEZONE}}, env={})
        built, _scheduler = build_core(config, stores, clock=lambda: NOW)
        yield built


async def test_the_chart_is_a_public_png_attachment(
        make_client: object, core: Core, fake: FakeDiscord) -> None:
    client: ScoopClient = await make_client(core, answer_within=30.0)  # type: ignore[operator]
    core.register_port(client.port)
    client._connection.parse_interaction_create(
        slash(("trends",), topic="diffusion-planning", weeks="4"))
    await settle(30)
    [call] = fake.calls_of("callback")
    [(filename, png)] = call.files
    assert filename == "trends-diffusion-planning-2026-11-30.png"
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (WIDTH_PX, HEIGHT_PX)
    data = call.json["data"]
    assert not (data.get("flags") or 0) & EPHEMERAL  # the channel sees it
    assert data["attachments"][0]["filename"] == filename
    assert data["content"].startswith("Industry papers on diffusion-planning, last 4 weeks: "
                                      "5 papers (Google 2, Meta 1, Microsoft 1)")
    assert data["allowed_mentions"] == {"parse": [], "users": []}


async def test_without_matplotlib_a_private_sentence(
        make_client: object, core: Core, fake: FakeDiscord,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    client: ScoopClient = await make_client(core)  # type: ignore[operator]
    client._connection.parse_interaction_create(slash(("trends",)))
    await settle()
    [call] = fake.calls_of("callback")
    assert call.json["data"]["content"] == INSTALL_HINT
    assert call.json["data"]["flags"] == EPHEMERAL and call.files == []


async def test_a_slow_chart_is_deferred_then_posted_publicly(
        make_client: object, core: Core, fake: FakeDiscord) -> None:
    """The first chart after a topic change reads the whole window: Discord gets a private
    "thinking…" at once, then the chart replaces it in the channel."""
    client: ScoopClient = await make_client(core, answer_within=0.0)  # type: ignore[operator]
    client._connection.parse_interaction_create(slash(("trends",), weeks="4"))
    await settle(30)
    routes = [c.route for c in fake.calls if c.route in (
        "callback", "delete_original", "followup", "edit_original")]
    assert routes == ["callback", "delete_original", "followup"]
    [followup] = fake.calls_of("followup")
    [(filename, png)] = followup.files
    assert filename == "trends-all-topics-2026-11-30.png" and png[:4] == b"\x89PNG"
    assert not (followup.json.get("flags") or 0) & EPHEMERAL
