"""New-version notes: once per (post, version) in every thread of a posted paper, across
re-runs and restarts, on a real database file with a fake chat platform."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fakes_digest import (
    CHANNEL,
    PLATFORM,
    WORKSPACE,
    Bot,
    Crash,
    FakeClock,
    FakePlatform,
    FakePort,
    Fault,
    Flaky,
    Posted,
    add_topic,
    build_bot,
    paper,
)

from bot.core.delivery.engine import DeliveryReport
from bot.core.delivery.version_notes import VersionNotes, note_text
from bot.core.scheduler import Scheduler
from bot.messages import Message, PaperCard, Text, ThreadPrompt
from bot.models import AnnounceType
from bot.ports import PostRef, ThreadRef
from bot.sources.arxiv_feed import FeedKind, FeedOutcome
from bot.sources.base import ParsedPage, SourceFormat
from bot.store.db import LATEST_SCHEMA_VERSION, Database
from bot.store.merge import new_record
from bot.store.migrations import discover
from bot.store.paper_rows import PAPER_COLUMNS, paper_row
from bot.store.stores import Stores
from bot.store.version_notes import VersionNoteStore

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)  # Friday 09:00 Berlin
KEY, OTHER = "2611.00001", "2611.00002"
GDM = "Google DeepMind, London"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


@pytest.fixture
async def db(path: Path) -> AsyncIterator[Database]:
    async with await Database.open(path) as database:
        yield database


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def notes_for(bot: Bot) -> VersionNotes:
    return VersionNotes(VersionNoteStore(bot.db), bot.service.delivery)


def _title(key: str) -> str:
    return "Diffusion planning" if key == KEY else "Diffusion for lenses"


async def _seed(bot: Bot) -> None:
    """KEY overlaps (industry) and gets posted; OTHER is stored but never posted."""
    await add_topic(bot, "U_ana", "diffusion", "diffusion")
    await bot.papers.upsert_papers([
        paper(KEY, _title(KEY), affiliations=[GDM]),
        paper(OTHER, _title(OTHER)),  # no industry lab: never posted
    ])


async def _replace(bot: Bot, key: str, version: int, day: date) -> None:
    """What a nightly fetch stores for a ``replace`` item."""
    await bot.papers.upsert_papers([
        paper(key, _title(key), announce_type=AnnounceType.REPLACE, version=version,
              announced=day, affiliations=[GDM] if key == KEY else ()),
    ])


async def _post(bot: Bot, channel: str = CHANNEL, platform: str = PLATFORM) -> str:
    """Digest ``channel``; returns the thread root of KEY's card there."""
    res = await bot.service.digest_now(platform, WORKSPACE, channel)
    assert res.ok
    rec = next(r for r in await _posts(bot) if r[1] == channel and r[0] == platform)
    return rec[2]


async def _posts(bot: Bot) -> list[tuple[str, str, str]]:
    rows = await bot.db.conn.execute_fetchall(
        "SELECT platform, channel_id, thread_root_id FROM posts ORDER BY id")
    return [(r[0], r[1], r[2]) for r in rows]


def _notes(platform: FakePlatform, root: str) -> list[str]:
    return [p.message.body for p in platform.in_thread(root) if isinstance(p.message, Text)]


def _all_notes(platform: FakePlatform) -> list[Posted]:
    return [p for p in platform.messages if isinstance(p.message, Text)]


def _v(version: int, day: str) -> str:
    return (f"A new version (v{version}) of this paper was announced on {day}: "
            f"https://arxiv.org/abs/{KEY}v{version} — worth a look at what changed.")


# --- the behaviour ----------------------------------------------------------------------------


async def test_one_note_per_new_version_never_repeated(bot: Bot, platform: FakePlatform,
                                                       clock: FakeClock) -> None:
    await _seed(bot)
    root = await _post(bot)
    notes = notes_for(bot)
    assert await notes.run() == DeliveryReport()  # nothing new yet
    await _replace(bot, KEY, 2, date(2026, 11, 24))
    await _replace(bot, OTHER, 2, date(2026, 11, 24))  # never posted: nothing happens
    assert await notes.run() == DeliveryReport(done=1)
    assert _notes(platform, root) == [_v(2, "2026-11-24")]
    assert [type(p.message) for p in platform.in_thread(root)] == [ThreadPrompt, Text]
    assert await notes.run() == DeliveryReport()  # a normal re-run repeats nothing
    await _replace(bot, KEY, 2, date(2026, 11, 24))  # the same version seen again
    assert await notes.run() == DeliveryReport()
    await _replace(bot, KEY, 3, date(2026, 11, 30))
    assert await notes.run() == DeliveryReport(done=1)
    assert _notes(platform, root) == [_v(2, "2026-11-24"), _v(3, "2026-11-30")]
    assert len(_all_notes(platform)) == 2
    rows = await bot.db.conn.execute_fetchall(
        "SELECT version, state, attempts, message_id FROM version_notes ORDER BY version")
    assert [tuple(r) for r in rows] == [
        (2, "done", 1, platform.in_thread(root)[1].message_id),
        (3, "done", 1, platform.in_thread(root)[2].message_id),
    ]


