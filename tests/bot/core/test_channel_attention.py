"""A channel the platform refuses (ChannelUnavailable) on the core, with a fake platform.

Members get the fix instead of an error and a promise to retry; the channel is marked (shown
by /scoop status) and left alone by the background resume; a digest there tries its queue
once and stops behind it; the first post that succeeds clears the mark. Crash recovery asks
the platform about everything since the intent was recorded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes_digest import (
    CHANNEL,
    PLATFORM,
    WORKSPACE,
    Bot,
    Crash,
    FakeClock,
    FakePlatform,
    FakePort,
    Fault,
    add_topic,
    build_bot,
    paper,
)

from bot.core.delivery.engine import CLOCK_SKEW
from bot.errors import ChannelProblem, ChannelUnavailable
from bot.messages import Text
from bot.store.db import Database
from bot.store.migrations import discover
from bot.store.runs import RunStore

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
FIX = "Invite it with /invite @scoopwatch in this channel."


class NotInvited(ChannelUnavailable):
    """What an adapter raises for a channel the bot was never invited to."""

    def __init__(self, _detail: str = "") -> None:
        super().__init__(ChannelProblem.NOT_IN_CHANNEL, FIX)


def refuse(step: str, times: int = 1) -> list[Fault]:
    """The platform refuses ``step`` the next ``times`` times."""
    return [Fault(step, "before", 0, NotInvited) for _ in range(times)]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.db") as database:
        yield database


async def _seed(bot: Bot) -> None:
    await add_topic(bot, "U_ana", "diffusion", "diffusion")
    await bot.papers.upsert_papers([
        paper(f"2611.0000{i}", f"Diffusion paper {i}", affiliations=["OpenAI"])
        for i in (1, 2)])
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U_admin", "daily 09:00 UTC")


def _text(result: object) -> str:
    (msg,) = result.messages  # type: ignore[attr-defined]
    assert isinstance(msg, Text)
    return msg.body


async def _header_rows(db: Database) -> int:
    rows = await db.conn.execute_fetchall("SELECT count(*) FROM digest_headers")
    return int(next(iter(rows))[0])


async def test_refused_digest_says_the_fix_and_marks_the_channel(db: Database) -> None:
    platform = FakePlatform()
    bot = build_bot(db, FakePort(platform, refuse("header", 3)), FakeClock(NOW))
    await _seed(bot)

    res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    assert not res.ok
    assert _text(res) == (
        "The digest could not be posted: the bot is not a member of this channel. "
        f"{FIX} Then run /scoop digest now again: what is queued goes out first.")
    status = _text(await bot.service.status(PLATFORM, WORKSPACE, CHANNEL))
    assert status.startswith("NEEDS ATTENTION: the bot cannot post here since Fri 2026-11-20")
    assert FIX in status
    assert "NEEDS ATTENTION" not in _text(await bot.service.status(PLATFORM, WORKSPACE, "C2"))

    # The background resume (at every start) leaves the channel alone.
    calls = dict(bot.port.calls)
    report = await bot.service.resume()
    assert (report.done, report.failed) == (0, 0) and bot.port.calls == calls
    assert len(bot.port.faults) == 2  # nothing was tried

    # A scheduled digest tries the queue once and stops behind it: nothing new is queued.
    assert await bot.service.run_scheduled(PLATFORM, CHANNEL) is None
    assert await _header_rows(db) == 1 and len(bot.port.faults) == 1
    run = await RunStore(db).latest("digest", f"{PLATFORM}:{CHANNEL}")
    assert run is not None and not run.ok and FIX in run.detail["reason"]
    assert platform.messages == []


async def test_the_first_post_that_goes_through_clears_the_mark(db: Database) -> None:
    platform = FakePlatform()
    bot = build_bot(db, FakePort(platform, refuse("header")), FakeClock(NOW))
    await _seed(bot)
    assert not (await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok
    assert await bot.service.attention.get(PLATFORM, CHANNEL) is not None

    res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)  # someone invited it
    assert res.ok, _text(res)
    assert len(platform.cards()) == 2 and len(platform.headers()) == 2  # queued + new (quiet)
    assert await bot.service.attention.get(PLATFORM, CHANNEL) is None
    assert "NEEDS ATTENTION" not in _text(await bot.service.status(PLATFORM, WORKSPACE,
                                                                  CHANNEL))
    # A restarted bot reads the marks from the store, not from memory.
    again = build_bot(db, FakePort(platform), FakeClock(NOW))
    assert await again.service.attention.channels() == frozenset()


async def test_a_refusal_half_way_stops_that_channels_posts(db: Database) -> None:
    """The header went out, then threads are refused (Discord without Create Public
    Threads): the rest of the channel's cards are not tried, and the answer says why."""
    platform = FakePlatform()
    bot = build_bot(db, FakePort(platform, refuse("thread")), FakeClock(NOW))
    await _seed(bot)
    res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    assert not res.ok
    assert _text(res).endswith(
        "2 posts could not be completed: the bot is not a member of this channel. " + FIX)
    assert len(platform.cards()) == 1 and bot.port.calls.get("thread", 0) == 0
    marked = await bot.service.attention.get(PLATFORM, CHANNEL)
    assert marked is not None and marked.reason is ChannelProblem.NOT_IN_CHANNEL


async def test_recovery_asks_about_everything_since_the_intent(tmp_path: Path) -> None:
    """The card went out but the bot died before hearing back; a busy channel buried it
    under newer messages. At the restart the platform is asked from the intent's time."""
    clock = FakeClock(NOW)
    platform = FakePlatform(clock=clock)
    path = tmp_path / "bot.db"
    db = await Database.open(path)
    bot = build_bot(db, FakePort(platform, [Fault("card", "after", 0)]), clock)
    await _seed(bot)
    clock.advance(minutes=1)
    with pytest.raises(Crash):
        await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    await db.close()
    clock.advance(hours=5)
    busy = FakePort(platform)
    for i in range(300):
        await busy.post(CHANNEL, Text(f"chatter {i}"))

    db = await Database.open(path)
    bot = build_bot(db, FakePort(platform), clock)
    await bot.service.resume()
    intent = NOW + timedelta(minutes=1)
    assert bot.port.find_marker_since == [intent - CLOCK_SKEW]
    assert sorted(c.paper_key for c in platform.cards()) == ["2611.00001", "2611.00002"]
    await db.close()


async def test_migration_006_on_an_existing_v5_database(tmp_path: Path) -> None:
    path = tmp_path / "v5.db"
    async with await Database.open(path, migrate=False) as db:
        assert await db.upgrade(discover()[:5]) == [1, 2, 3, 4, 5]
    async with await Database.open(path, migrate=False) as db:
        assert 6 in await db.upgrade()
        rows = await db.conn.execute_fetchall("SELECT count(*) FROM channel_attention")
        assert int(next(iter(rows))[0]) == 0
