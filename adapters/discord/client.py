"""The discord.py client: intents, the ``/scoop`` command tree and the event handlers.

Handlers only translate (``EventTranslator``) and call the core. Raw edit/delete/reaction
events are used because Discord sends them even for messages not in the client's cache.
Redelivered gateway events (after a resume) are skipped by id; the core also records each
message once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.commands import build_group
from adapters.discord.events import EventTranslator
from adapters.discord.interactions import CommandRunner, CoreApi, Suggestions
from adapters.discord.port import DiscordPort
from adapters.discord.render import DiscordMessage
from adapters.inflight import Inflight

if TYPE_CHECKING:  # typing only: discord.types and discord import each other
    from discord.types.threads import ThreadArchiveDuration

log = logging.getLogger(__name__)


def scoop_intents() -> discord.Intents:
    """Guilds, guild messages, reactions and the privileged message content."""
    return discord.Intents(guilds=True, guild_messages=True, reactions=True,
                           message_content=True)


class SeenEvents:
    """The last ``maxsize`` event keys, so a redelivered event is handled once."""

    def __init__(self, maxsize: int = 10_000) -> None:
        self.maxsize = maxsize
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self.maxsize:
            self._seen.popitem(last=False)
        return True

    def forget(self, key: str) -> None:
        self._seen.pop(key, None)


class ScoopClient(discord.Client):
    """A ``discord.Client`` wired to the core: ``tree`` for commands, ``port`` for posting."""

    def __init__(self, core: CoreApi, *, guild_ids: tuple[int, ...] = (),
                 answer_within: float = 1.5,
                 thread_archive_minutes: ThreadArchiveDuration = 10080,
                 **options: Any) -> None:
        options.setdefault("intents", scoop_intents())
        options.setdefault("allowed_mentions", DiscordMessage().allowed_mentions())
        super().__init__(**options)
        self.core = core
        self.guild_ids = guild_ids
        self.port = DiscordPort(self, thread_archive_minutes)
        self.translator = EventTranslator(self)
        self.runner = CommandRunner(core, answer_within=answer_within)
        self.tree: app_commands.CommandTree[ScoopClient] = app_commands.CommandTree(self)
        self.suggestions = Suggestions(core)
        self.tree.add_command(build_group(self.runner, self.suggestions))
        for guild_id in guild_ids:  # guild commands appear at once; global ones take a while
            self.tree.copy_global_to(guild=discord.Object(guild_id))
        self.inflight = Inflight()
        self.seen = SeenEvents()

    async def on_ready(self) -> None:
        log.info("Discord: connected as %s in %d servers", self.user, len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        event = await self.translator.reply(message)
        if event is not None:
            self.port.remember(message.id, message.channel.id)
            await self._handle(event.event_id or str(message.id),
                               self.core.handle_thread_reply(event))

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        event = await self.translator.reply(payload.message, edited=True)
        if event is not None:
            await self._handle(event.event_id or str(payload.message_id),
                               self.core.handle_thread_reply(event))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        event = await self.translator.deleted(payload)
        if event is not None:
            await self._handle(f"delete:{payload.message_id}",
                               self.core.handle_reply_deleted(event))

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload, "react", "unreact")

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """A member took a reaction back: the feedback it gave is undone."""
        await self._reaction(payload, "unreact", "react")

    async def _reaction(self, payload: discord.RawReactionActionEvent, kind: str,
                        opposite: str) -> None:
        """Adding, removing and adding again are distinct events with the same reaction: each
        one lets the opposite one through again, while a replay of itself is skipped."""
        event = await self.translator.reaction(payload)
        if event is not None:
            key = f"{payload.message_id}:{payload.user_id}:{payload.emoji}"
            self.seen.forget(f"{opposite}:{key}")
            await self._handle(f"{kind}:{key}", self.core.handle_reaction(event))

    async def _handle(self, key: str, call: Awaitable[object]) -> None:
        """Run one core call once per event key; a failure lets a redelivery try again."""
        if not self.seen.first_time(key):
            log.info("ignoring redelivered event %s", key)
            if asyncio.iscoroutine(call):
                call.close()
            return
        async with self.inflight.track():
            try:
                await call
            except Exception:
                self.seen.forget(key)
                log.exception("handling Discord event %s failed", key)
