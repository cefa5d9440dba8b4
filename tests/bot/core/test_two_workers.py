"""Two scoopwatch processes on one database file post everything once and store every note once.

Each "process" is a full bot: its own ``Database`` connection to the shared file, its own core,
digest service and scheduler (``bot.app.build_core``, the real matcher and detector), and its
own port onto one shared fake platform. They race what two processes race in production:

- both schedulers fire the same digest slot: the first through its cron job; the second, in
  a random order, through its own cron job, its start-up catch-up and the outbox resume, all
  while the first is stopped at a random platform call of its digest (header, a card, a
  thread, a prompt), holding claims, or after it is done;
- members' replies reach one process or both (a gateway replays to every connection), and
  both inbox workers drain at once.

Every platform call yields to the loop a random number of times, and racers start in a random
order behind one barrier; where the first process stops is an event the second waits for, so
each seed is another interleaving and nothing waits on time. Afterwards the channel must hold
exactly one header, one card per paper, one thread and one prompt per card, and one note and
one ✅ per reply.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from fakes_digest import CHANNEL, PLATFORM, WORKSPACE, FakeClock, FakePlatform, FakePort, paper

from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.core.scheduler import Scheduler
from bot.messages import DigestHeader, Message, PaperCard, ThreadPrompt
from bot.ports import Actor, PostRef, ThreadRef, ThreadReply
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from bot.store.topics import TopicStore

RUNS = int(os.environ.get("SCOOPWATCH_RACE_RUNS", "12"))  # the long variant sets more
SUBSCRIBED = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)  # a Sunday
FIRE = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin: the slot
KEYS = tuple(f"2611.0000{i}" for i in range(1, 6))
CONFIG = build_config({"digest": {"mode": "all-papers", "max_papers": 10}}, env={})


@dataclass
class Shared:
    """What the platform holds, seen by both processes."""

    platform: FakePlatform = field(default_factory=FakePlatform)
    reactions: list[tuple[str, str]] = field(default_factory=list)


class RacingPort(FakePort):
    """A port of one process onto the shared platform. Every call first yields a random
    number of times; with ``stop_at`` set, the call of that number stops (``stopped`` is set)
    until ``go`` is set, as a process stalls in the middle of its digest."""

    def __init__(self, shared: Shared, rng: random.Random) -> None:
        super().__init__(shared.platform)
        self.shared, self.rng = shared, rng
        self.stop_at: int | None = None
        self.stopped, self.go = asyncio.Event(), asyncio.Event()
        self.made = 0

    async def _jitter(self) -> None:
        if self.made == self.stop_at:
            self.stopped.set()
            await self.go.wait()
        self.made += 1
        for _ in range(self.rng.randrange(4)):
            await asyncio.sleep(0)

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        await self._jitter()
        return await super().post(channel_id, message, thread)

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        await self._jitter()
        return await super().open_thread(post, name)

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        await self._jitter()
        return await super().find_marker(channel_id, marker, since)

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        await self._jitter()
        return await super().find_bot_reply(thread)

    async def react(self, post: PostRef, emoji: str) -> None:
        await self._jitter()
        self.shared.reactions.append((post.message_id, emoji))


@dataclass
class Process:
    db: Database
    core: Core
    scheduler: Scheduler
    port: RacingPort


async def _process(path: Path, shared: Shared, clock: FakeClock, rng: random.Random
                   ) -> Process:
    db = await Database.open(path)
    core, scheduler = build_core(CONFIG, Stores.on(db), clock=clock)
    port = RacingPort(shared, rng)
    core.register_port(port)
    return Process(db, core, scheduler, port)


async def _seed(a: Process, clock: FakeClock) -> None:
    await PaperStore(a.db).upsert_papers([
        paper(key, f"Diffusion planning part {i}", "diffusion for planning",
              affiliations=["OpenAI"], announced=date(2026, 11, 13))
        for i, key in enumerate(KEYS)])
    await TopicStore(a.db).add(PLATFORM, WORKSPACE, "U_ana", "diffusion", "diffusion", clock())
    assert a.core.digest is not None
    await a.core.digest.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U_ana",
                                  "daily 09:00 Europe/Berlin all-papers")


async def _race(rng: random.Random, *racers: Callable[[], Awaitable[object]]) -> None:
    """Start the racers in a random order, all released by one event."""
    start = asyncio.Event()

    async def run(racer: Callable[[], Awaitable[object]]) -> object:
        await start.wait()
        for _ in range(rng.randrange(3)):
            await asyncio.sleep(0)
        return await racer()

    order = list(racers)
    rng.shuffle(order)
    tasks = [asyncio.create_task(run(racer)) for racer in order]
    await asyncio.sleep(0)  # every racer is waiting at the barrier
    start.set()
    await asyncio.gather(*tasks)


def _assert_posted_once(shared: Shared, seed: int) -> None:
    top = shared.platform.top(CHANNEL)
    headers = [p for p in top if isinstance(p.message, DigestHeader)]
    cards = [p for p in top if isinstance(p.message, PaperCard)]
    assert len(headers) == 1, f"seed {seed}: {len(headers)} headers"
    assert sorted(c.message.paper_key for c in cards) == sorted(KEYS), f"seed {seed}"
    assert shared.platform.threads == {c.message_id for c in cards}, f"seed {seed}"
    for card in cards:
        inside = [type(p.message) for p in shared.platform.in_thread(card.message_id)]
        assert inside == [ThreadPrompt], f"seed {seed}: {card.message.paper_key} {inside}"


async def _one_run(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path, shared, clock = tmp_path / f"race-{seed}.db", Shared(), FakeClock(SUBSCRIBED)
    a = await _process(path, shared, clock, rng)
    b = await _process(path, shared, clock, rng)
    try:
        await _seed(a, clock)
        await b.scheduler.sync()
        await a.scheduler.sync()
        clock.now = FIRE
        first, second = rng.sample([a, b], 2)
        # 1 header + 3 calls per card; a stop past them means "after the first is done".
        first.port.stop_at = rng.randrange(1 + 3 * len(KEYS) + 2)

        async def fire_first() -> None:
            try:
                await first.scheduler._digest_job(PLATFORM, CHANNEL)
            finally:
                first.port.stopped.set()  # it never got as far as its stop

        async def meanwhile() -> None:
            await first.port.stopped.wait()
            assert second.core.digest is not None
            moves: list[Callable[[], Awaitable[object]]] = [
                lambda: second.scheduler._digest_job(PLATFORM, CHANNEL),
                second.scheduler.catch_up, second.core.digest.resume]
            rng.shuffle(moves)
            for move in moves:
                await move()
            first.port.go.set()

        await _race(rng, fire_first, meanwhile)
        _assert_posted_once(shared, seed)

        # Replies: each reaches one process, or both (a replayed delivery).
        cards = [p for p in shared.platform.top(CHANNEL) if isinstance(p.message, PaperCard)]
        replies = [ThreadReply(PLATFORM, WORKSPACE, ThreadRef(PLATFORM, CHANNEL, c.message_id),
                               f"r{i}", Actor("U_ben", "Ben"), f"How ours differs, part {i}",
                               FIRE, event_id=f"Ev{i}") for i, c in enumerate(cards)]
        deliveries: list[Callable[[], Awaitable[object]]] = []
        for event in replies:
            for p in rng.choice([(a,), (b,), (a, b)]):
                deliveries.append(lambda p=p, event=event: p.core.receive(event))
        await _race(rng, *deliveries, a.core.inbox.idle, b.core.inbox.idle)
        await a.core.inbox.idle()
        await b.core.inbox.idle()
        notes = await NoteStore(a.db).recent(PLATFORM, WORKSPACE, limit=50)
        assert sorted(n.message_id for n in notes) == sorted(r.message_id for r in replies), \
            f"seed {seed}"
        assert sorted(shared.reactions) == sorted(
            (r.message_id, "white_check_mark") for r in replies), f"seed {seed}"
    finally:
        for process in (a, b):
            await process.core.stop()
            await process.db.close()


async def test_two_processes_post_one_digest_and_store_each_note_once(tmp_path: Path) -> None:
    for seed in range(RUNS):
        await _one_run(tmp_path, seed)
