"""The inbox worker: replies kept before they are acknowledged become notes exactly once,
through crashes, failures and a store that cannot take them.

A "crash" is the process dying (a ``BaseException`` nothing in the bot catches); the restart
builds a new core, a new worker, on the same database file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes_digest import Crash, FakeClock
from test_core_support import NOW, FakePost, FakeThreads, RecordingPort, paper, reply

from bot.core.facade import Core
from bot.core.notes.inbox import NotKept, from_json, to_json
from bot.core.notes.service import NotesService
from bot.messages import Text
from bot.ports import Actor, PostRef, Reaction, ThreadRef, ThreadReplyDeleted
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.papers import PaperStore
from bot.store.stores import Stores

PAPER = paper("2411.17700", "Planning with diffusion", "abstract")
ACK = (PostRef("slack", "C1", "m1"), "white_check_mark")


async def _core(path: Path, clock: FakeClock, port: RecordingPort | None = None
                ) -> tuple[Database, Core, RecordingPort]:
    db = await Database.open(path)
    await PaperStore(db).upsert_papers([PAPER])
    threads = FakeThreads()
    threads.add(FakePost("2411.17700", ("diffusion-planning",)))
    core = Core(Stores.on(db), threads=threads, clock=clock)
    port = port or RecordingPort()
    core.register_port(port)
    return db, core, port


async def _notes(db: Database) -> list[str]:
    return [n.text for n in await NoteStore(db).recent("slack", "T1", limit=50)]


def test_events_round_trip_through_the_inbox_row() -> None:
    events = [
        reply("We plan in latent space <!channel> \u202e", event_id="Ev1", edited=True),
        ThreadReplyDeleted("slack", "T1", None, "m1", NOW),
        ThreadReplyDeleted("slack", "T1", ThreadRef("slack", "C1", "card"), "m1", NOW),
        Reaction("slack", "T1", PostRef("slack", "C1", "card"), Actor("U2", "bo"), "+1", NOW),
    ]
    for kind, event in zip(("reply", "deleted", "deleted", "reaction"), events, strict=True):
        assert from_json(kind, to_json(event)) == event


async def test_a_reply_kept_before_a_crash_becomes_a_note_at_the_next_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(NOW)
    db, core, _port = await _core(tmp_path / "bot.db", clock)
    with monkeypatch.context() as patch:  # the process dies right after the insert
        patch.setattr(core.inbox, "kick", lambda: None)
        assert await core.receive(reply("We use a learned world model.", event_id="Ev1"))
    await db.close()
    db, core, port = await _core(tmp_path / "bot.db", clock)
    await core.start()
    await core.inbox.idle()
    assert await _notes(db) == ["We use a learned world model."]
    assert port.reactions == [ACK]
    assert await core.stores.inbox.pending_count() == 0
    await core.stop()
    await db.close()


async def test_a_reply_held_by_a_killed_worker_is_taken_over_when_its_lease_runs_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(NOW)
    db, core, _port = await _core(tmp_path / "bot.db", clock)

    async def die(self: NotesService, event: Any) -> bool:
        raise Crash("killed while storing the note")

    with monkeypatch.context() as patch:
        patch.setattr(NotesService, "handle_thread_reply", die)
        assert await core.receive(reply("We use a learned world model.", event_id="Ev1"))
        with pytest.raises(Crash):
            await core.inbox.idle()
    await db.close()
    db, core, port = await _core(tmp_path / "bot.db", clock)
    await core.start()
    await core.inbox.idle()
    assert await _notes(db) == []  # the dead worker's lease still holds
    clock.advance(seconds=core.stores.inbox.lease.total_seconds() + 1)
    core.inbox.kick()  # what the poll does every few seconds
    await core.inbox.idle()
    assert await _notes(db) == ["We use a learned world model."]
    assert port.reactions == [ACK]
    await core.stop()
    await db.close()


async def test_a_failing_row_is_retried_until_done(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(NOW)
    db, core, port = await _core(tmp_path / "bot.db", clock)
    failures = {"left": 2}
    original = NotesService.handle_thread_reply

    async def flaky(self: NotesService, event: Any) -> bool:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("the platform did not answer")
        return await original(self, event)

    monkeypatch.setattr(NotesService, "handle_thread_reply", flaky)
    assert await core.receive(reply("We use a learned world model.", event_id="Ev1"))
    await core.inbox.idle()
    waits = []
    while await core.stores.inbox.pending_count():
        due = await core.stores.inbox.next_due()
        assert due is not None and due > clock.now  # put back for later, not lost
        waits.append(due - clock.now)
        clock.now = due
        core.inbox.kick()
        await core.inbox.idle()
    assert waits == [timedelta(seconds=1), timedelta(seconds=2)]  # a growing delay
    assert await _notes(db) == ["We use a learned world model."]
    assert port.reactions == [ACK]
    await db.close()


async def test_a_redelivery_and_two_workers_make_one_note(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    path = tmp_path / "bot.db"
    db_a, core_a, port_a = await _core(path, clock)
    db_b, core_b, _ = await _core(path, clock, port_a)
    event = reply("We use a learned world model.", event_id="Ev1")
    assert await core_a.receive(event)
    assert await core_b.receive(event)  # the same delivery, through the other process
    await core_a.inbox.idle()
    await core_b.inbox.idle()
    assert await _notes(db_a) == ["We use a learned world model."]
    assert port_a.reactions == [ACK]
    await db_a.close()
    await db_b.close()


async def test_a_reply_that_cannot_be_kept_is_answered_in_its_thread(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    db, core, port = await _core(path, FakeClock(NOW))
    core.inbox.patience = 0.0
    await db.conn.execute("PRAGMA query_only = ON")  # the store refuses every write
    text = "Ours needs no <!channel> maps " + "x" * 200
    assert not await core.receive(reply(text, event_id="Ev1"))
    [asked] = port.posts
    assert isinstance(asked, Text)
    assert asked.body.startswith('Your reply "Ours needs no <!channel> maps')
    assert asked.body.endswith("was not saved: the bot could not store it just now. "
                               "Please send it again.")
    assert len(asked.body) < 200
    assert not asked.mentions  # user text is quoted as text, never as a mention
    assert not await core.receive(reply("better", event_id="Ev2", edited=True))
    assert port.posts[-1].body.endswith("Please make the edit again.")  # type: ignore[union-attr]
    with pytest.raises(NotKept, match="Please send it again"):  # the console says it itself
        await core.handle_thread_reply(reply("again", event_id="Ev3"))
    await db.conn.execute("PRAGMA query_only = OFF")
    assert await _notes(db) == []
    await db.close()
