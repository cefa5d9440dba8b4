"""Topic commands: add, edit, remove, pause, resume, list and preview.

``add``/``edit``/``preview`` answer with the same report so a member can tune a query at once:
the canonical parsed form, what it would have matched in the last 7 days of stored papers
(with examples), and warnings for over-broad terms. A query is parsed before anything is
written, so a bad query never leaves a half-saved topic.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import CommandError, MemberRef, ParsedCommand
from bot.messages import (
    ECHO_CHARS,
    Block,
    Code,
    Line,
    Preformatted,
    Span,
    Text,
    counted,
    item,
    line,
)
from bot.models import AnnounceType, Paper
from bot.ports import CommandResult
from bot.store.papers import PaperStore
from bot.store.topics import TopicExistsError, TopicLimitError, TopicRecord, TopicStore

PREVIEW_DAYS = 7
MAX_TOPICS_PER_MEMBER = 25  # config [bot] max_topics_per_member
PREVIEW_TYPES = (AnnounceType.NEW, AnnounceType.CROSS)  # what a digest would show
EXAMPLES = 3


class QueryTools(Protocol):
    """The matcher seam: parse, render, match and warn (bot.topics in production)."""

    def parse(self, text: str) -> Any:
        """Parse a query; raise ``CommandError`` with a message pointing at the column."""
        ...

    def canonical(self, query: Any) -> str: ...

    def matches(self, query: Any, papers: Sequence[Paper]) -> list[tuple[Paper, float]]:
        """Papers the query matches with their scores, best first."""
        ...

    def warnings(self, query: Any, papers: Sequence[Paper]) -> list[tuple[Span, ...]]:
        """One warning per over-broad term, as spans (the term itself as code)."""
        ...


class MatcherTools:
    """:class:`QueryTools` on top of ``bot.topics`` (parse_query, TopicIndex, warnings)."""

    def parse(self, text: str) -> Any:
        from bot.topics import QueryError, parse_query

        try:
            return parse_query(text)
        except QueryError as exc:
            raise CommandError(query_error_message(text, exc.spans, exc.column)) from None

    def canonical(self, query: Any) -> str:
        return str(query)

    def matches(self, query: Any, papers: Sequence[Paper]) -> list[tuple[Paper, float]]:
        from bot.topics import TopicIndex

        index = TopicIndex.build([(0, query)])
        found = []
        for paper in papers:
            hits = index.match_paper(paper)
            if hits:
                found.append((paper, max(m.score for m in hits)))
        return sorted(found, key=lambda pair: -pair[1])

    def warnings(self, query: Any, papers: Sequence[Paper]) -> list[tuple[Span, ...]]:
        from bot.topics import broad_terms

        return [(Code(b.term), f" appears in {b.share:.0%} of papers: {b.advice}")
                for b in broad_terms(query, list(papers))]


def query_error_message(text: str, reason: str | Sequence[Span], column: int | None
                        ) -> tuple[Block, ...]:
    """``Bad query: <reason>`` plus the query with a caret under the column (1-based), as a
    preformatted block so the caret lines up on every platform."""
    spans = (reason,) if isinstance(reason, str) else tuple(reason)
    blocks: list[Block] = [line("Bad query: ", *spans)]
    if column is not None and 1 <= column <= len(text) + 1 and "\n" not in text:
        shown, at = _around(text, column - 1)
        blocks.append(Preformatted(f"{shown}\n{' ' * at}^"))
    return tuple(blocks)


def _around(text: str, index: int, width: int = ECHO_CHARS) -> tuple[str, int]:
    """At most ``width`` characters of ``text`` around ``index`` (with … where cut) and where
    ``index`` falls in them: a long query's error shows the part that matters."""
    if len(text) <= width:
        return text, index
    start = min(max(0, index - width // 2), len(text) - width)
    shown = text[start : start + width]
    lead = "…" if start > 0 else ""
    tail = "…" if start + width < len(text) else ""
    return f"{lead}{shown}{tail}", index - start + len(lead)


@dataclass(frozen=True, slots=True)
class RecentWindow:
    """The papers a preview is measured on and the dates they span."""

    date_from: date
    date_to: date
    papers: tuple[Paper, ...]


class RecentPapers:
    """The last 7 announcement days of new/cross papers, counted back from the newest stored
    announcement (or today when nothing is stored), cached until the store changes."""

    def __init__(self, papers: PaperStore, today: Callable[[], date] = date.today) -> None:
        self._papers = papers
        self._today = today
        self._cache: tuple[tuple[object, ...], RecentWindow] | None = None

    async def window(self, days: int = PREVIEW_DAYS) -> RecentWindow:
        state = await self._papers.listing_state(PREVIEW_TYPES)
        end = state.newest or self._today()
        key = (end, state.count, state.changed, days)
        if self._cache and self._cache[0] == key:
            return self._cache[1]
        start = end - timedelta(days=days - 1)
        papers = await self._papers.iter_papers(since=start, until=end,
                                                announce_types=PREVIEW_TYPES)
        window = RecentWindow(start, end, tuple(papers))
        self._cache = (key, window)
        return window


class Recent(Protocol):
    async def window(self, days: int = PREVIEW_DAYS) -> RecentWindow: ...


class TopicService:
    """Topic use cases; every method returns the reply to show the member."""

    def __init__(
        self, topics: TopicStore, recent: Recent, tools: QueryTools | None = None,
        clock: Callable[[], datetime] | None = None,
        max_per_member: int = MAX_TOPICS_PER_MEMBER,
    ) -> None:
        self._topics = topics
        self._recent = recent
        self._tools: QueryTools = tools or MatcherTools()
        self._clock = clock or _utcnow
        self._max = max_per_member

    async def add(
        self, platform: str, workspace: str, member_id: str, name: str, query_text: str
    ) -> CommandResult:
        query = self._tools.parse(query_text)
        try:
            await self._topics.add(platform, workspace, member_id, name, query_text,
                                   self._clock(), limit=self._max)
        except TopicExistsError:
            raise CommandError(
                f'You already have a topic named "{name}": use /scoop topic edit {name} QUERY '
                "to change it, or pick another NAME."
            ) from None
        except TopicLimitError as exc:
            raise CommandError(
                f"You already have {exc.limit} topics, the most one member may have. Remove "
                "one with /scoop topic remove NAME or change one with /scoop topic edit NAME "
                "QUERY (whoever runs the bot can raise max_topics_per_member)."
            ) from None
        return await self._report(f'Topic "{name}" saved', query)

    async def edit(
        self, platform: str, workspace: str, member_id: str, name: str, query_text: str
    ) -> CommandResult:
        query = self._tools.parse(query_text)
        record = await self._topics.update_query(
            platform, workspace, member_id, name, query_text, self._clock()
        )
        if record is None:
            raise await self._unknown(platform, workspace, member_id, name)
        return await self._report(f'Topic "{name}" updated', query)

    async def preview(self, query_text: str, compare: TopicRecord | None = None
                      ) -> CommandResult:
        """The report of an unsaved query; with ``compare``, also what it changes against
        that topic's query on the same days."""
        return await self._report("Preview (not saved)", self._tools.parse(query_text),
                                  compare)

    async def remove(
        self, platform: str, workspace: str, member_id: str, name: str
    ) -> CommandResult:
        if not await self._topics.remove(platform, workspace, member_id, name):
            raise await self._unknown(platform, workspace, member_id, name)
        return _reply(f'Topic "{name}" removed.')

    async def set_paused(
        self, platform: str, workspace: str, member_id: str, name: str, paused: bool
    ) -> CommandResult:
        record = await self._topics.set_paused(
            platform, workspace, member_id, name, paused, self._clock()
        )
        if record is None:
            raise await self._unknown(platform, workspace, member_id, name)
        if paused:
            return _reply(f'Topic "{name}" paused: digests leave it out until '
                          f"/scoop topic resume {name}.")
        return _reply(f'Topic "{name}" resumed: digests include it again.')

    async def list(
        self, platform: str, workspace: str, member_id: str | None, label: str
    ) -> CommandResult:
        """Topics of one member (``member_id``) or of everyone (None); ``label`` names them."""
        if member_id is None:
            records = await self._topics.list_for_workspace(platform, workspace)
        else:
            records = await self._topics.list_for_member(platform, workspace, member_id)
        if not records:
            hint = "" if member_id is None or label != "Your" else (
                " Add one with /scoop topic add NAME QUERY.")
            return _reply(f"{label} topics: none yet.{hint}")
        lines = [f"{label} topics ({len(records)}):"]
        show_owner = member_id is None
        lines += [_topic_line(r, show_owner) for r in records]
        return _reply("\n".join(lines))

    async def _report(self, title: str, query: Any, compare: TopicRecord | None = None
                      ) -> CommandResult:
        window = await self._recent.window(PREVIEW_DAYS)
        lines: list[Line] = [line(f"Query: {self._tools.canonical(query)}")]
        papers = window.papers
        span = f"{window.date_from.isoformat()} to {window.date_to.isoformat()}"
        if not papers:
            lines.append(line(f"No papers announced {span} are stored yet, so nothing to count."))
        else:
            # a week of papers against a new query is CPU work: off the event loop
            found = await asyncio.to_thread(self._tools.matches, query, papers)
            warnings = await asyncio.to_thread(self._tools.warnings, query, papers)
            lines.append(line(f"Last {PREVIEW_DAYS} days ({span}): would have matched "
                              f"{len(found)} of {counted(len(papers), 'paper')}."))
            for paper, _score in found[:EXAMPLES]:
                link = f" {paper.abs_url}" if paper.abs_url else ""
                lines.append(item(f"{paper.title}{link}", indent=1))
            if compare is not None:
                lines += self._difference(compare, found, papers)
            lines += [line("Warning: ", *w) for w in warnings]
        return CommandResult((Text(lines, title=title),))

    def _difference(self, topic: TopicRecord, found: Sequence[tuple[Paper, float]],
                    papers: Sequence[Paper]) -> Sequence[Line]:
        """What this query changes against ``topic``'s on the same papers: the papers it
        drops and those it adds (a few of each, by title)."""
        try:
            before = self._tools.matches(self._tools.parse(topic.query), papers)
        except CommandError:  # saved under an older grammar: nothing to compare with
            return [line(f"Topic {topic.name}'s saved query no longer parses, so there is "
                         "nothing to compare with.")]
        old = {p.key for p, _ in before}
        new = {p.key for p, _ in found}
        dropped = [p for p, _ in before if p.key not in new]
        added = [p for p, _ in found if p.key not in old]
        lines = [line(f"Compared with topic {topic.name} (@{topic.member_name}), which matched "
                      f"{len(old)} of them: {len(dropped)} no longer matched, "
                      f"{len(added)} newly matched.")]
        for label, group in (("no longer: ", dropped), ("new: ", added)):
            for paper in group[:EXAMPLES]:
                link = f" {paper.abs_url}" if paper.abs_url else ""
                lines.append(item(label, f"{paper.title}{link}", indent=1))
        return lines

    async def _unknown(
        self, platform: str, workspace: str, member_id: str, name: str
    ) -> CommandError:
        mine = [r.name for r in await self._topics.list_for_member(platform, workspace,
                                                                   member_id)]
        have = f" Your topics: {', '.join(mine)}." if mine else " You have no topics yet."
        return CommandError(f'You have no topic named "{name}".{have}')


# --- the handlers the command table names ------------------------------------------------------


async def add(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop topic add NAME QUERY``."""
    return await ctx.services.topics.add(ctx.platform, ctx.workspace, ctx.member_id,
                                         cmd.args["name"], cmd.args["query"])


async def edit(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop topic edit NAME QUERY``."""
    return await ctx.services.topics.edit(ctx.platform, ctx.workspace, ctx.member_id,
                                          cmd.args["name"], cmd.args["query"])


async def remove(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop topic remove NAME``."""
    return await ctx.services.topics.remove(ctx.platform, ctx.workspace, ctx.member_id,
                                            cmd.args["name"])


async def pause(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop topic pause NAME``."""
    return await ctx.services.topics.set_paused(ctx.platform, ctx.workspace, ctx.member_id,
                                                cmd.args["name"], True)


async def resume(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop topic resume NAME``."""
    return await ctx.services.topics.set_paused(ctx.platform, ctx.workspace, ctx.member_id,
                                                cmd.args["name"], False)


async def list_topics(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop topic list [@member|all]``: yours by default."""
    topics, who = ctx.services.topics, cmd.get("who")
    if who == "all":
        return await topics.list(ctx.platform, ctx.workspace, None, "All")
    if isinstance(who, MemberRef):
        member = await ctx.resolve_member(who)
        if member.member_id != ctx.member_id:
            return await topics.list(ctx.platform, ctx.workspace, member.member_id,
                                     f"@{member.display_name}'s")
    return await topics.list(ctx.platform, ctx.workspace, ctx.member_id, "Your")


async def preview(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop preview [vs TOPIC] QUERY``: the topic report without saving, compared with
    a topic when asked (yours by that name, else the only one so named here)."""
    name = cmd.get("vs")
    compare = await _topic_named(ctx, name) if name is not None else None
    return await ctx.services.topics.preview(cmd.args["query"], compare)


async def _topic_named(ctx: CommandContext, name: str) -> TopicRecord:
    store = ctx.services.stores.topics
    own = await store.get(ctx.platform, ctx.workspace, ctx.member_id, name)
    if own is not None:
        return own
    found = await store.find_by_name(ctx.platform, ctx.workspace, name)
    if len(found) == 1:
        return found[0]
    if not found:
        raise CommandError(f'No topic named "{name}" to compare with. See /scoop topic list '
                           "all.")
    raise CommandError(f'Several members have a topic named "{name}" and none is yours: '
                       "preview the query alone.")


def _topic_line(record: TopicRecord, show_owner: bool) -> str:
    owner = f"@{record.member_name} " if show_owner else ""
    paused = " (paused)" if record.paused else ""
    return f"  {owner}{record.name}{paused}: {record.query}"


def _reply(body: str) -> CommandResult:
    return CommandResult((Text(body),))


def _utcnow() -> datetime:
    return datetime.now(UTC)
