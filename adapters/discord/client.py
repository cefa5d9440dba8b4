"""The discord.py client: intents, the ``/scoop`` command tree and the event handlers.

Handlers only translate (``EventTranslator``) and call the core. Raw edit/delete/reaction
events are used because Discord sends them even for messages not in the client's cache.
Gateway events are not acknowledged and never sent twice on purpose, so a thread reply, edit,
deletion or reaction goes straight into the core's inbox (``CoreApi.receive``), which keeps it
before anything else happens and recognises the copies a resume may replay.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord.commands import build_group
from adapters.discord.events import EventTranslator
from adapters.discord.interactions import CommandRunner, CoreApi, Suggestions
from adapters.discord.port import DiscordPort
from adapters.discord.render import DiscordMessage
from adapters.inflight import Inflight
from bot.ports import InboundEvent

if TYPE_CHECKING:  # typing only: discord.types and discord import each other
    from discord.types.threads import ThreadArchiveDuration

log = logging.getLogger(__name__)


def scoop_intents() -> discord.Intents:
    """Guilds, guild messages, reactions and the privileged message content."""
    return discord.Intents(guilds=True, guild_messages=True, reactions=True,
                           message_content=True)


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

    async def on_ready(self) -> None:
        log.info("Discord: connected as %s in %d servers", self.user, len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        event = await self.translator.reply(message)
        if event is not None:
            self.port.remember(message.id, message.channel.id)
            await self._keep(event)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        event = await self.translator.reply(payload.message, edited=True)
        if event is not None:
            await self._keep(event)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        event = await self.translator.deleted(payload)
        if event is not None:
            await self._keep(event)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """A member took a reaction back: the feedback it gave is undone."""
        await self._reaction(payload)

    async def _reaction(self, payload: discord.RawReactionActionEvent) -> None:
        event = await self.translator.reaction(payload)
        if event is not None:
            await self._keep(event)

    async def _keep(self, event: InboundEvent) -> None:
        """Hand an event to the core's inbox; the core processes it in the background."""
        async with self.inflight.track():
            try:
                await self.core.receive(event)
            except Exception:
                log.exception("a Discord %s event could not be handled", type(event).__name__)
