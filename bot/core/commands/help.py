"""``/scoop help``: text generated from the declared command table, so help never drifts from
what the parser accepts; the query language's summary comes from the query parser itself.

Help is returned as blocks (lines, list items, code, the platform's word for its space), not
as a string with markup in it, so each adapter draws it with its own markup and escapes
nothing of the bot's own.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import Command, CommandError, ParsedCommand
from bot.messages import Block, Line, Text, echo, line
from bot.ports import CommandResult
from bot.topics.query import HELP as QUERY_HELP

BLANK = Line(())


async def show_help(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop help [command]``."""
    blocks = help_text(cmd.get("command"), ctx.services.commands)
    return CommandResult((Text(blocks, title="scoopwatch help"),))


def help_text(topic: str | None, commands: Sequence[Command]) -> tuple[Block, ...]:
    """The overview, a group's commands, or one command's help, from ``commands``."""
    if not topic:
        blocks: list[Block] = [line("scoopwatch commands (type /scoop help COMMAND for details):")]
        for c in commands:
            admin = " (admins)" if c.admin_only else ""
            blocks += [line(c.usage, indent=1), line(c.summary + admin, indent=3)]
        return tuple(blocks)
    words = tuple(topic.lower().removeprefix("/scoop").split())
    exact = [c for c in commands if c.path == words]
    group = [c for c in commands if c.path[: len(words)] == words]
    if not exact and not group:
        close = difflib.get_close_matches(" ".join(words), [c.name for c in commands]
                                          + sorted({c.path[0] for c in commands}), n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        raise CommandError(f'no command "{echo(topic)}".{hint} Type /scoop help for the list.')
    if exact and (len(group) == 1 or words == ("notes",)):
        out = list(_command_help(exact[0]))
    else:
        out = []
        for c in group:
            out += [BLANK, *_command_help(c)] if out else _command_help(c)
    if words[0] in ("topic", "preview"):
        out += [BLANK, *QUERY_HELP]  # one description of the language, owned by the parser
    return tuple(out)


def _command_help(command: Command) -> list[Block]:
    blocks: list[Block] = [line(command.usage), line(f"{command.summary}.", indent=1)]
    if command.help:
        blocks += [line(row, indent=1) for row in command.help.splitlines()]
    blocks += [line(f"{a.metavar}: ", *a.spans, indent=1) for a in command.args]
    if command.admin_only:
        blocks.append(line("Only the admins listed in the bot's config may run it "
                           "(when any are set).", indent=1))
    return blocks
