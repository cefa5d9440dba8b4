"""A digest killed mid-way and resumed, through a real adapter's port (this module holds no
tests; each platform's suite drives it against its fake).

The bot is the real digest service and delivery engine on a real SQLite file, with the toy
matcher and detector of ``tests/bot/core/fakes_digest``; papers come from a JSON Lines file
through the real parser (or straight into the store, as an older scoopwatch kept them). The
port is the platform's real ``ChatPort`` wrapped so the process "dies" (``Crash``) at one
chosen post: before the platform call (after the engine counted the try), or after the
platform took it but before the engine heard back. The restart throws every bot object away,
builds new ones (and a new port) on the same file, resumes and runs the digest again.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.core.digests import compose
from bot.core.digests.service import DigestService, DigestSettings
from bot.core.ingest.pipeline import Pipeline
from bot.messages import Message, PaperCard, ThreadPrompt
from bot.models import Paper
from bot.ports import ChatPort, PostRef, ThreadRef
from bot.sources.jsonl import parse_jsonl
from bot.store.db import Database
from bot.store.stores import Stores
from tests.bot.core.fakes_digest import Crash, FakeClock, detect_labs, keyword_index

WORKSPACE = "lab"
# Before every timestamp the fake Slack hands out (2024-11-28 13:20 UTC on), and before the
# fake Discord's snowflakes (the real time): a recovery look-up sees everything posted.
NOW = datetime(2024, 11, 28, 13, 0, tzinfo=UTC)
ANNOUNCED = date(2024, 11, 27)


def jsonl_papers(*records: tuple[str, str]) -> list[Paper]:
    """Papers of a JSON Lines file: (id, title) each, announced on ``ANNOUNCED`` with an
    author at OpenAI (so every one is an industry overlap of the topic "diffusion")."""
    lines = [json.dumps({"id": ident, "title": title, "announced": ANNOUNCED.isoformat(),
                         "categories": ["cs.LG"],
                         "authors": [{"name": "Ada Lovelace", "affiliations": ["OpenAI"]}]})
             for ident, title in records]
    page = parse_jsonl("\n".join(lines).encode())
    assert page.skipped == ()
    return list(page.papers)


@dataclass
class Dies:
    """Where the process dies: at the post ``which`` picks, ``before`` or ``after`` it."""

    which: Callable[[Message], bool]
    when: str


def card_of(paper_key: str) -> Callable[[Message], bool]:
    return lambda m: isinstance(m, PaperCard) and m.paper_key == paper_key


def first_prompt() -> Callable[[Message], bool]:
    return lambda m: isinstance(m, ThreadPrompt)


class DyingPort:
    """A real port that dies once, at the post ``dies`` picks."""

    def __init__(self, port: ChatPort, dies: Dies) -> None:
        self.port = port
        self.platform = port.platform
        self.dies: Dies | None = dies

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        if self.dies is None or not self.dies.which(message):
            return await self.port.post(channel_id, message, thread)
        when, self.dies = self.dies.when, None
        if when == "after":
            await self.port.post(channel_id, message, thread)
        raise Crash(f"killed {when} posting a {type(message).__name__}")

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        return await self.port.open_thread(post, name)

    async def react(self, post: PostRef, emoji: str) -> None:
        await self.port.react(post, emoji)

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        return await self.port.find_marker(channel_id, marker, since)

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        return await self.port.find_bot_reply(thread)

    async def find_thread_marker(self, thread: ThreadRef, marker: str) -> PostRef | None:
        return await self.port.find_thread_marker(thread, marker)


@dataclass(frozen=True)
class Scenario:
    """Papers to digest, and where the first process dies."""

    papers: tuple[Paper, ...]
    dies: Dies
    legacy: bool = False  # the first process is an older scoopwatch: markers were sw:<key>

    @property
    def titles(self) -> list[str]:
        return sorted(p.title for p in self.papers)


LONG_KEY = "jsonl:" + "x" * 100_000  # a 100 KB id, as an older scoopwatch stored it


def scenarios() -> dict[str, Scenario]:
    """Each by name. ``p-10`` outscores ``p-1``, so its card goes first."""
    siblings = tuple(jsonl_papers(("p-1", "Alpha diffusion"),
                                  ("p-10", "Beta diffusion diffusion")))
    (gamma,) = jsonl_papers(("gamma", "Gamma diffusion"))
    long_id = (siblings[0], replace(gamma, key=LONG_KEY))
    return {
        # p-1's try is counted, then the process dies; p-10's card is already out.
        "p-1 dies before posting, after p-10": Scenario(
            siblings, Dies(card_of("jsonl:p-1"), "before")),
        "a 100 KB id's card is out, not recorded": Scenario(
            long_id, Dies(card_of(LONG_KEY), "after")),
        "a card is out, not recorded": Scenario(
            siblings, Dies(card_of("jsonl:p-10"), "after")),
        "a prompt is out, not recorded": Scenario(siblings, Dies(first_prompt(), "after")),
        # Outbox rows an older scoopwatch recorded keep their sw:<key> markers.
        "older rows: p-1 dies before posting, after p-10": Scenario(
            siblings, Dies(card_of("jsonl:p-1"), "before"), legacy=True),
        "older rows: a card is out, not recorded": Scenario(
            siblings, Dies(card_of("jsonl:p-10"), "after"), legacy=True),
    }


SCENARIOS = sorted(scenarios())


def digest_side(db: Database, port: ChatPort) -> DigestService:
    """One "process": the digest service and its engine over ``db``, posting through ``port``."""
    stores = Stores.on(db)
    clock = FakeClock(NOW)
    pipeline = Pipeline(
        papers=stores.papers, topics=stores.topics, overlaps=stores.overlaps, runs=stores.runs,
        clock=clock, source_state=stores.source_state, index_builder=keyword_index)
    service = DigestService(stores, refresher=pipeline, detect=detect_labs,
                            settings=DigestSettings(timezone="Europe/Berlin"), clock=clock)
    service.register_port(port)
    return service


async def crash_and_resume(path: Path, channel_id: str, scenario: Scenario,
                           make_port: Callable[[Database], Awaitable[ChatPort]]) -> None:
    """Digest the scenario's papers into ``channel_id`` until the process dies where it says,
    then restart on the same file with a new port from ``make_port`` and finish."""
    async with await Database.open(path) as db:
        port = await make_port(db)
        service = digest_side(db, DyingPort(port, scenario.dies))
        stores = Stores.on(db)
        await stores.topics.add(port.platform, WORKSPACE, "ana", "diffusion", "diffusion", NOW)
        await stores.papers.upsert_papers(list(scenario.papers))
        with pytest.MonkeyPatch.context() as older, pytest.raises(Crash):
            if scenario.legacy:
                older.setattr(compose, "marker_for", lambda key: f"sw:{key}")
            await service.digest_now(port.platform, WORKSPACE, channel_id, ANNOUNCED)
    async with await Database.open(path) as db:
        port = await make_port(db)
        service = digest_side(db, port)
        await service.resume()
        result = await service.digest_now(port.platform, WORKSPACE, channel_id, ANNOUNCED)
        assert result.ok, result
        assert await Stores.on(db).posts.pending() == []
        rows = await db.conn.execute_fetchall("SELECT paper_key, marker FROM posts")
        derive = (lambda key: f"sw:{key}") if scenario.legacy else compose.marker_for
        assert {r["marker"] for r in rows} == {derive(r["paper_key"]) for r in rows}
