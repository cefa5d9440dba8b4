"""A digest waits for affiliation lookups a few seconds at most, never for OpenAlex's retries.

OpenAlex is answered by respx through the real ``PoliteClient`` and ``OpenAlexClient``. Time is
fake: the client's retry backoff and the pipeline's wait both sleep on ``SteppedTime``, which
the test moves forward one deadline at a time, so a digest that waited out every retry (2 + 4 +
8 s) finishes at 14 fake seconds and one that stopped waiting at 5 s finishes at 5. Nothing
waits for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from fakes_digest import (
    CHANNEL,
    PLATFORM,
    WORKSPACE,
    Bot,
    FakeClock,
    FakePlatform,
    FakePort,
    add_topic,
    build_bot,
    paper,
)

from bot.messages import PaperCard
from bot.sources.http import PoliteClient
from bot.sources.openalex_client import OpenAlexClient
from bot.store.db import Database

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
KEY = "2611.00042"
DAY = date(2026, 11, 19)
WORKS = "https://api.openalex.org/works"
DIGEST_WAIT = "digest-wait"


class SteppedTime:
    """Fake monotonic time: ``sleeper(who)`` sleeps until ``run_until`` moves time past it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleepers: list[tuple[float, str, asyncio.Future[None]]] = []
        self._registered = asyncio.Event()

    def __call__(self) -> float:
        return self.now

    def sleeper(self, who: str) -> Callable[[float], Awaitable[None]]:
        async def sleep(seconds: float) -> None:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self.sleepers.append((self.now + seconds, who, done))
            self._registered.set()
            await done
        return sleep

    async def run_until(self, task: asyncio.Task[Any]) -> float:
        """Wake the earliest sleeper, again and again, until ``task`` is done; once the
        digest's own wait has been woken, only wait for the task. Returns the fake time then."""
        while not task.done():
            waiting = [s for s in self.sleepers if not s[2].done()]
            if not waiting:
                self._registered.clear()
                registered = asyncio.ensure_future(self._registered.wait())
                await asyncio.wait({task, registered}, return_when=asyncio.FIRST_COMPLETED)
                registered.cancel()
                continue
            deadline, who, done = min(waiting, key=lambda s: s[0])
            self.now = max(self.now, deadline)
            done.set_result(None)
            if who == DIGEST_WAIT:
                await asyncio.wait({task})
        return self.now


async def instantly(seconds: float) -> None:
    """The network is back: retries and spacing cost nothing."""


async def never(seconds: float) -> None:
    """A digest wait that does not run out: the lookup must finish by itself."""
    await asyncio.Event().wait()


def deepmind_work(key: str) -> dict[str, Any]:
    return {"results": [{
        "id": "https://openalex.org/W4400000042", "doi": f"https://doi.org/10.48550/arxiv.{key}",
        "title": "Diffusion planning", "authorships": [{
            "author": {"display_name": "Ada Lovelace"},
            "institutions": [{"id": "https://openalex.org/I4210090411",
                              "display_name": "Google DeepMind", "type": "company"}],
            "raw_affiliation_strings": ["Google DeepMind, London"]}]}],
        "meta": {"count": 1, "per_page": 50}}


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.db") as database:
        yield database


@pytest.fixture
async def wired(db: Database) -> AsyncIterator[tuple[Bot, PoliteClient, SteppedTime]]:
    """The digest side with a real OpenAlex client, one topic, one matching paper whose
    affiliations nobody has looked up yet, and a subscription in ``CHANNEL``."""
    time = SteppedTime()
    client = PoliteClient(contact_email="lab@example.org", clock=time,
                          sleep=time.sleeper("http-backoff"))
    bot = build_bot(db, FakePort(FakePlatform()), FakeClock(NOW),
                    openalex=OpenAlexClient(client, None, None))
    bot.pipeline.sleep = time.sleeper(DIGEST_WAIT)
    await bot.papers.upsert_papers([paper(KEY, "Diffusion planning for robots", announced=DAY)])
    await add_topic(bot, "U1", "planning", "diffusion planning")
    try:
        yield bot, client, time
    finally:
        await bot.pipeline.stop_background()
        await client.aclose()


async def subscribe(bot: Bot, mode: str) -> None:
    result = await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U1", mode)
    assert result.ok


