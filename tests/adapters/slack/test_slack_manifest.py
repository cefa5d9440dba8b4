"""The app manifest declares exactly what the adapter uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.slack.app import BOT_EVENTS, BOT_SCOPES, COMMAND

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_manifest_matches_the_adapter() -> None:
    yaml = pytest.importorskip("yaml")
    manifest = yaml.safe_load((REPO_ROOT / "manifest.yml").read_text(encoding="utf-8"))
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == sorted(BOT_EVENTS)
    assert settings["socket_mode_enabled"] is True
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND and command["should_escape"] is True
    assert "url" not in command  # Socket Mode: no request URL


def test_docs_name_the_env_vars() -> None:
    text = (REPO_ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    for needed in ("SCOOPWATCH_SLACK_BOT_TOKEN", "SCOOPWATCH_SLACK_APP_TOKEN",
                   "SCOOPWATCH_SLACK_SIGNING_SECRET", "/invite @scoopwatch", "manifest.yml",
                   "connections:write"):
        assert needed in text
