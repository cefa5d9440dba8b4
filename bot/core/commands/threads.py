"""``/scoop snooze``: close the paper thread it is run in without a note.

The thread comes with the command (``CommandEvent.thread``): adapters set it where their
platform runs a command inside a thread, or on one of its messages. The follow-through side
(``bot.core.followup.threads``) does the rest.
"""

from __future__ import annotations

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import CommandError, ParsedCommand
from bot.ports import CommandResult


async def snooze(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop snooze``, in a paper thread."""
    if ctx.services.followup is None:
        raise CommandError("Snoozing threads is not available in this setup.")
    return await ctx.services.followup.snooze(ctx.event)
