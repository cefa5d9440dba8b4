"""Fetch the daily arXiv listing feed and say what it means for that day.

An empty feed is normal on weekends and arXiv holidays but an incident on an announcement
day; a feed still showing the previous announcement is "stale" (retry later). The digest
quotes ``FeedOutcome.reason`` to users, so reasons are written for humans.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from lxml import etree

from bot.errors import ParseError, SourceError
from bot.messages import counted
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.sources.arxiv_schedule import DEFAULT_HOLIDAYS_2026, EASTERN, announcement_expected
from bot.sources.base import ParsedPage
from bot.sources.http import FetchResult, PoliteClient

_FEED_ERROR_PREFIX = "Feed error for query"


class FeedKind(StrEnum):
    """What a fetched feed means (an arXiv "Feed error" channel raises SourceError instead)."""

    ANNOUNCED = "announced"
    NO_ANNOUNCEMENT = "no_announcement"
    STALE = "stale"
    EMPTY_ON_ANNOUNCEMENT_DAY = "empty_on_announcement_day"


@dataclass(frozen=True, slots=True)
class LastSeen:
    """The last announcement ingested (kept in the store's source_state) to detect staleness."""

    announced: date | None
    ids: frozenset[str]

    @classmethod
    def from_page(cls, page: ParsedPage) -> LastSeen:
        return cls(page.announced, frozenset(p.key for p in page.papers))


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """Classification of one fetch.

    ``page`` is kept even when not ANNOUNCED (the store dedups, and a mis-dated holiday list
    must not lose papers); it is None only after HTTP 304, when nothing new arrived.
    """

    kind: FeedKind
    day: date
    page: ParsedPage | None
    reason: str

    @property
    def should_retry(self) -> bool:
        """Stale or empty feeds on announcement days are incidents: retry later and report."""
        return self.kind in (FeedKind.STALE, FeedKind.EMPTY_ON_ANNOUNCEMENT_DAY)


def _today_eastern() -> date:
    return datetime.now(EASTERN).date()


class ArxivFeedFetcher:
    """Reads ``{base_url}/rss/cat1+cat2+...`` with conditional GET and classifies it."""

    def __init__(
        self,
        client: PoliteClient,
        categories: Sequence[str],
        base_url: str = "https://rss.arxiv.org",
        holidays: Collection[date] = DEFAULT_HOLIDAYS_2026,
        *,
        today: Callable[[], date] = _today_eastern,
    ) -> None:
        if not categories:
            raise ValueError("ArxivFeedFetcher needs at least one category")
        self._client = client
        self.categories = tuple(categories)
        self.url = f"{base_url.rstrip('/')}/rss/{'+'.join(self.categories)}"
        self._holidays = holidays
        self._today = today

    async def fetch(
        self, day: date | None = None, last_seen: LastSeen | None = None
    ) -> FeedOutcome:
        """Fetch and classify the feed for mailing date ``day`` (default: today in ET).

        Raises SourceError for HTTP failures and arXiv's "Feed error for query" channel (naming
        the category), ParseError for a truncated or non-XML body.
        """
        day = day or self._today()
        result = await self._client.get(self.url, conditional=True)
        expected = announcement_expected(day, self._holidays)
        if result.not_modified:
            return _unchanged(day, expected, last_seen)
        result.raise_for_status()
        page = await asyncio.to_thread(self._parse, result)  # 2,000 items: off the event loop
        outcome = classify(page, day, last_seen, expected)
        await self._client.remember(result)
        return outcome

    def _parse(self, result: FetchResult) -> ParsedPage:
        try:
            page = parse_arxiv_rss(result.content)
        except ParseError as exc:
            raise ParseError(f"arXiv feed {result.url}: {exc}") from exc
        except SourceError as exc:
            raise self._feed_error(result.content, str(exc)) from exc
        if page.feed_title and page.feed_title.startswith(_FEED_ERROR_PREFIX):
            raise self._feed_error(result.content, page.feed_title)
        return page

    def _feed_error(self, content: bytes, fallback: str) -> SourceError:
        """arXiv's "Feed error for query": the log gets its explanation and the URL, members
        the category to fix."""
        detail = _channel_description(content) or fallback
        bad = [c for c in self.categories if f"'{c}'" in detail or f"'{c.split('.')[0]}'" in detail]
        named = ", ".join(bad) if bad else "+".join(self.categories)
        return SourceError(f"arXiv rejected the feed category {named} ({self.url}): {detail}",
                           summary=f"rejected the feed category {named}")


def classify(
    page: ParsedPage, day: date, last_seen: LastSeen | None, expected: bool
) -> FeedOutcome:
    """Pure classification of a parsed feed for mailing date ``day``."""
    ids = frozenset(p.key for p in page.papers)
    if not ids:
        if expected:
            why = f"the arXiv feed for {day} is empty although an announcement was expected"
            return FeedOutcome(FeedKind.EMPTY_ON_ANNOUNCEMENT_DAY, day, page, why)
        return FeedOutcome(FeedKind.NO_ANNOUNCEMENT, day, page, _quiet_reason(day))
    shown = page.announced.isoformat() if page.announced else "an undated announcement"
    seen_before = last_seen is not None and (
        ids == last_seen.ids
        or (page.announced is not None and page.announced == last_seen.announced)
    )
    # Fetching again after this day's announcement was ingested is not an incident.
    already_ingested = seen_before and last_seen is not None and last_seen.announced == day
    older = page.announced is not None and page.announced < day
    if (seen_before and not already_ingested) or older:
        if expected:
            why = f"the arXiv feed still shows {shown}; the announcement for {day} is not out yet"
            return FeedOutcome(FeedKind.STALE, day, page, why)
        quiet = f"{_quiet_reason(day)} (feed still shows {shown})"
        return FeedOutcome(FeedKind.NO_ANNOUNCEMENT, day, page, quiet)
    return FeedOutcome(FeedKind.ANNOUNCED, day, page,
                       f"{counted(len(ids), 'paper')} announced ({shown})")


def _unchanged(day: date, expected: bool, last_seen: LastSeen | None) -> FeedOutcome:
    """HTTP 304: the feed is what we saw last time; ``page`` is None."""
    if last_seen is not None and last_seen.announced == day:
        why = f"the {day} announcement was already ingested (feed unchanged, 304)"
        return FeedOutcome(FeedKind.ANNOUNCED, day, None, why)
    if expected:
        why = f"the feed is unchanged (304); the announcement for {day} is not out yet"
        return FeedOutcome(FeedKind.STALE, day, None, why)
    return FeedOutcome(FeedKind.NO_ANNOUNCEMENT, day, None, _quiet_reason(day))


def _quiet_reason(day: date) -> str:
    if day.weekday() >= 5:
        why = "arXiv does not announce on Friday or Saturday nights"
    else:
        why = "arXiv holiday"
    return f"no arXiv announcement for {day:%A} {day} ({why})"


def _channel_description(content: bytes) -> str | None:
    """arXiv explains a bad query in <channel><description>; quote it to the user."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError:
        return None
    text = root.findtext("channel/description")
    return text.strip() if text else None
