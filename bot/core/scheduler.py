"""APScheduler 3 wiring: one digest job per subscription, the nightly fetch, daily enrichment,
a daily prune of the processed-event ids that keep platform redeliveries idempotent, and a
sweep that takes over posts and digest slots another process claimed and abandoned.

The job store is in memory and rebuilt from ``subscriptions`` at start and whenever they
change, so the database stays the only truth. A digest whose time came while the bot was down
(its day not yet recorded as posted, its fire time after the last digest) is posted once at
start, by the same rule the live job follows (``schedule_spec``); so is a fetch of the latest
announcement when no successful fetch covers it (the feed only carries the latest day). After
every successful fetch, announcement days no fetch covered are recovered over OAI-PMH
(``bot.core.ingest.recovery``) and threads of papers with a new version get their note
(``bot.core.delivery.version_notes``). Pure helpers (``digest_trigger``, ``due_slot``,
``missed_digest``, ``announcement_day``) take ``now`` explicitly so tests use a fake clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.delivery.version_notes import VersionNotes
from bot.core.digests.schedule_spec import digest_trigger, due_slot, missed_digest, next_digest
from bot.core.digests.service import DigestService, utcnow
from bot.core.ingest.pipeline import Pipeline
from bot.core.ingest.recovery import latest_mailing_day
from bot.sources.arxiv_schedule import (
    ANNOUNCE_AT,
    DEFAULT_HOLIDAYS_2026,
    EASTERN,
    configured_holidays,
    mailing_date,
)
from bot.store.events import EventLog
from bot.store.subscriptions import Subscription

if TYPE_CHECKING:
    from bot.config import Config

log = logging.getLogger(__name__)

FETCH_JOB, ENRICH_JOB, CATCH_UP_FETCH_JOB = "fetch", "enrich", "fetch-catch-up"
PRUNE_EVENTS_JOB = "prune-events"
# The OpenAlex institution watch runs after the arXiv fetch, so tonight's arXiv papers are
# stored when it looks for a journal work's arXiv twin.
WATCH_JOB, WATCH_AFTER_FETCH = "openalex-watch", timedelta(minutes=45)
SWEEP_JOB = "sweep"
# How often rows another process left (its lease ran out: it was killed) are taken over:
# interrupted posts and digests whose slot was claimed but never recorded.
SWEEP_EVERY = timedelta(minutes=5)
# Platforms redeliver an event within minutes (webhook retries, gateway resumes); a week
# of delivery ids covers any redelivery many times over and keeps the table small.
EVENT_RETENTION = timedelta(days=7)
PRUNE_EVENTS_AT = time(4, 0)  # UTC, away from the fetch, enrichment and morning digests
# Paper threads left without a note get their one reminder in the lab's morning.
REMIND_JOB, REMIND_AT = "thread-reminders", time(10, 0)
CATCH_UP_FETCH_DELAY = timedelta(seconds=5)  # after start, so start itself never waits
# A missed digest is not caught up when the next regular one is this close: it covers it.
CATCH_UP_SKIP_WITHIN = timedelta(hours=1)


def announcement_day(now: datetime) -> date:
    """The mailing date of the latest arXiv announcement at ``now`` (20:00 ET + 1 day)."""
    local = now.astimezone(EASTERN)
    evening = local.date() if local.time() >= ANNOUNCE_AT else local.date() - timedelta(days=1)
    return mailing_date(evening)


class Scheduler:
    """Owns the ``AsyncIOScheduler`` and the jobs of one scoopwatch process."""

    def __init__(
        self,
        service: DigestService,
        pipeline: Pipeline | None = None,
        *,
        scheduler: AsyncIOScheduler | None = None,
        misfire_grace_seconds: int = 2 * 3600,
        fetch_time: time = time(20, 30),
        fetch_timezone: str = "America/New_York",
        fetch_retry_minutes: int = 30,
        fetch_max_retries: int = 8,
        enrich_time: time | None = time(8, 0),
        holidays: Collection[date] = DEFAULT_HOLIDAYS_2026,
        clock: Callable[[], datetime] = utcnow,
        version_notes: VersionNotes | None = None,
        events: EventLog | None = None,
        event_retention: timedelta = EVENT_RETENTION,
        watch: Callable[[], Awaitable[object]] | None = None,
        reminders: Callable[[], Awaitable[object]] | None = None,
        remind_timezone: str = "UTC",
    ) -> None:
        if event_retention <= timedelta(0):
            raise ValueError("event_retention must be positive")
        self.service = service
        self.events, self.event_retention = events, event_retention
        self.pipeline = pipeline
        self.version_notes = version_notes
        self.watch = watch
        self.reminders, self.remind_zone = reminders, ZoneInfo(remind_timezone)
        self.aps = scheduler or AsyncIOScheduler(timezone=ZoneInfo("UTC"))
        self.grace = misfire_grace_seconds
        self.fetch_time, self.fetch_zone = fetch_time, ZoneInfo(fetch_timezone)
        self.retry_minutes, self.max_retries = fetch_retry_minutes, fetch_max_retries
        self.enrich_time = enrich_time
        self.holidays = holidays
        self.clock = clock
        self._inflight: dict[asyncio.Task[object], str] = {}  # running job task -> kind
        service.on_subscriptions_changed(self.sync)

    @classmethod
    def from_config(
        cls, config: Config, service: DigestService, pipeline: Pipeline | None = None, **kw: Any
    ) -> Scheduler:
        """Build with the configuration's ``[digest]`` and ``[arxiv]`` values."""
        return cls(
            service, pipeline,
            misfire_grace_seconds=config.digest.misfire_grace_minutes * 60,
            fetch_time=config.arxiv.fetch_time,
            fetch_retry_minutes=config.arxiv.fetch_retry_minutes,
            holidays=configured_holidays(config.arxiv),
            **kw,
        )

    def _job_options(self) -> dict[str, Any]:
        return {"coalesce": True, "misfire_grace_time": self.grace, "max_instances": 1,
                "replace_existing": True}

    async def start(self, now: datetime | None = None) -> list[Subscription]:
        """Start jobs, prune old event ids, finish interrupted posts, post missed digests (once
        each), then schedule a fetch if the latest announcement was missed.

        Returns the subscriptions whose missed digest was posted.
        """
        if self.pipeline is not None:
            self.aps.add_job(self._fetch_job, self.fetch_trigger(), id=FETCH_JOB,
                             name="arXiv fetch", **self._job_options())
            if self.enrich_time is not None:
                self.aps.add_job(self._enrich_job, CronTrigger(
                    hour=self.enrich_time.hour, minute=self.enrich_time.minute,
                    timezone=self.fetch_zone), id=ENRICH_JOB, name="enrichment",
                    **self._job_options())
        if self.watch is not None:
            at = datetime.combine(date.min, self.fetch_time) + WATCH_AFTER_FETCH
            self.aps.add_job(self._watch_job, CronTrigger(
                hour=at.hour, minute=at.minute, timezone=self.fetch_zone), id=WATCH_JOB,
                name="OpenAlex institution watch", **self._job_options())
        if self.reminders is not None:
            self.aps.add_job(self._remind_job, CronTrigger(
                hour=REMIND_AT.hour, minute=REMIND_AT.minute, timezone=self.remind_zone),
                id=REMIND_JOB, name="thread reminders", **self._job_options())
        if self.events is not None:
            self.aps.add_job(self._prune_events_job, CronTrigger(
                hour=PRUNE_EVENTS_AT.hour, minute=PRUNE_EVENTS_AT.minute, timezone=UTC),
                id=PRUNE_EVENTS_JOB, name="forget old event ids", **self._job_options())
        self.aps.add_job(self._sweep_job, IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()),
                         id=SWEEP_JOB, name="take over abandoned work", **self._job_options())
        await self.sync()
        if not self.aps.running:
            self.aps.start()
        await self.prune_events(now)  # also at start: a bot rarely up at 04:00 still prunes
        await self.service.resume()
        held = await self.service.held_elsewhere_until()
        if held is not None:  # a killed predecessor's claims: take its rows over at once then
            self.aps.add_job(self._sweep_job, DateTrigger(run_date=held + timedelta(seconds=1)),
                             id=f"{SWEEP_JOB}-after-start", name="take over claims left",
                             **self._job_options())
        posted = await self.catch_up(now)
        await self.catch_up_fetch(now)
        return posted

    def shutdown(self, wait: bool = False) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=wait)

    async def stop(self, timeout: float = 60.0) -> None:
        """Stop firing jobs; let digests being posted finish; cancel fetch/enrich work.

        APScheduler's asyncio executor cancels running jobs on shutdown, so it is paused first
        and shut down last. Fetches and enrichment (often waiting out a retry backoff) are
        idempotent and caught up at the next start, so they are cancelled, quietly; so are
        affiliation lookups digests left running in the background.
        """
        if self.aps.running:
            self.aps.pause()
        for task, kind in list(self._inflight.items()):
            if kind != "digest":
                task.cancel()
        if self._inflight:
            _done, pending = await asyncio.wait(list(self._inflight), timeout=timeout)
            if pending:
                log.warning("%d digest(s) still posting after %.0f s at shutdown; the outbox "
                            "resumes them at the next start", len(pending), timeout)
        await self.service.stop_background()
        self.shutdown()

    @contextmanager
    def _running(self, kind: str) -> Iterator[None]:
        """Track a running job; a fetch or enrichment cancelled by ``stop`` ends quietly."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight[task] = kind
        try:
            yield
        except asyncio.CancelledError:
            if kind == "digest":
                raise
            log.info("%s job interrupted by shutdown; it runs again at the next start", kind)
        finally:
            self._inflight.pop(task, None)  # type: ignore[arg-type]

    def fetch_trigger(self) -> CronTrigger:
        """Every day after arXiv's 20:00 ET announcement (empty days are logged as such)."""
        return CronTrigger(hour=self.fetch_time.hour, minute=self.fetch_time.minute,
                           timezone=self.fetch_zone)

    async def sync(self) -> None:
        """Make the digest jobs match the subscriptions table."""
        subs = {s.job_id: s for s in await self.service.subscriptions.all()}
        for job in self.aps.get_jobs():
            if job.id.startswith("digest:") and job.id not in subs:
                job.remove()
        for job_id, sub in subs.items():
            self.aps.add_job(self._digest_job, digest_trigger(sub), id=job_id,
                             args=[sub.platform, sub.channel_id], name=f"digest {job_id}",
                             **self._job_options())

    async def catch_up(self, now: datetime | None = None) -> list[Subscription]:
        """Post, once, every digest whose fire time passed while the bot was down."""
        now = now or self.clock()
        posted = []
        for sub in await self.service.subscriptions.all():
            missed = missed_digest(sub, now)
            if sub.platform not in self.service.ports or missed is None:
                continue
            upcoming = next_digest(sub, now)
            if upcoming - now <= CATCH_UP_SKIP_WITHIN:
                log.info("missed digest for %s left to the regular one at %s", sub.job_id,
                         upcoming)
            else:
                log.info("posting missed digest for %s (%s)", sub.job_id, missed.day)
                await self.service.run_scheduled(sub.platform, sub.channel_id, missed)
                posted.append(sub)
        return posted

    async def missed_fetch_day(self, now: datetime | None = None) -> date | None:
        """The mailing date of the latest announcement when no successful fetch run (feed or
        recovery) covers it or a later day, else None."""
        if self.pipeline is None:
            return None
        day = latest_mailing_day(now or self.clock(), self.holidays)
        runs = await self.pipeline.runs.for_days("fetch", day, day + timedelta(days=7))
        return None if any(r.ok for r in runs) else day

    async def catch_up_fetch(self, now: datetime | None = None) -> date | None:
        """Schedule a fetch a few seconds out when the bot was down at fetch time (the feed only
        carries the latest day); returns the day it will fetch."""
        day = await self.missed_fetch_day(now)
        if day is None:
            return None
        when = (now or self.clock()) + CATCH_UP_FETCH_DELAY
        log.info("the arXiv announcement for %s was not fetched; fetching it at %s", day, when)
        self.aps.add_job(self._fetch_job, DateTrigger(run_date=when), args=[day],
                         id=CATCH_UP_FETCH_JOB, name="arXiv catch-up fetch",
                         **self._job_options())
        return day

    async def _digest_job(self, platform: str, channel_id: str) -> None:
        sub = await self.service.subscriptions.get(platform, channel_id)
        if sub is None:
            return
        slot = due_slot(sub, self.clock())
        if slot is None:  # recorded with the digest, so this holds across restarts too
            log.info("digest %s: this day's digest was already posted, skipped", sub.job_id)
            return
        with self._running("digest"):  # the slot: another process may fire it too
            await self.service.run_scheduled(platform, channel_id, slot)

    async def _fetch_job(self, day: date | None = None, attempt: int = 0) -> None:
        """Fetch the announcement; stale/empty/failed on an announcement day -> retry later."""
        assert self.pipeline is not None
        day = day or announcement_day(self.clock())
        report = None
        with self._running("fetch"):
            report = await self.pipeline.run_fetch(day)
            if not report.should_retry and report.kind != "error":
                await self._recover()
                await self._note_versions()
        if report is None:  # interrupted by shutdown
            return
        if report.should_retry and attempt < self.max_retries:
            when = self.clock() + timedelta(minutes=self.retry_minutes)
            log.info("arXiv fetch for %s: %s; retry %d at %s", day, report.reason,
                     attempt + 1, when)
            self.aps.add_job(self._fetch_job, DateTrigger(run_date=when),
                             args=[day, attempt + 1], id=f"{FETCH_JOB}-retry",
                             **self._job_options())
        elif report.should_retry:
            log.error("arXiv fetch for %s gave up after %d retries: %s", day, attempt,
                      report.reason)

    async def _recover(self) -> None:
        """Recover missed days after a good fetch; a failure here never fails the fetch job."""
        assert self.pipeline is not None
        try:
            report = await self.pipeline.recover_missed_days(self.clock())
        except Exception:
            log.exception("recovering missed arXiv days failed")
            return
        for day in report.days:
            log.log(logging.INFO if day.ok else logging.WARNING, "recovery of %s: %s",
                    day.day, day.reason)

    async def _note_versions(self) -> None:
        """New-version notes after a good fetch; a failure here never fails the fetch job."""
        if self.version_notes is None:
            return
        try:
            report = await self.version_notes.run()
        except Exception:
            log.exception("posting new-version notes failed")
            return
        if report.done or report.failed:
            log.info("new-version notes: %d posted, %d failed", report.done, report.failed)

    async def prune_events(self, now: datetime | None = None) -> int:
        """Forget processed-event ids older than the retention (they only guard against
        redelivery, which never comes that late); returns how many were forgotten. A failure
        is logged, never raised: the ids are only kept a little longer."""
        if self.events is None:
            return 0
        cutoff = (now or self.clock()) - self.event_retention
        try:
            forgotten = await self.events.forget_before(cutoff)
        except Exception:
            log.exception("forgetting old processed-event ids failed")
            return 0
        if forgotten:
            log.info("forgot %d processed-event ids older than %s", forgotten,
                     self.event_retention)
        return forgotten

    async def _sweep_job(self) -> None:
        """Finish posts and scheduled digests another process abandoned (killed with a claim
        held: its lease ran out); failures are logged and retried at the next sweep."""
        with self._running("digest"):
            try:
                await self.service.resume()
                await self.service.retake_abandoned()
            except Exception:
                log.exception("taking over abandoned work failed")

    async def _prune_events_job(self) -> None:
        with self._running("prune"):
            await self.prune_events()

    async def _watch_job(self) -> None:
        assert self.watch is not None
        with self._running("watch"):
            await self.watch()

    async def _remind_job(self) -> None:
        """The day's thread reminders; a failure is logged, never raised (the next day's run
        posts what is still pending)."""
        assert self.reminders is not None
        with self._running("remind"):
            try:
                await self.reminders()
            except Exception:
                log.exception("posting thread reminders failed")

    async def _enrich_job(self) -> None:
        assert self.pipeline is not None
        with self._running("enrich"):
            await self.pipeline.run_enrichment()
