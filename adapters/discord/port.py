"""``DiscordPort``: the core's ``ChatPort`` on discord.py's REST client.

Ids are snowflakes carried as strings. A thread started from a card has the card's id, so a
``ThreadRef`` is (parent channel, thread id = card id). Messages posted in a thread live in
the thread's own channel: the port remembers where each message it saw lives, because the
core acknowledges a note with the thread's *parent* channel and Discord wants the thread.
Everything goes through discord.py's HTTP client, so its rate-limit handling applies. A 403
(Missing Access, Missing Permissions) or 404 Unknown Channel will not go away by retrying: it
leaves as the core's ``ChannelUnavailable``, naming the permissions this step needs that the
bot lacks there.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from adapters.discord.emoji import to_discord
from adapters.discord.markers import carries_marker
from adapters.discord.render import DiscordMessage, render, render_file
from adapters.discord.text import visible
from bot.errors import ChannelProblem, ChannelUnavailable
from bot.messages import File, Message
from bot.ports import PostRef, ThreadRef

if TYPE_CHECKING:  # typing only: discord.types and discord import each other
    from discord.types.threads import ThreadArchiveDuration

log = logging.getLogger(__name__)

PLATFORM = "discord"
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
THREAD_NAME_MAX = 100
_REMEMBER = 5000
MISSING_ACCESS, UNKNOWN_CHANNEL = 50001, 10003

# What each step needs, as discord.Permissions attributes, and how Discord's UI names them.
POST = ("view_channel", "send_messages", "embed_links")
UPLOAD = ("view_channel", "send_messages", "attach_files")
THREAD = ("view_channel", "create_public_threads", "read_message_history")
IN_THREAD = ("view_channel", "send_messages_in_threads", "embed_links")
REACT = ("view_channel", "read_message_history", "add_reactions")
HISTORY = ("view_channel", "read_message_history")
PERMISSION_NAMES = {
    "view_channel": "View Channel", "send_messages": "Send Messages",
    "embed_links": "Embed Links", "attach_files": "Attach Files",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "read_message_history": "Read Message History", "add_reactions": "Add Reactions",
}


class DiscordPort:
    """Posts, threads, reactions, uploads and look-ups in channel history for the core."""

    platform = PLATFORM

    def __init__(self, client: discord.Client,
                 thread_archive_minutes: ThreadArchiveDuration = 10080) -> None:
        self.client = client
        self.thread_archive_minutes = thread_archive_minutes
        self._where: OrderedDict[int, int] = OrderedDict()  # message id -> its channel id

    # --- ChatPort ----------------------------------------------------------------------------

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        """A top-level message, or one in ``thread`` (whose ref then names the thread as its
        channel, as Discord does); a ``File`` is uploaded."""
        if isinstance(message, File):
            return await self.upload(channel_id, message, thread)
        if thread is not None:
            sent = await self.send(int(thread.root_message_id), render(message), IN_THREAD)
            return PostRef(PLATFORM, thread.root_message_id, str(sent.id))
        sent = await self.send(int(channel_id), render(message), POST)
        return PostRef(PLATFORM, channel_id, str(sent.id))

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        """Start a public thread from the card; an existing one (same id) is returned."""
        async with self.channel_errors(int(post.channel_id), THREAD):
            channel = await self._guild_channel(int(post.channel_id))
            card = channel.get_partial_message(int(post.message_id))  # type: ignore[union-attr]
            try:
                thread = await card.create_thread(
                    name=thread_name(name),
                    auto_archive_duration=self.thread_archive_minutes)
                thread_id = thread.id
            except discord.HTTPException as exc:
                if exc.code != THREAD_EXISTS:
                    raise
                thread_id = int(post.message_id)
                log.info("thread for %s already existed; reusing it", post.message_id)
        return ThreadRef(PLATFORM, post.channel_id, str(thread_id))

    async def react(self, post: PostRef, emoji: str) -> None:
        channel_id = self.locate(int(post.message_id), int(post.channel_id))
        partial = self.client.get_partial_messageable(channel_id)
        async with self.channel_errors(channel_id, REACT):
            await partial.get_partial_message(int(post.message_id)).add_reaction(
                to_discord(emoji))

    async def upload(self, channel_id: str, file: File, thread: ThreadRef | None = None
                     ) -> PostRef:
        target = thread.root_message_id if thread else channel_id
        sent = await self.send(int(target), render_file(file), UPLOAD)
        return PostRef(PLATFORM, target, str(sent.id))

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        """The bot's message carrying ``marker`` (exactly, where the renderer puts it:
        ``adapters.discord.markers``), posted since ``since``:
        pages forward from that moment (100 messages a request), so a busy channel cannot
        push the message out of reach."""
        channel = self.client.get_partial_messageable(int(channel_id))
        async with self.channel_errors(int(channel_id), HISTORY):
            async for msg in channel.history(limit=None, after=since, oldest_first=True):
                if self.is_mine(msg) and carries_marker(msg, marker):
                    return PostRef(PLATFORM, channel_id, str(msg.id))
        return None

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        """The bot's first message in a thread (the outbox's ``ThreadProbe``), if any."""
        channel = self.client.get_partial_messageable(int(thread.root_message_id))
        try:
            async with self.channel_errors(int(thread.root_message_id), HISTORY):
                async for msg in channel.history(limit=50, oldest_first=True):
                    if (self.is_mine(msg) and str(msg.id) != thread.root_message_id
                            and msg.type in (discord.MessageType.default,
                                             discord.MessageType.reply)):
                        return PostRef(PLATFORM, thread.root_message_id, str(msg.id))
        except ChannelUnavailable as exc:
            if exc.reason is ChannelProblem.CHANNEL_NOT_FOUND:
                return None  # no thread yet
            raise
        return None

    async def find_thread_marker(self, thread: ThreadRef, marker: str) -> PostRef | None:
        """The bot's message in ``thread`` carrying ``marker`` (exactly, where the renderer
        puts it), reading the thread's whole history oldest first."""
        channel = self.client.get_partial_messageable(int(thread.root_message_id))
        try:
            async with self.channel_errors(int(thread.root_message_id), HISTORY):
                async for msg in channel.history(limit=None, oldest_first=True):
                    if self.is_mine(msg) and carries_marker(msg, marker):
                        return PostRef(PLATFORM, thread.root_message_id, str(msg.id))
        except ChannelUnavailable as exc:
            if exc.reason is ChannelProblem.CHANNEL_NOT_FOUND:
                return None  # no thread: nothing was posted in it
            raise
        return None

    # --- helpers -----------------------------------------------------------------------------

    async def send(self, channel_id: int, message: DiscordMessage,
                   needs: tuple[str, ...] = POST) -> discord.Message:
        """Send one rendered message (allowed mentions always set) and remember where it is."""
        channel = self.client.get_partial_messageable(channel_id)
        async with self.channel_errors(channel_id, needs):
            sent = await channel.send(**message.send_kwargs())
        self.remember(sent.id, channel_id)
        return sent

    @asynccontextmanager
    async def channel_errors(self, channel_id: int, needs: tuple[str, ...]
                             ) -> AsyncIterator[None]:
        """Re-raise what only a person can fix as ``ChannelUnavailable``, others as they are."""
        try:
            yield
        except discord.Forbidden as exc:
            log.warning("Discord refuses channel %s: %s (%s)", channel_id, exc.code, exc.text)
            lacking = needs if exc.code == MISSING_ACCESS else self.lacking(channel_id, needs)
            names = [PERMISSION_NAMES[p] for p in lacking]
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            raise ChannelUnavailable(
                ChannelProblem.MISSING_PERMISSION,
                f"In this channel's settings (Permissions), allow {self.bot_name()} "
                f"{listed}.") from exc
        except discord.NotFound as exc:
            if exc.code != UNKNOWN_CHANNEL:
                raise
            log.warning("Discord: channel %s is unknown (deleted, or not visible)", channel_id)
            raise ChannelUnavailable(
                ChannelProblem.CHANNEL_NOT_FOUND,
                f"If the channel was deleted, run /scoop subscribe in another one; otherwise "
                f"allow {self.bot_name()} View Channel there.") from exc

    def lacking(self, channel_id: int, needs: tuple[str, ...]) -> tuple[str, ...]:
        """The permissions in ``needs`` the bot lacks in the channel, as far as the cache
        knows (all of ``needs`` when it does not know the channel)."""
        channel = self.client.get_channel(channel_id)
        guild = getattr(channel, "guild", None)
        me = guild.me if guild is not None else None
        if channel is None or me is None or not hasattr(channel, "permissions_for"):
            return needs
        perms = channel.permissions_for(me)
        return tuple(p for p in needs if not getattr(perms, p)) or needs

    def bot_name(self) -> str:
        me = self.client.user
        return me.name if me is not None else "scoopwatch"

    def remember(self, message_id: int, channel_id: int) -> None:
        self._where[message_id] = channel_id
        self._where.move_to_end(message_id)
        while len(self._where) > _REMEMBER:
            self._where.popitem(last=False)

    def locate(self, message_id: int, fallback: int) -> int:
        """The channel (often a thread) a message lives in, as far as the bot has seen it."""
        if message_id in self._where:
            return self._where[message_id]
        cached = self.client._connection._get_message(message_id)
        return cached.channel.id if cached is not None else fallback

    def is_mine(self, msg: discord.Message) -> bool:
        me = self.client.user
        return me is not None and msg.author.id == me.id

    async def _guild_channel(self, channel_id: int) -> discord.abc.GuildChannel | discord.Thread:
        """A channel with its guild (``create_thread`` needs it): cache first, else REST."""
        channel = self.client.get_channel(channel_id)
        if channel is None:
            channel = await self.client.fetch_channel(channel_id)
        if isinstance(channel, discord.abc.PrivateChannel):
            raise TypeError(f"channel {channel_id} is not a server channel: no threads there")
        return channel


def thread_name(name: str) -> str:
    """Thread names: 1-100 characters of plain text (controls shown, no bidi formatting)."""
    flat = " ".join(visible(name).split())
    if len(flat) > THREAD_NAME_MAX:
        flat = flat[: THREAD_NAME_MAX - 1].rstrip() + "…"
    return flat or "paper"
