"""Reading Slack's API errors safely, and naming the ones only a person can fix.

``SlackApiError.response`` is not always parsed JSON: a 5xx page from Slack or a proxy arrives
as text (``SlackResponse.data`` is a ``str``), and a body that claims to be JSON but is not
leaves the raw ``aiohttp`` response there. ``error_code`` reads Slack's ``error`` field from
whatever arrived, so an error handler never fails on the error it handles.

Some errors stay until someone acts (the bot was never invited, the channel was archived or
deleted, a scope is missing); ``channel_problem`` turns those into the core's
``ChannelUnavailable`` with the fix in Slack's terms, so the core stops retrying the channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.errors import ChannelProblem, ChannelUnavailable


def _data(exc: SlackApiError) -> Mapping[str, Any]:
    data = getattr(getattr(exc, "response", None), "data", None)
    return data if isinstance(data, Mapping) else {}


def error_code(exc: SlackApiError) -> str:
    """Slack's ``error`` code (``not_in_channel``), or ``http <status>`` when the body had
    none (an HTML or plain-text error page)."""
    code = _data(exc).get("error")
    if isinstance(code, str) and code:
        return code
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return f"http {status}" if status else "unreadable response"


def channel_problem(exc: SlackApiError, bot_name: str) -> ChannelUnavailable | None:
    """The permanent channel error ``exc`` stands for, or None when a retry may succeed."""
    code = error_code(exc)
    invite = f"/invite @{bot_name}"
    if code == "not_in_channel":
        return ChannelUnavailable(ChannelProblem.NOT_IN_CHANNEL,
                                  f"Invite it with {invite} in this channel.")
    if code == "channel_not_found":
        return ChannelUnavailable(
            ChannelProblem.CHANNEL_NOT_FOUND,
            f"If this is a private channel, invite the bot with {invite}; if the channel "
            "was deleted, run /scoop subscribe in another one.")
    if code == "is_archived":
        return ChannelUnavailable(ChannelProblem.ARCHIVED,
                                  "Unarchive it, or run /scoop subscribe in another channel.")
    if code == "missing_scope":
        needed = _data(exc).get("needed")
        scope = f"the {needed} scope" if isinstance(needed, str) and needed else "its scopes"
        return ChannelUnavailable(
            ChannelProblem.MISSING_PERMISSION,
            f"A workspace admin must grant the Slack app {scope} (OAuth & Permissions) and "
            "reinstall it.")
    if code == "restricted_action":
        return ChannelUnavailable(
            ChannelProblem.MISSING_PERMISSION,
            "The workspace's posting rules keep the bot out of this channel: a workspace "
            "admin must allow it to post here.")
    return None
