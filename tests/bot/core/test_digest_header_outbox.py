"""The digest header, exactly once and first: crash around its post, restart on the same file.

The header is recorded with the digest's cards and cursor in one transaction, then posted
through its own outbox (``bot.core.delivery.headers``). Whatever step a crash hits, after the
restart and ``resume`` (what ``Scheduler.start`` does first) the channel holds one header,
then one card per paper, each with one thread and one prompt.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

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
    Flaky,
    add_topic,
    build_bot,
    paper,
)

from bot.core.delivery.engine import DeliveryReport
from bot.core.delivery.headers import new_marker
from bot.core.delivery.message_json import from_json, to_json
from bot.core.scheduler import Scheduler
from bot.messages import DigestHeader, PaperCard, TopicHits
from bot.store.db import Database
from bot.store.digest_headers import DigestHeaderStore
from bot.store.migrations import discover

KEYS = ("2611.00001", "2611.00002")
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # Friday 09:00 Berlin


async def _seed(bot: Bot) -> None:
    await add_topic(bot, "U_ana", "diffusion", "diffusion")
    await bot.papers.upsert_papers([
        paper(k, "diffusion planning " * (2 - i), affiliations=["OpenAI"])
        for i, k in enumerate(KEYS)
    ])


def _assert_one_digest(platform: FakePlatform, keys: tuple[str, ...] = KEYS) -> DigestHeader:
    """One header, first; then exactly one card, thread and prompt per paper."""
    top = platform.top()
    assert [type(p.message) for p in top] == [DigestHeader] + [PaperCard] * len(keys)
    cards = top[1:]
    assert sorted(p.message.paper_key for p in cards) == sorted(keys)  # type: ignore[union-attr]
    assert platform.threads == {p.message_id for p in cards}
    for card in cards:
        assert len(platform.in_thread(card.message_id)) == 1
    assert len(platform.prompts()) == len(keys)
    header = top[0].message
    assert isinstance(header, DigestHeader) and header.marker is not None
    return header


async def _headers(db: Database) -> list[tuple[str, str, str | None]]:
    rows = await db.conn.execute_fetchall(
        "SELECT marker, state, message_id FROM digest_headers ORDER BY id")
    return [(r["marker"], r["state"], r["message_id"]) for r in rows]


def _break_store(monkeypatch: pytest.MonkeyPatch, method: str, when: str) -> None:
    """Make ``DigestHeaderStore.<method>`` die on its first call, before or after it wrote."""
    original = getattr(DigestHeaderStore, method)

    async def broken(self: DigestHeaderStore, *args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(DigestHeaderStore, method, original)  # once only
        if when == "before":
            raise Crash(f"store {method} before")
        await original(self, *args, **kwargs)
        raise Crash(f"store {method} after")

    monkeypatch.setattr(DigestHeaderStore, method, broken)


async def _crash_then_resume(
    tmp_path: Path, fault: Fault | None = None,
    store_fault: tuple[str, str] | None = None, seed: Callable[[Bot], Any] = _seed,
) -> tuple[FakePlatform, Bot]:
    """Crash one digest, restart on the same file and platform, resume; the bot is open."""
    platform, path = FakePlatform(), tmp_path / "bot.db"
    async with await Database.open(path) as db:
        bot = build_bot(db, FakePort(platform, [fault] if fault else []), FakeClock(NOW))
        await seed(bot)
        with pytest.MonkeyPatch.context() as mp:
            if store_fault is not None:
                _break_store(mp, *store_fault)
            with pytest.raises(Crash):
                await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    db = await Database.open(path)
    bot = build_bot(db, FakePort(platform), FakeClock(NOW))
    await bot.service.resume()
    return platform, bot


CRASHES = [
    pytest.param(Fault("header", "before"), None, id="platform-before-header"),
    pytest.param(Fault("header", "after"), None, id="platform-accepted-header-unrecorded"),
    pytest.param(None, ("bump_attempt", "before"), id="store-before-counting-the-try"),
    pytest.param(None, ("mark_done", "before"), id="store-before-recording-done"),
    pytest.param(None, ("mark_done", "after"), id="store-after-recording-done"),
    pytest.param(Fault("card", "before"), None, id="recorded-before-first-card"),
    pytest.param(Fault("prompt", "after", 1), None, id="recorded-during-cards"),
]


@pytest.mark.parametrize(("fault", "store_fault"), CRASHES)
async def test_crash_around_the_header_then_resume(
    tmp_path: Path, fault: Fault | None, store_fault: tuple[str, str] | None
) -> None:
    platform, bot = await _crash_then_resume(tmp_path, fault, store_fault)
    header = _assert_one_digest(platform)
    assert (header.overlaps, header.shown) == (2, 2)
    [(marker, state, message_id)] = await _headers(bot.db)
    assert (marker, state, message_id) == (header.marker, "done", platform.top()[0].message_id)
    assert await bot.service.posts.pending() == []
    assert await bot.service.resume() == DeliveryReport(0, 0)  # a second resume posts nothing
    _assert_one_digest(platform)
    await bot.db.close()


async def test_marker_lookup_only_for_a_header_that_was_tried(tmp_path: Path) -> None:
    """Not tried (crash before the try was counted): posted directly. Tried and accepted:
    found by its marker, not posted again."""
    platform, bot = await _crash_then_resume(tmp_path, None, ("bump_attempt", "before"))
    assert bot.port.find_marker_calls == 0 and bot.port.calls["header"] == 1
    _assert_one_digest(platform)
    await bot.db.close()
    platform, bot = await _crash_then_resume(tmp_path / "2", Fault("header", "after"))
    assert bot.port.find_marker_calls == 1 and "header" not in bot.port.calls
    _assert_one_digest(platform)
    await bot.db.close()


async def test_quiet_digest_header_exactly_once(tmp_path: Path) -> None:
    async def no_papers(bot: Bot) -> None:
        await add_topic(bot, "U_ana", "diffusion", "diffusion")

    for i, fault in enumerate([Fault("header", "before"), Fault("header", "after")]):
        platform, bot = await _crash_then_resume(tmp_path / str(i), fault, seed=no_papers)
        header = _assert_one_digest(platform, ())
        assert header.overlaps == 0 and header.quiet_reason
        assert [s for _m, s, _id in await _headers(bot.db)] == ["done"]
        await bot.db.close()


async def test_scheduled_digest_after_restart_neither_repeats_nor_loses_the_header(
    tmp_path: Path,
) -> None:
    """At start the scheduler resumes, then posts missed digests: a digest whose header was
    recorded is not missed (its cursor moved with it); one that crashed before being recorded
    is, and goes out then."""
    for i, store_fault in enumerate([("mark_done", "before"), ("insert_intent", "before")]):
        platform, path = FakePlatform(), tmp_path / f"{i}.db"
        clock = FakeClock(NOW - timedelta(days=1))
        async with await Database.open(path) as db:
            bot = build_bot(db, FakePort(platform), clock)
            await _seed(bot)
            await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily 09:00")
            clock.now = NOW
            with pytest.MonkeyPatch.context() as mp:
                _break_store(mp, *store_fault)
                with pytest.raises(Crash):
                    await bot.service.run_scheduled(PLATFORM, CHANNEL)
        clock.now = NOW + timedelta(minutes=5)
        async with await Database.open(path) as db:
            bot = build_bot(db, FakePort(platform), clock)
            sched = Scheduler(bot.service, clock=clock)
            try:
                posted = await sched.start(now=clock.now)
            finally:
                sched.shutdown()
            assert len(posted) == (0 if store_fault[0] == "mark_done" else 1)
            _assert_one_digest(platform)


async def test_failed_header_holds_its_cards_back(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                                  ) -> None:
    platform = FakePlatform()
    async with await Database.open(tmp_path / "bot.db") as db:
        bot = build_bot(db, FakePort(platform, [Fault("header", "before", 0, Flaky)]),
                        FakeClock(NOW))
        await _seed(bot)
        res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
        assert not res.ok and platform.messages == []  # no card went out before its header
        assert len(await bot.service.posts.pending()) == 2
        bot.port.faults.append(Fault("header", "before", 0, Flaky))
        with caplog.at_level(logging.ERROR, "bot.core.delivery.headers"):
            assert await bot.service.resume() == DeliveryReport(0, 1, skipped=2)  # the cards
        assert "its cards wait" in caplog.text and platform.messages == []
        assert await bot.service.resume() == DeliveryReport(3, 0)
        first = _assert_one_digest(platform)
        # The next digest has nothing new: a quiet header, after the first digest's cards.
        assert (await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok
        assert [type(p.message) for p in platform.top()][-1] is DigestHeader
        assert platform.headers()[0] == first and len(platform.headers()) == 2


async def test_next_digest_posts_the_earlier_header_and_cards_first(tmp_path: Path) -> None:
    """A header left by a platform error goes out before the next digest, with its cards."""
    platform = FakePlatform()
    async with await Database.open(tmp_path / "bot.db") as db:
        bot = build_bot(db, FakePort(platform, [Fault("header", "after", 0, Flaky)]),
                        FakeClock(NOW))
        await _seed(bot)
        assert not (await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok
        await bot.papers.upsert_papers([
            paper("2611.00003", "diffusion models", affiliations=["OpenAI"])])
        assert (await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok
        kinds = [(type(p.message).__name__, getattr(p.message, "paper_key", None))
                 for p in platform.top()]
        assert kinds == [("DigestHeader", None), ("PaperCard", "2611.00001"),
                         ("PaperCard", "2611.00002"), ("DigestHeader", None),
                         ("PaperCard", "2611.00003")]
        assert bot.port.find_marker_calls == 1  # the accepted header was found, not reposted


async def test_header_of_an_unregistered_platform_waits(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture
                                                        ) -> None:
    platform, path = FakePlatform(), tmp_path / "bot.db"
    async with await Database.open(path) as db:
        bot = build_bot(db, FakePort(platform, [Fault("header", "before")]), FakeClock(NOW))
        await _seed(bot)
        with pytest.raises(Crash):
            await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    async with await Database.open(path) as db:
        bot = build_bot(db, FakePort(platform, platform="slack"), FakeClock(NOW))
        with caplog.at_level(logging.INFO, "bot.core.delivery.headers"):
            assert await bot.service.resume() == DeliveryReport(0, 0, skipped=3)
        assert f"no {PLATFORM} adapter registered, 1 digest header(s) left for later" in (
            caplog.text)
        assert platform.messages == []
        assert [s for _m, s, _id in await _headers(db)] == ["intent"]
        bot.service.register_port(FakePort(platform))
        assert await bot.service.resume() == DeliveryReport(3, 0)
        _assert_one_digest(platform)


def test_header_round_trips_through_its_row() -> None:
    header = DigestHeader(date(2026, 11, 14), date(2026, 11, 20), 935, 3, 2,
                          (TopicHits("diffusion", "U_ana", 2, "Ana"),
                           TopicHits("rl", "U_ben", 1, "Ben")),
                          quiet_reason=None, more_hint="1 more: /scoop digest now since x",
                          mode="all-papers", marker=new_marker())
    assert from_json(DigestHeader, to_json(header)) == header
    old = json.loads(to_json(header))  # recorded before headers carried names
    for hits in old["topic_hits"]:
        del hits["member_name"]
    assert [t.member_name for t in from_json(DigestHeader, json.dumps(old)).topic_hits] == [
        "U_ana", "U_ben"]
    quiet = DigestHeader(date(2026, 11, 21), date(2026, 11, 21), 0, 0, 0,
                         quiet_reason="weekend: «no» announcements")
    assert from_json(DigestHeader, to_json(quiet)) == quiet


def test_markers_are_distinct_and_none_contains_another() -> None:
    markers = {new_marker() for _ in range(200)}
    assert len(markers) == 200 and len({len(m) for m in markers}) == 1
    assert all(m.startswith("sw:digest:") for m in markers)


async def test_migration_005_on_an_existing_v4_database(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    async with await Database.open(path, migrate=False) as db:
        assert await db.upgrade(discover()[:4]) == [1, 2, 3, 4]
    async with await Database.open(path, migrate=False) as db:
        assert await db.upgrade(discover()[:5]) == [5]
        assert await _headers(db) == []
