"""Fetch catch-up at start and missed-day recovery after a good fetch, on a fake clock.

APScheduler is started paused, so jobs are only inspected (their trigger and arguments) and run
by hand: nothing here waits or depends on the real date.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fakes_digest import FakeClock, FakePlatform, FakePort, build_bot, paper

from bot.app import build_digest_side
from bot.core.ingest.recovery import DayRecovery, Recovery, RecoveryReport
from bot.core.scheduler import CATCH_UP_FETCH_JOB, Scheduler
from bot.models import AnnounceType
from bot.sources.arxiv_feed import FeedKind, FeedOutcome
from bot.sources.arxiv_schedule import DEFAULT_HOLIDAYS_2026
from bot.sources.base import ParsedPage, SourceFormat
from bot.store.db import Database
from bot.store.runs import RunStore
from bot.store.stores import Stores

# Friday 20 Nov 2026, 07:00 ET: Thursday evening's announcement (feed dated Fri 20) is out.
FRIDAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.db") as database:
        yield database


@dataclass
class Report:
    should_retry: bool
    kind: str
    reason: str = "reason"


class FakePipeline:
    """Records fetches and recoveries; ``kind`` is what every fetch reports."""

    def __init__(self, runs: RunStore, kind: str = "announced",
                 recover_error: Exception | None = None) -> None:
        self.runs, self.kind, self.recover_error = runs, kind, recover_error
        self.fetched: list[date | None] = []
        self.recovered: list[datetime | None] = []

    async def run_fetch(self, day: date | None = None) -> Report:
        self.fetched.append(day)
        return Report(self.kind in ("stale", "error"), self.kind)

    async def recover_missed_days(self, now: datetime | None = None) -> RecoveryReport:
        self.recovered.append(now)
        if self.recover_error is not None:
            raise self.recover_error
        return RecoveryReport((DayRecovery(date(2026, 11, 19), "recovered", "12 records"),))


def scheduler(db: Database, clock: FakeClock, pipeline: object) -> Scheduler:
    bot = build_bot(db, FakePort(FakePlatform()), clock)
    sched = Scheduler(bot.service, pipeline, clock=clock,  # type: ignore[arg-type]
                      holidays=DEFAULT_HOLIDAYS_2026)
    sched.aps.start(paused=True)
    return sched


async def _fetch_run(db: Database, day: date, ok: bool = True, source: str = "arxiv") -> None:
    await RunStore(db).record("fetch", source, "announced" if ok else "error",
                              started=FRIDAY, finished=FRIDAY, day=day, ok=ok)


async def test_start_schedules_a_fetch_of_the_missed_announcement(db: Database) -> None:
    clock = FakeClock(FRIDAY)
    pipeline = FakePipeline(RunStore(db))
    sched = scheduler(db, clock, pipeline)
    try:
        await _fetch_run(db, date(2026, 11, 19))  # Thursday's was fetched, Friday's was not
        await _fetch_run(db, date(2026, 11, 20), ok=False)  # tried, failed: still missed
        await sched.start(now=clock.now)
        assert pipeline.fetched == []  # start does not wait for the fetch
        job = sched.aps.get_job(CATCH_UP_FETCH_JOB)
        assert job is not None and job.args == (date(2026, 11, 20),)
        assert job.trigger.run_date == FRIDAY + timedelta(seconds=5)
        await job.func(*job.args)
        assert pipeline.fetched == [date(2026, 11, 20)] and pipeline.recovered == [FRIDAY]
    finally:
        sched.shutdown()


@pytest.mark.parametrize("source", ["arxiv", "arxiv-oai"])
async def test_no_catch_up_when_the_latest_announcement_was_fetched(
    db: Database, source: str
) -> None:
    clock = FakeClock(FRIDAY)
    sched = scheduler(db, clock, FakePipeline(RunStore(db)))
    try:
        await _fetch_run(db, date(2026, 11, 20), source=source)  # feed, or recovered over OAI
        await sched.start(now=clock.now)
        assert sched.aps.get_job(CATCH_UP_FETCH_JOB) is None
    finally:
        sched.shutdown()


async def test_catch_up_respects_weekends_and_holidays(db: Database) -> None:
    # Saturday: no announcement since Thursday's; the feed dated Friday is the one to have.
    clock = FakeClock(datetime(2026, 11, 21, 15, tzinfo=UTC))
    sched = scheduler(db, clock, FakePipeline(RunStore(db)))
    try:
        assert await sched.missed_fetch_day() == date(2026, 11, 20)
        await _fetch_run(db, date(2026, 11, 20))
        assert await sched.missed_fetch_day() is None
        # Friday after Thanksgiving: Thursday evening had no announcement (holiday), so the
        # latest is Wednesday's, in the feed dated Thursday 26.
        clock.now = datetime(2026, 11, 27, 15, tzinfo=UTC)
        assert await sched.missed_fetch_day() == date(2026, 11, 26)
    finally:
        sched.shutdown()


async def test_without_a_pipeline_there_is_nothing_to_catch_up(db: Database) -> None:
    clock = FakeClock(FRIDAY)
    sched = scheduler(db, clock, None)
    try:
        assert await sched.catch_up_fetch() is None
    finally:
        sched.shutdown()


@pytest.mark.parametrize(("kind", "recovers"),
                         [("announced", True), ("no_announcement", True), ("stale", False),
                          ("error", False)])
async def test_recovery_runs_after_a_good_fetch_only(db: Database, kind: str,
                                                     recovers: bool) -> None:
    clock = FakeClock(FRIDAY)
    pipeline = FakePipeline(RunStore(db), kind=kind)
    sched = scheduler(db, clock, pipeline)
    try:
        await sched._fetch_job()
        assert pipeline.recovered == ([FRIDAY] if recovers else [])
    finally:
        sched.shutdown()


async def test_a_recovery_failure_does_not_fail_the_fetch_job(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(FRIDAY)
    pipeline = FakePipeline(RunStore(db), recover_error=RuntimeError("disk full"))
    sched = scheduler(db, clock, pipeline)
    try:
        with caplog.at_level(logging.ERROR):
            await sched._fetch_job()
        assert pipeline.fetched and "recovering missed arXiv days failed" in caplog.text
        assert sched.aps.get_job("fetch-retry") is None
    finally:
        sched.shutdown()


# --- end to end: a real pipeline, fake feed and OAI-PMH --------------------------------------


class OneDayFeed:
    """The feed as arXiv serves it: only the latest mailing."""

    def __init__(self, day: date) -> None:
        self.day = day

    async def fetch(self, day: date | None = None, last_seen: object = None) -> FeedOutcome:
        papers = (paper("2611.20001", "Lens news", announced=self.day),)
        page = ParsedPage(SourceFormat.ARXIV_RSS, papers, announced=self.day)
        assert day is not None
        return FeedOutcome(FeedKind.ANNOUNCED, day, page, "1 paper announced")


class Oai:
    def __init__(self) -> None:
        self.asked: list[date] = []

    async def list_records(self, from_: date, until: date, set_spec: str | None
                           ) -> AsyncIterator[ParsedPage]:
        self.asked.append(from_)
        # As the OAI-PMH parser yields it: no announcement facts, a datestamp, v1 created.
        record = replace(paper(f"2611.1{from_.day:04d}", f"Lens of {from_}"), announced=None,
                         announce_type=None, version=None, published=from_ - timedelta(days=1),
                         extra={"datestamp": from_.isoformat()})
        yield ParsedPage(SourceFormat.OAI_PMH, (record,))


async def test_down_over_a_weekend_then_caught_up_and_recovered(db: Database) -> None:
    """Last fetch Wednesday night (feed of Thu 19); back on Monday 23 at 10:00 ET: the catch-up
    fetch takes Monday's feed, recovery harvests Friday 20 over OAI-PMH."""
    clock = FakeClock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    bot = build_bot(db, FakePort(FakePlatform()), clock)
    runs = RunStore(db)
    for day in (17, 18, 19):
        await _fetch_run(db, date(2026, 11, day))
    oai = Oai()
    bot.pipeline.fetcher = OneDayFeed(date(2026, 11, 23))
    bot.pipeline.recovery = Recovery(oai=oai, papers=bot.papers, runs=runs,
                                     categories=("cs.LG",), holidays=DEFAULT_HOLIDAYS_2026,
                                     clock=clock)
    sched = Scheduler(bot.service, bot.pipeline, clock=clock)
    sched.aps.start(paused=True)
    try:
        await sched.start(now=clock.now)
        job = sched.aps.get_job(CATCH_UP_FETCH_JOB)
        assert job is not None and job.args == (date(2026, 11, 23),)
        await job.func(*job.args)
        assert oai.asked == [date(2026, 11, 20)]  # the weekend has no feeds
        new = await bot.papers.iter_papers(date(2026, 11, 20), date(2026, 11, 23),
                                           (AnnounceType.NEW,))
        assert [(p.key, p.announced) for p in new] == [
            ("2611.10020", date(2026, 11, 20)), ("2611.20001", date(2026, 11, 23))]
        assert await sched.missed_fetch_day() is None
        assert await bot.pipeline.recovery.missed_days(clock.now) == []
    finally:
        sched.shutdown()


async def test_build_digest_side_wires_recovery_and_html(db: Database, tmp_path: Path) -> None:
    from bot.config import load_config

    toml = tmp_path / "scoopwatch.toml"
    toml.write_text('[arxiv]\ncategories = ["cs.LG", "stat.ML"]\n'
                    'extra_holidays = [2026-11-27]\n')
    config = load_config(toml, env={})
    html, oai = object(), Oai()
    _service, pipeline, sched = build_digest_side(
        config, Stores.on(db), fetcher=object(), html_client=html, oai=oai)  # type: ignore[arg-type]
    assert pipeline.html_client is html
    assert pipeline.recovery is not None and pipeline.recovery.sets == ["cs:cs:LG",
                                                                         "stat:stat:ML"]
    assert date(2026, 11, 27) in sched.holidays and date(2026, 11, 26) in sched.holidays
    assert date(2026, 11, 27) in pipeline.recovery.holidays
    _service, bare, _sched = build_digest_side(config, Stores.on(db))
    assert bare.recovery is None and bare.html_client is None
