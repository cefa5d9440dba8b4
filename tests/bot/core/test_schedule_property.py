"""A year of digests in a random zone, through APScheduler on a fake clock, with restarts.

For a random IANA zone, time of day and set of weekdays, all of 2026 runs through APScheduler's
own scheduler loop (``fake_aps``) and the real digest service on a real database; the bot is
stopped and restarted at random moments (biased towards fire times, where the edge cases are)
for up to six hours each. Every scheduled day must get exactly one digest: at its fire time if
the bot was up then, else at the restart that caught it up.

The fire times are checked against an oracle written independently of the code under test: a
day's digest is due at the earliest minute whose wall-clock reading in the zone is the
scheduled time of that day or later, found by scanning.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fake_aps import apscheduler_on, run_until, settle
from fakes_digest import CHANNEL, PLATFORM, WORKSPACE, FakeClock, FakePlatform, FakePort, build_bot
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.digests.schedule_spec import DAY_NAMES, DigestTrigger
from bot.core.scheduler import Scheduler
from bot.messages import DigestHeader
from bot.store.db import Database
from bot.timezones import zone_keys

YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2027, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def oracle_fire(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The earliest whole minute whose wall clock in ``zone`` reads ``day`` ``at`` or later.

    Coarse steps of 15 minutes are safe: a repeated hour lasts at least 30 minutes, so a
    reading at or past ``at`` cannot come and go between two steps unseen."""
    target = datetime.combine(day, at)
    # Start three hours early by the zone's usual offset: no clock change is that large.
    offset = zone.utcoffset(target)
    assert offset is not None
    t = (target - offset).replace(tzinfo=UTC, second=0) - timedelta(hours=3)
    step = timedelta(minutes=15)

    def wall(moment: datetime) -> datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    while wall(t + step) < target:
        t += step
    while wall(t) < target:
        t += MINUTE
    return t


@dataclass(frozen=True)
class Restart:
    day: int  # which day of the year the restart is near
    offset_minutes: int  # from that day's scheduled wall time
    down_minutes: int


@dataclass(frozen=True)
class Case:
    zone: str
    at: time
    days: tuple[int, ...]
    restarts: tuple[Restart, ...]

    @property
    def args(self) -> str:
        return f"{','.join(DAY_NAMES[d] for d in self.days)} {self.at:%H:%M} {self.zone}"


cases = st.builds(
    Case,
    zone=st.sampled_from(zone_keys()),
    at=st.builds(time, st.integers(0, 23), st.integers(0, 59)),
    days=st.sets(st.integers(0, 6), min_size=1).map(lambda s: tuple(sorted(s))),
    restarts=st.lists(st.builds(Restart, st.integers(1, 362), st.integers(-180, 180),
                                st.integers(0, 360)), max_size=12).map(tuple),
)


async def _year(case: Case) -> tuple[list[datetime], list[tuple[datetime, datetime]]]:
    """Run the year; returns when each digest was posted and the intervals the bot was down.
    (An in-memory database: the schedule, not the disk, is under test, and a year is long.)"""
    zone = ZoneInfo(case.zone)
    clock = FakeClock(YEAR_START)
    platform = FakePlatform(clock=clock)
    downtimes: list[tuple[datetime, datetime]] = []
    async with await Database.open(":memory:") as db:
        with apscheduler_on(clock):

            async def start() -> Scheduler:
                sched = Scheduler(build_bot(db, FakePort(platform), clock).service, clock=clock)
                await sched.start(now=clock.now)
                await settle()
                return sched

            sched = await start()
            result = await sched.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", case.args)
            assert result.ok, result
            moments = sorted(
                (datetime.combine(YEAR_START.date() + timedelta(days=r.day), case.at, zone)
                 .astimezone(UTC) + timedelta(minutes=r.offset_minutes), r.down_minutes)
                for r in case.restarts)
            for stop_at, down in moments:
                if stop_at <= clock.now:
                    continue  # overlaps the previous downtime
                await run_until(sched, clock, stop_at)
                sched.shutdown()
                await settle()
                clock.now = stop_at + timedelta(minutes=down)
                downtimes.append((stop_at, clock.now))
                sched = await start()
            await run_until(sched, clock, YEAR_END)
            sched.shutdown()
            await settle()
    posted = [p.at.astimezone(UTC) for p in platform.top()
              if isinstance(p.message, DigestHeader) and p.at is not None]
    return posted, downtimes


# A year through the real service costs about two seconds an example; the long variant
# (SCOOPWATCH_LONG_SUITES=1, the switch of every long suite) runs many more.
LONG = os.environ.get("SCOOPWATCH_LONG_SUITES") == "1"


@given(zone=st.sampled_from(zone_keys()), at=st.builds(time, st.integers(0, 23),
                                                       st.integers(0, 59)))
@settings(max_examples=1000 if LONG else 40, deadline=None)
def test_the_trigger_walks_the_year_as_the_oracle_does(zone: str, at: time) -> None:
    """As APScheduler walks a trigger (each next fire from the previous one), every day of the
    year fires once, at the oracle's minute."""
    tz = ZoneInfo(zone)
    trigger = DigestTrigger(tuple(range(7)), at, tz)
    fire = trigger.get_next_fire_time(None, YEAR_START)
    day = YEAR_START.astimezone(tz).date()
    while (expected := oracle_fire(day, at, tz)) < YEAR_START:
        day += timedelta(days=1)
    while fire is not None and fire <= YEAR_END:
        assert fire.astimezone(UTC) == expected, (zone, day)
        fire, day = trigger.get_next_fire_time(fire, fire), day + timedelta(days=1)
        expected = oracle_fire(day, at, tz)


@given(cases)
@settings(max_examples=100 if LONG else 5, deadline=None)
def test_each_scheduled_day_gets_exactly_one_digest(case: Case) -> None:
    posted, downtimes = asyncio.run(_year(case))
    zone = ZoneInfo(case.zone)
    first_day = YEAR_START.astimezone(zone).date() - timedelta(days=1)
    fires = {}
    for n in range(370):
        day = first_day + timedelta(days=n)
        fire = oracle_fire(day, case.at, zone)
        if day.weekday() in case.days and YEAR_START <= fire <= YEAR_END:
            fires[day] = fire
    # Each digest belongs to the latest scheduled fire at or before it was posted.
    got: dict[date, list[datetime]] = {}
    for moment in posted:
        day = max((d for d, f in fires.items() if f <= moment), key=lambda d: fires[d])
        got.setdefault(day, []).append(moment)
    assert {d: len(ms) for d, ms in got.items() if len(ms) != 1} == {}, "a day twice"
    assert sorted(set(fires) - set(got)) == [], "a day without its digest"
    for day, fire in fires.items():
        down = next(((a, b) for a, b in downtimes if a < fire <= b), None)
        if down is None:
            assert got[day] == [fire], (day, fire)  # live: exactly at the rule's instant
        else:
            assert got[day] == [down[1]], (day, fire, down)  # caught up at the restart
