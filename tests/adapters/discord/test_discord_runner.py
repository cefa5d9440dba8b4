"""Start and stop on the shared loop, against the fake REST API and gateway."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import discord
import pytest
from discord.http import Route
from discord_fake_api import FakeDiscord
from discord_helpers import FakeCore
from discord_payloads import APP, GUILD, TOKEN

from adapters.discord.client import scoop_intents
from adapters.discord.invite import invite_url, needed_permissions
from adapters.discord.runner import DiscordAdapter
from adapters.discord.settings import DiscordSettings, DiscordStartError
from bot.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[3]


def adapter(core: FakeCore, **settings: object) -> DiscordAdapter:
    return DiscordAdapter(core, DiscordSettings(token=TOKEN, **settings),  # type: ignore[arg-type]
                          connect_timeout=5, guild_ready_timeout=0.05)


async def test_start_connects_syncs_and_stop_closes(fake: FakeDiscord, core: FakeCore) -> None:
    bot = adapter(core)
    await bot.start()
    try:
        assert bot.client.is_ready() and bot.client.get_guild(int(GUILD)) is not None
        assert fake.identify["intents"] == scoop_intents().value
        assert scoop_intents().message_content and scoop_intents().guild_messages
        assert [c.method for c in fake.calls_of("commands")] == ["GET", "PUT"]
    finally:
        await bot.stop()
    assert bot.client.is_closed()
    again = adapter(core)
    await again.start()
    await again.stop()
    assert [c.method for c in fake.calls_of("commands")] == ["GET", "PUT", "GET"]  # unchanged


async def test_missing_message_content_intent_is_explained(
        fake: FakeDiscord, core: FakeCore, caplog: pytest.LogCaptureFixture) -> None:
    fake.gateway_mode = "4014"
    bot = adapter(core)
    with pytest.raises(DiscordStartError, match="MESSAGE CONTENT INTENT"):
        await bot.start()
    assert bot.client.is_closed()
    [record] = [r for r in caplog.records if r.name == "adapters.discord.runner"]
    assert record.levelno == logging.ERROR and "Privileged Gateway Intents" in record.message


async def test_bad_token_fails_start(fake: FakeDiscord, core: FakeCore) -> None:
    bot = DiscordAdapter(core, DiscordSettings(token="wrong.token.value"))
    with pytest.raises(DiscordStartError, match="rejected the bot token"):
        await bot.start()


async def test_api_url_applies_while_running(fake: FakeDiscord, core: FakeCore,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Route, "BASE", "https://discord.invalid/api/v10")
    bot = adapter(core, api_url=fake.api_base + "/")
    stop = asyncio.Event()
    running = asyncio.create_task(bot.run(stop))
    await asyncio.wait_for(bot.client.wait_until_ready(), 5)
    assert fake.api_base == Route.BASE
    stop.set()
    assert await running == 0
    assert Route.BASE == "https://discord.invalid/api/v10"


def test_settings_never_show_the_token() -> None:
    assert TOKEN not in repr(DiscordSettings(token=TOKEN))


def test_invite_url_matches_the_docs() -> None:
    perms = needed_permissions()
    assert perms.value == 309237763136 and perms.view_channel  # 1 << 10
    assert perms == discord.Permissions(view_channel=True, send_messages=True,
                                        create_public_threads=True,
                                        send_messages_in_threads=True, add_reactions=True,
                                        attach_files=True, read_message_history=True,
                                        embed_links=True)
    url = invite_url(APP)
    assert url == (f"https://discord.com/oauth2/authorize?client_id={APP}"
                   "&scope=bot+applications.commands&permissions=309237763136")
    docs = (REPO_ROOT / "docs/discord.md").read_text()
    assert "&scope=bot+applications.commands&permissions=309237763136" in docs
    assert "| View Channel | 1 << 10 |" in docs


async def test_from_config_asks_the_core_for_topic_names(tmp_path: Path) -> None:
    from bot.config import load_config

    (tmp_path / "scoopwatch.toml").write_text(f"[discord]\nguild_ids = [{GUILD}]\n")
    config = load_config(tmp_path / "scoopwatch.toml", env={"SCOOPWATCH_DISCORD_TOKEN": TOKEN},
                         cwd=tmp_path)
    core = FakeCore()
    bot = DiscordAdapter.from_config(config, core)
    assert bot.settings.guild_ids == (int(GUILD),) and bot.settings.token == TOKEN
    assert bot.client.suggestions.core is core  # autocomplete goes through CoreApi
    assert [c.name for c in bot.client.tree.get_commands(guild=discord.Object(int(GUILD)))] \
        == ["scoop"]
    assert bot.client.port.thread_archive_minutes == 10080  # the default: a week
    (tmp_path / "scoopwatch.toml").write_text("[discord]\nthread_archive_minutes = 4320\n")
    config = load_config(tmp_path / "scoopwatch.toml", env={"SCOOPWATCH_DISCORD_TOKEN": TOKEN},
                         cwd=tmp_path)
    three_days = DiscordAdapter.from_config(config, FakeCore())
    assert three_days.client.port.thread_archive_minutes == 4320
    (tmp_path / "scoopwatch.toml").write_text("[discord]\nthread_archive_minutes = 100\n")
    with pytest.raises(ConfigError, match=r"discord\.thread_archive_minutes"):
        load_config(tmp_path / "scoopwatch.toml", env={}, cwd=tmp_path)
