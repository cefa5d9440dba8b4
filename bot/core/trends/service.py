"""Trend charts for a lab: bring the window's matches up to date, count, draw.

Counts come from the store (``bot.store.trends``): papers that overlap a topic and carry a
cached industry flag. Those caches are only as fresh as the last run that filled them: the
nightly fetch matches new papers against the topics of that night, digests detect flags for
their own window, and ``scoopwatch backfill`` only stores papers. So before counting, the
window's papers are matched against today's topics and detected again, in pieces, where that
may change something: all of them when the topics changed (or the window reaches further back
than before), else only the papers stored or changed since the last time. The first chart
after a topic change reads the whole window once; later ones read only what arrived since.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.trends.chart import render_png
from bot.core.trends.data import DEFAULT_WEEKS, Trend, Window, build_trend, busiest, window_for
from bot.industry.overrides import LocalOverrides
from bot.messages import File
from bot.models import Paper
from bot.store.overlaps import FlagLike
from bot.store.trends import FlaggedMatch, LabScope, TrendStore, chunked

if TYPE_CHECKING:
    from bot.store.stores import Stores

log = logging.getLogger(__name__)

STATE_SOURCE, STATE_KEY = "trends", "matched"
CHUNK = 2000  # papers read, matched and detected at a time

Match = Callable[[Sequence[Paper]], Awaitable[set[str]]]
Detect = Callable[[Paper], Sequence[FlagLike]]


@dataclass(frozen=True, slots=True)
class TrendSettings:
    """The lab's time zone (week boundaries) and whether companies outside the watched labs
    count, as in ``industry-only`` digests (``[digest] include_unlisted_companies``)."""

    timezone: str = "UTC"
    include_unlisted: bool = True


class TrendService:
    """Builds a lab's :class:`~bot.core.trends.data.Trend` and its chart as a ``File``."""

    def __init__(self, stores: Stores, *, match: Match | None = None,
                 detect: Detect | None = None, settings: TrendSettings | None = None,
                 clock: Callable[[], datetime] | None = None,
                 render: Callable[[Trend], bytes] = render_png) -> None:
        self.stores = stores
        self.trends = TrendStore(stores.db)
        self.match, self.detect = match, detect
        self.settings = settings or TrendSettings()
        self.tz = ZoneInfo(self.settings.timezone)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.render = render
        self._lock = asyncio.Lock()  # two charts at once refresh the window once

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    async def trend(self, scope: LabScope, weeks: int = DEFAULT_WEEKS) -> Trend:
        """The counts of ``weeks`` weeks ending with this one, after a refresh."""
        window = window_for(self.today(), weeks)
        await self.refresh(window)
        flags = await self.trends.flagged_matches(scope, window.start, window.end)
        if not self.settings.include_unlisted:
            flags = [f for f in flags if f.lab is not None]
        flags = await self._without_corrected(scope, flags)
        start, end = window.instants(self.tz)
        notes = await self.trends.note_times(scope, start, end)
        return build_trend(title_for(scope), window, flags, notes, self.tz)

    async def chart(self, trend: Trend, scope: LabScope) -> File:
        """The PNG of ``trend`` (drawn in a worker thread: the event loop keeps serving)."""
        png = await asyncio.to_thread(self.render, trend)
        return File(filename=file_name(scope, trend), content=png, mime_type="image/png",
                    title=trend.title, comment=summary(trend))

    async def refresh(self, window: Window) -> int:
        """Match (and detect) the window's papers whose overlaps or flags may be stale; returns
        how many papers were read. Without a matcher (a store opened on its own) nothing
        changes and the counts are what earlier runs stored."""
        if self.match is None:
            return 0
        async with self._lock:
            topics = await self._topics_fingerprint()
            state: dict[str, Any] = await self.stores.source_state.get(
                STATE_SOURCE, STATE_KEY, {}) or {}
            through = await self.trends.last_change()
            same = (state.get("topics") == topics
                    and state.get("since", "9999") <= window.start.isoformat())
            keys = await self.trends.window_keys(
                window.start, window.end, state.get("through") if same else None)
            for chunk in chunked(keys, CHUNK):
                await self._match_chunk(chunk)
            since = min(window.start.isoformat(), state["since"]) if same else (
                window.start.isoformat())
            await self.stores.source_state.set(
                STATE_SOURCE, STATE_KEY, {"topics": topics, "through": through, "since": since},
                now=self.clock())
            if keys:
                log.info("trends: matched %d papers of %s to %s again", len(keys),
                         window.start, window.end)
            return len(keys)

    async def _match_chunk(self, keys: Sequence[str]) -> None:
        assert self.match is not None
        found = await self.stores.papers.get_many(keys)
        papers = [found[k] for k in keys if k in found]
        matched = await self.match(papers)
        if self.detect is not None and matched:
            detect = self.detect
            flags = {p.key: list(detect(p)) for p in papers if p.key in matched}
            await self.stores.overlaps.save_flags(flags, self.clock())

    async def _without_corrected(self, scope: LabScope, flags: list[FlaggedMatch]
                                 ) -> list[FlaggedMatch]:
        """The lab's 🏢 corrections count here as in its digests: a corrected paper is no
        industry paper on its chart, and the evidence behind the correction flags no other.
        The command line's chart of every lab has no one lab's corrections to apply."""
        if scope.platform is None or scope.workspace is None:
            return flags
        corrected = await self.stores.flag_corrections.for_workspace(
            scope.platform, scope.workspace)
        if not corrected:
            return flags
        overrides = LocalOverrides.of(corrected)
        return [f for f in flags
                if f.paper_key not in overrides.hidden_papers and overrides.trusts(f)]

    async def _topics_fingerprint(self) -> str:
        """Changes whenever a topic is added, edited, removed, paused or resumed anywhere (the
        matcher matches every active topic at once)."""
        pairs = sorted((t.id, t.query) for t in await self.stores.topics.all_active())
        return hashlib.sha256(repr(pairs).encode()).hexdigest()


def title_for(scope: LabScope) -> str:
    return f"Industry papers on {scope.topic}" if scope.topic else "Industry papers on our topics"


def file_name(scope: LabScope, trend: Trend) -> str:
    """``trends-<topic or all-topics>-<today>.png`` (topic names are already file-safe)."""
    slug = re.sub(r"[^A-Za-z0-9-]+", "-", scope.topic or "all-topics").strip("-") or "topic"
    return f"trends-{slug[:40]}-{trend.window.today.isoformat()}.png"


def summary(trend: Trend) -> str:
    """One line under the picture: the same facts in words (for screen readers and
    notifications)."""
    weeks = trend.window.weeks
    papers, notes = trend.total_papers, trend.total_notes
    top = ", ".join(f"{company} {count}" for company, count in busiest(trend)[:3])
    lead = (f"{trend.title}, last {weeks} weeks: {papers} "
            f"{'paper' if papers == 1 else 'papers'}")
    return (f"{lead}{f' ({top})' if top else ''}; "
            f"{notes} lab {'note' if notes == 1 else 'notes'}.")


__all__ = ["FlaggedMatch", "LabScope", "TrendService", "TrendSettings", "summary", "title_for"]
