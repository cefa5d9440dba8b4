"""A process killed while it held claims leaves nothing stuck: its cards and its scheduled
digest are taken over once its leases run out, exactly once, and a restarted process sets a
sweep for the moment they do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fakes_digest import (
    CHANNEL,
    PLATFORM,
    WORKSPACE,
    Crash,
    FakeClock,
    FakePlatform,
    FakePort,
    Fault,
    add_topic,
    build_bot,
    paper,
)

from bot.core.scheduler import SWEEP_JOB, Scheduler
from bot.messages import DigestHeader, PaperCard, ThreadPrompt
from bot.store.claims import Claims
from bot.store.db import Database
from bot.store.digest_slots import DigestSlotStore, SlotClaim

KEYS = ("2611.00001", "2611.00002", "2611.00003")
NOW = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


async def _seed(path: Path, platform: FakePlatform, clock: FakeClock) -> Database:
    db = await Database.open(path)
    bot = build_bot(db, FakePort(platform), clock)
    await add_topic(bot, "U_ana", "diffusion", "diffusion")
    await bot.papers.upsert_papers([paper(k, "diffusion planning", affiliations=["OpenAI"],
                                          announced=date(2026, 11, 13)) for k in KEYS])
    return db


def _assert_once(platform: FakePlatform) -> None:
    top = platform.top(CHANNEL)
    assert len([p for p in top if isinstance(p.message, DigestHeader)]) == 1
    cards = [p for p in top if isinstance(p.message, PaperCard)]
    assert sorted(c.message.paper_key for c in cards) == sorted(KEYS)
    for card in cards:
        assert [type(p.message) for p in platform.in_thread(card.message_id)] == [ThreadPrompt]


async def test_cards_a_killed_process_held_are_posted_once_its_leases_run_out(
        tmp_path: Path) -> None:
    platform, clock, path = FakePlatform(), FakeClock(NOW), tmp_path / "bot.db"
    db = await _seed(path, platform, clock)
    bot = build_bot(db, FakePort(platform, [Fault("card", "after", 1)]), clock)
    with pytest.raises(Crash):  # killed right after its second card reached the channel
        await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    dead = Claims(db, "dead-worker")  # a kill never releases what it held
    for row in await bot.service.posts.pending():
        assert await dead.take("posts", row.id, clock())
    await db.close()

    db = await Database.open(path)
    bot = build_bot(db, FakePort(platform), clock)
    sched = Scheduler(bot.service, clock=clock)
    sched.aps.start(paused=True)  # its jobs are run by hand, on the fake clock
    try:
        await sched.start(now=clock())
        assert len([p for p in platform.top(CHANNEL) if isinstance(p.message, PaperCard)]) == 2
        job = sched.aps.get_job(f"{SWEEP_JOB}-after-start")
        assert job is not None
        assert job.trigger.run_date == NOW + dead.lease + timedelta(seconds=1)
        clock.now = job.trigger.run_date
        await sched._sweep_job()
        _assert_once(platform)
        assert await bot.service.posts.pending() == []
    finally:
        sched.shutdown()
        await db.close()


async def test_a_slot_a_killed_scheduler_claimed_is_posted_once_by_another(
        tmp_path: Path) -> None:
    platform, clock, path = FakePlatform(), FakeClock(NOW - timedelta(days=1)), tmp_path / "b.db"
    db = await _seed(path, platform, clock)
    bot = build_bot(db, FakePort(platform), clock)
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily 09:00 Europe/Berlin")
    clock.now = NOW
    # Another process fired the slot, claimed it, and was killed while composing.
    assert await DigestSlotStore(db, "dead-worker").claim(SlotClaim(PLATFORM, CHANNEL, NOW), NOW)
    sched = Scheduler(bot.service, clock=clock)
    try:
        await sched._digest_job(PLATFORM, CHANNEL)  # this process fires it too: not its slot
        assert platform.top(CHANNEL) == []
        await sched._sweep_job()
        assert platform.top(CHANNEL) == []  # the lease still holds
        clock.advance(seconds=61)
        await sched._sweep_job()
        _assert_once(platform)
        await sched._sweep_job()
        await sched._digest_job(PLATFORM, CHANNEL)
        _assert_once(platform)
    finally:
        await db.close()
