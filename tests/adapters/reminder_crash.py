"""A thread reminder killed mid-way and resumed, through a real adapter's port (this module
holds no tests; each platform's suite drives it against its fake).

Like ``tests/adapters/delivery_crash``: the real digest service, delivery engine and reminder
job on a real SQLite file, the platform's real ``ChatPort`` wrapped so the process dies at the
reminder: ``before`` the platform call (after the engine counted the try) or ``after`` the
platform took it and before the engine heard back. The restart builds every bot object and a
new port on the same file and runs the day's reminders again: the thread holds exactly one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.core.delivery.thread_reminders import ThreadReminders
from bot.messages import Message, ThreadReminder
from bot.ports import ChatPort, ThreadRef
from bot.store.db import Database
from bot.store.stores import Stores
from tests.adapters.delivery_crash import (
    ANNOUNCED,
    NOW,
    WORKSPACE,
    Dies,
    DyingPort,
    digest_side,
    jsonl_papers,
)
from tests.bot.core.fakes_digest import Crash, FakeClock

DAYS = 3


def a_reminder() -> Callable[[Message], bool]:
    return lambda m: isinstance(m, ThreadReminder)


def reminders(db: Database, port: ChatPort, days_later: float) -> ThreadReminders:
    """One "process"'s reminder job, its clock ``days_later`` days after the digest."""
    service = digest_side(db, port)
    assert isinstance(service.clock, FakeClock)
    service.clock.advance(days=days_later)
    return ThreadReminders(Stores.on(db).followup, service.delivery, DAYS)


async def remind_across_a_crash(path: Path, channel_id: str, when: str,
                                make_port: Callable[[Database], Awaitable[ChatPort]]
                                ) -> ThreadRef:
    """Digest one paper into ``channel_id``, let ``DAYS`` days pass, die while reminding its
    thread (``when``: before or after the platform call), restart and remind again. Returns
    the paper's thread, for the platform's own count of what is in it."""
    async with await Database.open(path) as db:
        port = await make_port(db)
        service = digest_side(db, port)
        stores = Stores.on(db)
        await stores.topics.add(port.platform, WORKSPACE, "ana", "diffusion", "diffusion", NOW)
        await stores.papers.upsert_papers(jsonl_papers(("p-1", "Alpha diffusion")))
        assert (await service.digest_now(port.platform, WORKSPACE, channel_id, ANNOUNCED)).ok
        [post] = await db.conn.execute_fetchall("SELECT thread_root_id FROM posts")
        thread = ThreadRef(port.platform, channel_id, post[0])
        dying = reminders(db, DyingPort(port, Dies(a_reminder(), when)), DAYS)
        with pytest.raises(Crash):
            await dying.run()
    async with await Database.open(path) as db:
        job = reminders(db, await make_port(db), DAYS + 1 / 24)
        report = await job.run()
        assert (report.done, report.failed) == (1, 0), report
        assert (await job.run()).done == 0  # the next day's run: nothing more, ever
        rows = await db.conn.execute_fetchall("SELECT state, attempts FROM thread_reminders")
        # before: tried twice (the first never reached the platform); after: found, not retried
        assert [tuple(r) for r in rows] == [("done", 2 if when == "before" else 1)]
    return thread
