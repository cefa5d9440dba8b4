"""Crash points: the bot killed at random points of the night's fetch, the enrichment, the
digest, the storing of notes and the thread reminders three days later, on Slack and Discord
(through their wire-level fakes) and on the console, then restarted on the same database:
every overlap is posted exactly once, with one header, one thread and one prompt per card,
every reply is one note with one ✅, the thread left open gets exactly one reminder, and the
answered and the snoozed threads none.

A dry run (nothing killed) lists every kill point a life passes: before and after each store
method, each call of the adapter's port, each HTTP request of the platform library and each
source call. Each seed picks a phase, then one of its points, and kills the first life there
(``crash_switch``); later lives run to the end (``crash_world``). ``SCOOPWATCH_LONG_SUITES=1``
runs many more seeds; ``SCOOPWATCH_CRASH_SEED=platform:seed`` replays one (a failure names
it).
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from discord.http import HTTPClient
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.ingest.pipeline import Pipeline
from bot.store.db import Database
from bot.store.stores import Stores
from tests.reliability.crash_platforms import (
    ConsoleLab,
    DiscordLab,
    FakeDiscord,
    FakeSlack,
    SlackLab,
)
from tests.reliability.crash_switch import PHASES, KillSwitch, installed
from tests.reliability.crash_world import (
    FETCH_AT,
    INDUSTRY,
    RESTART_AFTER,
    FakeFeed,
    FakeOpenAlex,
    Platform,
    World,
    threads,
)

LONG = os.environ.get("SCOOPWATCH_LONG_SUITES") == "1"
SEEDS = 400 if LONG else 36  # per platform: 108 kill points in CI
REPLAY = os.environ.get("SCOOPWATCH_CRASH_SEED", "")


def store_classes() -> dict[str, type]:
    """Every repository of the ``Stores`` bundle, by its field name."""
    import dataclasses

    return {f.name: type(getattr(_bundle(), f.name)) for f in dataclasses.fields(Stores)
            if not f.name.startswith("_") and hasattr(getattr(_bundle(), f.name), "db")}


def _bundle() -> Stores:
    return Stores.on(Database.__new__(Database))


@pytest.fixture
def board(monkeypatch: pytest.MonkeyPatch) -> Any:
    sites = {"fetch.feed": (FakeFeed, "fetch"),
             "enrichment.openalex": (FakeOpenAlex, "works_by_arxiv_ids"),
             "http.slack": (AsyncWebClient, "api_call"),
             "http.discord": (HTTPClient, "request")}
    phases = {"enrichment": (Pipeline, "run_enrichment")}
    with installed(monkeypatch, store_classes(), sites, phases) as switchboard:
        yield switchboard


Make = Callable[[], AsyncIterator[Platform]]


async def _slack() -> AsyncIterator[Platform]:
    fake = await FakeSlack().start()
    try:
        yield SlackLab(fake)
    finally:
        await fake.stop()


async def _discord() -> AsyncIterator[Platform]:
    fake = await FakeDiscord().start()
    with pytest.MonkeyPatch.context() as patch:
        DiscordLab.point_at(fake, patch)
        try:
            yield DiscordLab(fake)
        finally:
            await fake.stop()


async def _console() -> AsyncIterator[Platform]:
    yield ConsoleLab()


PLATFORMS: dict[str, Make] = {"slack": _slack, "discord": _discord, "console": _console}


async def lab_run(tmp: Path, make: Make, kill_at: int | None) -> tuple[KillSwitch, World]:
    """Set the lab up, live until killed at ``kill_at``, then restart until all is done."""
    async for platform in make():
        world = World(tmp / "bot.db", platform)
        await world.setup()
        switch = KillSwitch(kill_at)
        ended = await world.live(switch, FETCH_AT - RESTART_AFTER)
        if switch.dead:
            await world.live(None, ended + RESTART_AFTER)
        await check(world)
        return switch, world
    raise AssertionError("no platform")


async def check(world: World) -> None:
    """What the chat shows and the store holds after the last life."""
    lab = world.platform
    titles = lab.card_titles()
    if isinstance(lab, ConsoleLab):
        # The console records a card, then prints it: a kill in between leaves it recorded
        # (never printed twice) but not shown. Its terminal shows each card at most once.
        assert len(set(titles)) == len(titles) and set(titles) <= set(INDUSTRY.values())
    else:
        assert sorted(titles) == sorted(INDUSTRY.values()), titles
    assert lab.headers() == 1
    roots = await _roots(world)
    replies = lab.replies()
    answered, snoozed, left_open = threads(roots)
    assert len(roots) == len(INDUSTRY) and sorted(replies) == sorted(answered), (replies, roots)
    if isinstance(lab, ConsoleLab):
        assert lab.prompts() == len(roots)
        # As a card: recorded, then printed, so a kill in between shows it never, not twice.
        assert lab.reminders() <= 1
        # The console prints its ✓ and cannot take it back: a kill between printing it and
        # recording the delivery prints it once more when the reply is processed again.
        assert len(replies) <= lab.checks() <= len(replies) + 1
    else:
        for reply in replies.values():
            assert lab.checks_on(reply) == 1, reply
        for root in roots:
            assert lab.prompts_in(root) == 1, root
            assert lab.reminders_in(root) == (root == left_open), (root, left_open)
    async with await Database.open(world.path) as db:
        notes = await db.conn.execute_fetchall(
            "SELECT message_id, count(*) FROM notes GROUP BY message_id")
        assert {r[0]: r[1] for r in notes} == {reply: 1 for reply in replies.values()}
        states = await db.conn.execute_fetchall("SELECT state FROM inbox")
        assert all(r[0] == "done" for r in states), [tuple(r) for r in states]
        assert await Stores.on(db).posts.pending() == []
        reminded = await db.conn.execute_fetchall(
            "SELECT p.thread_root_id, r.state FROM thread_reminders r JOIN posts p"
            " ON p.id = r.post_id")
        assert [tuple(r) for r in reminded] == [(left_open, "done")], [tuple(r) for r in reminded]
        closed = await db.conn.execute_fetchall(
            "SELECT p.thread_root_id FROM thread_closures c JOIN posts p ON p.id = c.post_id")
        assert [r[0] for r in closed] == [snoozed], [tuple(r) for r in closed]
        if isinstance(lab, ConsoleLab):
            shown = await db.conn.execute_fetchall(
                "SELECT thread_root_id FROM local_posts WHERE marker LIKE 'sw:remind:%'")
            assert [r[0] for r in shown] == [left_open], [tuple(r) for r in shown]


async def _roots(world: World) -> list[str]:
    if isinstance(world.platform, ConsoleLab):
        async with await Database.open(world.path) as db:
            world.platform.stores = Stores.on(db)
            return await world.platform.roots()
    return await world.platform.roots()


def schedule(trace: list[Any], seeds: range) -> list[tuple[int, int]]:
    """(seed, kill point) per seed: a phase at random, then one of its points."""
    by_phase: dict[str, list[int]] = {}
    for index, point in enumerate(trace):
        by_phase.setdefault(point.phase, []).append(index)
    out = []
    for seed in seeds:
        rng = random.Random(seed)
        phase = rng.choice([p for p in PHASES if p in by_phase])
        out.append((seed, rng.choice(by_phase[phase])))
    return out


@pytest.mark.parametrize("name", ["discord", "console", "slack"])
async def test_every_overlap_and_reply_once_whatever_the_kill_point(
        tmp_path: Path, board: Any, name: str) -> None:
    make = PLATFORMS[name]
    dry, _world = await lab_run(tmp_path / "dry", make, None)
    assert not dry.dead and {p.phase for p in dry.seen} == set(PHASES), Counter(
        p.phase for p in dry.seen)
    seeds = range(SEEDS)
    if REPLAY:
        platform, _, seed = REPLAY.partition(":")
        if platform != name:
            pytest.skip(f"replaying {REPLAY}")
        seeds = range(int(seed), int(seed) + 1)
    killed: Counter[str] = Counter()
    for seed, kill_at in schedule(dry.seen, seeds):
        try:
            switch, _world = await lab_run(tmp_path / f"s{seed}", make, kill_at)
        except BaseException as exc:
            point = dry.seen[kill_at]
            raise AssertionError(
                f"SCOOPWATCH_CRASH_SEED={name}:{seed} failed, killed {point.when} "
                f"{point.site} ({point.phase}, point {kill_at} of {len(dry.seen)}): "
                f"{type(exc).__name__}: {exc}") from exc
        if switch.killed_at is not None:
            killed[switch.killed_at.phase] += 1
    print(f"\n{name}: {sum(killed.values())} kill points of {len(dry.seen)}: {dict(killed)}")
    assert sum(killed.values()) >= len(seeds) * 0.9, killed
