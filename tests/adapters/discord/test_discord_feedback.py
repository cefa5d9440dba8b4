"""Feedback on cards through Discord, end to end: MESSAGE_REACTION_ADD and
MESSAGE_REACTION_REMOVE gateway payloads parsed by discord.py's own state into the real core
and store (the real 2024-11-28 listing plus invented affiliations for three of its EEG papers,
the real matcher and lab registry); Discord itself is the fake REST API.

👍/👎 show in ``/scoop stats``; a 🏢 shows in ``/scoop labs`` and hides the flag from the
next digest until it is taken back; three 👎 post one suggestion in the channel, mentioning
the topic's owner.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from discord_fake_api import FakeDiscord
from discord_helpers import settle
from discord_payloads import (
    ANA,
    BEN,
    CHANNEL,
    OTHER_CHANNEL,
    TOKEN,
    guild_create,
    reaction_add,
    reaction_remove,
    slash,
)

from adapters.discord.client import ScoopClient
from bot.app import build_core
from bot.config import build_config
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.sources.jsonl import parse_jsonl
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.fixture_files import LISTING, fixture_path

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
JOINT = "Microsoft Research-Inria Joint Centre, Palaiseau"  # the lab reads it as academic
AFFILIATIONS = [  # real papers of the listing; the affiliations are invented for the test
    {"id": "2411.17705", "title": "EEG-DCNet: A Fast and Accurate MI-EEG Dilated CNN "
     "Classification Method", "announced": "2024-11-28", "categories": ["eess.SP"],
     "authors": [{"name": "Wei Peng", "affiliations": [JOINT]}]},
    {"id": "2411.17717", "title": "Comprehensive Methodology for Sample Augmentation in EEG "
     "Biomarker Studies for Alzheimers Risk Classification", "announced": "2024-11-28",
     "categories": ["eess.SP"], "authors": [{"name": "Veronica Henao Isaza",
                                            "affiliations": ["Google DeepMind, London, UK"]}]},
    {"id": "2411.17721", "title": "Automatic EEG Independent Component Classification Using "
     "ICLabel in Python", "announced": "2024-11-28", "categories": ["eess.SP"],
     "authors": [{"name": "Arnaud Delorme", "affiliations": ["Google DeepMind, London, UK"]},
                 {"name": "Dung Truong", "affiliations": [JOINT]}]},
]
QUERY = "EEG AND (classification OR detection)"


@dataclass
class Lab:
    client: ScoopClient
    fake: FakeDiscord

    async def command(self, path: tuple[str, ...], user: str = ANA,
                      channel: str = CHANNEL, **values: str) -> str:
        """``/scoop path option:value``; the text of the answer Discord received."""
        before = len(self.fake.calls)
        self.client._connection.parse_interaction_create(
            slash(path, user, channel_id=channel, **values))
        await settle(30)
        answers = [c for c in self.fake.calls[before:]
                   if c.route in ("callback", "edit_original", "followup")
                   and (c.json or {}).get("type") != 5]
        assert answers, f"no answer to /scoop {' '.join(path)}"
        call = answers[-1]
        data: dict[str, Any] = call.json.get("data", call.json) if call.route == "callback" \
            else call.json
        parts = [data.get("content") or ""]
        for embed in data.get("embeds") or []:
            parts += [embed.get("title") or "", embed.get("description") or ""]
        return "\n".join(parts)

    async def react(self, card: str, user: str, emoji: str, *, removed: bool = False) -> None:
        if removed:
            self.client._connection.parse_message_reaction_remove(
                reaction_remove(card, user, emoji))
        else:
            self.client._connection.parse_message_reaction_add(reaction_add(card, user, emoji))
        await settle()

    def cards(self, channel: str = CHANNEL) -> dict[str, str]:
        """Card ids by the arXiv id their embed links to."""
        return {m["embeds"][0]["url"].rsplit("/", 1)[1]: m["id"]
                for m in self.fake.posted(channel)
                if m.get("embeds") and (m["embeds"][0].get("url") or "").startswith(
                    "https://arxiv.org/abs/")}


@pytest.fixture
async def lab(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[Lab]:
    async with await Database.open(tmp_path / "lab.db") as db:
        papers = PaperStore(db)
        await papers.upsert_papers(parse_arxiv_rss(fixture_path(LISTING).read_bytes()).papers)
        lines = "".join(json.dumps(r) + "\n" for r in AFFILIATIONS)
        await papers.upsert_papers(parse_jsonl(lines.encode()).papers)
        config = build_config({"digest": {"mode": "industry-only", "max_papers": 5}}, env={})
        core, _scheduler = build_core(config, Stores.on(db), clock=lambda: NOW)
        client = ScoopClient(core, answer_within=5.0)
        await client.login(TOKEN)
        client._connection.parse_guild_create(guild_create())
        core.register_port(client.port)
        yield Lab(client, fake)
        await client.close()


async def test_reactions_teach_the_bot_over_discord(lab: Lab) -> None:
    await lab.command(("topic", "add"), name="eeg-decoding", query=QUERY)
    await lab.command(("digest", "now"))
    cards = lab.cards()
    assert set(cards) == {"2411.17705", "2411.17717", "2411.17721"}

    # 🏢 on the card flagged only by the joint centre: a local override, and the next digest
    # elsewhere in the server leaves that paper out (industry-only), while the paper with a
    # DeepMind author as well still shows, by DeepMind alone.
    await lab.react(cards["2411.17705"], BEN, "🏢")
    labs = await lab.command(("labs", "list"), user=BEN)
    assert "Local overrides" in labs and "marked by @Ben Park" in labs
    await lab.command(("digest", "now"), channel=OTHER_CHANNEL)
    elsewhere = lab.cards(OTHER_CHANNEL)
    assert set(elsewhere) == {"2411.17717", "2411.17721"}
    other = next(m for m in lab.fake.posted(OTHER_CHANNEL)
                 if m["id"] == elsewhere["2411.17721"])
    labs_field = next(f for f in other["embeds"][0]["fields"] if f["name"] == "Labs")["value"]
    assert "DeepMind" in labs_field and "Microsoft" not in labs_field
    # Ben takes it back: no override any more.
    await lab.react(cards["2411.17705"], BEN, "🏢", removed=True)
    assert "Local overrides" not in await lab.command(("labs", "list"), user=BEN)

    # 👍 and 👎, one 👍 added, removed and added again: /scoop stats counts what stands.
    await lab.react(cards["2411.17717"], BEN, "👍")
    await lab.react(cards["2411.17717"], BEN, "👍", removed=True)
    await lab.react(cards["2411.17717"], BEN, "👍")
    await lab.react(cards["2411.17721"], ANA, "👎")
    stats = await lab.command(("stats",), of="eeg-decoding", weeks="2")
    assert "3 papers posted · 👍 1 👎 1, precision 50%" in stats

    # Two more 👎 from Ana: one suggestion in the channel, pinging her alone.
    before = len(lab.fake.posted(CHANNEL))
    await lab.react(cards["2411.17705"], ANA, "👎")
    await lab.react(cards["2411.17717"], ANA, "👎")
    await lab.react(cards["2411.17717"], BEN, "👎")
    [suggestion] = lab.fake.posted(CHANNEL)[before:]
    assert suggestion["content"].startswith(f"<@{ANA}>")
    assert "/scoop preview vs eeg-decoding" in json.dumps(suggestion, ensure_ascii=False)
    create = [c for c in lab.fake.calls_of("create_message")
              if c.path.endswith(f"{CHANNEL}/messages")][-1]
    assert create.json["allowed_mentions"] == {"parse": [], "users": [int(ANA)]}
