"""Console post numbers go on across sessions of one database: a lab that runs the console day
after day answers yesterday's cards by their numbers, a reminder in an old thread names its
card, no number is ever shown twice, and a database from before numbers went on keeps working
(its kept posts get numbers above every number its sessions printed)."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.console.chat import ConsolePort, ConsoleSession
from bot.app import build_core
from bot.config import build_config
from bot.core.scheduler import Scheduler
from bot.platforms import PostLog
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.store.db import Database
from bot.store.local_posts import LocalPostStore
from bot.store.migrations import discover
from bot.store.notes import NoteStore
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.adapters.console_typing import cards, typed
from tests.bot.core.fakes_digest import FakeClock
from tests.fixture_files import LISTING, fixture_path

if TYPE_CHECKING:
    from adapters.console.chat import NumberedPostLog

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
NUMBERED = re.compile(r"^#(\d+) ", flags=re.MULTILINE)
ANSWERABLE = re.compile(r"^#(\d+) (?:Digest for |\[thread |.+\n  https://arxiv\.org/abs/)",
                        flags=re.MULTILINE)


@dataclass
class Console:
    """One ``scoopwatch run`` on the database: its own session, core and terminal."""

    session: ConsoleSession
    out: io.StringIO
    scheduler: Scheduler
    db: Database

    async def lines(self, *lines: str) -> str:
        """Type ``lines``; what the console printed meanwhile."""
        return await typed(self.session, self.out, *lines)


@asynccontextmanager
async def console(path: Path, clock: FakeClock, name: str,
                  log: type[NumberedPostLog] = LocalPostStore) -> AsyncIterator[Console]:
    """A session named ``name``; leaving it closes the database, as quitting does."""
    async with await Database.open(path) as db:
        config = build_config({"digest": {"mode": "all-papers", "max_papers": 3}}, env={})
        stores = Stores.on(db)
        core, scheduler = build_core(config, stores, clock=clock)
        out = io.StringIO()
        port = ConsolePort(out, session=name, local_posts=log(db), clock=clock)
        core.register_port(port)
        yield Console(ConsoleSession(core, port, clock=clock), out, scheduler, db)


async def with_listing(path: Path) -> None:
    async with await Database.open(path) as db:
        await PaperStore(db).upsert_papers(
            parse_arxiv_rss(fixture_path(LISTING).read_bytes()).papers)


async def printed(session: ConsoleSession, out: io.StringIO, line: str) -> str:
    start = len(out.getvalue())
    await session.handle_line(line)
    return out.getvalue()[start:]


def titles(printed: str) -> list[str]:
    return re.findall(r"^#\d+ (.+)\n  https://arxiv\.org/abs/", printed, flags=re.MULTILINE)


async def test_a_new_session_answers_the_first_sessions_card_by_its_number(
        tmp_path: Path) -> None:
    path, clock = tmp_path / "bot.db", FakeClock(NOW)
    await with_listing(path)
    async with console(path, clock, "day1") as first:
        await first.lines("@ana /scoop topic add eeg EEG")
        digest = await first.lines("/scoop digest now")
        card = cards(digest)[0]
        [answer] = re.findall(r"^#(\d+) Digest posted", digest, flags=re.MULTILINE)
        await first.lines("quit")
    async with console(path, clock, "day2") as second:
        # A command's answer is not kept: it has a number no other post takes, and says so.
        unkept = await second.lines(f"reply {answer} hello")
        assert f"#{answer} was shown in an earlier session and is not kept" in unkept
        printed = await second.lines(f"@ana reply {card} Ours decodes from 4 channels.")
        assert re.search(rf"^#\d+ \[thread #{card}\] @ana: Ours decodes from 4 channels\.$",
                         printed, flags=re.MULTILINE), printed
        assert "✓ note stored" in printed and "!" not in printed
        notes = await NoteStore(second.db).for_export()
        assert [(n.author_name, n.text) for n in notes] == [
            ("ana", "Ours decodes from 4 channels.")]


async def test_a_reminder_in_an_old_thread_names_its_card_and_react_hand_closes_it(
        tmp_path: Path) -> None:
    path, clock = tmp_path / "bot.db", FakeClock(NOW)
    await with_listing(path)
    async with console(path, clock, "day1") as first:
        await first.lines("@ana /scoop topic add eeg EEG")
        quiet, other, *_ = cards(await first.lines("/scoop digest now"))
    clock.advance(days=3)
    async with console(path, clock, "day4") as later:
        assert later.scheduler.reminders is not None
        start = len(later.out.getvalue())
        await later.scheduler.reminders()
        reminded = later.out.getvalue()[start:]
        assert re.search(rf"^#\d+ \[thread #{quiet}\] @ana A gentle reminder", reminded,
                         flags=re.MULTILINE), reminded
        assert (f"Not a concern? react {quiet} hand (✋ on the card), or reply {quiet} "
                "/scoop snooze.") in reminded
        assert "earlier session" not in reminded
        closed = await later.lines(f"@ana react {quiet} hand")
        assert f"✋ on #{quiet} (thread closed: not a concern)" in closed, closed
        taken = await later.lines(f"@ana unreact {quiet} hand")
        assert f"✋ taken off #{quiet}" in taken, taken
        header = await later.lines("/scoop digest now")
        listed = re.findall(r"^  (\S+) .+ \(posted 2024-11-28\)$", header, flags=re.MULTILINE)
        assert f"#{quiet}" not in listed and f"#{other}" in listed, header
        assert "[earlier session]" not in header


async def test_numbers_never_repeat_across_three_sessions(tmp_path: Path) -> None:
    path, clock = tmp_path / "bot.db", FakeClock(NOW)
    await with_listing(path)
    seen: list[list[int]] = []
    for day, name in enumerate(("ana", "ben", "cy")):
        async with console(path, clock, f"day{day}") as session:
            printed = await session.lines(
                f"@{name} /scoop topic add eeg-{name} EEG", "/scoop digest now")
            first = cards(printed)[0]
            printed += await session.lines(f"@{name} reply {first} Ours is offline.",
                                           "/scoop status")
            seen.append([int(n) for n in NUMBERED.findall(printed)])
        clock.advance(days=1)
    everything = [n for numbers in seen for n in numbers]
    assert len(everything) == len(set(everything)), seen
    for earlier, later in itertools.pairwise(seen):
        assert min(later) > max(earlier), seen
    assert seen[0][0] == 1


class EarlierConsoleLog:
    """``local_posts`` as the console wrote it before numbers went on: rows with no number,
    and numbers that start at #1 in every session."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.kept: PostLog = LocalPostStore(db)

    async def record(self, platform: str, channel_id: str, message_id: str, *,
                     thread_root_id: str | None, marker: str | None, now: datetime,
                     number: int | None = None) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO local_posts (platform, channel_id, message_id, thread_root_id,"
                " marker, posted_at) VALUES (?, ?, ?, ?, ?, ?)",
                (platform, channel_id, message_id, thread_root_id, marker, now.isoformat()))

    async def by_marker(self, platform: str, channel_id: str, marker: str) -> str | None:
        return await self.kept.by_marker(platform, channel_id, marker)

    async def first_reply(self, platform: str, channel_id: str, thread_root_id: str
                          ) -> str | None:
        return await self.kept.first_reply(platform, channel_id, thread_root_id)

    async def in_thread_by_marker(self, platform: str, channel_id: str, thread_root_id: str,
                                  marker: str) -> str | None:
        return await self.kept.in_thread_by_marker(platform, channel_id, thread_root_id,
                                                   marker)

    async def keep_number(self, platform: str, channel_id: str, number: int) -> None:
        return None

    async def last_number(self, platform: str, channel_id: str) -> int:
        return 0

    async def by_number(self, platform: str, channel_id: str, number: int
                        ) -> tuple[str, str | None] | None:
        return None

    async def numbers(self, platform: str, channel_id: str, message_ids: object
                      ) -> dict[str, int]:
        return {}


