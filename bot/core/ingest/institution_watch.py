"""The nightly OpenAlex institution watch: industry papers that never reach arXiv.

Google DeepMind, Meta or Microsoft publish some of their most important work only in journals
and proceedings. Each night, after the arXiv fetch, this step asks OpenAlex for recent works
with an author at a watched institution (``bot.sources.openalex_watch``, within a few dozen
metered calls) and sends them down the arXiv papers' path: stored (``openalex:W…``), matched
against every topic, flagged from their OpenAlex institutions when a digest reads them, and
posted in the same digest, their card naming the venue and the DOI.

A work that is also on arXiv is one paper (``bot.twins``): each version keeps its own record
(their author lists differ: a journal version often adds the industry co-author the preprint
lacks, and the store lines affiliations up by author), and a digest never posts a paper whose
twin it posted, nor both twins at once, whichever version came first. OpenAlex's records of
arXiv preprints are left to the arXiv feed and the enrichment.

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

# The run log's kind and source of this step (its runs are enrichment runs of their own source).
KIND, SOURCE = "enrich", "openalex-watch"
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
    new: int = 0  # works stored for the first time
    joined: int = 0  # works whose arXiv twin is stored: one paper, posted once
    left_to_arxiv: int = 0  # OpenAlex's records of arXiv preprints: the feed's business
    matched: int = 0
    cut_short: str | None = None  # why it stopped early, in words
    error: str | None = None

    def counts(self) -> dict[str, int]:
        return {"calls": self.calls, "works": self.works, "new": self.new,
                "also on arXiv": self.joined, "matched": self.matched}


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
            calls = f"{settings.max_calls} call{'' if settings.max_calls == 1 else 's'}"
            return (f"it made its {calls} ([openalex] watch_max_calls); "
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
        created_since, refused = await self._created_since(published_since)
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
                  "cost_usd": result.cost_usd,
                  "created_refused": result.created_refused or refused,
                  "cut_short": str(result.cut_short) if result.cut_short else None}
        if result.allowance is not None and result.allowance.remaining_usd is not None:
            detail["remaining_usd"] = result.allowance.remaining_usd
        await self._log(started, "cut short" if report.cut_short else "ok", report,
                        report.cut_short, extra=detail)
        return report

    async def _created_since(self, published_since: date) -> tuple[date | None, bool]:
        """The ``from_created_date`` of this run, or None to filter by publication date (only
        when configured, not refused in the last week; from the last complete run's date), and
        whether a refusal of the last week is why it is None."""
        if not self.settings.created_date:
            return None, False
        refused = await self.state.get(STATE, "created_refused")
        today = self.clock().date()
        if refused and today - date.fromisoformat(refused) < RETRY_CREATED_AFTER:
            return None, True
        through = await self.state.get(STATE, "created_through")
        if not through:
            return published_since, False
        return max(date.fromisoformat(through) - timedelta(days=1), published_since), False

    async def _remember(self, result: WatchResult, created_since: date | None,
                        now: datetime) -> None:
        if result.created_refused:
            await self.state.set(STATE, "created_refused", now.date().isoformat(), now=now)
        elif created_since is not None and result.date_filter == CREATED and result.complete:
            await self.state.set(STATE, "created_through", now.date().isoformat(), now=now)

    async def _take(self, result: WatchResult, day: date) -> WatchReport:
        """Store each work as a paper of its own (announced ``day`` the first time it is
        found), match it, and count those whose arXiv twin is stored. A preprint record (a work
        keyed by its arXiv id) is left to the arXiv feed and the enrichment."""
        works = list({w.openalex_id or w.key: w for w in result.works}.values())
        own = [replace(w, announced=day, announce_type=AnnounceType.NEW)
               for w in works if not _is_arxiv_key(w.key)]
        stored = await self.papers.get_many([p.key for p in own])
        twins = await self.papers.find_twins(own)
        matched: set[str] = set()
        if own:
            await self.papers.upsert_papers(own, now=self.clock())
            fresh = await self.papers.get_many([p.key for p in own])
            matched = await self.match(list(fresh.values()))
        return WatchReport(calls=result.calls, works=len(works),
                           new=sum(p.key not in stored for p in own),
                           joined=sum(p.key in twins for p in own),
                           left_to_arxiv=len(works) - len(own), matched=len(matched),
                           cut_short=cut_short_text(result, self.settings),
                           error=result.error and _short(result.error))

    async def _log(self, started: datetime, outcome: str, report: WatchReport,
                   reason: str | None, *, ok: bool = True,
                   extra: dict[str, Any] | None = None) -> None:
        detail: dict[str, Any] = {"counts": report.counts(), "reason": reason, **(extra or {})}
        await self.runs.record(KIND, SOURCE, outcome, started=started, finished=self.clock(),
                               ok=ok, detail=detail)

