"""``/scoop subscribe``, ``unsubscribe``, ``digest now`` and ``status``: the channel's digest.

The digest side (``bot.core.digests.service``) owns schedules, digests and health; these
handlers hand it the channel and the member's arguments.
"""

from __future__ import annotations

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import ParsedCommand
from bot.ports import CommandResult


async def subscribe(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop subscribe [DAYS] [HH:MM] [TZ] [mode]`` (the digest side parses the schedule)."""
    return await ctx.digests().subscribe(ctx.platform, ctx.workspace, ctx.event.channel_id,
                                         ctx.member_id, cmd.text)


async def unsubscribe(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop unsubscribe``."""
    return await ctx.digests().unsubscribe(ctx.platform, ctx.workspace, ctx.event.channel_id)


async def digest_now(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop digest now [since YYYY-MM-DD]``."""
    return await ctx.digests().digest_now(ctx.platform, ctx.workspace, ctx.event.channel_id,
                                          cmd.get("since"))


async def status(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop status``."""
    return await ctx.digests().status(ctx.platform, ctx.workspace, ctx.event.channel_id)
