"""Related papers (the semantic extra) on Discord, end to end: the real core, store, matcher,
registry and model on arXiv's 2024-11-28 listing, discord.py against the fake REST API. The
related card is an embed like any card but its topics field is named "Related, no shared
keywords"; it gets its thread and prompt, and a reaction on it is feedback.

The two affiliations below are made up for the test (real papers and author names).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_fake_api import FakeDiscord
from discord_helpers import settle
from discord_payloads import ANA, CHANNEL, TOKEN, guild_create, reaction_add, slash

from adapters.discord.client import ScoopClient
from bot.app import build_core
from bot.config import build_config
from bot.messages import RELATED_LABEL
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.sources.jsonl import parse_jsonl
from bot.store.db import Database
from bot.store.events import FeedbackStore
from bot.store.stores import Stores
from tests.fixture_files import LISTING, fixture_bytes
from tests.test_scenario_console import NOW, jsonl
from tests.test_scenario_related import GAPART

INDUSTRY = [
    {"id": "2411.18562", "announced": "2024-11-28", "title": "DexDiffuser: Interaction-aware "
     "Diffusion Planning for Adaptive Dexterous Manipulation",
     "authors": [{"name": "Yao Mu", "affiliations": ["Google DeepMind, London, UK"]}]},
    {"id": "2411.18276", "announced": "2024-11-28", "title": GAPART,
     "authors": [{"name": "Wenbo Cui", "affiliations": ["NVIDIA Research"]}]},
]


@pytest.fixture
async def client(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[tuple[ScoopClient, Database]]:
    db = await Database.open(tmp_path / "lab.db")
    stores = Stores.on(db)
    await stores.papers.upsert_papers(parse_arxiv_rss(fixture_bytes(LISTING)).papers)
    await stores.papers.upsert_papers(parse_jsonl(jsonl(INDUSTRY)).papers)
    config = build_config({"digest": {"mode": "industry-only", "max_papers": 3}}, env={})
    core, _scheduler = build_core(config, stores, clock=lambda: NOW)
    bot = ScoopClient(core, answer_within=5.0)
    await bot.login(TOKEN)
    bot._connection.parse_guild_create(guild_create())
    core.register_port(bot.port)
    yield bot, db
    await bot.close()
    await db.close()


async def command(bot: ScoopClient, path: tuple[str, ...], **values: str) -> None:
    bot._connection.parse_interaction_create(slash(path, ANA, **values))
    await settle(30)


async def test_related_card_is_marked_threaded_and_takes_reactions(
        client: tuple[ScoopClient, Database], fake: FakeDiscord) -> None:
    bot, db = client
    await command(bot, ("topic", "add"), name="diffusion-planning",
                  query='diffusion AND (planning OR "trajectory optimization")')
    await command(bot, ("topic", "seed"), name="diffusion-planning", ids="2411.18623")
    await command(bot, ("digest", "now"))

    header, *cards = fake.posted(CHANNEL)
    assert header["embeds"][0]["title"].startswith("scoopwatch digest: ")
    keyword, related = cards
    assert keyword["embeds"][0]["title"].startswith("DexDiffuser")
    assert [f["name"] for f in keyword["embeds"][0]["fields"]][:2] == ["Labs", "Topics"]
    [embed] = related["embeds"]
    assert embed["title"] == GAPART
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Topics" not in fields and fields[RELATED_LABEL].startswith("diffusion-planning (")
    assert fields["Labs"].startswith("NVIDIA")
    assert embed["footer"]["text"].startswith("sw:paper:")
    # Its own thread, whose prompt asks the topic's owner, as for any card.
    threads = [t.path.split("/")[-2] for t in fake.calls_of("start_thread")]
    assert threads == [keyword["id"], related["id"]]
    [prompt] = [m for m in fake.posted(related["id"]) if m["type"] == 0]
    assert prompt["content"].startswith(f"<@{ANA}> **How does our work differ?**")

    bot._connection.parse_message_reaction_add(reaction_add(related["id"], ANA, "👎"))
    await settle()
    assert await FeedbackStore(db).count("discord", "2411.18276") == 1