def cards(bot: Bot) -> list[PaperCard]:
    return [p.message for p in bot.port.state.top(CHANNEL) if isinstance(p.message, PaperCard)]


@respx.mock
async def test_digest_now_without_network_answers_after_the_wait_not_the_retries(
    wired: tuple[Bot, PoliteClient, SteppedTime],
) -> None:
    bot, client, time = wired
    works = respx.get(url__startswith=WORKS).mock(side_effect=httpx.ConnectError("no network"))
    await subscribe(bot, "industry-only")

    digest = asyncio.create_task(bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL))
    assert await time.run_until(digest) == 5.0  # the wait, not 2 + 4 + 8 s of retries
    result = digest.result()
    text = result.messages[0].body  # type: ignore[union-attr]
    assert "1 still having its affiliations looked up" in text
    assert "the next digest shows it if an author is at an industry lab" in text
    assert bot.pipeline.pending_keys() == {KEY}  # the lookup goes on in the background
    assert cards(bot) == []
    assert works.call_count >= 1

    # The bot restarts (the lookup is cancelled) and the network is back: the next digest
    # starts at the paper it held back, looks it up, and posts it with its lab.
    await bot.pipeline.stop_background()
    works.mock(side_effect=None, return_value=httpx.Response(200, json=deepmind_work(KEY)))
    client.sleep, bot.pipeline.sleep = instantly, never
    result = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    header = bot.port.state.headers()[-1]
    assert (header.date_from, header.overlaps) == (DAY, 1)
    (card,) = cards(bot)
    assert card.paper_key == KEY and [b.company for b in card.labs] == ["Google"]
    assert bot.pipeline.pending_keys() == frozenset()


@respx.mock
async def test_all_papers_posts_now_and_says_the_card_may_lack_its_lab(
    wired: tuple[Bot, PoliteClient, SteppedTime],
) -> None:
    bot, _client, time = wired
    respx.get(url__startswith=WORKS).mock(side_effect=httpx.ConnectError("no network"))
    await subscribe(bot, "all-papers")

    digest = asyncio.create_task(bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL))
    assert await time.run_until(digest) == 5.0
    (card,) = cards(bot)
    assert card.paper_key == KEY and card.labs == ()
    header = bot.port.state.headers()[-1]
    assert header.more_hint == ("Affiliations of 1 shown paper were still being looked up: "
                                "an industry lab may be missing from the card.")


@respx.mock
async def test_a_quick_answer_is_waited_for(
    wired: tuple[Bot, PoliteClient, SteppedTime],
) -> None:
    bot, client, _time = wired
    respx.get(url__startswith=WORKS).mock(
        return_value=httpx.Response(200, json=deepmind_work(KEY)))
    client.sleep, bot.pipeline.sleep = instantly, never
    await subscribe(bot, "industry-only")

    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    (card,) = cards(bot)
    assert [b.company for b in card.labs] == ["Google"]
    assert bot.port.state.headers()[-1].more_hint is None


async def test_no_lookup_source_means_no_waiting(db: Database) -> None:
    bot = build_bot(db, FakePort(FakePlatform()), FakeClock(NOW))
    bot.pipeline.sleep = never
    assert await bot.pipeline.enrich_within({KEY}) == frozenset()


class HeldOpenAlex:
    """An OpenAlex lookup that answers (nothing found) only once ``release`` is set."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []
        self.release = asyncio.Event()

    async def works_by_arxiv_ids(self, ids: Any) -> dict[str, Any]:
        self.asked.append(list(ids))
        await self.release.wait()
        return {}


async def test_digests_share_a_running_lookup_instead_of_asking_twice(db: Database) -> None:
    held = HeldOpenAlex()
    bot = build_bot(db, FakePort(FakePlatform()), FakeClock(NOW), openalex=held)
    await bot.papers.upsert_papers([paper(KEY, "Diffusion planning", announced=DAY)])
    bot.pipeline.sleep = instantly  # a digest that cannot wait at all
    assert await bot.pipeline.enrich_within({KEY}) == {KEY}
    assert await bot.pipeline.enrich_within({KEY}) == {KEY}  # another channel's digest
    held.release.set()
    bot.pipeline.sleep = never  # now wait for the running lookup to end
    assert await bot.pipeline.enrich_within({KEY}) == frozenset()
    assert held.asked == [[KEY]]
    assert bot.pipeline.pending_keys() == frozenset()
