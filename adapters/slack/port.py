"""``SlackPort``: the core's ``ChatPort`` on the Slack Web API.

A Slack thread *is* its root message, so ``open_thread`` only names the card's ``ts``; the
prompt is posted with ``thread_ts`` of the card. Posts go through the per-channel pacer; the
client's retry handlers wait out 429s. Messages are posted without unfurls or name linking so
a card stays exactly what the renderer built. Errors only a person can fix (the bot not
invited, the channel archived or gone) leave as the core's ``ChannelUnavailable``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import channel_problem, error_code
from adapters.slack.escape import escape, visible
from adapters.slack.markers import carries_marker
from adapters.slack.pacing import ChannelPacer
from adapters.slack.render import SlackMessage, render
from bot.messages import DigestHeader, File, Message
from bot.ports import PostRef, ThreadRef

log = logging.getLogger(__name__)

PLATFORM = "slack"
HISTORY_PAGE = 200  # conversations.history page size Slack recommends
DEFAULT_BOT_NAME = "scoopwatch"  # the manifests' bot user, until auth.test names it


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is in its workspace (from ``auth.test``)."""

    user_id: str
    bot_id: str | None
    team_id: str
    team: str = ""
    url: str = ""
    name: str = ""  # the bot user's handle, as members type it after /invite @


