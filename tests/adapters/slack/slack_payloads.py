"""Slack payloads in the shapes Slack sends them (Events API, slash commands, Socket Mode),
plus request signing. Shapes follow Slack's reference examples for ``message``,
``message_changed``, ``message_deleted``, ``reaction_added``, ``reaction_removed``,
``message_action`` (a message shortcut) and slash-command form fields.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from typing import Any
from urllib.parse import urlencode

from slack_fake_api import TEAM

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CHANNEL = "C0DIGEST1"
_event_ids = itertools.count(1)


def next_event_id() -> str:
    return f"Ev0{next(_event_ids):08d}"


def slash_form(text: str, response_url: str, *, user: str = "U0ANA0001",
               user_name: str = "ana", channel: str = CHANNEL) -> dict[str, str]:
    """The form fields of a ``/scoop`` request."""
    return {
        "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": TEAM, "team_domain": "lab",
        "channel_id": channel, "channel_name": "related-work", "user_id": user,
        "user_name": user_name, "command": "/scoop", "text": text, "api_app_id": "A0001",
        "is_enterprise_install": "false", "response_url": response_url,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }


def event_callback(event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """The Events API wrapper around one event."""
    return {
        "token": "XXYYZZ", "team_id": TEAM, "api_app_id": "A0001", "event": event,
        "type": "event_callback", "event_id": event_id or next_event_id(),
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": "UBOT0SW01",
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }


def thread_reply(user: str, text: str, ts: str, thread_ts: str, *,
                 channel: str = CHANNEL) -> dict[str, Any]:
    return {
        "client_msg_id": f"cmid-{ts}", "type": "message", "text": text, "user": user,
        "ts": ts, "team": TEAM, "thread_ts": thread_ts, "parent_user_id": "UBOT0SW01",
        "blocks": [{"type": "rich_text", "block_id": "x", "elements": []}],
        "channel": channel, "event_ts": ts, "channel_type": "channel",
    }


def message_changed(user: str, new_text: str, old_text: str, ts: str, thread_ts: str,
                    edited_ts: str, *, channel: str = CHANNEL) -> dict[str, Any]:
    message = {"client_msg_id": f"cmid-{ts}", "type": "message", "text": new_text,
               "user": user, "team": TEAM, "edited": {"user": user, "ts": edited_ts},
               "ts": ts, "thread_ts": thread_ts, "parent_user_id": "UBOT0SW01",
               "source_team": TEAM, "user_team": TEAM}
    previous = {"client_msg_id": f"cmid-{ts}", "type": "message", "text": old_text,
                "user": user, "ts": ts, "team": TEAM, "thread_ts": thread_ts,
                "parent_user_id": "UBOT0SW01"}
    return {"type": "message", "subtype": "message_changed", "message": message,
            "previous_message": previous, "channel": channel, "hidden": True,
            "ts": edited_ts, "event_ts": edited_ts, "channel_type": "channel"}


def message_deleted(user: str, text: str, ts: str, thread_ts: str, deleted_at: str, *,
                    channel: str = CHANNEL) -> dict[str, Any]:
    previous = {"client_msg_id": f"cmid-{ts}", "type": "message", "text": text, "user": user,
                "ts": ts, "team": TEAM, "thread_ts": thread_ts, "parent_user_id": "UBOT0SW01"}
    return {"type": "message", "subtype": "message_deleted", "previous_message": previous,
            "channel": channel, "hidden": True, "deleted_ts": ts, "event_ts": deleted_at,
            "ts": deleted_at, "channel_type": "channel"}


def reaction_added(user: str, reaction: str, item_ts: str, *, channel: str = CHANNEL,
                   item_user: str = "UBOT0SW01") -> dict[str, Any]:
    return {"type": "reaction_added", "user": user, "reaction": reaction,
            "item_user": item_user,
            "item": {"type": "message", "channel": channel, "ts": item_ts},
            "event_ts": "1732800999.000100"}


def reaction_removed(user: str, reaction: str, item_ts: str, *, channel: str = CHANNEL,
                     item_user: str = "UBOT0SW01") -> dict[str, Any]:
    """The same payload as ``reaction_added``, sent when the member takes the reaction back."""
    return {**reaction_added(user, reaction, item_ts, channel=channel, item_user=item_user),
            "type": "reaction_removed", "event_ts": "1732801999.000100"}
def message_shortcut(callback_id: str, message: dict[str, Any], response_url: str, *,
                     user: str = "U0ANA0001", user_name: str = "ana",
                     channel: str = CHANNEL) -> dict[str, Any]:
    """A message shortcut chosen from a message's ⋯ menu (``message_action``), as Slack
    posts it (form field ``payload``, JSON)."""
    return {
        "type": "message_action", "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "action_ts": "1732899999.000100", "team": {"id": TEAM, "domain": "lab"},
        "user": {"id": user, "username": user_name, "team_id": TEAM, "name": user_name},
        "channel": {"id": channel, "name": "related-work"}, "is_enterprise_install": False,
        "enterprise": None, "callback_id": callback_id,
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "message_ts": message["ts"], "message": message, "response_url": response_url,
    }


def sign(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None
         ) -> dict[str, str]:
    """The ``X-Slack-Signature`` v0 headers Slack sends (HMAC-SHA256 of ``v0:ts:body``)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def form_body(fields: dict[str, str]) -> str:
    return urlencode(fields)


def socket_envelope(kind: str, payload: dict[str, Any], *, envelope_id: str,
                    retry_attempt: int | None = None) -> dict[str, Any]:
    """A Socket Mode envelope (``events_api`` or ``slash_commands``)."""
    env: dict[str, Any] = {"envelope_id": envelope_id, "payload": payload, "type": kind,
                           "accepts_response_payload": kind != "events_api"}
    if retry_attempt is not None:
        env["retry_attempt"] = retry_attempt
        env["retry_reason"] = "timeout"
    return env
