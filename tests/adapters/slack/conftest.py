"""Fixtures for the Slack adapter tests: the fake Web API, a fake core, fast sleeps, and the
end-to-end lab (real core and store behind the adapter)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slack_fake_api import APP_TOKEN, BOT_TOKEN, FakeSlack
from slack_helpers import FakeCore, FastSleep, MakeAdapter
from slack_lab import Lab, open_lab
from slack_payloads import SIGNING_SECRET

from adapters.slack.runner import SlackAdapter, SlackSettings


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk honours HTTP(S)_PROXY; the fake lives on 127.0.0.1."""
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    yield server
    await server.stop()


@pytest.fixture
def core() -> FakeCore:
    return FakeCore()


@pytest.fixture
def sleep() -> FastSleep:
    return FastSleep()


@pytest.fixture
async def make_adapter(fake: FakeSlack, sleep: FastSleep) -> AsyncIterator[MakeAdapter]:
    """Build (and later stop) adapters against the fake; ``start=False`` skips start()."""
    made: list[SlackAdapter] = []

    async def build(core: object, *, mode: str = "http", start: bool = True,
                    **kwargs: object) -> SlackAdapter:
        settings = SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN,
                                 signing_secret=SIGNING_SECRET, mode=mode,  # type: ignore[arg-type]
                                 api_url=fake.api_url, http_host="127.0.0.1", http_port=0)
        adapter = SlackAdapter(core, settings, sleep=sleep, **kwargs)  # type: ignore[arg-type]
        made.append(adapter)
        if start:
            await adapter.start()
        return adapter

    yield build
    for adapter in made:
        await adapter.stop(timeout=2)


@pytest.fixture
async def lab(tmp_path: Path, fake: FakeSlack, sleep: FastSleep) -> AsyncIterator[Lab]:
    async with open_lab(tmp_path, fake, sleep) as running:
        yield running
