"""One lab per platform for the reliability suites: the real core (``bot.app.build_core``) on a
real SQLite store, behind the real adapter, against the wire-level fakes of the adapter tests.

- Slack: signed ``/scoop`` requests and Events API callbacks go through Bolt (signature check,
  routing, ack, listener) to the core; answers reach the fake's ``response_url``, posts its
  Web API.
- Discord: INTERACTION_CREATE and MESSAGE_CREATE payloads are parsed by discord.py's own state
  and command tree; answers and posts reach the fake REST API.
- Console: lines go to the session's line handler; what it prints is the answer.

Hypothesis runs many examples against one lab, so each lab lives on a private event loop that a
module-scoped fixture drives (``Loop.run``); nothing runs between examples.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord_fake_api import FakeDiscord
from discord_helpers import settle
from discord_payloads import ANA as DISCORD_ANA
from discord_payloads import CHANNEL as DISCORD_CHANNEL
from discord_payloads import TOKEN as DISCORD_TOKEN
from discord_payloads import guild_create, slash
from slack_fake_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from slack_helpers import FastSleep
from slack_payloads import CHANNEL as SLACK_CHANNEL
from slack_payloads import SIGNING_SECRET, event_callback, form_body, sign, slash_form

from adapters.console.chat import ConsolePort, ConsoleSession
from adapters.discord.client import ScoopClient
from adapters.slack.runner import SlackAdapter, SlackSettings
from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.core.scheduler import Scheduler
from bot.models import Paper
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.fixture_files import LISTING, fixture_path

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
SEED_PAPERS = 40  # enough for previews to list papers, few enough to keep a preview quick
CONFIG = {"digest": {"mode": "all-papers", "max_papers": 3, "enrich_wait_seconds": 0}}
SLACK_USERS = ("U0ANA0001", "U0BEN0002")
T = TypeVar("T")


def seed_papers(count: int = SEED_PAPERS) -> list[Paper]:
    """The first ``count`` papers of arXiv's recorded 2024-11-28 listing."""
    return list(parse_arxiv_rss(fixture_path(LISTING).read_bytes()).papers)[:count]


class Loop:
    """A private event loop that a synchronous (Hypothesis) test drives one call at a time."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()

    def run(self, coro: Awaitable[T]) -> T:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()


@dataclass
class Bot:
    """The real core and its store, without a platform."""

    db: Database
    core: Core
    scheduler: Scheduler

    @classmethod
    async def open(cls, path: Path, papers: Sequence[Paper] = (),
                   config: dict[str, Any] | None = None) -> Bot:
        db = await Database.open(path)
        if papers:
            await PaperStore(db).upsert_papers(list(papers))
        core, scheduler = build_core(build_config(config or CONFIG, env={}), Stores.on(db),
                                     clock=lambda: NOW)
        return cls(db, core, scheduler)

    async def close(self) -> None:
        if self.core.digest is not None:
            await self.core.digest.stop_background()  # type: ignore[attr-defined]
        await self.db.close()


# --- Slack -----------------------------------------------------------------------------------


@dataclass
class SlackLab:
    """The Slack adapter in HTTP mode: every request signed and dispatched through Bolt."""

    bot: Bot
    fake: FakeSlack
    adapter: SlackAdapter
    session: aiohttp.ClientSession
    keys: Iterable[int] = field(default_factory=itertools.count)

    @classmethod
    async def open(cls, bot: Bot) -> SlackLab:
        fake = await FakeSlack().start()
        settings = SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN,
                                 signing_secret=SIGNING_SECRET, mode="http",
                                 api_url=fake.api_url, http_host="127.0.0.1", http_port=0)
        adapter = SlackAdapter(bot.core, settings, sleep=FastSleep(), pace_seconds=0)
        bot.core.register_port(adapter.port)
        await adapter.start()
        return cls(bot, fake, adapter, aiohttp.ClientSession())

    async def close(self) -> None:
        await self.session.close()
        await self.adapter.stop(timeout=5)
        await self.fake.stop()

    async def post(self, body: str, ctype: str) -> int:
        url = f"http://127.0.0.1:{self.adapter.http_port}/slack/events"
        headers = {"Content-Type": ctype, **sign(body)}
        async with self.session.post(url, data=body.encode(), headers=headers) as resp:
            await resp.read()
            return resp.status

    async def commands(self, texts: Sequence[str], user: str = SLACK_USERS[0],
                       channel: str = SLACK_CHANNEL) -> list[list[dict[str, Any]]]:
        """Send ``/scoop`` with each text at once (as a busy workspace does); returns what
        each command's ``response_url`` received, in the order of ``texts``."""
        keys = [f"k{next(iter(self.keys))}" for _ in texts]  # type: ignore[call-overload]
        bodies = [form_body(slash_form(t, self.fake.response_url(k), user=user,
                                       user_name="ana", channel=channel))
                  for t, k in zip(texts, keys, strict=True)]
        statuses = await asyncio.gather(*(self.post(b, "application/x-www-form-urlencoded")
                                          for b in bodies))
        assert all(s == 200 for s in statuses), statuses
        await self.settle()
        answers: dict[str, list[dict[str, Any]]] = {k: [] for k in keys}
        for response in self.fake.responses:
            if response["_key"] in answers:
                answers[response["_key"]].append(response)
        self.fake.responses = [r for r in self.fake.responses if r["_key"] not in answers]
        return [answers[k] for k in keys]

    async def event(self, event: dict[str, Any]) -> None:
        status = await self.post(json.dumps(event_callback(event)), "application/json")
        assert status == 200
        await self.settle()

    async def settle(self) -> None:
        """Bolt runs listeners after the ack: wait until every one has finished."""
        await asyncio.sleep(0)
        assert await self.adapter.handlers.inflight.wait_idle(30)


