"""When Discord says no, end to end: the real core and store behind discord.py, Discord as
the fake REST API. A digest in a channel where the bot lacks a permission is answered with the
permission to grant (not Discord's error), ``/scoop status`` shows the channel needs attention,
and the mark goes once a post there succeeds.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_fake_api import FakeDiscord
from discord_payloads import CHANNEL, TOKEN, guild_create
from test_discord_e2e import FEED, INDUSTRY, NOW, Lab, text_of

from adapters.discord.client import ScoopClient
from bot.app import build_core
from bot.config import build_config
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.sources.jsonl import parse_jsonl
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.stores import Stores


@pytest.fixture
async def lab(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[Lab]:
    db = await Database.open(tmp_path / "lab.db")
    papers = PaperStore(db)
    await papers.upsert_papers(parse_arxiv_rss(FEED.read_bytes()).papers)
    await papers.upsert_papers(parse_jsonl(
        "\n".join(json.dumps(r) for r in INDUSTRY).encode()).papers)
    config = build_config({"digest": {"mode": "industry-only", "max_papers": 3}}, env={})
    core, _scheduler = build_core(config, Stores.on(db), clock=lambda: NOW)
    client = ScoopClient(core,
                         answer_within=5.0)
    await client.login(TOKEN)
    client._connection.parse_guild_create(guild_create())
    core.register_port(client.port)
    yield Lab(client, db, fake)
    await client.close()
    await db.close()


async def test_digest_where_the_bot_may_not_post(lab: Lab) -> None:
    fake = lab.fake
    await lab.command(("topic", "add"), name="eeg-decoding",
                      query="EEG AND (classification OR pathology)")
    subscribed = await lab.command(("subscribe",), days="mon", time="09:00", timezone="UTC")
    assert "Subscribed" in text_of(subscribed), text_of(subscribed)
    fake.fail_next("create_message", 403, {"message": "Missing Permissions", "code": 50013})

    answer = text_of(await lab.command(("digest", "now")))
    assert "lacks a permission" in answer
    assert "allow scoopwatch View Channel, Send Messages and Embed Links" in answer
    for leak in ("50013", "Forbidden", "Missing Permissions", "discord.com", "{"):
        assert leak not in answer, answer
    assert "when the platform answers again" not in answer
    status = text_of(await lab.command(("status",)))
    assert "NEEDS ATTENTION" in status and "Send Messages" in status

    # An admin grants the permissions: the queued digest goes out and the mark is gone.
    again = text_of(await lab.command(("digest", "now")))
    assert "could not" not in again, again
    posted = fake.posted(CHANNEL)
    assert posted[0]["embeds"][0]["title"].startswith("scoopwatch digest: ")
    assert any((m["embeds"] or [{}])[0].get("footer", {}).get("text", "").startswith("sw:paper:")
               for m in posted)
    assert "NEEDS ATTENTION" not in text_of(await lab.command(("status",)))