async def test_a_paper_posted_at_v2_is_not_noted_for_v2(bot: Bot, platform: FakePlatform,
                                                       clock: FakeClock) -> None:
    await _seed(bot)
    await _replace(bot, KEY, 2, date(2026, 11, 19))  # v2 before the digest: the card shows it
    root = await _post(bot)
    assert await notes_for(bot).run() == DeliveryReport()
    await _replace(bot, KEY, 3, date(2026, 11, 24))
    assert await notes_for(bot).run() == DeliveryReport(done=1)
    assert _notes(platform, root) == [_v(3, "2026-11-24")]


async def test_one_note_in_each_channel_and_platform(bot: Bot, platform: FakePlatform,
                                                    clock: FakeClock) -> None:
    await _seed(bot)
    bot.service.register_port(FakePort(platform, platform="slack"))
    await bot.topics.add("slack", WORKSPACE, "U_ana", "diffusion", "diffusion", NOW)
    roots = [await _post(bot), await _post(bot, "C2"), await _post(bot, "CS", "slack")]
    assert len(set(roots)) == 3
    await _replace(bot, KEY, 2, date(2026, 11, 24))
    assert await notes_for(bot).run() == DeliveryReport(done=3)
    assert await notes_for(bot).run() == DeliveryReport()
    for root in roots:
        assert _notes(platform, root) == [_v(2, "2026-11-24")]
    slack_note = next(p for p in _all_notes(platform) if p.thread_root == roots[2])
    assert slack_note.channel_id == "CS"


async def test_restart_on_the_same_file_does_not_repeat(path: Path, db: Database,
                                                        bot: Bot, platform: FakePlatform,
                                                        clock: FakeClock) -> None:
    await _seed(bot)
    root = await _post(bot)
    await _replace(bot, KEY, 2, date(2026, 11, 24))
    assert (await notes_for(bot).run()).done == 1
    async with await Database.open(path) as db2:  # a new process on the same file
        bot2 = build_bot(db2, FakePort(platform), FakeClock(NOW))
        assert await notes_for(bot2).run() == DeliveryReport()
        await _replace(bot2, KEY, 3, date(2026, 11, 30))
        assert (await notes_for(bot2).run()).done == 1
    assert _notes(platform, root) == [_v(2, "2026-11-24"), _v(3, "2026-11-30")]


