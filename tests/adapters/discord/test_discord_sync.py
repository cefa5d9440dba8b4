"""``scoopwatch discord sync``: log in over REST, compare, bulk-overwrite, say what changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord.http import Route
from discord_fake_api import FakeDiscord
from discord_payloads import GUILD, TOKEN

from adapters.discord.settings import DiscordStartError
from adapters.discord.sync import describe_changes, sync_commands
from bot.config import Config, load_config


def config(tmp_path: Path, toml: str = "", token: str = TOKEN) -> Config:
    path = tmp_path / "scoopwatch.toml"
    path.write_text(toml)
    return load_config(path, env={"SCOOPWATCH_DISCORD_TOKEN": token}, cwd=tmp_path)


async def test_first_global_sync_adds_scoop_then_nothing_changes(
        tmp_path: Path, fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Route, "BASE", "https://discord.invalid/api/v10")  # http_base wins
    cfg = config(tmp_path)
    lines = await sync_commands(cfg, http_base=fake.api_base)
    assert lines == ["global: added /scoop (17 commands)"]
    assert Route.BASE == "https://discord.invalid/api/v10"  # restored
    [put] = [c for c in fake.calls_of("commands") if c.method == "PUT"]
    assert [c["name"] for c in put.json] == ["scoop"]
    assert await sync_commands(cfg, http_base=fake.api_base) == [
        "global: up to date (17 commands)"]


async def test_guild_sync_reports_changed_and_removed_commands(
        tmp_path: Path, fake: FakeDiscord) -> None:
    cfg = config(tmp_path, f'[discord]\nguild_ids = ["{GUILD}"]\n')
    await sync_commands(cfg, http_base=fake.api_base)
    scoop = fake.commands[GUILD][0]
    topic = next(o for o in scoop["options"] if o["name"] == "topic")
    topic["options"][0]["description"] = "an older description"
    scoop["options"].append({"type": 1, "name": "retired", "description": "gone",
                             "options": []})
    lines = await sync_commands(cfg, http_base=fake.api_base)
    assert lines == [f"guild {GUILD}: changed /scoop topic add (description)",
                     f"guild {GUILD}: removed /scoop retired"]
    assert "global" not in fake.commands  # guild sync leaves global commands alone


async def test_guild_sync_warns_about_a_global_duplicate(tmp_path: Path,
                                                         fake: FakeDiscord) -> None:
    await sync_commands(config(tmp_path), http_base=fake.api_base)
    lines = await sync_commands(config(tmp_path, f"[discord]\nguild_ids = [{GUILD}]\n"),
                                http_base=fake.api_base)
    assert lines[0] == f"guild {GUILD}: added /scoop (17 commands)"
    assert lines[1].startswith("global: /scoop is also registered globally")


async def test_bad_token_is_one_clear_error(tmp_path: Path, fake: FakeDiscord) -> None:
    with pytest.raises(DiscordStartError, match="rejected the bot token"):
        await sync_commands(config(tmp_path, token="not.the.token"), http_base=fake.api_base)


async def test_missing_commands_scope_is_explained(tmp_path: Path, fake: FakeDiscord) -> None:
    fake.fail_next("guild_commands", 403, {"message": "Missing Access", "code": 50001})
    with pytest.raises(DiscordStartError, match=r"applications\.commands scope"):
        await sync_commands(config(tmp_path, f"[discord]\nguild_ids = [{GUILD}]\n"),
                            http_base=fake.api_base)


def test_describe_changes_options() -> None:
    old = [{"name": "scoop", "description": "d", "type": 1, "options": [
        {"type": 1, "name": "help", "description": "h", "options": [
            {"type": 3, "name": "command", "description": "c"}]}]}]
    new = [{"name": "scoop", "description": "d", "type": 1, "options": [
        {"type": 1, "name": "help", "description": "h", "options": [
            {"type": 3, "name": "command", "description": "c", "required": False,
             "autocomplete": True}]}]}]
    assert describe_changes("global", old, new) == ["global: changed /scoop help (options)"]
