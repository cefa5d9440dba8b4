"""``/scoop trends`` on Slack: the real core on a store with known history behind the adapter
(HTTP mode, signed requests through Bolt); the chart reaches the channel through
``files_upload_v2`` as a PNG, and without matplotlib the member reads what to install."""

from __future__ import annotations

import struct
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slack_fake_api import TEAM, FakeSlack
from slack_helpers import MakeAdapter, until
from test_slack_http import command

from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.core.trends.chart import HEIGHT_PX, INSTALL_HINT, WIDTH_PX
from bot.store.db import Database
from bot.store.stores import Stores
from tests.bot.core.trends_lab import NOW, TIMEZONE, seed


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with await Database.open(tmp_path / "lab.db") as db:
        stores = Stores.on(db)
        await seed(stores, "slack", TEAM)
        config = build_config({"bot": {"timezone": TIMEZONE}}, env={})
        built, _scheduler = build_core(config, stores, clock=lambda: NOW)
        yield built


async def test_the_chart_is_uploaded_to_the_channel_as_a_png(
        fake: FakeSlack, core: Core, make_adapter: MakeAdapter) -> None:
    adapter = await make_adapter(core)
    core.register_port(adapter.port)
    status, _ = await command(adapter, fake, "trends diffusion-planning 4")
    assert status == 200
    await until(lambda: bool(fake.calls_of("files.completeUploadExternal")), timeout=30)
    [upload] = fake.uploads.values()
    assert upload["channel"] == "C0DIGEST1"
    assert upload["filename"] == "trends-diffusion-planning-2026-11-30.png"
    png = upload["content"]
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (WIDTH_PX, HEIGHT_PX)
    [complete] = fake.calls_of("files.completeUploadExternal")
    assert "last 4 weeks: 5 papers (Google 2, Meta 1, Microsoft 1); 2 lab notes" in (
        complete.args.get("initial_comment") or "")


async def test_without_matplotlib_the_member_reads_what_to_install(
        fake: FakeSlack, core: Core, make_adapter: MakeAdapter,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    adapter = await make_adapter(core)
    await command(adapter, fake, "trends")
    await until(lambda: bool(fake.responses))
    assert fake.responses[0]["text"] == INSTALL_HINT
    assert fake.responses[0]["response_type"] == "ephemeral"
    assert fake.uploads == {}