async def test_unregistered_platform_is_skipped_then_noted(bot: Bot, platform: FakePlatform,
                                                          clock: FakeClock,
                                                          caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    await _seed(bot)
    bot.service.register_port(FakePort(platform, platform="slack"))
    await bot.topics.add("slack", WORKSPACE, "U_ana", "diffusion", "diffusion", NOW)
    console_root, slack_root = await _post(bot), await _post(bot, "CS", "slack")
    await _replace(bot, KEY, 2, date(2026, 11, 24))
    del bot.service.ports["slack"]  # e.g. Slack not enabled in this run
    notes = notes_for(bot)
    with caplog.at_level(logging.INFO, "bot.core.delivery.version_notes"):
        assert await notes.run() == DeliveryReport(done=1, skipped=1)
    assert "no slack adapter registered, 1 thread(s) left for later" in caplog.text
    assert _notes(platform, slack_root) == []
    bot.service.register_port(FakePort(platform, platform="slack"))  # live mapping
    assert await notes.run() == DeliveryReport(done=1)
    assert _notes(platform, slack_root) == _notes(platform, console_root) == [
        _v(2, "2026-11-24")]


async def test_thread_waits_for_its_prompt(db: Database, platform: FakePlatform,
                                           clock: FakeClock) -> None:
    """A post stuck before its prompt gets no note (the outbox's crash check would take the
    note for the prompt); once the outbox finishes it, the note follows the prompt."""
    bot = build_bot(db, FakePort(platform, [Fault("prompt", "before", exc=Flaky)]), clock)
    await _seed(bot)
    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    (_, _, root), = await _posts(bot)
    await _replace(bot, KEY, 2, date(2026, 11, 24))
    assert await notes_for(bot).run() == DeliveryReport()
    await bot.service.resume()
    assert await notes_for(bot).run() == DeliveryReport(done=1)
    assert [type(p.message) for p in platform.in_thread(root)] == [ThreadPrompt, Text]


async def test_platform_error_is_retried_next_run(db: Database, platform: FakePlatform,
                                                  clock: FakeClock) -> None:
    bot = build_bot(db, FakePort(platform), clock)
    await _seed(bot)
    root = await _post(bot)
    await _replace(bot, KEY, 2, date(2026, 11, 24))
    bot.service.register_port(FakePort(platform, [Fault("prompt", "before", exc=Flaky)]))
    notes = notes_for(bot)
    assert await notes.run() == DeliveryReport(failed=1)
    assert await notes.run() == DeliveryReport(done=1)
    assert _notes(platform, root) == [_v(2, "2026-11-24")]


class HeldCards(FakePort):
    """A platform that holds every card post until ``release`` is set (a slow digest)."""

    def __init__(self, state: FakePlatform, release: asyncio.Event) -> None:
        super().__init__(state)
        self.release = release
        self.holding = asyncio.Event()

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        if isinstance(message, PaperCard):
            self.holding.set()
            await self.release.wait()
        return await super().post(channel_id, message, thread)


async def test_a_note_waits_for_the_card_being_posted_in_its_channel(
    bot: Bot, platform: FakePlatform
) -> None:
    """Headers, cards and notes share one lock per channel: a note never lands between a
    card and its thread's prompt."""
    await _seed(bot)
    root = await _post(bot)
    await _replace(bot, KEY, 2, date(2026, 11, 24))
    await bot.papers.upsert_papers([paper("2611.00003", "Diffusion again", affiliations=[GDM])])
    release = asyncio.Event()
    slow = HeldCards(platform, release)
    bot.service.register_port(slow)
    digest = asyncio.create_task(bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL))
    await slow.holding.wait()
    notes = asyncio.create_task(notes_for(bot).run())
    finished, _ = await asyncio.wait({notes}, timeout=1.0)
    assert not finished and _notes(platform, root) == []  # waiting for the channel's lock
    release.set()
    assert (await digest).ok and await notes == DeliveryReport(done=1)
    assert [type(p.message) for p in platform.messages[-3:]] == [PaperCard, ThreadPrompt, Text]
    assert _notes(platform, root) == [_v(2, "2026-11-24")]


async def test_overlapping_runs_post_a_note_once(bot: Bot, platform: FakePlatform) -> None:
    """A catch-up fetch and the nightly one may run notes at once: each note is re-read under
    its channel's lock, so the second run finds it posted."""
    await _seed(bot)
    root = await _post(bot)
    await _replace(bot, KEY, 2, date(2026, 11, 24))
    await asyncio.gather(notes_for(bot).run(), notes_for(bot).run())
    assert _notes(platform, root) == [_v(2, "2026-11-24")]


@pytest.mark.parametrize("when, expected", [("before", 1), ("after", 2)])
async def test_crash_around_the_post(path: Path, db: Database, platform: FakePlatform,
                                     clock: FakeClock, when: str, expected: int) -> None:
    """Crash before the post: posted once after restart. Crash after it reached the platform
    but before it was recorded: posted again (the documented at-least-once window)."""
    bot = build_bot(db, FakePort(platform), clock)
    await _seed(bot)
    root = await _post(bot)
    await _replace(bot, KEY, 2, date(2026, 11, 24))
    bot.service.register_port(FakePort(platform, [Fault("prompt", when)]))
    with pytest.raises(Crash):
        await notes_for(bot).run()
    async with await Database.open(path) as db2:
        bot2 = build_bot(db2, FakePort(platform), FakeClock(NOW))
        assert await notes_for(bot2).run() == DeliveryReport(done=1)
        assert await notes_for(bot2).run() == DeliveryReport()
    assert _notes(platform, root) == [_v(2, "2026-11-24")] * expected


def test_note_text_without_date_or_link() -> None:
    assert note_text(None, 4, None) == (
        "A new version (v4) of this paper is out — worth a look at what changed.")
    assert note_text("hep-th/9901001", 2, date(2026, 1, 5)) == (
        "A new version (v2) of this paper was announced on 2026-01-05: "
        "https://arxiv.org/abs/hep-th/9901001v2 — worth a look at what changed.")


