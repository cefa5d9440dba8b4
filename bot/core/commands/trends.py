"""``/scoop trends [TOPIC] [weeks]``: industry papers per week on a topic (or on all the lab's
topics), stacked by company, with the lab's notes per week, posted as a PNG chart.

The chart is public: it is about the lab's topics, not one member's, and is worth a glance
from everyone in the channel. The numbers and the drawing live in ``bot.core.trends``.
"""

from __future__ import annotations

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import CommandError, ParsedCommand
from bot.core.trends.chart import ChartsUnavailable, charts_available
from bot.core.trends.data import DEFAULT_WEEKS, MAX_WEEKS
from bot.messages import Text
from bot.ports import CommandResult
from bot.store.trends import LabScope

USAGE = "Usage: /scoop trends [TOPIC] [weeks]"


def check_weeks(weeks: int) -> int:
    """``weeks`` if a chart can show it, else the sentence saying what it can."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise CommandError(f"WEEKS must be from 1 to {MAX_WEEKS} (got {weeks}). {USAGE}")
    return weeks


async def trends(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop trends [TOPIC] [weeks]``."""
    service = ctx.services.trends
    if service is None:
        return CommandResult((Text("Trend charts are not available in this setup."),))
    weeks = check_weeks(cmd.get("weeks", DEFAULT_WEEKS))
    topic = cmd.get("topic")
    if topic is not None:
        await ctx.require_topic(topic)
    if not charts_available():  # say so before the window is read
        return CommandResult((Text(str(ChartsUnavailable())),), ok=False)
    scope = LabScope(ctx.platform, ctx.workspace, topic)
    if topic is None and not await ctx.services.stores.topics.active_topics(ctx.platform,
                                                                            ctx.workspace):
        return CommandResult((Text("No topics here yet, so no trend to chart: add one with "
                                   "/scoop topic add NAME QUERY."),))
    trend = await service.trend(scope, weeks)
    if trend.empty:
        about = f"on {topic}" if topic else "on this lab's topics"
        return CommandResult((Text(
            f"No industry paper matched and no note was written {about} in the last {weeks} "
            f"weeks (since {trend.window.start.isoformat()}), so there is no trend to chart "
            "yet. Past papers can be loaded with scoopwatch backfill."),))
    try:
        chart = await service.chart(trend, scope)
    except ChartsUnavailable as exc:
        return CommandResult((Text(str(exc)),), ok=False)
    return CommandResult((chart,), public=True)