class SlackPort:
    """Posts, threads, reactions, uploads and marker look-ups for the core."""

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient, pacer: ChannelPacer | None = None) -> None:
        self.client = client
        self.pacer = pacer or ChannelPacer()
        self._me: BotIdentity | None = None

    async def identity(self) -> BotIdentity:
        """``auth.test`` once: also the start-up check that the bot token works."""
        if self._me is None:
            resp = await self.client.auth_test()
            self._me = BotIdentity(resp["user_id"], resp.get("bot_id"), resp.get("team_id", ""),
                                   resp.get("team", ""), resp.get("url", ""),
                                   resp.get("user", ""))
        return self._me

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        """A top-level message, or a reply when ``thread`` is given; a ``File`` is uploaded."""
        if isinstance(message, File):
            return await self.upload(channel_id, message, thread)
        links = await self.permalinks(message) if isinstance(message, DigestHeader) else {}
        return await self._send(channel_id, render(message, links),
                                thread.root_message_id if thread else None)

    async def permalinks(self, header: DigestHeader) -> dict[str, str]:
        """Links to the header's open threads (``chat.getPermalink``: no scope needed, hundreds
        a minute), by root ``ts``. One Slack cannot link (the card was deleted) is shown as
        its title alone: a missing link never holds the digest back."""
        links: dict[str, str] = {}
        for thread in header.open_threads:
            try:
                resp = await self.client.chat_getPermalink(channel=thread.channel_id,
                                                           message_ts=thread.root_message_id)
            except SlackApiError as exc:
                log.info("no permalink for %s in %s: %s", thread.root_message_id,
                         thread.channel_id, error_code(exc))
                continue
            if resp.get("permalink"):
                links[thread.root_message_id] = str(resp["permalink"])
        return links

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        """Nothing to create on Slack: replies hang off the card's ``ts``."""
        return ThreadRef(PLATFORM, post.channel_id, post.message_id)

    async def react(self, post: PostRef, emoji: str) -> None:
        try:
            async with self.channel_errors():
                await self.client.reactions_add(channel=post.channel_id,
                                                timestamp=post.message_id, name=emoji.strip(":"))
        except SlackApiError as exc:
            if error_code(exc) != "already_reacted":
                raise

    async def upload(self, channel_id: str, file: File, thread: ThreadRef | None = None
                     ) -> PostRef:
        """``files_upload_v2``; the returned ref names the file (Slack shares it async)."""
        comment = escape(file.comment) if file.comment else None
        async with self.pacer.slot(channel_id), self.channel_errors():
            resp = await self.client.files_upload_v2(
                channel=channel_id, content=file.content, filename=file.filename,
                title=visible(file.title), initial_comment=comment,
                thread_ts=thread.root_message_id if thread else None,
            )
        uploaded: dict[str, Any] = resp.get("file") or (resp.get("files") or [{}])[0]
        return PostRef(PLATFORM, channel_id, _shared_ts(uploaded, channel_id)
                       or uploaded.get("id", ""))

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        """The bot's top-level message carrying ``marker`` (exactly, where the renderer puts
        it: ``adapters.slack.markers``) posted since ``since``: pages back through
        ``conversations.history`` (newest first) until that moment, so a busy channel cannot
        push the message out of reach."""
        me = await self.identity()
        cursor: str | None = None
        while True:
            async with self.channel_errors():
                resp = await self.client.conversations_history(
                    channel=channel_id, oldest=f"{since.timestamp():.6f}", inclusive=True,
                    limit=HISTORY_PAGE, cursor=cursor)
            for msg in resp.get("messages") or []:
                if self._is_mine(msg, me) and carries_marker(msg.get("text") or "", marker):
                    return PostRef(PLATFORM, channel_id, msg["ts"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not resp.get("has_more") or cursor is None:
                return None

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        """The bot's first reply in a thread (the outbox's ``ThreadProbe``)."""
        me = await self.identity()
        async with self.channel_errors():
            resp = await self.client.conversations_replies(channel=thread.channel_id,
                                                           ts=thread.root_message_id, limit=100)
        for msg in resp.get("messages") or []:
            if msg.get("ts") != thread.root_message_id and self._is_mine(msg, me):
                return PostRef(PLATFORM, thread.channel_id, msg["ts"])
        return None

    async def find_thread_marker(self, thread: ThreadRef, marker: str) -> PostRef | None:
        """The bot's reply in ``thread`` carrying ``marker`` (exactly, as ``find_marker``
        matches it), paging through ``conversations.replies``."""
        me = await self.identity()
        cursor: str | None = None
        while True:
            async with self.channel_errors():
                resp = await self.client.conversations_replies(
                    channel=thread.channel_id, ts=thread.root_message_id, limit=HISTORY_PAGE,
                    cursor=cursor)
            for msg in resp.get("messages") or []:
                if (msg.get("ts") != thread.root_message_id and self._is_mine(msg, me)
                        and carries_marker(msg.get("text") or "", marker)):
                    return PostRef(PLATFORM, thread.channel_id, msg["ts"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not resp.get("has_more") or cursor is None:
                return None

    @asynccontextmanager
    async def channel_errors(self) -> AsyncIterator[None]:
        """Re-raise errors only a person can fix as ``ChannelUnavailable``; others as they are."""
        try:
            yield
        except SlackApiError as exc:
            problem = channel_problem(exc, self._me.name if self._me and self._me.name
                                      else DEFAULT_BOT_NAME)
            if problem is None:
                raise
            log.warning("Slack refuses the channel: %s", error_code(exc))
            raise problem from exc

    @staticmethod
    def _is_mine(msg: dict[str, Any], me: BotIdentity) -> bool:
        return msg.get("user") == me.user_id or (
            me.bot_id is not None and msg.get("bot_id") == me.bot_id)

    async def _send(self, channel_id: str, message: SlackMessage,
                    thread_ts: str | None = None) -> PostRef:
        async with self.pacer.slot(channel_id), self.channel_errors():
            resp = await self.client.chat_postMessage(
                channel=channel_id, text=message.text, blocks=message.blocks,
                thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, link_names=False,
            )
        return PostRef(PLATFORM, resp.get("channel") or channel_id, resp["ts"])


def _shared_ts(uploaded: dict[str, Any], channel_id: str) -> str | None:
    """The ts of the message sharing an upload, when Slack already reports it."""
    shares = uploaded.get("shares") or {}
    for scope in ("public", "private"):
        found = (shares.get(scope) or {}).get(channel_id) or []
        if found and found[0].get("ts"):
            return str(found[0]["ts"])
    return None
