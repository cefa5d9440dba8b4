"""A digest matching 60 catch-all topics against a real announcement day leaves the event loop
free: a command is answered while the matcher is still at work, and only the posted cards are
explained.

No durations are asserted (the machines are noisy). The matcher is parked at paper 100 until
the test has its answer, so "answered while matching" is an ordering, and a loop probe records
how far matching had got each time it ran.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fakes_digest import (
    CHANNEL,
    PLATFORM,
    WORKSPACE,
    Bot,
    FakeClock,
    FakePlatform,
    FakePort,
    add_topic,
    build_bot,
    real_feed,
    with_affiliation,
)

from bot.core.digests.service import DigestSettings
from bot.core.facade import Core
from bot.core.ingest.pipeline import default_index_builder
from bot.industry.detector import detect
from bot.industry.registry import Registry
from bot.models import Paper
from bot.ports import Actor, CommandEvent
from bot.store.db import Database
from bot.store.stores import Stores

THURSDAY_9_BERLIN = datetime(2024, 11, 28, 8, 0, tzinfo=UTC)
DIGESTED = 935  # new + cross papers of the real 2024-11-28 listing
PARK_AT = 100
CATCH_ALL = ("the", "we", "of", "and")


class GatedIndex:
    """The real index, counting the papers it matched; the ``PARK_AT``-th call waits until the
    test opens ``gate``."""

    def __init__(self, topics: Sequence[tuple[int, str]], sample: Sequence[Paper],
                 park_at: int) -> None:
        self.index = default_index_builder(topics, sample)
        self.park_at = park_at
        self.scored = 0
        self.explained: list[str] = []
        self.parked = threading.Event()
        self.gate = threading.Event()

    def match_paper(self, paper: Paper, *, explain: bool = True) -> Sequence[Any]:
        self.scored += 1
        if explain:
            self.explained.append(paper.key)
        if self.scored == self.park_at:
            self.parked.set()
            self.gate.wait(timeout=5)  # on the loop's own thread this freezes it that long
        if explain:
            return self.index.match_paper(paper)
        return self.index.match_paper(paper, explain=False)


@dataclass
class Lab:
    bot: Bot
    core: Core
    built: list[GatedIndex] = field(default_factory=list)  # the indexes the pipeline built
    park_at: int = PARK_AT  # 0: never park


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[Lab]:
    async with await Database.open(tmp_path / "bot.db") as db:
        bot = build_bot(db, FakePort(FakePlatform()), FakeClock(THURSDAY_9_BERLIN),
                        settings=DigestSettings(timezone="Europe/Berlin", max_papers=5))
        core = Core(Stores.on(db), digest=bot.service, clock=lambda: THURSDAY_9_BERLIN)
        lab = Lab(bot, core)

        def builder(topics: Sequence[tuple[int, str]], sample: Sequence[Paper]) -> GatedIndex:
            lab.built.append(GatedIndex(topics, sample, lab.park_at))
            return lab.built[-1]

        bot.pipeline.index_builder = builder
        registry = Registry.default()
        bot.service.detect = lambda paper: detect(paper, registry)
        papers = list(real_feed())
        papers[:8] = [with_affiliation(p, "Google DeepMind, London") for p in papers[:8]]
        await bot.papers.upsert_papers(papers)
        for n in range(60):  # three members at 20 topics each: under the cap
            await add_topic(bot, f"U{n % 3}", f"all-{n}", CATCH_ALL[n % len(CATCH_ALL)])
        yield lab


async def test_a_command_is_answered_while_a_60_topic_digest_matches(lab: Lab) -> None:
    bot, core, built = lab.bot, lab.core, lab.built
    digest = asyncio.create_task(bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL))
    progress: list[int] = []  # how many papers were matched, each time the loop came round

    async def probe() -> None:
        while not digest.done():
            progress.append(built[0].scored if built else 0)
            await asyncio.sleep(0.001)

    probing = asyncio.create_task(probe())
    while not (built and built[0].parked.is_set()) and not digest.done():
        await asyncio.sleep(0.001)
    index = built[0]
    answer = await core.handle_command(
        CommandEvent(PLATFORM, WORKSPACE, CHANNEL, Actor("U0", "ana"), "topic list"))
    matched_when_answered = index.scored
    index.gate.set()
    result = await digest
    await probing

    assert answer.ok and "topics (20)" in str(answer.messages[0])
    assert matched_when_answered == PARK_AT < DIGESTED  # answered mid-matching
    assert index.scored == DIGESTED + len(index.explained)
    assert any(PARK_AT < n < DIGESTED for n in progress)  # the loop ran as the matcher worked
    assert result.ok
    cards = bot.port.state.cards()
    assert 0 < len(cards) <= 5
    assert sorted(index.explained) == sorted(c.paper_key for c in cards)  # only posted cards
    assert all(m.terms for c in cards for m in c.matches)


async def test_channels_digesting_at_once_share_one_window(lab: Lab) -> None:
    """Ten channels at 09:00: the window is matched once and each candidate judged once,
    and every channel still gets its own digest."""
    bot, built = lab.bot, lab.built
    lab.park_at = 0
    judged: list[str] = []
    detect = bot.service.detect
    assert detect is not None

    def counting(paper: Paper) -> Any:
        judged.append(paper.key)
        return detect(paper)

    bot.service.detect = counting
    channels = [f"C{n}" for n in range(10)]
    reports = await asyncio.gather(*(
        bot.service.run_digest(PLATFORM, WORKSPACE, channel) for channel in channels))
    assert [len(built), built[0].scored - len(built[0].explained)] == [1, DIGESTED]
    assert len(judged) == len(set(judged)) > 0  # each candidate once, not once per channel
    assert all(r.delivered == r.queued > 0 for r in reports)
    for channel in channels:
        assert len(bot.port.state.headers(channel)) == 1
        assert 0 < len(bot.port.state.cards(channel)) <= 5