# --- the scheduler's fetch job ----------------------------------------------------------------


@dataclass
class ReplaceFeed:
    """The nightly listing, carrying one ``replace`` item; ``fail`` makes the fetch error."""

    version: int
    fail: bool = False

    async def fetch(self, day: date | None = None, last_seen: object = None) -> FeedOutcome:
        if self.fail:
            raise OSError("arxiv.org unreachable")
        assert day is not None
        item = paper(KEY, _title(KEY), announce_type=AnnounceType.REPLACE,
                     version=self.version, announced=day, affiliations=[GDM])
        page = ParsedPage(SourceFormat.ARXIV_RSS, (item,), announced=day)
        return FeedOutcome(FeedKind.ANNOUNCED, day, page, "1 paper announced")


async def test_fetch_job_posts_notes_after_a_good_fetch_only(bot: Bot, platform: FakePlatform,
                                                             clock: FakeClock) -> None:
    await _seed(bot)
    root = await _post(bot)
    sched = Scheduler(bot.service, bot.pipeline, clock=clock,
                      version_notes=notes_for(bot))
    sched.aps.start(paused=True)
    try:
        bot.pipeline.fetcher = ReplaceFeed(2, fail=True)
        await sched._fetch_job(date(2026, 11, 24))
        assert _notes(platform, root) == []
        sched.aps.remove_all_jobs()
        bot.pipeline.fetcher = ReplaceFeed(2)
        await sched._fetch_job(date(2026, 11, 24))
        await sched._fetch_job(date(2026, 11, 24))  # fetched again: no second note
        assert _notes(platform, root) == [_v(2, "2026-11-24")]
    finally:
        sched.shutdown()


async def test_build_digest_side_wires_version_notes(db: Database, tmp_path: Path) -> None:
    from bot.app import build_digest_side
    from bot.config import load_config

    config = load_config(env={}, cwd=tmp_path)
    service, _pipeline, sched = build_digest_side(config, Stores.on(db), fetcher=object())  # type: ignore[arg-type]
    assert sched.version_notes is not None
    assert sched.version_notes.delivery is service.delivery  # the service's ports and locks


# --- the migration ----------------------------------------------------------------------------


async def test_migration_004_on_an_existing_v3_database(tmp_path: Path) -> None:
    """Posts of a v3 database take their paper's current version: no note for what the
    thread may already have seen, one for the next version."""
    path = tmp_path / "v3.db"
    async with await Database.open(path, migrate=False) as db:
        assert await db.upgrade(discover()[:3]) == [1, 2, 3]
        async with db.transaction() as conn:
            # The rows as v3 held them: today's columns, less those later migrations added.
            columns = [c for c in PAPER_COLUMNS if c != "title_key"]
            for p in (paper(KEY, _title(KEY), version=2), paper(OTHER, _title(OTHER))):
                row = dict(zip(PAPER_COLUMNS, paper_row(new_record(p)), strict=True))
                await conn.execute(
                    f"INSERT INTO papers ({', '.join(columns)}, first_seen, last_changed)"
                    f" VALUES ({', '.join('?' * len(columns))}, 'now', 'now')",
                    [row[c] for c in columns])
            for i, key in enumerate((KEY, OTHER)):
                await conn.execute(
                    "INSERT INTO posts (platform, channel_id, paper_key, marker, state,"
                    " thread_root_id, card, prompt, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, 'done', ?, '{}', '{}', 'now', 'now')",
                    (PLATFORM, CHANNEL, key, f"sw:{key}", f"root{i}"))
    platform = FakePlatform()
    platform.threads.update({"root0", "root1"})
    async with await Database.open(path, migrate=False) as db:
        assert (await db.upgrade())[0] == 4
        assert await db.schema_version() == LATEST_SCHEMA_VERSION
        rows = await db.conn.execute_fetchall(
            "SELECT paper_key, noted_version FROM posts ORDER BY id")
        assert [tuple(r) for r in rows] == [(KEY, 2), (OTHER, 1)]
        assert await db.upgrade() == []
        bot = build_bot(db, FakePort(platform), FakeClock(NOW))
        notes = notes_for(bot)
        assert await notes.run() == DeliveryReport()
        await _replace(bot, KEY, 3, date(2026, 11, 30))
        assert await notes.run() == DeliveryReport(done=1)
    assert _notes(platform, "root0") == [_v(3, "2026-11-30")]
    assert _notes(platform, "root1") == []
