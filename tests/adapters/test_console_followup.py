"""Follow-through on the console: the one reminder in a quiet paper thread (once, across a
crash and a restart: the console finds it again in ``local_posts``), ``reply N /scoop snooze``
(a command run in a thread), ``react N hand`` on a card, and the digest header naming the
threads still open by their post numbers."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.console.chat import CHANNEL, ConsolePort, ConsoleSession
from adapters.plain import render
from bot.app import build_core
from bot.config import build_config
from bot.core.scheduler import Scheduler
from bot.messages import DigestHeader, ThreadLink, ThreadReminder
from bot.ports import ChatPort
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.adapters.console_typing import cards, typed
from tests.adapters.reminder_crash import remind_across_a_crash
from tests.bot.core.fakes_digest import FakeClock
from tests.fixture_files import LISTING, fixture_path

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)


@dataclass
class Lab:
    session: ConsoleSession
    out: io.StringIO
    scheduler: Scheduler
    clock: FakeClock

    async def lines(self, *lines: str) -> str:
        """Type ``lines``; what the console printed meanwhile."""
        return await typed(self.session, self.out, *lines)


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[Lab]:
    async with await Database.open(tmp_path / "bot.db") as db:
        await PaperStore(db).upsert_papers(
            parse_arxiv_rss(fixture_path(LISTING).read_bytes()).papers)
        clock = FakeClock(NOW)
        config = build_config({"digest": {"mode": "all-papers", "max_papers": 4}}, env={})
        stores = Stores.on(db)
        core, scheduler = build_core(config, stores, clock=clock)
        out = io.StringIO()
        port = ConsolePort(out, session="s1", local_posts=stores.local_posts, clock=clock)
        core.register_port(port)
        yield Lab(ConsoleSession(core, port, clock=clock), out, scheduler, clock)


async def test_reminder_snooze_hand_and_open_threads_on_the_console(lab: Lab) -> None:
    await lab.lines("@ana /scoop topic add eeg EEG", "@ben /scoop topic add eeg-too EEG")
    digest = await lab.lines("/scoop digest now")
    numbers = cards(digest)
    assert len(numbers) == 4
    noted, snoozed, handed, quiet = numbers

    printed = await lab.lines(
        f"@ben reply {noted} Ours decodes from 4 channels.",
        f"@ben reply {snoozed + 1} /scoop snooze",  # from the prompt: the same thread
        f"@ana react {handed} \u270b\U0001f3fd",  # ✋ typed as the character, a skin tone
        "/scoop snooze",
    )
    assert f"✋ on #{handed} (thread closed: not a concern)" in printed
    assert "✓ note stored" in printed
    assert "Closed as not a concern" in printed
    assert "(not a note" not in printed  # the command was not taken for a reply
    assert "react ✋ on the paper's card" in printed  # typed outside a thread

    lab.clock.advance(days=3)
    assert lab.scheduler.reminders is not None
    start = len(lab.out.getvalue())
    await lab.scheduler.reminders()
    await lab.scheduler.reminders()
    reminded = lab.out.getvalue()[start:]
    [line] = [x for x in reminded.splitlines() if "gentle reminder" in x]
    assert re.match(rf"#\d+ \[thread #{quiet}\] @ana @ben A gentle reminder: this paper has "
                    r"waited 3 days", line), line
    assert (f"Not a concern? react {quiet} hand (✋ on the card), or reply {quiet} "
            "/scoop snooze.") in reminded

    header = await lab.lines("/scoop digest now")
    assert "1 paper thread is still open from the last 14 days (no note yet):" in header
    listed = re.findall(r"^  #(\d+) .+ \(posted 2024-11-28\)$", header, flags=re.MULTILINE)
    assert listed == [str(quiet)]


@pytest.mark.parametrize("when", ["before", "after"])
async def test_one_reminder_across_a_crash_and_a_restart(tmp_path: Path, when: str) -> None:
    out = io.StringIO()

    async def new_port(db: Database) -> ChatPort:  # a new session on the same database
        return ConsolePort(out, local_posts=Stores.on(db).local_posts, clock=lambda: NOW)

    await remind_across_a_crash(tmp_path / "bot.db", CHANNEL, when, new_port)
    assert out.getvalue().count("gentle reminder") == 1


def test_a_header_names_open_threads_by_post_number_and_counts_the_rest() -> None:
    port = ConsolePort(io.StringIO(), session="s1")
    links = tuple(ThreadLink("console", CHANNEL, f"{session}.{n}", f"Paper {n}",
                             date(2024, 11, 20)) for session, n in (("s1", 4), ("old", 9)))
    header = DigestHeader(date(2024, 11, 28), date(2024, 11, 28), 900, 0, 0,
                          quiet_reason="no new paper matched", open_threads=links,
                          open_total=12)
    text = render(header, where=port.where)
    assert "  #4 Paper 4 (posted 2024-11-20)" in text
    assert "  [earlier session] Paper 9 (posted 2024-11-20)" in text
    assert text.endswith("  … and 10 more: /scoop status lists them")
    reminder = render(ThreadReminder(("ana", "ana", "ben"), 1), lambda m: m)
    assert reminder.startswith("@ana @ben A gentle reminder: this paper has waited a day")


README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> tuple[list[str], list[str]]:
    """The input and the shown output of the README's follow-through example."""
    section = README.read_text(encoding="utf-8").split("## Following through", 1)[1]
    blocks = re.findall(r"```text\n(.*?)```", section.split("\n## ", 1)[0], flags=re.DOTALL)
    typed, shown = blocks[0].splitlines(), blocks[1].splitlines()
    return typed, [line for line in shown if not line.startswith("(")]


async def test_the_readme_example_is_what_the_console_prints(tmp_path: Path) -> None:
    typed, shown = readme_example()
    async with await Database.open(tmp_path / "bot.db") as db:
        await PaperStore(db).upsert_papers(
            parse_arxiv_rss(fixture_path(LISTING).read_bytes()).papers)
        clock = FakeClock(NOW)
        config = build_config({"digest": {"mode": "all-papers", "max_papers": 3}}, env={})
        stores = Stores.on(db)
        core, scheduler = build_core(config, stores, clock=clock)
        out = io.StringIO()
        port = ConsolePort(out, session="s1", local_posts=stores.local_posts, clock=clock)
        core.register_port(port)
        session = ConsoleSession(core, port, clock=clock)
        for line in typed:
            await session.handle_line(line)
        clock.advance(days=3)
        assert scheduler.reminders is not None
        await scheduler.reminders()
        await session.handle_line("/scoop digest now")
    printed = out.getvalue()
    position = 0
    for line in shown:
        found = printed.find(line + "\n", position)
        assert found >= 0, f"README line not printed (in order): {line!r}"
        position = found + len(line)


async def test_an_undecodable_byte_typed_in_a_reply_is_kept_as_a_note(lab: Lab) -> None:
    """A terminal hands Python an undecodable byte as a lone surrogate (``surrogateescape``):
    the note is kept with U+FFFD in its place, and the member sees no exception."""
    await lab.lines("@ana /scoop topic add eeg EEG")
    first = cards(await lab.lines("/scoop digest now"))[0]
    printed = await lab.lines(f"@ana reply {first} Ours \udcff decodes from 4 channels.")
    assert "✓ note stored" in printed and "Error" not in printed
    notes = await lab.lines("/scoop notes")
    assert "Ours \ufffd decodes from 4 channels." in notes
