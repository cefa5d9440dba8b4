"""``/scoop notes`` and ``/scoop notes export``: the lab's differentiation notes in chat.

Listing and export belong to the notes side (``bot.core.notes``); these handlers only decide
whose or which topic's notes a member asked for.
"""

from __future__ import annotations

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import MemberRef, ParsedCommand
from bot.core.notes.export import export_file
from bot.messages import Text
from bot.ports import CommandResult


async def list_notes(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop notes [TOPIC|@member]``: the latest notes, of a topic or a member."""
    notes, target = ctx.services.notes, cmd.get("of")
    if isinstance(target, MemberRef):
        member = await ctx.resolve_member(target)
        return await notes.list_notes(ctx.platform, ctx.workspace, author_id=member.member_id,
                                      label=f"by @{member.display_name}")
    if target is not None:
        await ctx.require_topic(target)
        return await notes.list_notes(ctx.platform, ctx.workspace, topic=target,
                                      label=f"on {target}")
    return await notes.list_notes(ctx.platform, ctx.workspace)


async def export(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop notes export [TOPIC] [md|csv|json]``: the notes as a file."""
    topic, fmt = cmd.get("topic"), cmd.get("format", "md")
    if topic is not None:
        await ctx.require_topic(topic)
    file = await export_file(ctx.services.stores, ctx.platform, ctx.workspace, topic, fmt)
    if file is None:
        about = f" on {topic}" if topic else ""
        return CommandResult((Text(f"No differentiation notes{about} to export yet."),))
    return CommandResult((file,))
