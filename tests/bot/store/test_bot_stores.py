"""Members, topics, notes, processed events and feedback (migration 002)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store.db import Database
from bot.store.events import EventLog, FeedbackStore
from bot.store.members import MemberStore
from bot.store.notes import NoteDraft, NoteStore
from bot.store.topics import TopicExistsError, TopicStore

T0 = datetime(2024, 11, 28, 9, 0, tzinfo=UTC)


def draft(message_id: str = "m1", **kw: object) -> NoteDraft:
    fields: dict[str, object] = dict(
        platform="slack", workspace="T1", channel_id="C1", root_message_id="r1",
        message_id=message_id, paper_key="2411.17700", paper_title="A paper",
        paper_url="https://arxiv.org/abs/2411.17700", topics=("diffusion",),
        author_id="U1", author_name="ana", text="We plan in latent space.", at=T0,
    )
    fields.update(kw)
    return NoteDraft(**fields)  # type: ignore[arg-type]


async def test_members_upsert_refreshes_name_and_finds_by_name_or_id(db: Database) -> None:
    members = MemberStore(db)
    await members.upsert("slack", "T1", "U1", "Ana", T0)
    await members.upsert("slack", "T1", "U1", "Ana García", T0)
    await members.upsert("slack", "T1", "U2", "bo", T0)
    assert (await members.get("slack", "T1", "U1")).display_name == "Ana García"
    assert [m.member_id for m in await members.find("slack", "T1", "ana garcía")] == ["U1"]
    assert [m.member_id for m in await members.find("slack", "T1", "U2")] == ["U2"]
    assert await members.find("slack", "T2", "bo") == []
    assert await members.names("slack", "T1", ["U2", "U9"]) == {"U2": "bo"}


async def test_topics_crud_and_uniqueness_per_member(db: Database) -> None:
    topics = TopicStore(db)
    await MemberStore(db).upsert("slack", "T1", "U1", "ana", T0)
    t = await topics.add("slack", "T1", "U1", "diffusion", "diffusion model*", T0)
    assert (t.name, t.member_name, t.paused) == ("diffusion", "ana", False)
    with pytest.raises(TopicExistsError):
        await topics.add("slack", "T1", "U1", "diffusion", "other", T0)
    # Same name for another member, and in another workspace, is fine.
    await topics.add("slack", "T1", "U2", "diffusion", "x", T0)
    await topics.add("slack", "T2", "U1", "diffusion", "y", T0)
    assert len(await topics.find_by_name("slack", "T1", "diffusion")) == 2
    updated = await topics.update_query("slack", "T1", "U1", "diffusion", "GAN", T0)
    assert updated is not None and updated.query == "GAN"
    assert await topics.update_query("slack", "T1", "U1", "nope", "GAN", T0) is None
    paused = await topics.set_paused("slack", "T1", "U1", "diffusion", True, T0)
    assert paused is not None and paused.paused
    assert [r.member_id for r in await topics.active_topics("slack", "T1")] == ["U2"]
    assert len(await topics.all_active()) == 2
    assert await topics.remove("slack", "T1", "U1", "diffusion")
    assert not await topics.remove("slack", "T1", "U1", "diffusion")
    assert [r.member_id for r in await topics.list_for_workspace("slack", "T1")] == ["U2"]


async def test_note_stored_once_per_message(db: Database) -> None:
    notes = NoteStore(db)
    first, created = await notes.add(draft())
    again, created_again = await notes.add(draft(text="changed?"))
    assert created and not created_again
    assert again.id == first.id and again.text == "We plan in latent space."
    assert first.topics == ("diffusion",) and first.created_at == T0


async def test_note_edit_keeps_history_and_delete_hides(db: Database) -> None:
    notes = NoteStore(db)
    note, _ = await notes.add(draft())
    later = T0 + timedelta(minutes=5)
    assert await notes.edit(note.id, "We plan with a world model.", later)
    assert not await notes.edit(note.id, "We plan with a world model.", later)  # unchanged
    current = await notes.get_by_message("slack", "C1", "m1")
    assert current is not None and current.text == "We plan with a world model."
    assert current.updated_at == later and current.created_at == T0
    assert await notes.history(note.id) == [("We plan in latent space.", T0)]
    assert await notes.mark_deleted(note.id, later)
    assert not await notes.mark_deleted(note.id, later)
    assert await notes.recent("slack", "T1") == []
    assert await notes.for_export() == []
    assert not await notes.edit(note.id, "after delete", later)


async def test_latest_for_topics_and_filters(db: Database) -> None:
    notes = NoteStore(db)
    for i, (topics, paper) in enumerate([(("a",), "p1"), (("b",), "p2"), (("a", "b"), "p3")]):
        await notes.add(draft(f"m{i}", topics=topics, paper_key=paper,
                              at=T0 + timedelta(hours=i), author_id=f"U{i}"))
    latest = await notes.latest_for_topics("slack", "T1", ["a"], limit=2)
    assert [n.paper_key for n in latest] == ["p3", "p1"]
    assert [n.paper_key for n in await notes.latest_for_topics(
        "slack", "T1", ["a"], exclude_paper="p3")] == ["p1"]
    assert await notes.latest_for_topics("slack", "T1", []) == []
    assert await notes.latest_for_topics("slack", "OTHER", ["a"]) == []
    assert [n.paper_key for n in await notes.recent("slack", "T1", topic="b")] == ["p3", "p2"]
    assert [n.paper_key for n in await notes.recent("slack", "T1", author_id="U1")] == ["p2"]
    assert [n.paper_key for n in await notes.for_export(topic="a")] == ["p1", "p3"]
    assert [n.message_id for n in await notes.find_by_message("slack", "m1")] == ["m1"]


async def test_event_log_and_feedback_are_idempotent(db: Database) -> None:
    events = EventLog(db)
    assert not await events.seen("slack", "Ev1")
    assert await events.first_time("slack", "Ev1", T0)
    assert not await events.first_time("slack", "Ev1", T0)
    assert await events.seen("slack", "Ev1") and not await events.seen("discord", "Ev1")
    assert await events.forget_before(T0 + timedelta(days=1)) == 1
    feedback = FeedbackStore(db)
    kw = dict(platform="slack", workspace="T1", channel_id="C1", message_id="m", member_id="U1",
              paper_key="2411.17700", emoji="+1", at=T0)
    assert await feedback.add(**kw)  # type: ignore[arg-type]
    assert not await feedback.add(**kw)  # type: ignore[arg-type]
    assert await feedback.count("slack", "2411.17700") == 1