# --- Discord ---------------------------------------------------------------------------------


@dataclass
class DiscordLab:
    """discord.py's client on the fake REST API; interactions parsed by its own state."""

    bot: Bot
    fake: FakeDiscord
    client: ScoopClient
    restore: Callable[[], None]

    @classmethod
    async def open(cls, bot: Bot) -> DiscordLab:
        fake = await FakeDiscord().start()
        base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = fake.api_base  # type: ignore[misc]
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

        def restore() -> None:
            Route.BASE = base  # type: ignore[misc]
            DiscordWebSocket.DEFAULT_GATEWAY = gateway

        client = ScoopClient(bot.core, answer_within=30.0)
        await client.login(DISCORD_TOKEN)
        client._connection.parse_guild_create(guild_create())
        bot.core.register_port(client.port)
        return cls(bot, fake, client, restore)

    async def close(self) -> None:
        await self.client.close()
        await self.fake.stop()
        self.restore()

    async def commands(self, invocations: Sequence[tuple[tuple[str, ...], dict[str, str]]],
                       user: str = DISCORD_ANA) -> list[list[dict[str, Any]]]:
        """Each ``(path, options)`` as an INTERACTION_CREATE, all at once; returns the
        messages Discord received in answer to each (response, edits and follow-ups)."""
        payloads = [slash(path, user, DISCORD_CHANNEL, **values) for path, values in invocations]
        before = len(self.fake.calls)
        for payload in payloads:
            self.client._connection.parse_interaction_create(payload)
        await settle(60)
        tokens = {p["token"]: i for i, p in enumerate(payloads)}
        ids = {p["id"]: i for i, p in enumerate(payloads)}
        answers: list[list[dict[str, Any]]] = [[] for _ in payloads]
        for call in self.fake.calls[before:]:
            index = _interaction_index(call.path, ids, tokens)
            if index is None or not isinstance(call.json, dict):
                continue
            if call.route == "callback":
                if call.json.get("type") == 5:
                    continue  # "thinking…"
                answers[index].append(call.json.get("data") or {})
            elif call.route in ("followup", "edit_original"):
                answers[index].append(call.json)
        return answers


def _interaction_index(path: str, ids: dict[str, int], tokens: dict[str, int]) -> int | None:
    """Which interaction a REST path answers: ``/interactions/{id}/{token}/callback`` or
    ``/webhooks/{app}/{token}/...``."""
    for part in path.split("/"):
        if part in ids:
            return ids[part]
        if part in tokens:
            return tokens[part]
    return None


# --- Console ---------------------------------------------------------------------------------


@dataclass
class ConsoleLab:
    """The console's session on the real core; ``line`` returns what it printed."""

    bot: Bot
    out: io.StringIO
    session: ConsoleSession

    @classmethod
    async def open(cls, bot: Bot) -> ConsoleLab:
        out = io.StringIO()
        port = ConsolePort(out, local_posts=Stores.on(bot.db).local_posts, clock=lambda: NOW)
        bot.core.register_port(port)
        session = ConsoleSession(bot.core, port, member="ana", clock=lambda: NOW, echo=False)
        return cls(bot, out, session)

    async def line(self, text: str) -> str:
        start = self.out.tell()
        await self.session.handle_line(text)
        return self.out.getvalue()[start:]
