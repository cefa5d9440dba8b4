"""The lab, the night and the morning the crash-point suite kills the bot in (no tests here).

One "life" of the bot is what ``scoopwatch run`` builds at start: a new ``Database`` on the
same file, new ``Stores``, the real core and scheduler from ``bot.app.build_core`` (the real
lab registry and matcher), a fake arXiv feed and a fake OpenAlex, and a platform adapter
against its wire-level fake (``tests/adapters/slack``, ``tests/adapters/discord``) or the
console with its transcript kept in the store. A life starts as ``_serve`` does (the inbox,
then the scheduler's start: the outbox resumed, a missed digest caught up, a missed fetch
run), then lives through what is still ahead of it: the night's fetch (which enriches the
matched papers), the 09:00 digest (the scheduler's job), the member's replies in the paper
threads (all but two: one she closes as no concern, one she leaves open), and, three days
later, the daily thread-reminder job (the next day's run after a kill in it). The platform
fakes outlive the lives, as a real chat outlives the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.core.scheduler import Scheduler
from bot.models import Paper
from bot.ports import ChatPort
from bot.sources.arxiv_feed import FeedKind, FeedOutcome
from bot.sources.base import ParsedPage, SourceFormat
from bot.store.db import Database
from bot.store.stores import Stores
from tests.bot.core.fakes_digest import Crash, FakeClock, paper, with_affiliation
from tests.reliability.crash_switch import BOARD, KillSwitch

DAY = date(2024, 11, 27)  # the mailing the night's fetch reads
# Before the fake Slack's first timestamp (2024-11-28 13:20 UTC) and the fake Discord's
# snowflakes (the real time), so a recovery look-up since any of these moments sees it all.
SETUP = datetime(2024, 11, 27, 12, 0, tzinfo=UTC)
FETCH_AT = datetime(2024, 11, 28, 1, 10, tzinfo=UTC)  # 20:10 in New York
DIGEST_AT = datetime(2024, 11, 28, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
NOTES_AT = datetime(2024, 11, 28, 8, 30, tzinfo=UTC)
REMIND_AT = datetime(2024, 12, 1, 10, 0, tzinfo=UTC)  # reminder_days (3) after the cards
RESTART_AFTER = timedelta(minutes=3)  # longer than a claim's lease: a restart takes over
# Thursdays only (2024-11-28 is one): the reminder days that follow owe no digest, so a
# restart then catches none up and the night's digest stays the only one.
SCHEDULE = "thu 09:00 Europe/Berlin"

# Four industry overlaps of "diffusion" (OpenAlex names their companies), one academic
# overlap and one industry paper on something else: exactly four cards are due.
INDUSTRY = {"2411.17701": "Diffusion policies at scale", "2411.17702": "Sparse diffusion "
            "for video", "2411.17703": "Diffusion distillation without teachers",
            "2411.17706": "Diffusion transformers for robot control"}
ACADEMIC = {"2411.17704": "A diffusion model for soil moisture"}
ELSEWHERE = {"2411.17705": "Scaling laws for retrieval"}
COMPANY = {"2411.17701": "OpenAI", "2411.17702": "Google DeepMind", "2411.17703": "Anthropic",
           "2411.17705": "OpenAI", "2411.17706": "NVIDIA"}


def threads(roots: Sequence[str]) -> tuple[list[str], str, str]:
    """The paper threads by what the member does in them: she answers all but the last two,
    closes the second to last as no concern, and leaves the last open (it is reminded)."""
    return list(roots[:-2]), roots[-2], roots[-1]


def next_reminder_run(now: datetime) -> datetime:
    """The first run of the daily reminder job from ``now`` (a kill in one: the next day's)."""
    at = REMIND_AT
    while at < now:
        at += timedelta(days=1)
    return at


def feed_papers() -> list[Paper]:
    return [paper(key, title, announced=DAY)
            for key, title in {**INDUSTRY, **ACADEMIC, **ELSEWHERE}.items()]


class FakeFeed:
    """The arXiv listing of ``DAY``: the five papers, no affiliations (as the feed has none)."""

    async def fetch(self, day: date | None = None, last_seen: Any = None) -> FeedOutcome:
        page = ParsedPage(SourceFormat.ARXIV_RSS, tuple(feed_papers()), announced=DAY)
        return FeedOutcome(FeedKind.ANNOUNCED, DAY, page, "announced")


class FakeOpenAlex:
    """OpenAlex knows the companies of the industry papers, by arXiv id."""

    async def works_by_arxiv_ids(self, ids: Sequence[str]) -> dict[str, Paper]:
        known = {p.key: with_affiliation(p, COMPANY[p.key]) for p in feed_papers()
                 if p.key in COMPANY}
        return {i: known[i] for i in ids if i in known}


class Platform(Protocol):
    """A chat platform's fake, as the suite drives and inspects it; it outlives lives."""

    name: str
    workspace: str
    channel: str
    member: str

    async def connect(self, core: Core, stores: Stores, clock: FakeClock) -> ChatPort: ...
    async def disconnect(self) -> None: ...
    async def reply(self, root: str, core: Core) -> None: ...
    async def snooze(self, root: str, core: Core) -> None: ...
    async def settle(self, core: Core) -> None: ...
    def card_titles(self) -> list[str]: ...
    def headers(self) -> int: ...
    async def roots(self) -> list[str]: ...
    def prompts_in(self, root: str) -> int: ...
    def reminders_in(self, root: str) -> int: ...
    def replies(self) -> dict[str, str]: ...  # thread root -> the member's reply id
    def checks_on(self, reply_id: str) -> int: ...


class ObservedPort:
    """The adapter's port with a kill point before and after each call."""

    def __init__(self, port: ChatPort) -> None:
        self.port = port
        self.platform = port.platform

    def __getattr__(self, name: str) -> Any:
        inner = getattr(self.port, name)
        if name.startswith("_") or not asyncio.iscoroutinefunction(inner):
            return inner

        async def call(*args: Any, **kwargs: Any) -> Any:
            BOARD.point(f"port.{name}", "before")
            result = await inner(*args, **kwargs)
            BOARD.point(f"port.{name}", "after")
            return result

        return call


@dataclass
class Life:
    db: Database
    stores: Stores
    core: Core
    scheduler: Scheduler
    clock: FakeClock
    tasks_before: set[asyncio.Task[Any]] = field(default_factory=set)


@dataclass
class World:
    """One test's lab: the database file, the platform, and what is done for good."""

    path: Path
    platform: Platform
    fetched: bool = False
    digested: bool = False
    reminded: bool = False
    lives: int = 0

    async def setup(self) -> None:
        """The lab before the night: a topic and a subscription (not kill points)."""
        life = await self._open(SETUP)
        try:
            await life.stores.topics.add(self.platform.name, self.platform.workspace,
                                         self.platform.member, "diffusion", "diffusion", SETUP)
            result = await life.core.digest.subscribe(  # type: ignore[attr-defined]
                self.platform.name, self.platform.workspace, self.platform.channel,
                self.platform.member, SCHEDULE)
            assert result.ok, result
        finally:
            await self._close(life)

    async def _open(self, now: datetime) -> Life:
        tasks = set(asyncio.all_tasks())
        db = await Database.open(self.path)
        stores = Stores.on(db)
        clock = FakeClock(now)
        config = build_config({"digest": {"mode": "industry-only", "max_papers": 10}}, env={})
        core, scheduler = build_core(config, stores, clock=clock, fetcher=FakeFeed(),
                                     openalex=FakeOpenAlex())
        port = await self.platform.connect(core, stores, clock)
        core.register_port(ObservedPort(port))  # type: ignore[arg-type]
        return Life(db, stores, core, scheduler, clock, tasks)

    async def _close(self, life: Life) -> None:
        """Throw the life away: what it left running is cancelled, its store closed."""
        for step in (life.core.stop, life.scheduler.service.stop_background,
                     self.platform.disconnect):
            with contextlib.suppress(Crash, Exception):
                await asyncio.wait_for(step(), 5)
        for task in asyncio.all_tasks() - life.tasks_before - {asyncio.current_task()}:
            task.cancel()
        await asyncio.sleep(0)
        await life.db.close()

    async def live(self, switch: KillSwitch | None, start: datetime) -> datetime:
        """One life from ``start``, killed where ``switch`` says; returns when it ended."""
        self.lives += 1
        BOARD.switch = switch
        life = await self._open(start)
        try:
            await self._run(life, switch)
        except Crash:
            pass
        finally:
            BOARD.switch = None
            ended = life.clock()
            await self._close(life)
        return ended

    async def _run(self, life: Life, switch: KillSwitch | None) -> None:
        core, clock, scheduler = life.core, life.clock, life.scheduler
        await self._start(life)
        for at, phase in ((FETCH_AT, "fetch"), (DIGEST_AT, "digest"), (NOTES_AT, "notes"),
                          (next_reminder_run(clock()), "reminders")):
            if clock() < at:
                clock.now = at
            BOARD.enter(phase)
            if phase == "fetch" and not self.fetched:
                await scheduler.pipeline.run_fetch(DAY)  # type: ignore[union-attr]
                self.fetched = True
            elif phase == "digest" and not self.digested:
                await scheduler._digest_job(self.platform.name, self.platform.channel)
                self.digested = True
            elif phase == "notes":
                answer, snooze, _left_open = threads(await self.platform.roots())
                for root in answer:
                    await self.platform.reply(root, core)
                await self.platform.snooze(snooze, core)
                await self.platform.settle(core)
            elif phase == "reminders" and not self.reminded:
                await scheduler._remind_job()
                self.reminded = True
            if switch is not None and switch.dead:
                raise Crash("died in a background task")

    async def _start(self, life: Life) -> None:
        """What ``_serve`` does once adapters are up: the inbox, then the scheduler's start
        (resume the outbox, post a missed digest once, fetch a missed announcement)."""
        BOARD.enter("notes")
        await life.core.start()
        BOARD.enter("digest")
        now = life.clock()
        await life.scheduler.service.resume()
        if await life.scheduler.catch_up(now):
            self.digested = True
        BOARD.enter("fetch")
        runs = await life.stores.runs.for_days("fetch", DAY, DAY)
        if self.fetched or any(r.ok for r in runs):
            self.fetched = True
        elif now > FETCH_AT:  # the catch-up fetch, run now rather than a few seconds later
            await life.scheduler.pipeline.run_fetch(DAY)  # type: ignore[union-attr]
            self.fetched = True
