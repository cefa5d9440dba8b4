"""Companies outside the watched labs in digests: posted by default, named as such, and left out
of industry-only digests when ``[digest] include_unlisted_companies = false``.

Real listing (2024-11-28) and real detector; two papers get the affiliation OpenAlex would add:
one at Google DeepMind, one with the real paper-list affiliation "Near Earth Autonomy Inc."
(CoRL 2024 record AhEE5wrcLU), a company the registry does not list.
"""

from __future__ import annotations

import json
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

from adapters.discord.render import render_card as discord_card
from adapters.plain import render_card as plain_card
from adapters.slack.render import render_card as slack_card
from bot.config import load_config
from bot.core.digests.service import DigestSettings
from bot.core.ingest.pipeline import default_index_builder
from bot.industry.detector import detect
from bot.industry.registry import Registry
from bot.messages import UNLISTED_COMPANY, PaperCard
from bot.store.db import Database
from tests.fixture_files import fixture_bytes

THURSDAY_9_BERLIN = datetime(2024, 11, 28, 8, 0, tzinfo=UTC)
RL_SCHEDULING = "2411.18230"  # Dependency-Aware CAV Task Scheduling via Diffusion-Based RL
RL_FAIRNESS = "2411.18195"  # ... Reinforcement Learning with Fairness Guarantees ...

NEAR_EARTH = next(
    aff
    for record in json.loads(fixture_bytes("industry-eval/paperlists/paperlists_corl2024.json"))
    if record["id"] == "AhEE5wrcLU"
    for aff in record["aff"].split(";")
    if "Near Earth" in aff
)


async def _bot(tmp_path: Path, settings: DigestSettings) -> AsyncIterator[Bot]:
    async with await Database.open(tmp_path / "bot.db") as db:
        bot = build_bot(db, FakePort(FakePlatform()), FakeClock(THURSDAY_9_BERLIN),
                        settings=settings)
        bot.pipeline.index_builder = default_index_builder
        registry = Registry.default()
        bot.service.detect = lambda paper: detect(paper, registry)
        papers = {p.key: p for p in real_feed()}
        papers[RL_SCHEDULING] = with_affiliation(papers[RL_SCHEDULING], "Google DeepMind, London")
        papers[RL_FAIRNESS] = with_affiliation(papers[RL_FAIRNESS], NEAR_EARTH)
        await bot.papers.upsert_papers(papers.values())
        await add_topic(bot, "U_ben", "rl", '"reinforcement learning"')
        yield bot


@pytest.fixture
async def default_bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async for bot in _bot(tmp_path, DigestSettings(timezone="Europe/Berlin")):
        yield bot


@pytest.fixture
async def watched_only_bot(tmp_path: Path) -> AsyncIterator[Bot]:
    settings = DigestSettings(timezone="Europe/Berlin", include_unlisted=False)
    async for bot in _bot(tmp_path, settings):
        yield bot


def test_the_recorded_affiliation_is_the_company_with_its_legal_form() -> None:
    assert NEAR_EARTH == "Near Earth Autonomy Inc."


async def test_industry_only_posts_unlisted_companies_by_default_and_says_so(
    default_bot: Bot,
) -> None:
    assert (await default_bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok
    cards = {c.paper_key: c for c in default_bot.port.state.cards()}
    assert set(cards) == {RL_SCHEDULING, RL_FAIRNESS}
    (badge,) = cards[RL_FAIRNESS].labs
    assert (badge.company, badge.lab, badge.via) == ("Near Earth Autonomy", None, "legal-form")
    assert badge.evidence == "Near Earth Autonomy Inc."
    assert not badge.watched
    assert badge.label == f"Near Earth Autonomy — {UNLISTED_COMPANY}"
    assert cards[RL_SCHEDULING].labs[0].watched


async def test_config_can_keep_industry_only_to_the_watched_labs(watched_only_bot: Bot) -> None:
    assert (await watched_only_bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok
    (header,) = watched_only_bot.port.state.headers()
    assert header.overlaps == 1
    assert [c.paper_key for c in watched_only_bot.port.state.cards()] == [RL_SCHEDULING]


async def test_all_papers_digests_keep_the_unlisted_badge(watched_only_bot: Bot) -> None:
    service = watched_only_bot.service
    await service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily all-papers")
    assert (await service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok
    cards = {c.paper_key: c for c in watched_only_bot.port.state.cards()}
    assert [b.label for b in cards[RL_FAIRNESS].labs] == [
        f"Near Earth Autonomy — {UNLISTED_COMPANY}"
    ]


def test_the_setting_comes_from_the_config(tmp_path: Path) -> None:
    default = load_config(env={}, cwd=tmp_path)
    assert default.digest.include_unlisted_companies is True
    assert DigestSettings.from_config(default).include_unlisted is True
    toml = tmp_path / "scoopwatch.toml"
    toml.write_text("[digest]\ninclude_unlisted_companies = false\n", encoding="utf-8")
    assert DigestSettings.from_config(load_config(toml, env={}, cwd=tmp_path)).include_unlisted is (
        False
    )


async def test_every_renderer_names_an_unlisted_company_as_such(default_bot: Bot) -> None:
    await default_bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    card: PaperCard = next(c for c in default_bot.port.state.cards() if c.paper_key == RL_FAIRNESS)
    note = f"Near Earth Autonomy — {UNLISTED_COMPANY}"
    assert note in plain_card(card)
    assert note in json.dumps(slack_card(card).blocks, ensure_ascii=False)
    embeds = [e.to_dict() for e in discord_card(card).embeds]
    assert note in json.dumps(embeds, ensure_ascii=False)
