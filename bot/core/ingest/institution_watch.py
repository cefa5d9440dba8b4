"""The nightly OpenAlex institution watch: industry papers that never reach arXiv.

Google DeepMind, Meta or Microsoft publish some of their most important work only in journals
and proceedings. Each night, after the arXiv fetch, this step asks OpenAlex for recent works
with an author at a watched institution (``bot.sources.openalex_watch``, within a few dozen
metered calls) and sends them down the arXiv papers' path: stored (``openalex:W…``), matched
against every topic, flagged from their OpenAlex institutions when a digest reads them, and
posted in the same digest, their card naming the venue and the DOI.

A work that is also on arXiv is one paper (``bot.twins``): when its arXiv twin is stored, the
work only adds its affiliations, venue and DOI to that paper; a preprint OpenAlex lists for a
watched lab whose arXiv paper is not stored (outside the watched categories) is left to arXiv.
When the work comes first and arXiv announces it later, the digest recognises the twin and
does not post it again.

Works found tonight count as announced on tonight's arXiv mailing date, so the next morning's
digests show them next to tonight's arXiv papers (each digest covers the dates after the last
one it covered).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from bot.errors import ScoopwatchError
from bot.models import AnnounceType, Paper, split_arxiv_id
from bot.sources.arxiv_schedule import ANNOUNCE_AT, EASTERN, mailing_date
from bot.sources.openalex_watch import CREATED, CutShort, WatchResult
from bot.store.runs import RunStore

log = logging.getLogger(__name__)

KIND, SOURCE = "watch", "openalex"  # the run log's kind and source of this step
STATE = "openalex-watch"  # source_state: created_through, created_refused
RETRY_CREATED_AFTER = timedelta(days=7)  # a refused from_created_date is tried again weekly
_HTTP_STATUS = re.compile(r"HTTP (\d{3})")


class WorksWatcher(Protocol):
    """``bot.sources.openalex_watch.InstitutionWorks``."""

    async def recent_works(
        self, institutions: Sequence[str], *, published_since: date,
        created_since: date | None = None, max_calls: int = 30, reserve_usd: float = 0.0,
    ) -> WatchResult: ...


class WatchStore(Protocol):
    """The parts of ``bot.store.papers.PaperStore`` the watch uses."""

    async def fill_title_keys(self, batch: int = 5000) -> int: ...
    async def get_many(self, keys: Collection[str]) -> dict[str, Paper]: ...
    async def find_twins(self, papers: Sequence[Paper]) -> dict[str, list[tuple[str, str]]]: ...
    async def upsert_papers(self, papers: Sequence[Paper], *, now: datetime | None = None
                            ) -> Any: ...


class StateStore(Protocol):
    """``bot.store.source_state.SourceState``."""

    async def get(self, source: str, key: str, default: Any = None) -> Any: ...
    async def set(self, source: str, key: str, value: Any, *, now: datetime | None = None
                  ) -> None: ...


Matcher = Callable[[Sequence[Paper]], Awaitable[set[str]]]


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """``[openalex] watch_*`` of the config."""

    weeks: int = 4
    max_calls: int = 30
    created_date: bool = False
    reserve_usd: float = 0.1


@dataclass(frozen=True, slots=True)
class WatchReport:
    """What one night's watch did, as the run log and ``/scoop status`` tell it."""

    calls: int = 0
    works: int = 0
    new: int = 0  # works stored as papers of their own
    joined: int = 0  # works added to their stored twin (an arXiv paper)
    left_to_arxiv: int = 0  # preprints whose arXiv paper is not stored
    matched: int = 0
    cut_short: str | None = None  # why it stopped early, in words
    error: str | None = None

    def counts(self) -> dict[str, int]:
        return {"calls": self.calls, "works": self.works, "new": self.new,
                "joined arXiv papers": self.joined, "matched": self.matched}


def found_day(now: datetime) -> date:
    """The arXiv mailing date of the evening ``now`` belongs to (after 20:00 US-Eastern: the
    next day), the date works found now count as announced on."""
    local = now.astimezone(EASTERN)
    evening = local.date() if local.time() >= ANNOUNCE_AT else local.date() - timedelta(days=1)
    return mailing_date(evening)


def _is_arxiv_key(key: str) -> bool:
    try:
        split_arxiv_id(key)
    except ValueError:
        return False
    return True


def cut_short_text(result: WatchResult, settings: WatchSettings) -> str | None:
    """Why the watch stopped early, in words a member understands (None when it did not)."""
    match result.cut_short:
        case None:
            return None
        case CutShort.CAP:
            return (f"it made its {settings.max_calls} calls ([openalex] watch_max_calls); "
                    "the newest works came first, the rest wait for the next night")
        case CutShort.RATE_LIMITED:
            return ("OpenAlex answered 429: the key's daily allowance is spent or there were "
                    "too many requests; the next night tries again")
        case CutShort.ALLOWANCE:
            left = result.allowance.remaining_usd if result.allowance else None
            return (f"the key's daily allowance left (${left:g}) fell below the "
                    f"${settings.reserve_usd:g} kept for affiliation lookups "
                    "([openalex] watch_reserve_usd)")
        case _:
            return f"a later page failed ({_short(result.error)}); the works before it are kept"


