"""What the digests of one window share: its papers, their overlaps and industry flags.

At a university a hundred channels may have their digest at 09:00. Each reads the same window
of papers, with authors and affiliations, and the detector would judge the same candidates a
hundred times: a week of papers a hundred times over does not fit a small VM. Digests that run
at the same time therefore share one load; it is dropped when the last of them is done, so a
later digest always reads fresh data.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.core.digests.compose import TopicMatch, topic_matches
from bot.industry.detector import watched_only
from bot.models import Paper
from bot.store.overlaps import FlagLike, OverlapRow
from bot.store.topics import TopicLike


@dataclass(frozen=True, slots=True)
class Window:
    """The papers of a window, the overlaps of each with any topic (packed when the service
    loads them: ``PackedOverlaps``), the flags of those that overlap one and have any, and per
    candidate the keys of its other versions (``bot.twins``). Papers are light
    (``PaperStore.iter_texts`` without titles or abstracts: keys, dates, announcement types)."""

    papers: Sequence[Paper]
    overlaps: Mapping[str, Sequence[OverlapRow]]
    flags: Mapping[str, Sequence[FlagLike]]
    twins: Mapping[str, Sequence[str]] = field(default_factory=dict)
    _views: dict[Hashable, Any] = field(default_factory=dict, compare=False, repr=False)
    _building: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def matches_for(self, topics: Mapping[int, TopicLike]
                    ) -> Mapping[str, tuple[TopicMatch, ...]]:
        """Per paper, its matches with ``topics`` (one workspace's), best first
        (``compose.topic_matches``): the digests of one workspace share them, as long as its
        topics read the same (names and owners are part of the key)."""
        key = ("matches", tuple((t.id, t.member_id, t.member_name, t.name)
                                for t in topics.values()))
        return self._view(key, lambda: topic_matches(self.overlaps, topics))

    def watched_flags(self) -> Mapping[str, Sequence[FlagLike]]:
        """The flags of watched labs only (``[digest] include_unlisted_companies = false``)."""
        return self._view("watched", lambda: {
            key: watched_only(found) for key, found in self.flags.items()})

    def _view(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """Built once (in a worker thread): two digests composing at once would otherwise
        both build it and hold two copies of a week's matches."""
        with self._building:
            if key not in self._views:
                self._views[key] = build()
            return self._views[key]


@dataclass(slots=True)
class _Entry:
    task: asyncio.Future[Window]
    users: int = field(default=0)


class SharedWindows:
    """Loads a window once for every digest that asks for it while it is in use."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, _Entry] = {}

    @asynccontextmanager
    async def use(self, key: Hashable, load: Callable[[], Awaitable[Window]]
                  ) -> AsyncIterator[Window]:
        """The window for ``key``: the one being used by another digest, else ``load()``'s.
        ``key`` must change whenever the data would (dates, the papers' version)."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(asyncio.ensure_future(load()))
        entry.users += 1
        try:
            yield await asyncio.shield(entry.task)
        finally:
            entry.users -= 1
            if entry.users == 0 and self._entries.get(key) is entry:
                del self._entries[key]
                if not entry.task.done():
                    entry.task.cancel()
