"""The lab behind the Slack end-to-end tests: the real core on a real SQLite store holding
arXiv's 2024-11-28 listing (parsed by the real parser), the real matcher and lab registry,
and the Slack adapter in HTTP mode against the fake Web API; every inbound request is signed
and goes through Bolt. The ``lab`` fixture (conftest) builds one; this module holds no tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from slack_fake_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from slack_helpers import FastSleep
from slack_payloads import CHANNEL, SIGNING_SECRET, event_callback, form_body, sign, slash_form

from adapters.slack.runner import SlackAdapter, SlackSettings
from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.core.scheduler import Scheduler
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.fixture_files import LISTING, fixture_path

FEED = fixture_path(LISTING)
NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
ANA, BEN = "U0ANA0001", "U0BEN0002"


@dataclass
class Lab:
    """The running bot and its store, as the transcripts need them."""

    adapter: SlackAdapter
    db: Database
    fake: FakeSlack
    core: Core
    scheduler: Scheduler | None = None  # its jobs, run by hand (never started)

    async def command(self, text: str, user: str = ANA, name: str = "ana",
                      channel: str = CHANNEL, **fields: str) -> dict | None:
        """``/scoop text`` as a signed request; returns what ``respond()`` sent, if anything."""
        before = len(self.fake.responses)
        form = slash_form(text, self.fake.response_url(), user=user, user_name=name,
                          channel=channel)
        body = form_body({**form, **fields})
        status, _ = await self.post(body, "application/x-www-form-urlencoded")
        assert status == 200
        await self.settle()
        return self.fake.responses[before] if len(self.fake.responses) > before else None

    async def event(self, event: dict, *, event_id: str | None = None,
                    retry: int | None = None) -> str:
        payload = event_callback(event, event_id)
        body = json.dumps(payload)
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"
                   } if retry else {}
        status, _ = await self.post(body, "application/json", headers)
        assert status == 200
        await self.settle()
        return payload["event_id"]

    async def post(self, body: str, ctype: str, extra: dict[str, str] | None = None
                   ) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.adapter.http_port}/slack/events"
        headers = {"Content-Type": ctype, **sign(body), **(extra or {})}
        async with aiohttp.ClientSession() as session, session.post(
                url, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()

    async def settle(self) -> None:
        """Let the listener Bolt started after the ack run to its end, and the core's inbox
        process what it kept."""
        await asyncio.sleep(0.05)
        assert await self.adapter.handlers.inflight.wait_idle(10)
        await self.core.inbox.idle()


@asynccontextmanager
async def open_lab(tmp_path: Path, fake: FakeSlack, sleep: FastSleep, *,
                   clock: Callable[[], datetime] = lambda: NOW, max_papers: int = 3
                   ) -> AsyncIterator[Lab]:
    db = await Database.open(tmp_path / "lab.db")
    papers = PaperStore(db)
    page = parse_arxiv_rss(FEED.read_bytes())
    await papers.upsert_papers(list(page.papers))
    config = build_config({"digest": {"mode": "all-papers", "max_papers": max_papers}}, env={})
    core, scheduler = build_core(config, Stores.on(db), clock=clock)
    settings = SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN,
                             signing_secret=SIGNING_SECRET, mode="http", api_url=fake.api_url,
                             http_host="127.0.0.1", http_port=0)
    adapter = SlackAdapter(core, settings, sleep=sleep)
    core.register_port(adapter.port)
    await adapter.start()
    try:
        yield Lab(adapter, db, fake, core, scheduler)
    finally:
        await adapter.stop()
        await db.close()
