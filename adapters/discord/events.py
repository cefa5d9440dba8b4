"""discord.py objects -> the core's platform-neutral events. Translation only.

Every reply in a server thread that is not from a bot is forwarded; the core decides whether
the thread hangs off one of its cards. A thread started from a card has the card's id, so
``ThreadRef(channel_id=parent channel, root_message_id=thread id)`` names the card's thread.
Raw edit/delete/reaction events are used because they arrive even for uncached messages.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

import discord

from adapters.discord.emoji import to_core
from bot.ports import Actor, PostRef, Reaction, ThreadRef, ThreadReply, ThreadReplyDeleted

log = logging.getLogger(__name__)

PLATFORM = "discord"
REPLY_TYPES = (discord.MessageType.default, discord.MessageType.reply)
_MARKUP = re.compile(r"<(@[!&]?|#)(\d{15,21})>|<a?:(\w{2,32}):\d{15,21}>")
_MEMO = 2000


class ThreadInfo(NamedTuple):
    """A server thread: its id (= the id of the message it was started from) and parent."""

    thread_id: int
    parent_id: int


def actor_of(user: discord.abc.User) -> Actor:
    return Actor(str(user.id), user.display_name, bool(user.bot))


def plain_text(message: discord.Message) -> str:
    """What a reader sees: ``@name``, ``@role``, ``#channel``, ``:emoji:`` instead of markup.

    Broadcasts stay as typed (``@everyone``); renderers escape them when quoting.
    """
    users = {u.id: u for u in message.mentions}
    roles = {r.id: r for r in message.role_mentions}
    guild = message.guild

    def repl(m: re.Match[str]) -> str:
        if m[3]:
            return f":{m[3]}:"
        kind, ident = m[1], int(m[2])
        if kind in ("@", "@!"):
            user = users.get(ident) or (guild.get_member(ident) if guild else None)
            return f"@{user.display_name}" if user else "@unknown-user"
        if kind == "@&":
            role = roles.get(ident) or (guild.get_role(ident) if guild else None)
            return f"@{role.name}" if role else "@unknown-role"
        channel = guild.get_channel_or_thread(ident) if guild else None
        return f"#{channel.name}" if channel else "#unknown-channel"

    return _MARKUP.sub(repl, message.content)


class EventTranslator:
    """Builds core events; resolves a channel to its thread/parent (cache, else REST, memoised)."""

    def __init__(self, client: discord.Client,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.client = client
        self.clock = clock
        self._threads: OrderedDict[int, ThreadInfo | None] = OrderedDict()

    def me(self) -> int | None:
        return self.client.user.id if self.client.user else None

    async def thread_of(self, channel_id: int) -> ThreadInfo | None:
        """The thread ``channel_id`` is, or None for a non-thread (or unknown) channel."""
        channel = self.client.get_channel(channel_id)
        if isinstance(channel, discord.Thread):
            return ThreadInfo(channel.id, channel.parent_id)
        if channel is not None:
            return None
        if channel_id in self._threads:
            return self._threads[channel_id]
        try:
            fetched = await self.client.fetch_channel(channel_id)
        except discord.HTTPException as exc:
            log.warning("cannot look up channel %s: %s", channel_id, exc)
            return None
        info = (ThreadInfo(fetched.id, fetched.parent_id)
                if isinstance(fetched, discord.Thread) else None)
        self._threads[channel_id] = info
        while len(self._threads) > _MEMO:
            self._threads.popitem(last=False)
        return info

    async def reply(self, message: discord.Message, *, edited: bool = False
                    ) -> ThreadReply | None:
        """A member's message in a server thread (new or edited), else None."""
        if message.guild is None or message.type not in REPLY_TYPES:
            return None
        if message.author.bot or message.webhook_id or message.author.id == self.me():
            return None
        if edited and message.edited_at is None:
            return None  # an embed or flag update, not an edit by the author
        info = await self.thread_of(message.channel.id)
        if info is None:
            return None
        thread = ThreadRef(PLATFORM, str(info.parent_id), str(info.thread_id))
        at = (message.edited_at if edited else None) or message.created_at
        event_id = (f"edit:{message.id}:{at.isoformat()}" if edited
                    else f"create:{message.id}")
        return ThreadReply(PLATFORM, str(message.guild.id), thread, str(message.id),
                           actor_of(message.author), plain_text(message), at,
                           event_id=event_id, edited=edited, located_in=str(message.channel.id))

    async def deleted(self, payload: discord.RawMessageDeleteEvent) -> ThreadReplyDeleted | None:
        """A deletion that may be a note's: in a thread, or in a channel not in the cache."""
        if payload.guild_id is None:
            return None
        cached = payload.cached_message
        if cached is not None and (cached.author.bot or cached.author.id == self.me()):
            return None
        channel = self.client.get_channel(payload.channel_id)
        if channel is not None and not isinstance(channel, discord.Thread):
            return None  # a top-level message: never a note
        thread = (ThreadRef(PLATFORM, str(channel.parent_id), str(channel.id))
                  if isinstance(channel, discord.Thread) else None)
        return ThreadReplyDeleted(PLATFORM, str(payload.guild_id), thread,
                                  str(payload.message_id), self.clock())

    async def reaction(self, payload: discord.RawReactionActionEvent) -> Reaction | None:
        """A member's reaction added to, or removed from, a top-level message (cards are never
        inside threads). A removal carries no member: a user not in the cache is named by
        nobody (the core keeps the name it knows)."""
        if payload.guild_id is None or payload.user_id == self.me():
            return None
        if isinstance(self.client.get_channel(payload.channel_id), discord.Thread):
            return None
        user = payload.member or self.client.get_user(payload.user_id)
        actor = actor_of(user) if user else Actor(str(payload.user_id), "")
        post = PostRef(PLATFORM, str(payload.channel_id), str(payload.message_id))
        return Reaction(PLATFORM, str(payload.guild_id), post, actor, to_core(payload.emoji),
                        self.clock(), removed=payload.event_type == "REACTION_REMOVE")