async def test_a_database_from_before_numbers_went_on_still_works(tmp_path: Path) -> None:
    """Two sessions of the earlier console (each from #1) on a database at migration 014;
    then the upgrade: the old cards are found by marker (nothing posted twice), the open
    threads get numbers above every old one, and a reply by that number is stored."""
    path, clock = tmp_path / "bot.db", FakeClock(NOW)
    async with await Database.open(path, migrate=False) as db:
        await db.upgrade([m for m in discover() if m.number <= 14])
        await PaperStore(db).upsert_papers(
            parse_arxiv_rss(fixture_path(LISTING).read_bytes()).papers)
    old_numbers: list[int] = []  # of the posts one could answer: kept posts, notes
    old_titles: set[str] = set()
    for name, member in (("old1", "ana"), ("old2", "ben")):
        async with await Database.open(path, migrate=False) as db:
            config = build_config({"digest": {"mode": "all-papers", "max_papers": 3}}, env={})
            core, _ = build_core(config, Stores.on(db), clock=clock)
            out = io.StringIO()
            port = ConsolePort(out, session=name, local_posts=EarlierConsoleLog(db),
                               clock=clock)
            core.register_port(port)
            session = ConsoleSession(core, port, clock=clock)
            await session.handle_line(f"@{member} /scoop topic add eeg-{member} EEG")
            digest = await printed(session, out, "/scoop digest now")
            card = cards(digest)[0]
            await session.handle_line(f"@{member} reply {card} Ours is older ({member}).")
            old_numbers += [int(n) for n in ANSWERABLE.findall(out.getvalue())]
            old_titles |= set(titles(digest))
            assert (await db.schema_version()) == 14
    assert old_numbers.count(2) == 2  # both old sessions' headers were #2
    async with console(path, clock, "new") as new:
        assert await new.db.schema_version() == max(m.number for m in discover())
        header = await new.lines("/scoop digest now")
        assert "Digest for" in header and old_titles
        assert not old_titles & set(titles(header))  # no old card posted again
        listed = [int(n) for n in re.findall(r"^  #(\d+) .+ \(posted 2024-11-28\)$", header,
                                             flags=re.MULTILINE)]
        assert listed and min(listed) > max(old_numbers), header
        assert "[earlier session]" not in header
        reply = await new.lines(f"@ana reply {listed[0]} Ours is 4-channel.")
        assert f"[thread #{listed[0]}] @ana: Ours is 4-channel." in reply
        assert "✓ note stored" in reply, reply
        kept = await NoteStore(new.db).for_export()
        assert sorted(n.text for n in kept) == ["Ours is 4-channel.", "Ours is older (ana).",
                                                "Ours is older (ben)."]
        rows = await new.db.conn.execute_fetchall(
            "SELECT number FROM local_posts WHERE message_id LIKE 'old%'")
        upgraded = [int(r["number"]) for r in rows]
        assert len(set(upgraded)) == len(upgraded) and min(upgraded) > max(old_numbers)
        fresh = [int(n) for n in NUMBERED.findall(new.out.getvalue())]
        assert min(fresh) > max(upgraded) and len(set(fresh)) == len(fresh)