def _short(error: str | None) -> str:
    """An error as members may read it: the HTTP status, never a URL or an exception name."""
    found = _HTTP_STATUS.search(error or "")
    return f"OpenAlex answered HTTP {found[1]}" if found else "OpenAlex could not be reached"


class InstitutionWatch:
    """Runs the watch and feeds what it finds into the store and the topic matcher."""

    def __init__(
        self, *, source: WorksWatcher, papers: WatchStore, runs: RunStore, state: StateStore,
        match: Matcher, institutions: Collection[str], clock: Callable[[], datetime],
        settings: WatchSettings | None = None,
    ) -> None:
        self.source, self.papers, self.runs, self.state = source, papers, runs, state
        self.match, self.clock = match, clock
        self.institutions = tuple(dict.fromkeys(institutions))
        self.settings = settings or WatchSettings()

    async def run(self) -> WatchReport:
        """One watch: ask, store, match, log the run (an OpenAlex failure is logged, never
        raised: the next night tries again)."""
        started = self.clock()
        if not self.institutions:
            await self._log(started, "no institutions", WatchReport(),
                            "no watched lab has an OpenAlex institution id")
            return WatchReport()
        await self.papers.fill_title_keys()
        published_since = started.date() - timedelta(weeks=self.settings.weeks)
        created_since = await self._created_since(published_since)
        try:
            result = await self.source.recent_works(
                self.institutions, published_since=published_since, created_since=created_since,
                max_calls=self.settings.max_calls, reserve_usd=self.settings.reserve_usd)
        except (ScoopwatchError, OSError) as exc:
            log.warning("OpenAlex institution watch failed: %s", exc)
            report = WatchReport(error=_short(str(exc)))
            await self._log(started, "error", report, report.error, ok=False)
            return report
        report = await self._take(result, found_day(started))
        await self._remember(result, created_since, started)
        detail = {"filter": f"{result.date_filter}:{result.since.isoformat()}",
                  "cost_usd": result.cost_usd, "created_refused": result.created_refused,
                  "cut_short": str(result.cut_short) if result.cut_short else None}
        if result.allowance is not None and result.allowance.remaining_usd is not None:
            detail["remaining_usd"] = result.allowance.remaining_usd
        await self._log(started, "cut short" if report.cut_short else "ok", report,
                        report.cut_short, extra=detail)
        return report

    async def _created_since(self, published_since: date) -> date | None:
        """The ``from_created_date`` of this run, or None to filter by publication date: only
        when configured, not refused in the last week, from the last complete run's date."""
        if not self.settings.created_date:
            return None
        refused = await self.state.get(STATE, "created_refused")
        today = self.clock().date()
        if refused and today - date.fromisoformat(refused) < RETRY_CREATED_AFTER:
            return None
        through = await self.state.get(STATE, "created_through")
        if not through:
            return published_since
        return max(date.fromisoformat(through) - timedelta(days=1), published_since)

    async def _remember(self, result: WatchResult, created_since: date | None,
                        now: datetime) -> None:
        if result.created_refused:
            await self.state.set(STATE, "created_refused", now.date().isoformat(), now=now)
        elif created_since is not None and result.date_filter == CREATED and result.complete:
            await self.state.set(STATE, "created_through", now.date().isoformat(), now=now)

    async def _take(self, result: WatchResult, day: date) -> WatchReport:
        """Store each work as its own paper, into its stored twin, or not at all (a preprint
        whose arXiv paper is not stored); then match the new ones."""
        works = list({w.openalex_id or w.key: w for w in result.works}.values())
        stored = await self.papers.get_many([w.key for w in works])
        twins = await self.papers.find_twins([w for w in works if w.key not in stored])
        own: list[Paper] = []
        joined: list[Paper] = []
        left = 0
        for work in works:
            if _is_arxiv_key(work.key):  # OpenAlex's record of an arXiv preprint
                if work.key in stored:
                    joined.append(work)
                else:
                    left += 1
                continue
            if work.key not in stored and work.key in twins:
                joined.append(replace(work, key=_best_twin(twins[work.key]), arxiv_id=None))
                continue
            own.append(replace(work, announced=day, announce_type=AnnounceType.NEW))
        if own or joined:
            await self.papers.upsert_papers([*own, *joined], now=self.clock())
        matched: set[str] = set()
        if own:
            fresh = await self.papers.get_many([p.key for p in own])
            matched = await self.match(list(fresh.values()))
        new = sum(p.key not in stored for p in own)
        return WatchReport(calls=result.calls, works=len(works), new=new, joined=len(joined),
                           left_to_arxiv=left, matched=len(matched),
                           cut_short=cut_short_text(result, self.settings),
                           error=result.error and _short(result.error))

    async def _log(self, started: datetime, outcome: str, report: WatchReport,
                   reason: str | None, *, ok: bool = True,
                   extra: dict[str, Any] | None = None) -> None:
        detail: dict[str, Any] = {"counts": report.counts(), "reason": reason, **(extra or {})}
        await self.runs.record(KIND, SOURCE, outcome, started=started, finished=self.clock(),
                               ok=ok, detail=detail)


def _best_twin(twins: Sequence[tuple[str, str]]) -> str:
    """The twin a work joins: the arXiv paper when there is one (its key is what arXiv and the
    enrichment know), else the first found."""
    keys = [key for key, _why in twins]
    return next((k for k in keys if _is_arxiv_key(k)), keys[0])
