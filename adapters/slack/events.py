"""Slack payloads -> the core's platform-neutral events.

Only translation happens here. Every threaded message that is not a bot's is forwarded: the
core decides whether the thread is a paper thread (and its inbox recognises redeliveries).
Inbound text arrives entity-escaped with Slack markup (``<@U1>``, ``<https://x|label>``);
command text keeps its mentions (the core's member references understand them) while note
text becomes readable plain text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from adapters.slack.escape import unescape
from adapters.slack.users import UserDirectory
from bot.ports import (
    Actor,
    CommandEvent,
    PostRef,
    Reaction,
    ThreadRef,
    ThreadReply,
    ThreadReplyDeleted,
    mention_token,
)

log = logging.getLogger(__name__)

PLATFORM = "slack"
REPLY_SUBTYPES = frozenset({"thread_broadcast", "file_share", "me_message"})
_MARKUP_RE = re.compile(r"<([^<>]*)>")
_COMMAND_MARKUP_RE = re.compile(r"<([@!])([^<>|]+)(?:\|([^<>]*))?>")
_BROADCASTS = frozenset({"here", "channel", "everyone"})

Body = dict[str, Any]


def ts_time(ts: str | None) -> datetime:
    """A Slack ``ts`` (``"1732800000.000100"``) as an aware UTC datetime."""
    try:
        return datetime.fromtimestamp(float(ts or ""), tz=UTC)
    except ValueError:
        return datetime.now(UTC)


def is_bot_message(message: Body) -> bool:
    return bool(message.get("bot_id")) or message.get("subtype") == "bot_message"


@dataclass(frozen=True, slots=True)
class MessageChange:
    """A thread message created, edited or deleted, before names are resolved."""

    kind: Literal["new", "edit", "delete"]
    workspace: str
    channel: str
    thread_ts: str | None
    ts: str
    user: str | None
    text: str
    at: datetime
    event_id: str | None


def parse_message(body: Body) -> MessageChange | None:
    """A ``message`` event callback as a thread change, or None when it is not one of ours."""
    event = body.get("event") or {}
    workspace = body.get("team_id") or event.get("team") or ""
    channel = event.get("channel") or ""
    subtype = event.get("subtype")
    event_id = body.get("event_id")
    if subtype == "message_changed":
        msg = event.get("message") or {}
        if is_bot_message(msg) or not _is_reply(msg):
            return None
        edited = msg.get("edited") or {}
        return MessageChange("edit", workspace, channel, msg["thread_ts"], msg["ts"],
                             msg.get("user"), msg.get("text") or "",
                             ts_time(edited.get("ts") or event.get("ts")), event_id)
    if subtype == "message_deleted":
        prev = event.get("previous_message") or {}
        if is_bot_message(prev) or (prev and not _is_reply(prev)):
            return None
        deleted = event.get("deleted_ts") or prev.get("ts")
        if not deleted:
            return None
        return MessageChange("delete", workspace, channel, prev.get("thread_ts"), deleted,
                             prev.get("user"), "", ts_time(event.get("ts")), event_id)
    if subtype is not None and subtype not in REPLY_SUBTYPES:
        return None
    if is_bot_message(event) or not _is_reply(event) or not event.get("user"):
        return None
    return MessageChange("new", workspace, channel, event["thread_ts"], event["ts"],
                         event["user"], event.get("text") or "", ts_time(event.get("ts")),
                         event_id)


def _is_reply(message: Body) -> bool:
    """In a thread and not its root."""
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and bool(message.get("ts")) and thread_ts != message.get("ts")


def reaction_name(raw: str | None) -> str:
    """A reaction as the core names it: Slack's name without its skin tone
    (``hand::skin-tone-3`` is ``hand``), so every tone of ✋ means the same."""
    return (raw or "").split("::")[0]


def command_text(raw: str) -> str:
    """Slash-command text as the core reads it: ``<@U1|ana>`` becomes the core's mention
    (``bot.ports.mention_token``), ``<!channel>``-style broadcasts the plain words ``@channel``
    and the like (which the core refuses as members), a user group ``<!subteam^S1|@devs>`` its
    name; then Slack's entity escaping is undone."""
    def rewrite(m: re.Match[str]) -> str:
        kind, target, label = m.groups()
        if kind == "@":
            return mention_token(target)
        special = target.split("^")[0]
        if special in _BROADCASTS:
            return "@" + special
        return "@" + unescape(label).lstrip("@") if label else m.group(0)  # a user group
    return unescape(_COMMAND_MARKUP_RE.sub(rewrite, raw))


