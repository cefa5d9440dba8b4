"""Recover announcement days the bot missed, from arXiv's OAI-PMH interface.

The listing feed only carries the latest mailing, so a day the bot did not fetch (down over a
weekend, network gone all night) is lost to it. Recovery finds those days and harvests them:

* A mailing day D is **missed** when a feed dated D was expected
  (``arxiv_schedule.announcement_expected``, holidays respected) within the last
  ``lookback_days`` up to the latest announcement, and no fetch run for D succeeded. A fresh
  install therefore starts with up to a week of history, which gives topic previews and the
  first digest something to work on.
* D is harvested with ``ListRecords from=D until=D`` for each configured category's set. arXiv
  refreshes OAI metadata right after its 20:00 ET announcement, which is already the mailing
  date in UTC (a recorded 2017 harvest, answered at 12:56Z on 14 Dec, holds records stamped
  2017-12-14 whose latest version was submitted on the 13th), so a record stamped D belongs to
  mailing D: new papers, cross-lists, replacements, and administrative updates (journal-ref,
  DOI) of old papers.
* OAI-PMH does not say how a paper was announced; it gives created (v1) and updated (latest
  version) dates. So, honestly approximated: ``announced`` = D; ``announce_type`` = NEW when the
  record has one version (no ``updated``) created at most ``NEW_WITHIN_DAYS`` before D and its
  primary category is one of ours, CROSS when the same holds with the primary elsewhere, and
  REPLACE (REPLACE_CROSS) otherwise. Replacements are stored (versions move) but never
  digested, exactly like the feed's.

Known gaps, accepted: a paper modified again (v2, journal-ref) between D and the recovery
carries the later datestamp and is not found under D; a paper held in moderation for more than
``NEW_WITHIN_DAYS`` is filed as a replacement. The store keeps a paper's earliest first
announcement, so a paper the feed already delivered is never re-dated.

Each harvested day is logged as a run of kind ``fetch`` with source ``arxiv-oai`` (outcome
``recovered``, ``empty`` or ``error``), not a kind of its own: it *is* that day's fetch, by
another channel. So it marks the day done, ``/scoop status`` lists "arxiv-oai (fetch)" health,
and a quiet digest stops blaming a failed feed fetch once a later run of that day succeeded
(``bot.core.digests.compose.failed_fetches``). (The ``runs`` table also only admits fetch,
enrich and digest kinds.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from bot.errors import ScoopwatchError, failure_reason
from bot.messages import counted
from bot.models import AnnounceType, Paper
from bot.sources.arxiv_schedule import (
    ANNOUNCE_AT,
    EASTERN,
    announcement_expected,
    is_announcement_evening,
    mailing_date,
)
from bot.sources.base import ParsedPage
from bot.sources.oai_client import oai_set_for_category
from bot.store.runs import RunStore

log = logging.getLogger(__name__)

RUN_KIND, OAI_SOURCE = "fetch", "arxiv-oai"
LOOKBACK_DAYS = 7
UPSERT_BATCH = 500  # papers stored per transaction
NEW_WITHIN_DAYS = 7
_TRANSIENT = (ScoopwatchError, OSError, TimeoutError)


class RecordLister(Protocol):
    """``bot.sources.oai_client.OaiPmhClient``."""

    def list_records(
        self, from_: date, until: date, set_spec: str | None
    ) -> AsyncIterator[ParsedPage]: ...


class PaperSink(Protocol):
    async def upsert_papers(self, papers: Sequence[Paper], *, now: datetime | None = None) -> Any:
        ...


def last_announcement(now: datetime, holidays: Collection[date]) -> datetime:
    """The most recent announcement instant at or before ``now`` (aware, US Eastern)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("last_announcement needs an aware datetime")
    evening = now.astimezone(EASTERN).date()
    for _ in range(366):
        moment = datetime.combine(evening, ANNOUNCE_AT, tzinfo=EASTERN)
        if moment <= now and is_announcement_evening(evening, holidays):
            return moment
        evening -= timedelta(days=1)
    raise ValueError("no announcement within a year: is the holiday list sane?")


def latest_mailing_day(now: datetime, holidays: Collection[date]) -> date:
    """The date of the feed that carries the latest announcement at ``now``."""
    return mailing_date(last_announcement(now, holidays).date())


def _ours(category: str | None, categories: Collection[str]) -> bool:
    return category is not None and any(
        category == c or category.startswith(c + ".") for c in categories)


def announce_as(paper: Paper, day: date, categories: Collection[str]) -> Paper:
    """``paper`` (an OAI record) as announced in mailing ``day`` (rules in the module doc)."""
    created = paper.published
    first = (paper.updated is None and created is not None
             and timedelta(0) <= day - created <= timedelta(days=NEW_WITHIN_DAYS))
    primary = _ours(paper.primary_category, categories)
    if first:
        kind = AnnounceType.NEW if primary else AnnounceType.CROSS
    else:
        kind = AnnounceType.REPLACE if primary else AnnounceType.REPLACE_CROSS
    return replace(paper, announced=day, announce_type=kind)


