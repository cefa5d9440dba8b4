"""A digest on the real 2024-11-28 listing with the real matcher and industry detector.

The listing carries no affiliations (arXiv rarely has them), so two papers get the kind of
affiliation OpenAlex would add; everything else is the real data and the real modules.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

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
from bot.core.ingest.pipeline import default_index_builder
from bot.industry.detector import detect
from bot.industry.registry import Registry
from bot.store.db import Database

THURSDAY_9_BERLIN = datetime(2024, 11, 28, 8, 0, tzinfo=UTC)
RL_SCHEDULING = "2411.18230"  # Dependency-Aware CAV Task Scheduling via Diffusion-Based RL
RL_FAIRNESS = "2411.18195"  # ... Reinforcement Learning with Fairness Guarantees ...


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with await Database.open(tmp_path / "bot.db") as db:
        bot = build_bot(db, FakePort(FakePlatform()), FakeClock(THURSDAY_9_BERLIN),
                        settings=DigestSettings(timezone="Europe/Berlin", max_papers=4))
        bot.pipeline.index_builder = default_index_builder
        registry = Registry.default()
        bot.service.detect = lambda paper: detect(paper, registry)
        papers = {p.key: p for p in real_feed()}
        papers[RL_SCHEDULING] = with_affiliation(papers[RL_SCHEDULING], "Google DeepMind, London")
        papers[RL_FAIRNESS] = with_affiliation(papers[RL_FAIRNESS], "Meta AI (FAIR)")
        await bot.papers.upsert_papers(papers.values())
        await add_topic(bot, "U_ana", "diffusion-rl", "diffus* AND reinforcement")
        await add_topic(bot, "U_ben", "rl", '"reinforcement learning"')
        await add_topic(bot, "U_cy", "scheduling", "ti:scheduling")
        yield bot


async def test_industry_only_digest_on_real_papers(bot: Bot) -> None:
    res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    assert res.ok
    platform = bot.port.state
    (header,) = platform.headers()
    assert header.papers_seen == 935  # 926 new + 9 cross; the 569 replacements never count
    assert header.overlaps == 2 and header.shown == 2
    cards = {c.paper_key: c for c in platform.cards()}
    assert set(cards) == {RL_SCHEDULING, RL_FAIRNESS}
    sched = cards[RL_SCHEDULING]
    assert sorted(sched.member_ids) == ["U_ana", "U_ben", "U_cy"]  # three members, one card
    assert {m.topic for m in sched.matches} == {"diffusion-rl", "rl", "scheduling"}
    terms = {m.topic: m.terms for m in sched.matches}  # explained for the posted card only
    assert terms["scheduling"] == ("ti:scheduling",) and "diffus*" in terms["diffusion-rl"]
    assert (sched.labs[0].company, sched.labs[0].lab) == ("Google", "Google DeepMind")
    assert sched.labs[0].evidence == "Google DeepMind, London"
    assert sched.url == f"https://arxiv.org/abs/{RL_SCHEDULING}"
    fair = cards[RL_FAIRNESS]
    assert (fair.labs[0].company, fair.labs[0].lab) == ("Meta", "FAIR")
    assert fair.member_ids == ("U_ben",)
    assert len(platform.prompts()) == 2


async def test_all_papers_digest_shows_the_best_and_counts_the_rest(bot: Bot) -> None:
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily all-papers")
    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    (header,) = bot.port.state.headers()
    assert header.overlaps > header.shown == 4
    assert header.more_hint == (
        f"{header.overlaps - 4} more: /scoop digest now since 2024-11-22")
    cards = bot.port.state.cards()
    assert len(cards) == 4 and cards[0].paper_key == RL_SCHEDULING  # three topics: best score
    sub = await bot.service.subscriptions.get(PLATFORM, CHANNEL)
    assert sub is not None and str(sub.last_covered_until) == "2024-11-28"
