"""``/scoop stats [TOPIC|@member] [weeks]``: how each topic's cards fared.

Per topic: papers posted, the 👍 and 👎 members gave its cards and the precision they make
(👍 among 👍 and 👎), notes written in its threads, and threads nobody answered, over the last
4 and 12 weeks (or the weeks asked for). The counting rules are ``bot.core.notes.ratings``'s;
the rows come from ``bot.store.card_feedback``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import CommandError, MemberRef, ParsedCommand
from bot.core.notes.ratings import TopicKey, TopicStats, topic_stats
from bot.core.notes.reactions import NOT_RELEVANT, RELEVANT, SYMBOLS
from bot.messages import Block, Text, item, line
from bot.ports import CommandResult
from bot.store.topics import TopicRecord

DEFAULT_WEEKS = (4, 12)
MAX_WEEKS = 52
UP, DOWN = SYMBOLS[RELEVANT], SYMBOLS[NOT_RELEVANT]


async def stats(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop stats [TOPIC|@member] [weeks]``."""
    weeks = cmd.get("weeks")
    if weeks is not None and weeks > MAX_WEEKS:
        raise CommandError(f"WEEKS must be from 1 to {MAX_WEEKS} (got {weeks}). "
                           "Usage: /scoop stats [TOPIC|@member] [weeks]")
    windows = (weeks,) if weeks is not None else DEFAULT_WEEKS
    topics, about = await _topics(ctx, cmd.get("of"))
    if not topics:
        if isinstance(cmd.get("of"), MemberRef):  # someone else's: no "add one" for the asker
            return CommandResult((Text(f"No topics{about} yet, so no stats."),))
        return CommandResult((Text(f"No topics{about} yet: add one with "
                                   "/scoop topic add NAME QUERY."),))
    now = ctx.services.clock()
    store = ctx.services.stores.card_feedback
    since = now - timedelta(weeks=max(windows))
    cards = await store.cards(ctx.platform, ctx.workspace, (RELEVANT, NOT_RELEVANT), since=since)
    notes = await store.notes(ctx.platform, ctx.workspace, since)
    per_window = [(w, topic_stats(cards, notes, now - timedelta(weeks=w))) for w in windows]
    return CommandResult((Text(stats_blocks(topics, per_window, about, now),
                               title="Topic stats"),))


async def _topics(ctx: CommandContext, target: object) -> tuple[list[TopicRecord], str]:
    """The topics asked about and how to name them: a member's, one name's, or all."""
    store = ctx.services.stores.topics
    if isinstance(target, MemberRef):
        member = await ctx.resolve_member(target)
        found = await store.list_for_member(ctx.platform, ctx.workspace, member.member_id)
        return found, f" of @{member.display_name}"
    if isinstance(target, str):
        found = await store.find_by_name(ctx.platform, ctx.workspace, target)
        if not found:
            raise CommandError(f'No topic named "{target}" here. See /scoop topic list all.')
        return found, f" named {target}"
    return await store.list_for_workspace(ctx.platform, ctx.workspace), ""


def stats_blocks(topics: Sequence[TopicRecord],
                 per_window: Sequence[tuple[int, Mapping[TopicKey, TopicStats]]],
                 about: str, now: datetime) -> list[Block]:
    """One item per topic, one line per window under it."""
    spans = " and ".join(str(w) for w, _ in per_window)
    unit = "week" if spans == "1" else "weeks"
    blocks: list[Block] = [line(
        f"Paper cards of topics{about}, last {spans} {unit} (to {now.date().isoformat()}): "
        f"papers posted, {UP}/{DOWN} and the precision they give, notes written, papers "
        "whose thread nobody answered.")]
    for topic in sorted(topics, key=lambda t: (t.name, t.member_name.casefold())):
        paused = ", paused" if topic.paused else ""
        blocks.append(item(f"{topic.name} (@{topic.member_name}{paused})"))
        for weeks, found in per_window:
            blocks.append(item(_count(weeks, "week") + ": "
                               + window_text(found.get((topic.member_id, topic.name))),
                               indent=1))
    return blocks


def window_text(stats: TopicStats | None) -> str:
    """``3 papers posted · 👍 2 👎 1, precision 67% · 2 notes · 1 unanswered``."""
    s = stats or TopicStats()
    precision = s.votes.precision
    rated = (f"precision {precision:.0%}" if precision is not None else "no ratings")
    return " · ".join([
        _count(s.posted, "paper") + " posted",
        f"{UP} {s.votes.ups} {DOWN} {s.votes.downs}, {rated}",
        _count(s.notes, "note"),
        f"{s.unanswered} unanswered",
    ])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
