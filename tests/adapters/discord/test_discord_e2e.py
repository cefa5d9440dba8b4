"""A lab's session on Discord, end to end: the real core on a real SQLite store, the real
arXiv listing of 2024-11-28 parsed by the real parser plus a JSON Lines file giving two of
its EEG papers industry affiliations, the real matcher and lab registry. Discord is the fake
REST API; every inbound event is a gateway payload parsed by discord.py's own state.

Transcript: topic add (and a hostile one) -> digest now -> header, cards with embeds, a thread
per card whose first message is the prompt -> a member's reply becomes a note, acknowledged
with a reaction -> a redelivery is stored once -> an edit updates the note -> a reaction on a
card is feedback -> notes export arrives as a file -> deleting the reply marks the note.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from discord_fake_api import Call, FakeDiscord
from discord_helpers import settle
from discord_payloads import (
    ANA,
    BEN,
    BOT,
    CHANNEL,
    GUILD,
    TOKEN,
    guild_create,
    message,
    message_delete,
    reaction_add,
    slash,
)

from adapters.discord.client import ScoopClient
from bot.app import build_core
from bot.config import build_config
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.sources.jsonl import parse_jsonl
from bot.store.db import Database
from bot.store.events import FeedbackStore
from bot.store.notes import NoteStore
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.fixture_files import LISTING, fixture_path

FEED = fixture_path(LISTING)
NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
INDUSTRY = [  # two EEG papers of that listing; the affiliations are made up for the test
    {"id": "2411.17705", "title": "EEG-DCNet: A Fast and Accurate MI-EEG Dilated CNN "
     "Classification Method", "abstract": "", "categories": ["eess.SP", "cs.AI"],
     "announced": "2024-11-28",
     "authors": [{"name": "Wei Peng", "affiliations": ["Google DeepMind, London, UK"],
                  "emails": ["wpeng@deepmind.com"]}]},
    {"id": "2411.17709", "title": "Quantity versus Diversity: Influence of Data on Detecting "
     "EEG Pathology with Advanced ML Models", "abstract": "", "categories": ["eess.SP"],
     "announced": "2024-11-28",
     "authors": [{"name": "Marian Dovgialo", "affiliations": ["Microsoft Research, Cambridge"],
                  "emails": []}]},
]


@dataclass
class Lab:
    """The running bot, its store and the fake Discord, as the transcript needs them."""

    client: ScoopClient
    db: Database
    fake: FakeDiscord

    async def command(self, path: tuple[str, ...], user: str = ANA, **values: str
                      ) -> dict[str, Any]:
        """``/scoop path option:value``; returns the answer as Discord received it."""
        before = len(self.fake.calls)
        self.client._connection.parse_interaction_create(slash(path, user, **values))
        await settle(30)
        answers = [c for c in self.fake.calls[before:]
                   if c.route in ("callback", "edit_original", "followup")
                   and (c.json or {}).get("type") != 5]
        assert answers, f"no answer to /scoop {' '.join(path)}"
        return answer_of(answers[-1])

    def gateway(self, event: str, payload: dict[str, Any]) -> None:
        getattr(self.client._connection, f"parse_{event}")(payload)


def answer_of(call: Call) -> dict[str, Any]:
    data = call.json.get("data", call.json) if call.route == "callback" else call.json
    return {**data, "files": call.files}


def text_of(answer: dict[str, Any]) -> str:
    parts = [answer.get("content") or ""]
    for embed in answer.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
    return "\n".join(parts)


@pytest.fixture
async def lab(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[Lab]:
    db = await Database.open(tmp_path / "lab.db")
    papers = PaperStore(db)
    await papers.upsert_papers(parse_arxiv_rss(FEED.read_bytes()).papers)
    jsonl = tmp_path / "industry.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in INDUSTRY) + "\n")
    await papers.upsert_papers(parse_jsonl(jsonl.read_bytes()).papers)
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


async def test_lab_session_transcript(lab: Lab) -> None:
    fake, notes = lab.fake, NoteStore(lab.db)
    # 1. Ana registers a topic: a private answer naming it.
    answer = await lab.command(("topic", "add"), name="eeg-decoding",
                               query="EEG AND (classification OR pathology)")
    assert answer["flags"] == 64 and "eeg-decoding" in text_of(answer)
    assert answer["allowed_mentions"] == {"parse": [], "users": []}

    # 2. A hostile topic: nobody is pinged, the broadcast is defused.
    hostile = await lab.command(("topic", "add"), name="noise", query="@everyone spam*")
    assert hostile["allowed_mentions"] == {"parse": [], "users": []}
    assert "@everyone" not in text_of(hostile) and "@\u200beveryone" in text_of(hostile)
    refused = await lab.command(("topic", "add"), name="@everyone", query="x")
    assert "@\u200beveryone" in text_of(refused) and "@everyone" not in text_of(refused)
    await lab.command(("topic", "remove"), name="noise")

    # 3. The digest: a header, then one embed card per industry paper, each with a thread
    #    whose first message is the prompt to Ana.
    answer = await lab.command(("digest", "now"))
    assert "Digest posted" in text_of(answer), text_of(answer)
    channel = fake.posted(CHANNEL)
    header, cards = channel[0], channel[1:]
    assert header["embeds"][0]["title"].startswith("scoopwatch digest: ")
    assert len(cards) == 2
    for card in cards:
        [embed] = card["embeds"]
        assert "EEG" in embed["title"] and embed["url"].startswith("https://arxiv.org/abs/")
        assert embed["footer"]["text"].startswith("sw:") and not card.get("content")
        labs = next(f for f in embed["fields"] if f["name"] == "Labs")["value"]
        assert "DeepMind" in labs or "Microsoft Research" in labs
    creates = [c for c in fake.calls_of("create_message") if c.path.endswith(f"{CHANNEL}/messages")]
    assert [c.json["allowed_mentions"] for c in creates] == [  # header, cards: nobody pinged
        {"parse": [], "users": []}, {"parse": [], "users": []}, {"parse": [], "users": []}]
    threads = fake.calls_of("start_thread")
    assert [t.path.split("/")[-2] for t in threads] == [c["id"] for c in cards]
    assert all(0 < len(t.json["name"]) <= 100 for t in threads)
    for card in cards:
        [prompt] = [m for m in fake.posted(card["id"]) if m["type"] == 0]
        assert prompt["content"].startswith(f"<@{ANA}> **How does our work differ?**")
    # Ana is pinged once per paper, by its thread prompt only.
    pings = [c.json["allowed_mentions"]["users"] for c in fake.calls_of("create_message")]
    assert sum(len(users) for users in pings) == len(cards)

    # 4. Ben answers in the first card's thread (Discord announced the thread first).
    thread_id = cards[0]["id"]
    lab.gateway("thread_create", {**fake.channels[thread_id], "newly_created": True})
    reply = message(thread_id, BEN, "We decode from 4 **dry** channels <10 ms, not 64.",
                    in_thread=True, at=NOW + timedelta(minutes=3))
    fake.add_message(thread_id, reply)
    lab.gateway("message_create", reply)
    await settle()
    note = await notes.get_by_message("discord", CHANNEL, reply["id"])
    assert note is not None and note.author_name == "Ben Park"
    assert note.text == "We decode from 4 **dry** channels <10 ms, not 64."
    assert cards[0]["embeds"][0]["url"] == f"https://arxiv.org/abs/{note.paper_key}"
    assert fake.reactions == [(thread_id, reply["id"], "✅")]

    # 5. The gateway redelivers it: still one note, no second reaction.
    lab.gateway("message_create", reply)
    await settle()
    assert len(await notes.recent("discord", GUILD, limit=50)) == 1
    assert len(fake.reactions) == 1

    # 6. Ben edits his reply (an uncached MESSAGE_UPDATE would do the same): the note follows.
    edited = {**reply, "content": "We decode from 4 dry channels, not 64.",
              "edited_timestamp": (NOW + timedelta(minutes=7)).isoformat()}
    lab.gateway("message_update", edited)
    await settle()
    note = await notes.get_by_message("discord", CHANNEL, reply["id"])
    assert note is not None and note.text == "We decode from 4 dry channels, not 64."
    assert len(await notes.recent("discord", GUILD, limit=50)) == 1

    # 7. The bot's own prompt in that thread never becomes a note.
    prompt = next(m for m in fake.posted(thread_id) if m["type"] == 0 and m["author"]["id"] == BOT)
    lab.gateway("message_create", message(thread_id, BOT, prompt["content"],
                                          message_id=prompt["id"], in_thread=True))
    await settle()
    assert len(await notes.recent("discord", GUILD, limit=50)) == 1

    # 8. Ana's 👍 on the card is feedback on that paper.
    lab.gateway("message_reaction_add", reaction_add(cards[0]["id"], ANA, "👍"))
    await settle()
    assert await FeedbackStore(lab.db).count("discord", note.paper_key) == 1

    # 9. Listing and export: the note, then the Markdown file, privately.
    listing = await lab.command(("notes", "list"), of="eeg-decoding")
    assert "We decode from 4 dry channels, not 64." in text_of(listing)
    export = await lab.command(("notes", "export"))
    [(filename, content)] = export["files"]
    assert filename.endswith(".md") and export["flags"] == 64
    assert b"We decode from 4 dry channels, not 64." in content

    # 10. Ben deletes his reply: the note is marked deleted (it leaves listings).
    lab.gateway("message_delete", message_delete(reply["id"], thread_id))
    await settle()
    assert await notes.recent("discord", GUILD, limit=50) == []
