"""``/scoop help``: text generated from the declared command table, so help never drifts from
what the parser accepts; the query language's summary comes from the query parser itself."""

from __future__ import annotations

import difflib

from bot.core.commands import COMMANDS, Command, CommandError
from bot.topics.query import HELP as QUERY_HELP


def help_text(topic: str | None = None) -> str:
    """``/scoop help [command]``: the overview, a group's commands, or one command's help."""
    if not topic:
        lines = ["scoopwatch commands (type /scoop help COMMAND for details):"]
        for c in COMMANDS:
            admin = " (admins)" if c.admin_only else ""
            lines.append(f"  {c.usage}\n      {c.summary}{admin}")
        return "\n".join(lines)
    words = tuple(topic.lower().removeprefix("/scoop").split())
    exact = [c for c in COMMANDS if c.path == words]
    group = [c for c in COMMANDS if c.path[: len(words)] == words]
    if not exact and not group:
        close = difflib.get_close_matches(" ".join(words), [c.name for c in COMMANDS]
                                          + sorted({c.path[0] for c in COMMANDS}), n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        raise CommandError(f'no command "{topic}".{hint} Type /scoop help for the list.')
    if exact and (len(group) == 1 or words == ("notes",)):
        text = _command_help(exact[0])
    else:
        text = "\n\n".join(_command_help(c) for c in group)
    if words[0] in ("topic", "preview"):
        text += "\n\n" + QUERY_HELP  # one description of the language, owned by the parser
    return text


def _command_help(command: Command) -> str:
    lines = [command.usage, f"  {command.summary}."]
    if command.help:
        lines += [f"  {line}" for line in command.help.splitlines()]
    lines += [f"  {a.metavar}: {a.description}" for a in command.args]
    if command.admin_only:
        lines.append("  Only the admins listed in the bot's config may run it (when any are set).")
    return "\n".join(lines)
