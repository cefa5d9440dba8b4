"""Answering ``/scoop``: call the core, then reply within Discord's 3-second window.

The core gets ``answer_within`` seconds (default 1.5). A quick answer is sent directly,
ephemeral unless the core marks it public. A slower one (a digest posting many cards) is
deferred first with a private "thinking…"; the answer then replaces it, or, when public,
the private note is deleted and the answer follows in the channel. Every send carries the
rendered message's ``allowed_mentions``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import available_timezones

import discord

from adapters.discord.commands import command_text, not_one_word
from adapters.discord.events import PLATFORM, actor_of
from adapters.discord.render import DiscordMessage, pack, render
from bot.core.commands.spec import Arg, ArgKind, Command
from bot.core.commands.table import COMMANDS
from bot.messages import Text
from bot.ports import (
    CommandEvent,
    CommandResult,
    CoreApi,
    ThreadRef,
)

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong handling that command; it was logged."
SUGGESTIONS_MAX = 25


def workspace_of(interaction: discord.Interaction) -> str:
    """The server is the workspace (commands are server-only; DMs get their own, just in case)."""
    return str(interaction.guild_id) if interaction.guild_id else f"dm:{interaction.user.id}"


def where_run(interaction: discord.Interaction) -> tuple[str, ThreadRef | None]:
    """The channel a command was run in and, inside a server thread, that thread: the core
    names a thread by its parent channel and its id (the id of the card it was started from),
    so the command counts for the channel and knows its thread (``/scoop snooze``)."""
    channel = interaction.channel
    if isinstance(channel, discord.Thread) and channel.parent_id:
        parent = str(channel.parent_id)
        return parent, ThreadRef(PLATFORM, parent, str(channel.id))
    return str(interaction.channel_id), None


class CommandRunner:
    """Runs one ``/scoop`` invocation against the core and renders its result."""

    def __init__(self, core: CoreApi, *, answer_within: float = 1.5) -> None:
        self.core = core
        self.answer_within = answer_within

    async def run(self, interaction: discord.Interaction, command: Command,
                  values: Mapping[str, str]) -> None:
        """Answer directly when the core is quick, else defer first (Discord waits 3 s)."""
        problem = not_one_word(command, values)
        if problem:
            await self.answer(interaction, CommandResult((Text(problem),), ok=False))
            return
        channel_id, thread = where_run(interaction)
        event = CommandEvent(PLATFORM, workspace_of(interaction), channel_id,
                             actor_of(interaction.user), command_text(command, values), thread)
        task = asyncio.ensure_future(self._handle(event))
        done, _ = await asyncio.wait({task}, timeout=self.answer_within)
        try:
            if not done:
                await interaction.response.defer(ephemeral=True, thinking=True)
            await self.answer(interaction, await task)
        except discord.NotFound:  # 10062 Unknown interaction: the 3 s or 15 min window passed
            await task  # the command itself still ran to its end
            log.warning("/scoop %s: Discord no longer accepts an answer (interaction expired)",
                        command.name)

    async def _handle(self, event: CommandEvent) -> CommandResult:
        try:
            return await self.core.handle_command(event)
        except Exception:
            log.exception("/scoop failed: %r", event.text[:200])
            return CommandResult((Text(SORRY),), ok=False)

    async def answer(self, interaction: discord.Interaction, result: CommandResult) -> None:
        """Send the result: first part as the response, the rest as follow-ups."""
        ephemeral = not result.public
        parts = pack([render(m) for m in result.messages]) or [DiscordMessage("Done.")]
        first, rest = parts[0], parts[1:]
        if not interaction.response.is_done():
            await interaction.response.send_message(**first.send_kwargs(), ephemeral=ephemeral)
        elif ephemeral:
            await interaction.edit_original_response(**edit_kwargs(first))
        else:  # the private "thinking…" note gives way to a public answer
            await interaction.delete_original_response()
            await interaction.followup.send(**first.send_kwargs(), ephemeral=False)
        for part in rest:
            await interaction.followup.send(**part.send_kwargs(), ephemeral=ephemeral)


def edit_kwargs(message: DiscordMessage) -> dict[str, Any]:
    """``edit_original_response`` wants ``attachments`` and explicit empties."""
    kwargs = message.send_kwargs()
    kwargs.setdefault("content", None)
    kwargs.setdefault("embeds", [])
    kwargs["attachments"] = kwargs.pop("files", [])
    return kwargs


class Suggestions:
    """Autocomplete values: topic names, time zones, command names, ``all``."""

    def __init__(self, core: CoreApi, commands: Sequence[Command] = COMMANDS) -> None:
        self.core = core
        names = [c.name for c in commands] + sorted({c.path[0] for c in commands})
        self.command_names = list(dict.fromkeys(names))

    async def suggest(self, interaction: discord.Interaction, arg: Arg,
                      current: str) -> list[str]:
        try:
            return _matching(await self._values(interaction, arg), current)
        except Exception:  # autocomplete must never break the command itself
            log.warning("autocomplete for %s failed", arg.name, exc_info=True)
            return []

    async def _values(self, interaction: discord.Interaction, arg: Arg) -> Sequence[str]:
        match arg.kind:
            case ArgKind.TIMEZONE:
                return sorted(available_timezones())
            case ArgKind.COMMAND:
                return self.command_names
            case ArgKind.MEMBER_OR_ALL:
                return ["all"]
            case ArgKind.SLUG | ArgKind.TOPIC_OR_MEMBER:
                return await self.core.topic_names(PLATFORM, workspace_of(interaction),
                                                   str(interaction.user.id))
        return []


def _matching(values: Sequence[str], current: str) -> list[str]:
    """Prefix matches first, then substring matches; at most 25."""
    needle = current.strip().lower()
    starts = [v for v in values if v.lower().startswith(needle)]
    inside = [v for v in values if needle in v.lower() and v not in starts]
    return [*starts, *inside][:SUGGESTIONS_MAX]
