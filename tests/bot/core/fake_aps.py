"""APScheduler 3 on a fake clock (this module holds no tests).

The scheduler, its job store, its asyncio executor and the triggers are APScheduler's own; only
``datetime.now`` in the two modules that read the time (the scheduler's main loop and the
executor's misfire check) answers from a ``FakeClock``. ``run_until`` then moves the clock from
one due job to the next and wakes the scheduler, as its timer would, so a year of schedule runs
in seconds and every fire time is the one APScheduler itself computed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from types import SimpleNamespace
from unittest.mock import patch

from fakes_digest import FakeClock

from bot.core.scheduler import Scheduler


@contextmanager
def apscheduler_on(clock: FakeClock) -> Iterator[None]:
    """While open, APScheduler reads the time from ``clock``."""

    def now(tz: tzinfo | None = None) -> datetime:
        return clock.now.astimezone(tz)

    fake = SimpleNamespace(now=now)
    with patch("apscheduler.schedulers.base.datetime", fake), \
            patch("apscheduler.executors.base.datetime", fake):
        yield


async def settle() -> None:
    """Let a wakeup run and wait for the jobs it handed to the executor."""
    async with asyncio.timeout(30):
        for _ in range(3):
            await asyncio.sleep(0)
        while pending := [t for t in asyncio.all_tasks()
                          if t is not asyncio.current_task() and not t.done()]:
            await asyncio.wait(pending)


def next_due(sched: Scheduler) -> datetime | None:
    """The earliest next run time of any job, in UTC (two times of one zone compare by wall
    clock and ignore ``fold``, so the repeated hour at the end of DST would look equal)."""
    times = [job.next_run_time.astimezone(UTC) for job in sched.aps.get_jobs()
             if job.next_run_time is not None]
    return min(times, default=None)


async def run_until(sched: Scheduler, clock: FakeClock, until: datetime,
                    late: timedelta = timedelta(0)) -> None:
    """Run every job APScheduler finds due up to ``until`` (each ``late`` after its time, as a
    busy loop would), then leave the clock at ``until``."""
    end = until.astimezone(UTC)
    while (due := next_due(sched)) is not None and due + late <= end:
        clock.now = max(clock.now.astimezone(UTC), due + late)
        sched.aps.wakeup()
        await settle()
    clock.now = max(clock.now.astimezone(UTC), end)
