"""The ``/scoop`` application-command group, generated from the core's command table.

Each core ``Command`` becomes a subcommand (``topic add`` a subcommand of the ``topic`` group)
with one string option per ``Arg``: help texts come from the table, ``CHOICE`` arguments get
fixed choices, topic names, time zones and command names get autocomplete (at most 25).
A core command whose name is also a group (``notes`` next to ``notes export``) appears as
``<group> list`` because Discord cannot have both. Options are turned back into the command
text the core parses, so validation stays in the core.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import discord
from discord import app_commands

from adapters.discord.text import SPACE_WORD, fit
from bot.core.commands.spec import Arg, ArgKind, Command
from bot.core.commands.table import COMMANDS
from bot.messages import span_text
from bot.ports import mention_token

GROUP_NAME = "scoop"
GROUP_DESCRIPTION = "scoopwatch: industry-lab papers overlapping your topics (/scoop help)"
LEAF_IN_GROUP = "list"
DESCRIPTION_MAX = 100
CHOICES_MAX = 25
AUTOCOMPLETED = frozenset({ArgKind.SLUG, ArgKind.TOPIC_OR_MEMBER, ArgKind.MEMBER_OR_ALL,
                           ArgKind.TIMEZONE, ArgKind.COMMAND})
MULTI_WORD = frozenset({ArgKind.QUERY, ArgKind.COMMAND})
_USER_MENTION_RE = re.compile(r"<@!?(\d+)>")


class Runner(Protocol):
    """Runs one invocation: ``values`` are the options the member filled in."""

    async def run(self, interaction: discord.Interaction, command: Command,
                  values: Mapping[str, str]) -> None: ...


class Suggester(Protocol):
    """Autocomplete values for one argument (the tree keeps at most 25)."""

    async def suggest(self, interaction: discord.Interaction, arg: Arg,
                      current: str) -> list[str]: ...


def discord_path(command: Command, commands: Sequence[Command] = COMMANDS) -> tuple[str, ...]:
    """Where a core command sits in the Discord group (``("notes",)`` -> ``notes list``)."""
    groups = {c.path[0] for c in commands if len(c.path) > 1}
    if len(command.path) == 1 and command.path[0] in groups:
        return (command.path[0], LEAF_IN_GROUP)
    return command.path


def command_text(command: Command, values: Mapping[str, str | None]) -> str:
    """The text the core parses, e.g. ``topic add NAME QUERY`` or ``digest now since DATE``;
    a member mention (``<@123>``, or the older ``<@!123>``) in the core's own notation."""
    words = list(command.path)
    for arg in command.args:
        value = (values.get(arg.name) or "").strip()
        if not value:
            continue
        if arg.keyword:
            value = value.removeprefix(arg.keyword + " ").strip()
            words.append(arg.keyword)
        words.append(_USER_MENTION_RE.sub(lambda m: mention_token(m[1]), value))
    return " ".join(words)


def not_one_word(command: Command, values: Mapping[str, str | None]) -> str | None:
    """A single-word option holding spaces cannot be written as command text: say so."""
    for arg in command.args:
        value = (values.get(arg.name) or "").strip()
        if arg.kind not in MULTI_WORD and len(value.split()) > 1:
            return (f'{arg.name.upper()} is one word, without spaces (got "{fit(value, 60)}"). '
                    f"Usage: {command.usage}")
    return None


def build_group(runner: Runner, suggester: Suggester,
                commands: Sequence[Command] = COMMANDS) -> app_commands.Group:
    """The ``/scoop`` group mirroring ``commands`` (guild-only: digests need a channel)."""
    root = app_commands.Group(
        name=GROUP_NAME, description=GROUP_DESCRIPTION, guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=False,
                                                        private_channel=False))
    subgroups: dict[str, app_commands.Group] = {}
    for command in commands:
        path = discord_path(command, commands)
        parent = root
        if len(path) == 2:
            if path[0] not in subgroups:
                subs = [p[1] for p in (discord_path(c, commands) for c in commands)
                        if len(p) == 2 and p[0] == path[0]]
                subgroups[path[0]] = app_commands.Group(
                    name=path[0], parent=root,
                    description=fit(f"{path[0]}: " + ", ".join(subs), DESCRIPTION_MAX))
            parent = subgroups[path[0]]
        parent.add_command(app_commands.Command(
            name=path[-1], description=fit(command.summary, DESCRIPTION_MAX) or command.name,
            callback=_callback(runner, suggester, command), parent=parent))
    return root


def _callback(runner: Runner, suggester: Suggester, command: Command) -> Any:
    """A callback whose signature declares one option per argument of ``command``."""

    async def callback(interaction: discord.Interaction, **values: str | None) -> None:
        await runner.run(interaction, command, {k: v for k, v in values.items() if v})

    params = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=discord.Interaction)]
    descriptions: dict[str, str] = {}
    choices: dict[str, list[app_commands.Choice[str]]] = {}
    autocomplete: dict[str, Any] = {}
    for arg in command.args:
        params.append(inspect.Parameter(
            arg.name, inspect.Parameter.KEYWORD_ONLY,
            annotation=str if arg.required else str | None,
            default=inspect.Parameter.empty if arg.required else None))
        description = "".join(span_text(s, SPACE_WORD) for s in arg.spans)
        descriptions[arg.name] = fit(description, DESCRIPTION_MAX) or arg.name
        if arg.choices:
            choices[arg.name] = [app_commands.Choice(name=c, value=c)
                                 for c in arg.choices[:CHOICES_MAX]]
        elif arg.kind in AUTOCOMPLETED:
            autocomplete[arg.name] = _autocomplete(suggester, arg)
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = "scoop_" + "_".join(command.path)
    callback.__discord_app_commands_param_description__ = descriptions  # type: ignore[attr-defined]
    if choices:
        callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    if autocomplete:
        callback.__discord_app_commands_param_autocomplete__ = autocomplete  # type: ignore[attr-defined]
    return callback


def _autocomplete(suggester: Suggester, arg: Arg) -> Any:
    async def complete(interaction: discord.Interaction, current: str
                       ) -> list[app_commands.Choice[str]]:
        values = await suggester.suggest(interaction, arg, current)
        return [app_commands.Choice(name=fit(v, 100), value=v[:100])
                for v in dict.fromkeys(values)][:CHOICES_MAX]

    complete.__qualname__ = complete.__name__ = f"complete_{arg.name}"
    return complete
