"""Fixtures shared by the digest-side tests; each module supplies its own ``db`` and ``clock``."""

from __future__ import annotations

import pytest
from fakes_digest import Bot, FakeClock, FakePlatform, FakePort, build_bot

from bot.store.db import Database


@pytest.fixture
def platform() -> FakePlatform:
    """A fake chat platform recording every post."""
    return FakePlatform()


@pytest.fixture
def bot(db: Database, platform: FakePlatform, clock: FakeClock) -> Bot:
    """The digest side (service, stores, outbox) wired to the fake platform."""
    return build_bot(db, FakePort(platform), clock)