async def to_plain(text: str, users: UserDirectory) -> str:
    """Slack markup -> what a reader sees: ``@name``, ``#channel``, ``label (url)``."""
    parts: list[str] = []
    last = 0
    for m in _MARKUP_RE.finditer(text):
        parts.append(unescape(text[last:m.start()]))
        parts.append(await _markup_to_plain(m.group(1), users))
        last = m.end()
    parts.append(unescape(text[last:]))
    return "".join(parts)


async def _markup_to_plain(inner: str, users: UserDirectory) -> str:
    target, _, label = inner.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        return "@" + (label or await users.name(target[1:]))
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        special = target[1:].split("^")[0]
        if special in ("here", "channel", "everyone"):
            return "@" + special
        return label or special
    url = unescape(target)
    if not label or label == url or url.removeprefix("mailto:") == label:
        return label or url
    return f"{label} ({url})"


class EventTranslator:
    """Builds core events from Slack payloads, resolving display names."""

    def __init__(self, users: UserDirectory) -> None:
        self.users = users

    async def actor(self, user_id: str, fallback: str | None = None) -> Actor:
        info = await self.users.get(user_id, fallback)
        return Actor(user_id, info.name, info.is_bot)

    async def command(self, body: Body) -> CommandEvent:
        """A ``/scoop`` payload, its mentions in the core's notation (:func:`command_text`)."""
        actor = await self.actor(body["user_id"], body.get("user_name"))
        return CommandEvent(PLATFORM, body.get("team_id") or "", body.get("channel_id") or "",
                            actor, command_text(body.get("text") or ""))

    async def shortcut(self, body: Body, text: str) -> CommandEvent:
        """A message shortcut as the command ``text`` run in the message's thread (the
        message itself when it is a thread's root, a card)."""
        user = body.get("user") or {}
        channel = (body.get("channel") or {}).get("id") or ""
        message = body.get("message") or {}
        root = message.get("thread_ts") or message.get("ts") or body.get("message_ts") or ""
        actor = await self.actor(user.get("id") or "", user.get("username") or user.get("name"))
        workspace = (body.get("team") or {}).get("id") or ""
        return CommandEvent(PLATFORM, workspace, channel, actor, text,
                            ThreadRef(PLATFORM, channel, root) if root else None)

    async def message(self, body: Body) -> ThreadReply | ThreadReplyDeleted | None:
        change = parse_message(body)
        if change is None:
            return None
        thread = (ThreadRef(PLATFORM, change.channel, change.thread_ts)
                  if change.thread_ts else None)
        if change.kind == "delete":
            return ThreadReplyDeleted(PLATFORM, change.workspace, thread, change.ts, change.at)
        if thread is None or change.user is None:
            return None
        return ThreadReply(PLATFORM, change.workspace, thread, change.ts,
                           await self.actor(change.user), await to_plain(change.text, self.users),
                           change.at, event_id=change.event_id, edited=change.kind == "edit")

    async def reaction(self, body: Body) -> Reaction | None:
        """``reaction_added`` or ``reaction_removed`` (same payload) on a message."""
        event = body.get("event") or {}
        item = event.get("item") or {}
        if item.get("type") != "message" or not event.get("user"):
            return None
        post = PostRef(PLATFORM, item.get("channel") or "", item.get("ts") or "")
        return Reaction(PLATFORM, body.get("team_id") or "", post,
                        await self.actor(event["user"]), reaction_name(event.get("reaction")),
                        ts_time(event.get("event_ts")),
                        removed=event.get("type") == "reaction_removed")
