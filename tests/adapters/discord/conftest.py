"""Fixtures for the Discord adapter tests: the fake Discord, a logged-in client, a fake core.

discord.py's REST base (``discord.http.Route.BASE``) and gateway URL are pointed at the fake,
so every request goes through the real library: its routes, JSON and multipart bodies,
rate-limit handling and object parsing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord_fake_api import FakeDiscord
from discord_helpers import FakeCore
from discord_payloads import TOKEN, guild_create

from adapters.discord.client import ScoopClient

MakeClient = Callable[..., Awaitable[ScoopClient]]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiohttp may honour proxy variables; the fake lives on 127.0.0.1."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _no_swallowed_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """discord.py logs (and swallows) exceptions raised in handlers: fail the test instead."""
    yield
    swallowed = [r for r in caplog.get_records("call")
                 if r.name.startswith("discord") and r.levelno >= logging.ERROR]
    assert not swallowed, [r.getMessage() for r in swallowed]


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    server = await FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", server.api_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
    yield server
    await server.stop()


@pytest.fixture
def core() -> FakeCore:
    return FakeCore()


@pytest.fixture
async def make_client(fake: FakeDiscord) -> AsyncIterator[MakeClient]:
    """Logged-in clients (REST only) that know the lab's server from a GUILD_CREATE."""
    made: list[ScoopClient] = []

    async def build(core: object, **kwargs: object) -> ScoopClient:
        client = ScoopClient(core, **kwargs)  # type: ignore[arg-type]
        made.append(client)
        await client.login(TOKEN)
        client._connection.parse_guild_create(guild_create())
        return client

    yield build
    for client in made:
        await client.close()


@pytest.fixture
async def client(make_client: MakeClient, core: FakeCore) -> ScoopClient:
    return await make_client(core)
