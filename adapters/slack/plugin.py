"""Slack as the core sees it: the ``[slack]`` table, three secrets, when it runs and what it
cannot start without.

Registered as ``slack`` in the ``scoopwatch.adapters`` entry points (``bot/platforms.py``
says what a platform declares). Imports neither slack-bolt nor pydantic: a console-only run
lists Slack without loading its SDK.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.platforms import Need, Platform, SecretSpec, TokenShape

if TYPE_CHECKING:
    from adapters.slack.config import SlackSection
    from bot.config_models import Secret
    from bot.platforms import Adapter

BOT_TOKEN = SecretSpec("bot_token", "SLACK_BOT_TOKEN", "a Slack bot token", "xoxb-")
APP_TOKEN = SecretSpec("app_token", "SLACK_APP_TOKEN", "a Slack app-level token", "xapp-")
SIGNING_SECRET = SecretSpec("signing_secret", "SLACK_SIGNING_SECRET", "a Slack signing secret")


class Slack(Platform["SlackSection"]):
    name = "slack"
    title = "Slack"
    order = 10
    secrets = (BOT_TOKEN, APP_TOKEN, SIGNING_SECRET)
    tokens = TokenShape(re.compile(r"^(?:xox[a-z]|xapp)-", re.IGNORECASE), {
        "xoxb-": "a bot token",
        "xapp-": "an app-level token",
        "xoxp-": "a user token",
        "xoxe-": "a refresh token",
    })
    connect_hint = f"{BOT_TOKEN.scoopwatch_env} and {APP_TOKEN.scoopwatch_env}"

    def settings_model(self) -> type[SlackSection]:
        from adapters.slack.config import SlackSection

        return SlackSection

    def adapter(self) -> type[Adapter]:
        from adapters.slack.runner import SlackAdapter

        return SlackAdapter

    def wanted(self, settings: SlackSection, found: Mapping[str, Secret]) -> bool:
        """On once a bot token is found."""
        return BOT_TOKEN.key in found

    def needs(self, settings: SlackSection) -> Sequence[Need]:
        """The bot token always; Socket Mode an app-level token, HTTP mode the signing
        secret."""
        who = f"Slack ({settings.mode} mode)"
        second = APP_TOKEN if settings.mode == "socket" else SIGNING_SECRET
        return (Need(BOT_TOKEN, "enabled", who), Need(second, "mode", who))


SLACK = Slack()
