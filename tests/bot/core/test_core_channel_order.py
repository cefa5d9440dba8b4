"""Commands that change or read a channel's settings run one at a time per channel, in order.

Adapters acknowledge a command and run it concurrently with the next one, so "subscribe ...
all-papers" followed a moment later by "digest now" could digest with the old mode. These
tests are deterministic: the digest side's fake holds ``subscribe`` until either the second
command reaches the channel's lock (serialised: it must wait) or the second command runs
(not serialised: it reads the old mode). No sleeps, no timeouts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from test_core_support import FakeThreads, cmd

from bot.core.facade import ChannelLocks, Core
from bot.messages import Text
from bot.ports import CommandResult
from bot.store.db import Database
from bot.store.stores import Stores


@dataclass
class HeldDigest:
    """A digest side whose ``subscribe`` waits for ``release`` half-way through its write."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    inside: asyncio.Event = field(default_factory=asyncio.Event)
    mode: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    async def subscribe(self, platform: str, workspace: str, channel_id: str, actor_id: str,
                        args: str) -> CommandResult:
        self.log.append(f"subscribe {channel_id} starts")
        self.inside.set()
        await self.release.wait()
        self.mode[channel_id] = args
        self.log.append(f"subscribe {channel_id} done")
        return CommandResult((Text("subscribed"),))

    async def digest_now(self, platform: str, workspace: str, channel_id: str,
                         since: date | None) -> CommandResult:
        mode = self.mode.get(channel_id, "industry-only")
        self.log.append(f"digest {channel_id} reads {mode}")
        self.release.set()  # unserialised, the digest got here first: let subscribe finish
        return CommandResult((Text(f"digest ({mode})"),))

    async def unsubscribe(self, platform: str, workspace: str, channel_id: str) -> CommandResult:
        raise AssertionError("not used")

    async def status(self, platform: str, workspace: str, channel_id: str) -> CommandResult:
        raise AssertionError("not used")

    def register_port(self, port: Any) -> None:
        pass


class ContendedLock(asyncio.Lock):
    """Releases the held subscribe as soon as a second command has to queue for the lock."""

    def __init__(self, contended: asyncio.Event) -> None:
        super().__init__()
        self.contended = contended

    async def acquire(self) -> bool:
        if self.locked():
            self.contended.set()
        return await super().acquire()


class WatchedLocks(ChannelLocks):
    def __init__(self, contended: asyncio.Event) -> None:
        super().__init__()
        self.contended = contended
        self.made: dict[tuple[str, str], asyncio.Lock] = {}

    def lock(self, platform: str, channel_id: str) -> asyncio.Lock:
        return self.made.setdefault((platform, channel_id), ContendedLock(self.contended))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "core.db") as database:
        yield database


def held_core(db: Database) -> tuple[Core, HeldDigest]:
    digest = HeldDigest()
    core = Core(Stores.on(db), threads=FakeThreads(), digest=digest)
    core.channel_locks = WatchedLocks(digest.release)
    return core, digest


async def test_digest_now_right_after_subscribe_uses_the_new_mode(db: Database) -> None:
    core, digest = held_core(db)
    subscribe = asyncio.create_task(core.handle_command(cmd("subscribe all-papers")))
    await digest.inside.wait()
    result = await core.handle_command(cmd("digest now"))
    await subscribe
    assert [m.body for m in result.messages if isinstance(m, Text)] == ["digest (all-papers)"]
    assert digest.log == ["subscribe C1 starts", "subscribe C1 done", "digest C1 reads all-papers"]


async def test_other_channels_do_not_wait(db: Database) -> None:
    core, digest = held_core(db)
    subscribe = asyncio.create_task(core.handle_command(cmd("subscribe all-papers")))
    await digest.inside.wait()
    await core.handle_command(cmd("digest now", channel="C2"))
    await subscribe
    assert digest.log == ["subscribe C1 starts", "digest C2 reads industry-only",
                          "subscribe C1 done"]


async def test_commands_that_touch_no_channel_setting_do_not_wait(db: Database) -> None:
    core, digest = held_core(db)
    subscribe = asyncio.create_task(core.handle_command(cmd("subscribe all-papers")))
    await digest.inside.wait()
    result = await core.handle_command(cmd("help"))
    assert result.ok and not digest.release.is_set()  # answered while subscribe is held
    digest.release.set()
    await subscribe
