"""Digest schedules across the real DST transitions of 2026, run through APScheduler itself.

APScheduler's scheduler, executor and job store run on a fake clock (``fake_aps``): every digest
below was fired by APScheduler at the time its trigger computed, posted by the real digest
service on a real database, and stamped by the fake platform with the fake time. The rule under
test: a scheduled day's digest fires once, at the first instant the zone's clock reads the
scheduled time or later that day; a restart never repeats it and never loses it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fake_aps import apscheduler_on, run_until, settle
from fakes_digest import CHANNEL, PLATFORM, WORKSPACE, FakeClock, FakePlatform, FakePort, build_bot

from bot.core.digests.schedule_spec import (
    digest_trigger,
    due_slot,
    fire_instant,
    missed_digest,
)
from bot.core.scheduler import Scheduler
from bot.messages import DigestHeader, Text
from bot.store.db import Database
from bot.store.subscriptions import Subscription


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.db") as database:
        yield database


@dataclass
class Run:
    """One bot "process" after another over the same database and chat platform."""

    db: Database
    platform: FakePlatform
    clock: FakeClock
    sched: Scheduler | None = None

    async def start(self) -> Scheduler:
        bot = build_bot(self.db, FakePort(self.platform), self.clock)
        self.sched = Scheduler(bot.service, clock=self.clock)
        await self.sched.start(now=self.clock.now)
        await settle()
        return self.sched

    async def subscribe(self, args: str) -> str:
        assert self.sched is not None
        result = await self.sched.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", args)
        assert result.ok, result
        return " ".join(m.body for m in result.messages if isinstance(m, Text))

    async def stop(self) -> None:
        assert self.sched is not None
        self.sched.shutdown()
        await settle()
        self.sched = None

    async def until(self, moment: datetime) -> None:
        assert self.sched is not None
        await run_until(self.sched, self.clock, moment)

    def digests(self) -> list[datetime]:
        """When each digest header was posted, in UTC."""
        return [p.at.astimezone(UTC) for p in self.platform.top()
                if isinstance(p.message, DigestHeader) and p.at is not None]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


async def _running(db: Database, clock: FakeClock, args: str) -> Run:
    """A started bot whose channel subscribed with ``args`` at ``clock.now``."""
    run = Run(db, FakePlatform(clock=clock), clock)
    await run.start()
    await run.subscribe(args)
    return run


def _sub(at: str, zone: str) -> Subscription:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return Subscription(1, PLATFORM, WORKSPACE, CHANNEL, "mon,tue,wed,thu,fri,sat,sun", at, zone,
                        "industry-only", "U", created, created, None, None)


# zone, time, first day, the local fire instants of that day and the two after it
TRANSITIONS = [
    pytest.param("Europe/Berlin", "02:30", date(2026, 3, 28),
                 ["2026-03-28T02:30+01:00", "2026-03-29T03:00+02:00", "2026-03-30T02:30+02:00"],
                 id="berlin-spring-forward-gap"),
    pytest.param("Europe/Berlin", "02:30", date(2026, 10, 24),
                 ["2026-10-24T02:30+02:00", "2026-10-25T02:30+02:00", "2026-10-26T02:30+01:00"],
                 id="berlin-fall-back-repeat"),
    pytest.param("America/Santiago", "00:30", date(2026, 9, 5),
                 ["2026-09-05T00:30-04:00", "2026-09-06T01:00-03:00", "2026-09-07T00:30-03:00"],
                 id="santiago-midnight-gap"),
    pytest.param("America/Santiago", "23:30", date(2026, 4, 3),
                 ["2026-04-03T23:30-03:00", "2026-04-04T23:30-03:00", "2026-04-05T23:30-04:00"],
                 id="santiago-fall-back-repeat-before-midnight"),
    pytest.param("America/New_York", "02:30", date(2026, 3, 7),
                 ["2026-03-07T02:30-05:00", "2026-03-08T03:00-04:00", "2026-03-09T02:30-04:00"],
                 id="new-york-spring-forward-gap"),
    pytest.param("America/New_York", "01:30", date(2026, 10, 31),
                 ["2026-10-31T01:30-04:00", "2026-11-01T01:30-04:00", "2026-11-02T01:30-05:00"],
                 id="new-york-fall-back-repeat"),
    pytest.param("Australia/Sydney", "02:30", date(2026, 10, 3),
                 ["2026-10-03T02:30+10:00", "2026-10-04T03:00+11:00", "2026-10-05T02:30+11:00"],
                 id="sydney-spring-forward-gap"),
    pytest.param("Australia/Sydney", "02:30", date(2026, 4, 4),
                 ["2026-04-04T02:30+11:00", "2026-04-05T02:30+11:00", "2026-04-06T02:30+10:00"],
                 id="sydney-fall-back-repeat"),
    pytest.param("Asia/Kolkata", "09:00", date(2026, 3, 28),
                 ["2026-03-28T09:00+05:30", "2026-03-29T09:00+05:30", "2026-03-30T09:00+05:30"],
                 id="kolkata-half-hour-offset"),
    pytest.param("Pacific/Chatham", "03:00", date(2026, 9, 26),
                 ["2026-09-26T03:00+12:45", "2026-09-27T03:45+13:45", "2026-09-28T03:00+13:45"],
                 id="chatham-45-minute-gap"),
    pytest.param("Pacific/Chatham", "03:00", date(2026, 4, 4),
                 ["2026-04-04T03:00+13:45", "2026-04-05T03:00+13:45", "2026-04-06T03:00+12:45"],
                 id="chatham-45-minute-repeat"),
]


@pytest.mark.parametrize(("zone", "at", "first", "expected"), TRANSITIONS)
async def test_one_digest_a_day_at_the_rule_s_instant(
    db: Database, zone: str, at: str, first: date, expected: list[str]
) -> None:
    tz = ZoneInfo(zone)
    clock = FakeClock(datetime.combine(first - timedelta(days=1), time.fromisoformat(at), tz)
                      + timedelta(hours=1))  # just after the day before's digest
    with apscheduler_on(clock):
        run = await _running(db, clock, f"daily {at} {zone}")
        await run.until(datetime.combine(first + timedelta(days=3), datetime.min.time(), tz))
        await run.stop()
    assert run.digests() == [_utc(e) for e in expected]


@pytest.mark.parametrize(("zone", "at", "first", "expected"), TRANSITIONS)
def test_the_trigger_and_the_catch_up_agree(
    zone: str, at: str, first: date, expected: list[str]
) -> None:
    """What APScheduler fires and what the catch-up at start calls missed is the same instant,
    and one rule (``fire_instant``) gives it."""
    sub = _sub(at, zone)
    trigger = digest_trigger(sub)
    for n, text in enumerate(expected):
        fire, day = _utc(text), first + timedelta(days=n)
        # (compared in UTC: a repeated wall time never equals an instant of another zone)
        assert fire_instant(day, time.fromisoformat(at), ZoneInfo(zone)).astimezone(UTC) == fire
        nxt = trigger.get_next_fire_time(None, fire - timedelta(seconds=1))
        assert nxt is not None and nxt.astimezone(UTC) == fire
        before = missed_digest(sub, fire - timedelta(seconds=1))
        assert before is not None and before.day == day - timedelta(days=1)
        slot = missed_digest(sub, fire)
        assert slot is not None and slot.day == day and slot.at.astimezone(UTC) == fire


async def test_fall_back_restart_between_the_two_half_past_twos_posts_once(db: Database) -> None:
    """``daily 02:30 Europe/Berlin``: the 02:30 CEST digest goes out, the bot restarts at
    02:45 CEST, and the 02:30 CET that follows posts nothing."""
    clock = FakeClock(datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    with apscheduler_on(clock):
        run = await _running(db, clock, "daily 02:30 Europe/Berlin")
        await run.until(datetime(2026, 10, 25, 0, 45, tzinfo=UTC))  # 02:45 CEST
        assert run.digests() == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]
        await run.stop()
        await run.start()
        await run.until(datetime(2026, 10, 26, 0, 0, tzinfo=UTC))  # past 02:30 CET
        assert run.digests() == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]
        await run.until(datetime(2026, 10, 26, 2, 0, tzinfo=UTC))
        await run.stop()
    assert run.digests()[1:] == [datetime(2026, 10, 26, 1, 30, tzinfo=UTC)]  # Monday, CET


async def test_the_days_digest_is_remembered_across_a_restart(db: Database) -> None:
    """The once-a-day record is in the database: after a restart, moving the schedule later
    the same day does not post that day's digest again, and the reply says when the next
    one comes."""
    clock = FakeClock(datetime(2026, 11, 16, 7, 0, tzinfo=UTC))
    with apscheduler_on(clock):
        run = await _running(db, clock, "daily 09:00 Europe/Berlin")
        await run.until(datetime(2026, 11, 16, 8, 20, tzinfo=UTC))  # Monday 09:20
        assert len(run.digests()) == 1
        await run.stop()
        await run.start()
        reply = await run.subscribe("daily 10:00 Europe/Berlin")
        assert "Next digest: Tue 2026-11-17 10:00" in reply
        await run.until(datetime(2026, 11, 17, 8, 0, tzinfo=UTC))  # Tuesday 09:00
        assert len(run.digests()) == 1
        await run.until(datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
        await run.stop()
    assert run.digests()[1:] == [datetime(2026, 11, 17, 9, 0, tzinfo=UTC)]


async def test_a_repeated_firing_for_a_posted_day_posts_nothing(db: Database) -> None:
    """Whatever fires the job again for a day already posted (a second process, a restart
    inside the misfire window) finds the day recorded with the digest."""
    clock = FakeClock(datetime(2026, 11, 16, 7, 0, tzinfo=UTC))
    with apscheduler_on(clock):
        run = await _running(db, clock, "daily 09:00 Europe/Berlin")
        await run.until(datetime(2026, 11, 16, 8, 5, tzinfo=UTC))
        await run.stop()
        sched = await run.start()
        await sched._digest_job(PLATFORM, CHANNEL)  # the 09:00 job once more, at 09:05
        await run.stop()
    assert len(run.digests()) == 1
    sub = await sched.service.subscriptions.get(PLATFORM, CHANNEL)
    assert sub is not None and sub.last_scheduled_day == date(2026, 11, 16)


async def test_santiago_midnight_gap_is_caught_up_after_a_restart(db: Database) -> None:
    """Down from 23:00 on Saturday 5 September to 02:00 on Sunday (the night 00:00 becomes
    01:00): the Sunday digest, due at 01:00, is posted at start, and only once."""
    santiago = ZoneInfo("America/Santiago")
    clock = FakeClock(datetime(2026, 9, 4, 12, 0, tzinfo=santiago))
    with apscheduler_on(clock):
        run = await _running(db, clock, "daily 00:30 America/Santiago")
        await run.until(datetime(2026, 9, 5, 23, 0, tzinfo=santiago))
        await run.stop()
        run.clock.now = datetime(2026, 9, 6, 2, 0, tzinfo=santiago)
        await run.start()
        await run.until(datetime(2026, 9, 7, 12, 0, tzinfo=santiago))
        await run.stop()
    assert run.digests() == [_utc("2026-09-05T00:30-04:00"), _utc("2026-09-06T02:00-03:00"),
                             _utc("2026-09-07T00:30-03:00")]


async def test_berlin_gap_is_caught_up_at_the_same_instant_the_schedule_uses(
    db: Database,
) -> None:
    """Down over the spring-forward jump, back at 03:10 CEST: 02:30 fired at 03:00 (the jump),
    so the digest is missed and posted at start; the live schedule then moves to Monday."""
    clock = FakeClock(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    with apscheduler_on(clock):
        run = await _running(db, clock, "daily 02:30 Europe/Berlin")
        await run.until(datetime(2026, 3, 29, 0, 50, tzinfo=UTC))  # 01:50 CET
        await run.stop()
        run.clock.now = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)  # 03:10 CEST
        await run.start()
        await run.until(datetime(2026, 3, 30, 1, 0, tzinfo=UTC))
        await run.stop()
    assert run.digests() == [datetime(2026, 3, 29, 1, 10, tzinfo=UTC),
                             datetime(2026, 3, 30, 0, 30, tzinfo=UTC)]


async def test_two_runs_racing_for_one_day_record_one_digest(tmp_path: Path) -> None:
    """Two processes on one database both see the day as not yet posted; the second to record
    its digest finds the day taken in its transaction and rolls back: one header, no cards."""
    clock = FakeClock(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))  # Monday 09:00 Berlin
    platform = FakePlatform(clock=clock)
    async with await Database.open(tmp_path / "bot.db") as first_db, \
            await Database.open(tmp_path / "bot.db") as second_db:
        first = build_bot(first_db, FakePort(platform), clock)
        second = build_bot(second_db, FakePort(platform), clock)
        await first.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily 09:00")
        stale = await second.service.subscriptions.get(PLATFORM, CHANNEL)
        assert stale is not None
        slot = due_slot(stale, clock.now)
        assert slot is not None
        assert await first.service.run_scheduled(PLATFORM, CHANNEL, slot) is not None

        async def as_read_before(platform_: str, channel_id: str) -> Subscription:
            return stale  # what the second process read before the first one recorded

        second.service.subscriptions.get = as_read_before  # type: ignore[method-assign]
        assert await second.service.run_scheduled(PLATFORM, CHANNEL, slot) is None
        rows = await second_db.conn.execute_fetchall("SELECT count(*) AS n FROM digest_headers")
        assert rows[0]["n"] == 1
    assert len(platform.headers()) == 1