@dataclass(frozen=True, slots=True)
class DayRecovery:
    """One missed day: harvested (``ok``) or not, and what was stored."""

    day: date
    outcome: str  # "recovered", "empty" (nothing stamped that day yet) or "error"
    reason: str
    stored: int = 0
    first: int = 0  # new + cross: what digests can show

    @property
    def ok(self) -> bool:
        return self.outcome == "recovered"


@dataclass(frozen=True, slots=True)
class RecoveryReport:
    days: tuple[DayRecovery, ...] = ()
    keys: tuple[str, ...] = ()  # recovered first announcements, for matching
    matched: int = 0

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.days)


class Recovery:
    """Finds missed mailing days and harvests them over OAI-PMH into the store."""

    def __init__(
        self,
        *,
        oai: RecordLister,
        papers: PaperSink,
        runs: RunStore,
        categories: Sequence[str],
        holidays: Collection[date],
        clock: Callable[[], datetime],
        lookback_days: int = LOOKBACK_DAYS,
    ) -> None:
        if not categories:
            raise ValueError("Recovery needs at least one category")
        self.oai, self.papers, self.runs = oai, papers, runs
        self.categories = tuple(categories)
        self.sets = [oai_set_for_category(c) for c in self.categories]  # typos fail here
        self.holidays, self.clock, self.lookback = holidays, clock, lookback_days
        self._lock = asyncio.Lock()  # the fetch job and a catch-up fetch may both finish

    async def missed_days(self, now: datetime) -> list[date]:
        """Expected mailing days in the lookback window with no successful fetch run (from the
        feed or an earlier recovery)."""
        latest = latest_mailing_day(now, self.holidays)
        first = latest - timedelta(days=self.lookback - 1)
        covered = {r.day for r in await self.runs.for_days(RUN_KIND, first, latest) if r.ok}
        days = (first + timedelta(days=i) for i in range(self.lookback))
        return [d for d in days
                if announcement_expected(d, self.holidays) and d not in covered]

    async def recover(self, now: datetime | None = None) -> RecoveryReport:
        """Harvest every missed day, oldest first; stop at the first source failure (the next
        night tries again) but carry on past a day OAI-PMH has nothing for yet."""
        async with self._lock:
            missed = await self.missed_days(now or self.clock())
            days: list[DayRecovery] = []
            keys: list[str] = []
            for day in missed:
                result, first = await self._recover_day(day)
                days.append(result)
                keys.extend(first)
                if result.outcome == "error":
                    break
            if days:
                log.info("recovered %d of %d missed arXiv days", sum(d.ok for d in days),
                         len(missed))
            return RecoveryReport(tuple(days), tuple(keys))

    async def _recover_day(self, day: date) -> tuple[DayRecovery, list[str]]:
        """Harvest and store one day; returns its outcome and the keys of its first
        announcements (only the keys: a missed week can be tens of thousands of papers)."""
        started = self.clock()
        try:
            harvested = await self._harvest(day)
        except _TRANSIENT as exc:
            reason = f"OAI-PMH harvest for {day} failed: {failure_reason(exc)}"
            log.warning("OAI-PMH harvest for %s failed: %s", day, exc)
            await self._log(day, started, "error", False, reason, {})
            return DayRecovery(day, "error", reason), []
        if not harvested:
            reason = f"OAI-PMH has no records stamped {day} yet"
            await self._log(day, started, "empty", False, reason, {})
            return DayRecovery(day, "empty", reason), []
        new = updated = 0
        for start in range(0, len(harvested), UPSERT_BATCH):  # short write locks: notes wait
            counts = await self.papers.upsert_papers(harvested[start:start + UPSERT_BATCH],
                                                     now=self.clock())
            new += getattr(counts, "new", 0)
            updated += getattr(counts, "updated", 0)
        first = [p.key for p in harvested
                 if p.announce_type in (AnnounceType.NEW, AnnounceType.CROSS)]
        reason = (f"{counted(len(harvested), 'record')} recovered from OAI-PMH "
                  f"({len(first)} new or cross)")
        await self._log(day, started, "recovered", True, reason, {
            "records": len(harvested), "first": len(first),
            "new": new, "updated": updated})
        return DayRecovery(day, "recovered", reason, len(harvested), len(first)), first

    async def _harvest(self, day: date) -> list[Paper]:
        """Records stamped ``day`` in every configured set, each paper once."""
        found: dict[str, Paper] = {}
        for set_spec in self.sets:
            async for page in self.oai.list_records(day, day, set_spec):
                for paper in page.papers:
                    stamp = paper.extra.get("datestamp", "")[:10]
                    if stamp and stamp != day.isoformat():
                        continue  # the server filtered by datestamp; trust but verify
                    found.setdefault(paper.key, announce_as(paper, day, self.categories))
        return list(found.values())

    async def _log(self, day: date, started: datetime, outcome: str, ok: bool, reason: str,
                   counts: dict[str, int]) -> None:
        await self.runs.record(RUN_KIND, OAI_SOURCE, outcome, started=started,
                               finished=self.clock(), day=day, ok=ok,
                               detail={"reason": reason, "counts": counts})
