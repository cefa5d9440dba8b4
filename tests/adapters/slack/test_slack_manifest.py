"""Both app manifests (Socket Mode and HTTP mode) declare exactly what the adapter uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from adapters.slack.app import BOT_EVENTS, BOT_SCOPES, COMMAND, SHORTCUTS
from adapters.slack.render import SNOOZE_SHORTCUT
from adapters.slack.runner import SlackSettings

REPO_ROOT = Path(__file__).resolve().parents[3]
MANIFESTS = ("manifest.yml", "manifest-http.yml")


def load(name: str) -> dict[str, Any]:
    manifest: dict[str, Any] = yaml.safe_load((REPO_ROOT / name).read_text(encoding="utf-8"))
    return manifest


@pytest.mark.parametrize("name", MANIFESTS)
def test_manifest_matches_the_adapter(name: str) -> None:
    manifest = load(name)
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == sorted(BOT_EVENTS)
    # Interactivity only for the message shortcuts the adapter answers (no buttons or menus).
    assert settings["interactivity"]["is_enabled"] is True
    shortcuts = manifest["features"]["shortcuts"]
    assert {s["callback_id"] for s in shortcuts} == set(SHORTCUTS)
    assert all(s["type"] == "message" for s in shortcuts)
    assert [s["name"] for s in shortcuts] == [SNOOZE_SHORTCUT]  # what reminders tell members
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["should_escape"] is True
    # Channels only: no DM history or DM events are asked for.
    assert "im:history" not in BOT_SCOPES and "message.im" not in BOT_EVENTS


def test_socket_mode_manifest_has_no_request_urls() -> None:
    manifest = load("manifest.yml")
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["event_subscriptions"]
    assert "url" not in manifest["features"]["slash_commands"][0]
    assert "request_url" not in manifest["settings"]["interactivity"]


def test_http_manifest_points_events_and_the_command_at_the_adapter() -> None:
    manifest = load("manifest-http.yml")
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    urls = {settings["event_subscriptions"]["request_url"],
            manifest["features"]["slash_commands"][0]["url"],
            settings["interactivity"]["request_url"]}
    assert len(urls) == 1  # Bolt answers events, commands and shortcuts on one path
    url = urlsplit(urls.pop())
    assert url.scheme == "https" and url.path == SlackSettings(bot_token="x").http_path
    # Apart from the URLs and the mode, the two manifests are the same app.
    socket = load("manifest.yml")
    del manifest["settings"]["event_subscriptions"]["request_url"]
    del manifest["features"]["slash_commands"][0]["url"]
    del manifest["settings"]["interactivity"]["request_url"]
    manifest["settings"]["socket_mode_enabled"] = True
    assert manifest == socket


def test_docs_name_the_env_vars_manifests_and_where_scoop_works() -> None:
    text = (REPO_ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    for needed in ("SCOOPWATCH_SLACK_BOT_TOKEN", "SCOOPWATCH_SLACK_APP_TOKEN",
                   "SCOOPWATCH_SLACK_SIGNING_SECRET", "/invite @scoopwatch", "manifest.yml",
                   "manifest-http.yml", "connections:write", "channels only",
                   "/scoop status"):
        assert needed in text, needed
