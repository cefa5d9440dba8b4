"""The scheduler on a fake clock: triggers in time zones, DST changes, missed digests, retries.

Fire times come from the triggers themselves (``get_next_fire_time``) and every "now" is
injected, so nothing here waits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fakes_digest import CHANNEL, PLATFORM, WORKSPACE, FakeClock, FakePlatform, FakePort, build_bot

from bot.core.digests.schedule_spec import digest_trigger, last_fire_time, missed_digest
from bot.core.ingest.recovery import RecoveryReport
from bot.core.scheduler import PRUNE_EVENTS_JOB, Scheduler, announcement_day
from bot.store.db import Database
from bot.store.events import EventLog
from bot.store.runs import RunStore
from bot.store.stores import Stores
from bot.store.subscriptions import Subscription

BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def _sub(days: str = "daily", at: str = "09:00", tz: str = "Europe/Berlin",
         last: datetime | None = None,
         created: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> Subscription:
    return Subscription(1, PLATFORM, WORKSPACE, CHANNEL, days, at, tz, "industry-only", "U",
                        created, created, last, None)


def _fires(sub: Subscription, start: datetime, n: int) -> list[datetime]:
    trigger, out, prev, now = digest_trigger(sub), [], None, start
    for _ in range(n):
        fire = trigger.get_next_fire_time(prev, now)
        assert fire is not None
        out.append(fire)
        prev, now = fire, fire.astimezone(UTC) + timedelta(microseconds=1)
    return out


def _utc(moments: list[datetime]) -> list[str]:
    return [m.astimezone(UTC).strftime("%a %m-%d %H:%M") for m in moments]


def test_weekly_schedule_in_its_zone() -> None:
    fires = _fires(_sub("mon,thu"), datetime(2026, 11, 20, 12, tzinfo=UTC), 3)
    assert [f.isoformat() for f in fires] == [
        "2026-11-23T09:00:00+01:00", "2026-11-26T09:00:00+01:00", "2026-11-30T09:00:00+01:00"]


def test_berlin_end_of_dst_keeps_local_time() -> None:
    fires = _fires(_sub(), datetime(2026, 10, 24, 0, tzinfo=BERLIN), 3)
    assert _utc(fires) == ["Sat 10-24 07:00", "Sun 10-25 08:00", "Mon 10-26 08:00"]
    assert {f.astimezone(BERLIN).hour for f in fires} == {9}


def test_new_york_start_of_dst_keeps_local_time() -> None:
    fires = _fires(_sub(tz="America/New_York"), datetime(2026, 3, 7, 0, tzinfo=NEW_YORK), 3)
    assert _utc(fires) == ["Sat 03-07 14:00", "Sun 03-08 13:00", "Mon 03-09 13:00"]


def test_same_instant_differs_by_zone() -> None:
    now = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
    berlin = _fires(_sub(), now, 1)[0]
    tokyo = _fires(_sub(tz="Asia/Tokyo"), now, 1)[0]
    assert _utc([berlin, tokyo]) == ["Fri 11-20 08:00", "Sat 11-21 00:00"]


def test_last_fire_time_looks_back() -> None:
    trigger = digest_trigger(_sub("mon,thu"))
    monday_10 = datetime(2026, 11, 23, 10, tzinfo=BERLIN)
    assert last_fire_time(trigger, monday_10) == datetime(2026, 11, 23, 9, tzinfo=BERLIN)
    monday_8 = datetime(2026, 11, 23, 8, tzinfo=BERLIN)
    assert last_fire_time(trigger, monday_8) == datetime(2026, 11, 19, 9, tzinfo=BERLIN)


def test_missed_digest_rules() -> None:
    monday_10 = datetime(2026, 11, 23, 10, tzinfo=BERLIN)
    thursday = datetime(2026, 11, 19, 9, 0, 5, tzinfo=BERLIN)
    assert missed_digest(_sub("mon,thu", last=thursday), monday_10)
    monday_done = datetime(2026, 11, 23, 9, 0, 3, tzinfo=BERLIN)
    assert not missed_digest(_sub("mon,thu", last=monday_done), monday_10)
    # Never digested: only a fire after the subscription was created counts.
    fresh = datetime(2026, 11, 23, 9, 30, tzinfo=BERLIN)
    assert not missed_digest(_sub("mon,thu", created=fresh), monday_10)
    assert missed_digest(_sub("mon,thu", created=thursday), monday_10)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 18, 20, 30, tzinfo=NEW_YORK), date(2026, 11, 19)),
        (datetime(2026, 11, 19, 1, 0, tzinfo=NEW_YORK), date(2026, 11, 19)),
        (datetime(2026, 11, 19, 19, 59, tzinfo=NEW_YORK), date(2026, 11, 19)),
        (datetime(2026, 11, 20, 2, 30, tzinfo=BERLIN), date(2026, 11, 20)),
    ],
)
def test_announcement_day(local: datetime, expected: date) -> None:
    assert announcement_day(local) == expected


# --- the Scheduler object, on a real database, with a fake clock ------------------------------


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.db") as database:
        yield database


@dataclass
class FakeReport:
    should_retry: bool
    reason: str = "the feed still shows yesterday"
    kind: str = "stale"


class FakePipeline:
    def __init__(self, retry: bool, runs: RunStore | None = None) -> None:
        self.retry = retry
        self.runs = runs
        self.days: list[date | None] = []
        self.enriched = 0
        self.recovered: list[datetime | None] = []

    async def run_fetch(self, day: date | None = None) -> FakeReport:
        self.days.append(day)
        return FakeReport(self.retry, kind="stale" if self.retry else "announced")

    async def run_enrichment(self) -> None:
        self.enriched += 1

    async def recover_missed_days(self, now: datetime | None = None) -> RecoveryReport:
        self.recovered.append(now)
        return RecoveryReport()


async def test_start_builds_jobs_and_posts_a_missed_digest_once(db: Database) -> None:
    platform = FakePlatform()
    clock = FakeClock(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))  # Monday 09:00 Berlin
    bot = build_bot(db, FakePort(platform), clock)
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "mon,thu 09:00 Europe/Berlin")
    await bot.service.run_scheduled(PLATFORM, CHANNEL)  # Monday's digest went out
    # The bot was down from Monday until the next Friday: Thursday's digest was missed.
    clock.now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    pipeline = FakePipeline(False, RunStore(db))
    sched = Scheduler(bot.service, pipeline, clock=clock)  # type: ignore[arg-type]
    try:
        posted = await sched.start(now=clock.now)
        assert [s.channel_id for s in posted] == [CHANNEL]
        assert len(platform.headers()) == 2
        assert await sched.catch_up(clock.now) == []  # once only
        # (The catch-up fetch, for the fake past "now", was dropped by APScheduler's real clock
        # as a misfire; test_scheduler_catch_up covers it.)
        ids = {job.id for job in sched.aps.get_jobs()} - {"fetch-catch-up"}
        assert ids == {"fetch", "enrich", "sweep", f"digest:{PLATFORM}:{CHANNEL}"}
        job = sched.aps.get_job(f"digest:{PLATFORM}:{CHANNEL}")
        assert job.coalesce and job.misfire_grace_time == 7200
        nxt = job.next_run_time  # APScheduler's own (real) clock
        assert nxt is not None and nxt.astimezone(BERLIN).strftime("%a %H:%M") in (
            "Mon 09:00", "Thu 09:00")
        # Subscribing elsewhere adds a job; unsubscribing removes it.
        await bot.service.subscribe(PLATFORM, WORKSPACE, "C2", "U", "daily 18:00 Asia/Tokyo")
        assert sched.aps.get_job(f"digest:{PLATFORM}:C2") is not None
        await bot.service.unsubscribe(PLATFORM, WORKSPACE, CHANNEL)
        assert sched.aps.get_job(f"digest:{PLATFORM}:{CHANNEL}") is None
    finally:
        sched.shutdown()


async def test_missed_digest_left_to_an_imminent_regular_one(db: Database) -> None:
    platform = FakePlatform()
    clock = FakeClock(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    bot = build_bot(db, FakePort(platform), clock)
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "mon,thu 09:00 Europe/Berlin")
    await bot.service.run_scheduled(PLATFORM, CHANNEL)
    clock.now = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)  # Monday 08:30, Thursday missed
    sched = Scheduler(bot.service, clock=clock)
    try:
        assert await sched.start(now=clock.now) == []
    finally:
        sched.shutdown()


async def test_repeated_wall_time_at_dst_end_runs_once(db: Database) -> None:
    platform = FakePlatform()
    clock = FakeClock(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    bot = build_bot(db, FakePort(platform), clock)
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily 02:30 Europe/Berlin")
    sub = await bot.service.subscriptions.get(PLATFORM, CHANNEL)
    assert sub is not None
    fires = _fires(sub, datetime(2026, 10, 25, 0, tzinfo=BERLIN), 2)
    assert _utc(fires) == ["Sun 10-25 00:30", "Mon 10-26 01:30"]  # 02:30 CEST, not CET too
    sched = Scheduler(bot.service, clock=clock)
    for fire in [fires[0], datetime(2026, 10, 25, 1, 30, tzinfo=UTC), fires[1]]:
        clock.now = fire  # the second is the repeated 02:30 (CET), were anything to fire then
        await sched._digest_job(PLATFORM, CHANNEL)
    assert len(platform.headers()) == 2  # Sunday once, Monday once


async def test_fetch_job_retries_when_stale_then_gives_up(db: Database) -> None:
    clock = FakeClock(datetime(2026, 11, 19, 1, 30, tzinfo=UTC))  # Wed 20:30 ET
    bot = build_bot(db, FakePort(FakePlatform()), clock)
    pipeline = FakePipeline(retry=True)
    sched = Scheduler(bot.service, pipeline, fetch_max_retries=2, fetch_retry_minutes=30,  # type: ignore[arg-type]
                      clock=clock)
    sched.aps.start(paused=True)
    await sched._fetch_job()
    job = sched.aps.get_job("fetch-retry")
    assert job is not None and job.args == (date(2026, 11, 19), 1)
    assert job.trigger.run_date == clock.now + timedelta(minutes=30)
    clock.advance(minutes=30)
    await sched._fetch_job(*job.args)
    assert sched.aps.get_job("fetch-retry").args == (date(2026, 11, 19), 2)
    sched.aps.remove_job("fetch-retry")
    await sched._fetch_job(date(2026, 11, 19), 2)
    assert sched.aps.get_job("fetch-retry") is None
    assert pipeline.days == [date(2026, 11, 19)] * 3
    await sched._enrich_job()
    assert pipeline.enriched == 1
    sched.shutdown()


def test_fetch_trigger_follows_eastern_time(db: Database) -> None:
    bot = build_bot(db, FakePort(FakePlatform()), FakeClock(datetime(2026, 3, 1, tzinfo=UTC)))
    sched = Scheduler(bot.service, FakePipeline(False))  # type: ignore[arg-type]
    trigger = sched.fetch_trigger()
    before = trigger.get_next_fire_time(None, datetime(2026, 3, 6, 12, tzinfo=UTC))
    after = trigger.get_next_fire_time(None, datetime(2026, 3, 9, 12, tzinfo=UTC))
    assert _utc([before, after]) == ["Sat 03-07 01:30", "Tue 03-10 00:30"]


def test_last_fire_time_across_a_repeated_wall_time_is_its_first_occurrence() -> None:
    trigger = digest_trigger(_sub(at="02:30"))
    now = datetime(2026, 10, 25, 2, 0, tzinfo=UTC)  # 03:00 CET, after both 02:30s
    last = last_fire_time(trigger, now)
    assert last is not None and last.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


async def test_stop_lets_an_in_flight_digest_finish(db: Database) -> None:
    import asyncio

    clock = FakeClock(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    bot = build_bot(db, FakePort(FakePlatform()), clock)
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily")
    release, finished = asyncio.Event(), []

    async def slow(platform: str, channel_id: str, slot: object = None) -> None:
        await release.wait()
        finished.append(channel_id)

    bot.service.run_scheduled = slow  # type: ignore[method-assign]
    sched = Scheduler(bot.service, clock=clock)
    await sched.start(now=clock.now)
    job = asyncio.create_task(sched._digest_job(PLATFORM, CHANNEL))
    async with asyncio.timeout(5):
        while not sched._inflight:  # the job reaches the platform call
            await asyncio.sleep(0.001)
    stopping = asyncio.create_task(sched.stop())
    await asyncio.sleep(0)
    assert not stopping.done()
    release.set()
    await stopping
    await job
    assert finished == [CHANNEL]
    await asyncio.sleep(0)  # AsyncIOScheduler.shutdown runs via call_soon
    assert not sched.aps.running


async def test_build_digest_side_from_config(db: Database, tmp_path: Path) -> None:
    from bot.app import build_digest_side
    from bot.config import load_config
    from bot.models import Affiliation, AffiliationSource, Author, Paper

    toml = tmp_path / "scoopwatch.toml"
    toml.write_text('[digest]\nmax_papers = 3\nmisfire_grace_minutes = 30\n'
                    '[[industry.extra_labs]]\ncompany = "Acme"\naliases = ["Acme Research"]\n')
    config = load_config(toml, env={})
    service, pipeline, sched = build_digest_side(config, Stores.on(db), fetcher=object())  # type: ignore[arg-type]
    assert service.settings.max_papers == 3 and sched.grace == 1800
    assert sched.pipeline is pipeline and pipeline.fetcher is not None
    acme = Paper("1", "t", authors=(Author("A", (Affiliation("Acme Research, Berlin",
                                                             AffiliationSource.ARXIV),)),))
    assert service.detect is not None and service.detect(acme)[0].company == "Acme"
    assert sched.events is not None  # the daily prune of processed-event ids is wired


async def test_processed_event_ids_are_pruned_daily_and_at_start(db: Database) -> None:
    """Event ids only guard against redelivery: ids older than the retention are forgotten by a
    daily job, and once at start, while recent ones still stop a redelivered event."""
    clock = FakeClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    bot = build_bot(db, FakePort(FakePlatform()), clock)
    events = EventLog(db)
    await events.first_time(PLATFORM, "old", clock.now - timedelta(days=8))
    await events.first_time(PLATFORM, "recent", clock.now - timedelta(days=6))
    sched = Scheduler(bot.service, clock=clock, events=events)
    try:
        await sched.start(now=clock.now)
        assert not await events.seen(PLATFORM, "old")
        assert await events.seen(PLATFORM, "recent")
        job = sched.aps.get_job(PRUNE_EVENTS_JOB)
        assert job is not None and str(job.trigger) == "cron[hour='4', minute='0']"
        clock.now += timedelta(days=2)
        await job.func()
        assert not await events.seen(PLATFORM, "recent")
        assert await sched.prune_events() == 0
    finally:
        sched.shutdown()
    short = Scheduler(bot.service, clock=clock, events=events, event_retention=timedelta(hours=1))
    await events.first_time(PLATFORM, "hour-old", clock.now - timedelta(hours=2))
    assert await short.prune_events() == 1
    with pytest.raises(ValueError, match="positive"):
        Scheduler(bot.service, events=events, event_retention=timedelta(0))


async def test_a_failed_prune_is_logged_not_raised(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    class BrokenLog(EventLog):
        async def forget_before(self, before: datetime) -> int:
            raise OSError("disk I/O error")

    bot = build_bot(db, FakePort(FakePlatform()), FakeClock(datetime(2026, 11, 20, tzinfo=UTC)))
    sched = Scheduler(bot.service, clock=bot.service.clock, events=BrokenLog(db))
    assert await sched.prune_events() == 0
    assert "forgetting old processed-event ids failed" in caplog.text

async def _run_through_apscheduler(sched: Scheduler, func: object, *args: object) -> None:
    """Fire ``func`` through APScheduler's own asyncio executor, as the cron would."""
    import asyncio

    from apscheduler.triggers.date import DateTrigger

    sched.aps.add_job(func, DateTrigger(run_date=datetime.now(UTC)), args=list(args))
    async with asyncio.timeout(5):
        while not sched._inflight:
            await asyncio.sleep(0.005)


