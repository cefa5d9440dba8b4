"""Posting exactly once: crash the digest at every step, restart on the same file, resume.

A "crash" is a BaseException raised inside a platform call (before it acts, or after it acted
but before the bot heard back) or inside the store (before/after recording a step). The
"restart" throws every bot object away and builds new ones on the same database file, with
the same fake platform (it keeps what it received). Whatever happened, every paper must end
with exactly one card, one thread and one prompt.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
    Flag,
    Flaky,
    add_topic,
    build_bot,
    paper,
)

from bot.core.delivery.message_json import from_json, to_json
from bot.core.digests import compose as d
from bot.messages import PaperCard, QuotedNote, ThreadPrompt
from bot.store.db import Database
from bot.store.posts import PostStore

KEYS = ("2611.00001", "2611.00002", "2611.00003")
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


async def _seed(bot: Bot) -> None:
    await add_topic(bot, "U_ana", "diffusion", "diffusion")
    await add_topic(bot, "U_ben", "planning", "planning")
    await bot.papers.upsert_papers([
        paper(k, "diffusion planning " * (3 - i), affiliations=["OpenAI"])
        for i, k in enumerate(KEYS)
    ])


def _assert_exactly_once(platform: FakePlatform) -> None:
    cards = [p for p in platform.top() if isinstance(p.message, PaperCard)]
    assert sorted(p.message.paper_key for p in cards) == sorted(KEYS)
    assert platform.threads == {p.message_id for p in cards}
    for card in cards:
        in_thread = platform.in_thread(card.message_id)
        assert [type(p.message) for p in in_thread] == [ThreadPrompt], card.message.paper_key
    assert len(platform.prompts()) == len(KEYS)


async def _restart(path: Path, platform: FakePlatform, port_cls: type[FakePort] = FakePort
                   ) -> tuple[Database, Bot]:
    db = await Database.open(path)
    bot = build_bot(db, port_cls(platform), FakeClock(NOW))
    return db, bot


async def _crash_and_recover(tmp_path: Path, fault: Fault | None,
                             store_fault: tuple[str, int] | None = None,
                             monkeypatch: pytest.MonkeyPatch | None = None) -> FakePlatform:
    platform = FakePlatform()
    path = tmp_path / "bot.db"
    db = await Database.open(path)
    bot = build_bot(db, FakePort(platform, [fault] if fault else []), FakeClock(NOW))
    await _seed(bot)
    if store_fault is not None:
        assert monkeypatch is not None
        _break_store(monkeypatch, *store_fault)
    with pytest.raises(Crash):
        await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    await db.close()
    if monkeypatch is not None:
        monkeypatch.undo()
    db, bot = await _restart(path, platform)
    await bot.service.resume()  # what Scheduler.start does once adapters are up
    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)  # and the caught-up digest
    _assert_exactly_once(platform)
    assert await bot.service.posts.pending() == []
    await db.close()
    return platform


PLATFORM_FAULTS = [
    Fault(step, when, nth)
    for step in ("card", "thread", "prompt")
    for when in ("before", "after")
    for nth in (0, 1)
]


@pytest.mark.parametrize("fault", PLATFORM_FAULTS,
                         ids=lambda f: f"{f.step}-{f.when}-paper{f.nth}")
async def test_platform_crash_at_every_step(tmp_path: Path, fault: Fault) -> None:
    await _crash_and_recover(tmp_path, fault)


def _break_store(monkeypatch: pytest.MonkeyPatch, method: str, nth: int) -> None:
    """Make ``PostStore.<method>`` die on its ``nth`` call, before or after it wrote."""
    original = getattr(PostStore, method)
    calls = {"n": 0}

    async def broken(self: PostStore, *args: Any, **kwargs: Any) -> Any:
        n = calls["n"]
        calls["n"] += 1
        if n == nth:
            raise Crash(f"store {method} #{nth}")
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(PostStore, method, broken)


@pytest.mark.parametrize(
    "store_fault",
    [("insert_intents", 0), ("bump_attempt", 0), ("bump_attempt", 1), ("advance", 0),
     ("advance", 1), ("advance", 2), ("advance", 4)],
    ids=lambda f: f"{f[0]}-{f[1]}",
)
async def test_store_crash_at_every_step(tmp_path: Path, store_fault: tuple[str, int]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        await _crash_and_recover(tmp_path, None, store_fault, mp)


async def test_crash_before_any_platform_call_needs_no_marker_lookup(tmp_path: Path) -> None:
    """An intent never attempted is posted directly; an attempted one is looked up first."""
    platform = FakePlatform()
    path = tmp_path / "bot.db"
    db = await Database.open(path)
    bot = build_bot(db, FakePort(platform, [Fault("card", "after", 0)]), FakeClock(NOW))
    await _seed(bot)
    with pytest.raises(Crash):
        await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    await db.close()
    db, bot = await _restart(path, platform)
    await bot.service.resume()
    assert bot.port.find_marker_calls == 1  # only the row whose post was attempted
    _assert_exactly_once(platform)
    await db.close()


async def test_ordinary_failures_leave_rows_for_the_next_flush(tmp_path: Path) -> None:
    platform = FakePlatform()
    async with await Database.open(tmp_path / "bot.db") as db:
        port = FakePort(platform, [Fault("card", "after", 1, Flaky),
                                   Fault("prompt", "before", 0, Flaky)])
        bot = build_bot(db, port, FakeClock(NOW))
        await _seed(bot)
        res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
        assert not res.ok and "2 posts failed and will be retried" in res.messages[0].body  # type: ignore[union-attr]
        assert len(await bot.service.posts.pending()) == 2
        report = await bot.service.resume()
        assert (report.done, report.failed) == (2, 0)
        _assert_exactly_once(platform)


async def test_each_row_is_read_once_per_delivery(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """``advance`` hands back the row it moved, so a row is read once, under its channel's
    lock, and not again after every step."""
    reads: list[int] = []
    original = PostStore.get

    async def counted(self: PostStore, post_id: int) -> Any:
        reads.append(post_id)
        return await original(self, post_id)

    monkeypatch.setattr(PostStore, "get", counted)
    platform = FakePlatform()
    async with await Database.open(tmp_path / "bot.db") as db:
        bot = build_bot(db, FakePort(platform), FakeClock(NOW))
        await _seed(bot)
        assert (await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok
    _assert_exactly_once(platform)
    assert len(reads) == len(set(reads)) == len(KEYS)


@dataclass(frozen=True)
class _Topic:
    id: int
    member_id: str
    name: str
    member_name: str = "Ana"


def test_messages_round_trip_through_the_outbox_row() -> None:
    p = paper("2611.00001", "Title", "Abstract text", affiliations=["OpenAI"],
              announced=date(2026, 11, 19))
    match = d.TopicMatch(_Topic(1, "U_ana", "diffusion"), 2.0, ("diffusion",))
    flag = Flag("OpenAI", None, "OpenAI", "affiliation-alias", 0.9)
    card = d.build_card(d.Overlap(p, (match,), (flag,)))
    assert from_json(PaperCard, to_json(card)) == card
    assert card.matches[0].member_name == "Ana"
    # A row recorded before cards carried names: the member id stands in for the name.
    old = json.loads(to_json(card))
    del old["matches"][0]["member_name"]
    assert from_json(PaperCard, json.dumps(old)).matches[0].member_name == "U_ana"
    prompt = ThreadPrompt("How does our work differ?", ("U_ana",), ("diffusion",), (
        QuotedNote("U_ben", "Ben", datetime(2026, 11, 2, 10, tzinfo=UTC), "Old", "text"),))
    assert from_json(ThreadPrompt, to_json(prompt)) == prompt
