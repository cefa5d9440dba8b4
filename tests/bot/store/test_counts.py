"""``CountStore``: the four numbers of ``/scoop status``, scoped to one workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from store_factories import make_paper

from bot.store.counts import CountStore, WorkspaceCounts
from bot.store.db import Database
from bot.store.notes import NoteDraft, NoteStore
from bot.store.papers import PaperStore
from bot.store.posts import NewPost, PostStore
from bot.store.topics import TopicStore

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _note(workspace: str, message_id: str) -> NoteDraft:
    return NoteDraft("slack", workspace, "C1", "100.1", message_id, "2411.00001", "Title", None,
                     ("eeg",), "U1", "ana", "Ours is offline.", NOW)


async def test_counts_are_per_workspace_and_skip_paused_and_deleted(db: Database) -> None:
    await PaperStore(db).upsert_papers([make_paper("2411.00001"), make_paper("2411.00002")])
    topics = TopicStore(db)
    await topics.add("slack", "T1", "U1", "eeg", "EEG", NOW)
    await topics.add("slack", "T1", "U1", "paused", "MEG", NOW)
    await topics.set_paused("slack", "T1", "U1", "paused", True, NOW)
    await topics.add("slack", "T2", "U1", "eeg", "EEG", NOW)
    await topics.add("discord", "T1", "U1", "eeg", "EEG", NOW)
    notes = NoteStore(db)
    await notes.add(_note("T1", "100.2"))
    gone, _ = await notes.add(_note("T1", "100.3"))
    await notes.mark_deleted(gone.id, NOW)
    await notes.add(_note("T2", "100.4"))
    post = NewPost("2411.00001", "sw:2411.00001", ("eeg",), ("U1",), "{}", "{}")
    async with db.transaction() as conn:
        await PostStore(db).insert_intents(conn, "slack", "T1", "C1", [post], NOW)
    counts = CountStore(db)
    assert await counts.for_workspace("slack", "T1") == WorkspaceCounts(2, 1, 1, 1)
    assert await counts.for_workspace("slack", "T2") == WorkspaceCounts(2, 1, 1, 0)
    assert await counts.for_workspace("discord", "G9") == WorkspaceCounts(2, 0, 0, 0)


async def test_missing_tables_count_as_empty(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "bare.db", migrate=False) as bare:
        assert await CountStore(bare).for_workspace("slack", "T1") == WorkspaceCounts(0, 0, 0, 0)