async def test_stop_waits_for_a_digest_fired_by_apscheduler(db: Database) -> None:
    """APScheduler cancels running jobs on shutdown; a digest being posted must finish."""
    import asyncio

    clock = FakeClock(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    bot = build_bot(db, FakePort(FakePlatform()), clock)
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily")
    finished: list[str] = []

    async def slow(platform: str, channel_id: str, slot: object = None) -> None:
        await asyncio.sleep(0.2)
        finished.append(channel_id)

    bot.service.run_scheduled = slow  # type: ignore[method-assign]
    sched = Scheduler(bot.service, clock=clock)
    await sched.start(now=clock.now)
    await _run_through_apscheduler(sched, sched._digest_job, PLATFORM, CHANNEL)
    await sched.stop()
    assert finished == [CHANNEL]


async def test_stop_cancels_a_fetch_in_backoff_quietly(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A fetch waiting out a retry is cancelled at shutdown without an error traceback."""
    import asyncio

    clock = FakeClock(datetime(2026, 11, 19, 1, 30, tzinfo=UTC))
    bot = build_bot(db, FakePort(FakePlatform()), clock)
    pipeline = FakePipeline(retry=True, runs=RunStore(db))

    async def hanging_fetch(day: date | None) -> object:
        await asyncio.sleep(3600)
        raise AssertionError("not reached")

    pipeline.run_fetch = hanging_fetch  # type: ignore[method-assign]
    sched = Scheduler(bot.service, pipeline, clock=clock)  # type: ignore[arg-type]
    await sched.start(now=clock.now)
    await _run_through_apscheduler(sched, sched._fetch_job)
    async with asyncio.timeout(5):
        await sched.stop()
    await asyncio.sleep(0.01)  # let APScheduler's done-callbacks run
    assert not sched._inflight
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert sched.aps.get_job("fetch-retry") is None  # no retry scheduled by a shutdown
