"""No secret reaches a log line, at DEBUG, in a whole session: sentinel secrets for Slack,
Discord and OpenAlex; a fetch whose OpenAlex lookup is redirected twice with the key in the
``Location`` header (httpcore logs response headers at DEBUG) and then refused; the bot
started with every adapter against the fake Slack and Discord, posting digests, one channel
refusing the bot. Every captured line (pytest's capture and a real stream handler on the root
logger) is searched for each sentinel in every encoding a log could carry it in.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import re
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import respx
import yarl
from aiohttp import web
from discord.gateway import DiscordWebSocket
from lxml import etree

from bot.app import run_bot
from bot.cli.papers import fetch_live
from bot.config import build_config
from bot.store.db import Database
from bot.store.subscriptions import SubscriptionStore
from tests.adapters.loopback import LoopbackServer
from tests.fixture_files import LISTING, fixture_bytes

ADAPTER_TESTS = Path(__file__).parent / "adapters"
NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
OPENALEX_KEY = "oa-S3ntinel+key/42=="  # characters that URLs, repr and JSON each escape
SIGNING_SECRET = "sw-sentinel-signing-secret-5150"
GONE = "C0GONE001"  # a Slack channel that refuses the bot (not_in_channel)


def fakes() -> tuple[ModuleType, ModuleType, ModuleType]:
    """The Slack and Discord fakes, imported the way their own tests import them (the test
    folders are not packages: pytest puts each on the path)."""
    for folder in ("slack", "discord"):
        if str(ADAPTER_TESTS / folder) not in sys.path:
            sys.path.insert(0, str(ADAPTER_TESTS / folder))
    return (importlib.import_module("slack_fake_api"), importlib.import_module("discord_fake_api"),
            importlib.import_module("discord_payloads"))


def encodings(secret: str) -> set[str]:
    """Every way a log line may carry ``secret``."""
    encoded = quote(secret, safe="")
    return {
        secret, encoded, quote(secret), quote_plus(secret),
        re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), encoded),
        repr(secret)[1:-1], repr(secret.encode())[2:-1], json.dumps(secret)[1:-1],
    }


def small_listing(items: int = 3) -> bytes:
    """arXiv's 2024-11-28 listing with its first few items: a real feed, a short fetch."""
    root = etree.fromstring(fixture_bytes(LISTING))
    channel = root.find("channel")
    assert channel is not None
    for extra in channel.findall("item")[items:]:
        channel.remove(extra)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


class OpenAlexMirror(LoopbackServer):
    """Where api.openalex.org redirects to: a real server on 127.0.0.1, so httpcore logs real
    response headers. It redirects once more, key in the Location, then refuses the key."""

    async def start(self) -> OpenAlexMirror:
        app = web.Application()
        app.router.add_get("/works", self._works)
        app.router.add_get("/v2/works", self._refuse)
        await self.serve(app)
        return self

    async def _works(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(f"/v2/works?{request.query_string}")

    async def _refuse(self, request: web.Request) -> web.Response:
        key = request.query.get("api_key", "")
        return web.json_response({"error": "Invalid API key",
                                  "message": f"api_key {key} is not valid"}, status=401)


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """A plain stream handler on the root logger, next to pytest's capture, at DEBUG."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    yield stream
    root.removeHandler(handler)


@pytest.fixture
async def platforms(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[Any, Any]]:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    slack_fake_api, discord_fake_api, _payloads = fakes()
    slack = await slack_fake_api.FakeSlack().start()
    discord = await discord_fake_api.FakeDiscord().start()
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(discord.gateway_url))
    yield slack, discord
    await discord.stop()
    await slack.stop()


async def test_no_secret_reaches_a_log_line_at_debug(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, captured: io.StringIO,
        platforms: tuple[Any, Any]) -> None:
    slack, discord = platforms
    slack_fake_api, _discord_fake_api, discord_payloads = fakes()
    secrets = {"slack bot token": slack_fake_api.BOT_TOKEN,
               "slack app token": slack_fake_api.APP_TOKEN,
               "slack signing secret": SIGNING_SECRET,
               "discord token": discord_payloads.TOKEN, "OpenAlex key": OPENALEX_KEY}
    env = {"SCOOPWATCH_SLACK_BOT_TOKEN": secrets["slack bot token"],
           "SCOOPWATCH_SLACK_APP_TOKEN": secrets["slack app token"],
           "SCOOPWATCH_SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SCOOPWATCH_DISCORD_TOKEN": secrets["discord token"],
           "SCOOPWATCH_OPENALEX_API_KEY": OPENALEX_KEY}
    config = build_config({
        "bot": {"log_level": "DEBUG"}, "arxiv": {"categories": ["cs.LG"]},
        "http": {"max_retries": 0}, "openalex": {"mailto": "lab@example.org"},
        "digest": {"mode": "all-papers"},
        "slack": {"mode": "socket", "api_url": slack.api_url},
        "discord": {"api_url": discord.api_base}, "console": {"enabled": True},
    }, env=env)
    slack.channel_errors[GONE] = "not_in_channel"
    mirror = await OpenAlexMirror().start()
    db_path = str(tmp_path / "lab.db")
    try:
        with respx.mock(assert_all_called=False) as network:
            network.route(host="127.0.0.1").pass_through()
            feed = network.get(host="rss.arxiv.org").respond(200, content=small_listing())
            openalex = network.get(host="api.openalex.org").mock(side_effect=lambda request: (
                respx.MockResponse(302, headers={
                    "Location": f"{mirror.base_url}/works?{request.url.query.decode()}"})))
            # 1. The nightly fetch (what `scoopwatch fetch` runs): the OpenAlex lookup of the
            #    new papers is redirected, twice, then refused.
            healthy = await fetch_live(config, db_path, date(2024, 11, 28),
                                       lambda *args, **kwargs: None)
            assert not healthy and feed.called and openalex.called
            # 2. The bot: Slack, Discord and the console connect; the digests missed this
            #    morning go out to Slack and Discord, one Slack channel refuses the bot.
            async with await Database.open(db_path) as db:
                team, guild = slack_fake_api.TEAM, discord_payloads.GUILD
                for platform, workspace, channel in (
                        ("slack", team, "C0DIGEST1"), ("slack", team, GONE),
                        ("discord", guild, discord_payloads.CHANNEL)):
                    await SubscriptionStore(db).upsert(
                        platform=platform, workspace=workspace, channel_id=channel,
                        days="daily", time="09:00", timezone="UTC", mode="all-papers",
                        created_by="U1", now=datetime(2024, 11, 27, tzinfo=UTC))
            out = io.StringIO()
            status = await run_bot(config, db_path=db_path, stdout=out, clock=lambda: NOW,
                                   stdin=io.StringIO("/scoop status\n/scoop labs\n"))
    finally:
        await mirror.stop()
    assert status == 0, out.getvalue()
    assert slack.posted("C0DIGEST1") and discord.posted(discord_payloads.CHANNEL)
    assert not slack.posted(GONE)

    lines = "\n".join([caplog.text, captured.getvalue(),
                       *(r.getMessage() for r in caplog.records)])
    for what, secret in secrets.items():
        for form in encodings(secret):
            assert form not in lines, f"the {what} reached a log line as {form!r}"
    # ... although the lines that used to carry them were written, the key taken out:
    assert "receive_response_headers.complete" in lines  # httpcore's DEBUG header lines
    assert re.search(r"Location', b'/v2/works\?[^']*api_key=\[redacted\]", lines)
    assert "not_in_channel" in lines or "not a member of this channel" in lines
