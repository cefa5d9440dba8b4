"""Differentiation notes: stored from paper threads only, once, with edits and deletions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from test_core_support import NOW, Env, FakePost, body, cmd, make_env, paper, reply

from bot.ports import Actor, PostRef, Reaction, ThreadRef, ThreadReplyDeleted
from bot.store.events import FeedbackStore
from bot.store.notes import NoteStore

PAPER = paper("2411.17700", "Planning with diffusion", "abstract")


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    env = await make_env(tmp_path, papers=[PAPER])
    env.threads.add(FakePost("2411.17700", ("diffusion-planning", "world-models")))
    yield env
    await env.db.close()


async def test_reply_in_paper_thread_becomes_a_note_and_is_acknowledged(env: Env) -> None:
    assert await env.core.handle_thread_reply(reply("We use a learned world model."))
    (note,) = await NoteStore(env.db).recent("slack", "T1")
    assert (note.paper_key, note.paper_title, note.paper_url) == (
        "2411.17700", "Planning with diffusion", "https://arxiv.org/abs/2411.17700")
    assert note.topics == ("diffusion-planning", "world-models")
    assert (note.channel_id, note.root_message_id, note.message_id) == ("C1", "card", "m1")
    assert (note.author_id, note.author_name, note.text) == ("U2", "bo",
                                                             "We use a learned world model.")
    assert note.created_at == NOW
    assert env.port.reactions == [(PostRef("slack", "C1", "m1"), "white_check_mark")]


async def test_bot_messages_and_other_threads_are_ignored(env: Env) -> None:
    core = env.core
    assert not await core.handle_thread_reply(reply("bot says hi", is_bot=True))
    assert not await core.handle_thread_reply(reply("prompt echo", message_id="prompt"))
    assert not await core.handle_thread_reply(reply("elsewhere", root="some-other-thread"))
    assert not await core.handle_thread_reply(reply("   "))
    assert await NoteStore(env.db).recent("slack", "T1") == []
    assert env.port.reactions == []


async def test_duplicate_deliveries_are_recorded_once(env: Env) -> None:
    core = env.core
    assert await core.handle_thread_reply(reply("first", event_id="Ev1"))
    assert not await core.handle_thread_reply(reply("first", event_id="Ev1"))  # same event
    assert not await core.handle_thread_reply(reply("first", event_id="Ev2"))  # same message
    assert not await core.handle_thread_reply(reply("first"))  # no event id at all
    assert len(await NoteStore(env.db).recent("slack", "T1")) == 1
    assert len(env.port.reactions) == 1


async def test_edit_updates_the_note_and_keeps_history(env: Env) -> None:
    core, notes = env.core, NoteStore(env.db)
    await core.handle_thread_reply(reply("draft answer"))
    later = NOW + timedelta(minutes=3)
    assert await core.handle_thread_reply(reply("final answer", edited=True, at=later,
                                                event_id="Ev-edit"))
    assert not await core.handle_thread_reply(reply("final answer", edited=True, at=later,
                                                    event_id="Ev-edit"))
    note = await notes.get_by_message("slack", "C1", "m1")
    assert note is not None and note.text == "final answer" and note.updated_at == later
    assert await notes.history(note.id) == [("draft answer", NOW)]
    assert len(env.port.reactions) == 1  # edits are not acknowledged again


async def test_edit_of_a_missed_message_is_stored_as_new(env: Env) -> None:
    assert await env.core.handle_thread_reply(reply("late", edited=True))
    assert [n.text for n in await NoteStore(env.db).recent("slack", "T1")] == ["late"]


async def test_deletion_marks_the_note_deleted(env: Env) -> None:
    await env.core.handle_thread_reply(reply("oops"))
    await env.core.handle_thread_reply(reply("keep", message_id="m2"))
    gone = ThreadReplyDeleted("slack", "T1", ThreadRef("slack", "C1", "card"), "m1", NOW)
    assert await env.core.handle_reply_deleted(gone)
    assert not await env.core.handle_reply_deleted(gone)
    no_thread = ThreadReplyDeleted("slack", "T1", None, "m2", NOW)  # Discord-style delete
    assert await env.core.handle_reply_deleted(no_thread)
    assert await NoteStore(env.db).recent("slack", "T1") == []
    assert not await env.core.handle_thread_reply(reply("oops again", edited=True))


async def test_failed_acknowledgement_keeps_the_note(env: Env) -> None:
    env.port.fail_react = True
    assert await env.core.handle_thread_reply(reply("stored anyway"))
    assert len(await NoteStore(env.db).recent("slack", "T1")) == 1


async def test_reactions_on_cards_are_kept_as_feedback(env: Env) -> None:
    actor = Actor("U2", "bo")
    on_card = Reaction("slack", "T1", PostRef("slack", "C1", "card"), actor, "+1", NOW)
    assert await env.core.handle_reaction(on_card)
    assert not await env.core.handle_reaction(on_card)
    elsewhere = Reaction("slack", "T1", PostRef("slack", "C1", "x"), actor, "+1", NOW)
    assert not await env.core.handle_reaction(elsewhere)
    by_bot = Reaction("slack", "T1", PostRef("slack", "C1", "card"), Actor("B", "bot", True),
                      "eyes", NOW)
    assert not await env.core.handle_reaction(by_bot)
    assert await FeedbackStore(env.db).count("slack", "2411.17700") == 1


async def test_notes_command_lists_by_topic_and_member(env: Env) -> None:
    core = env.core
    empty = await core.handle_command(cmd("notes"))
    assert "No differentiation notes yet" in body(empty)
    await core.handle_command(cmd("topic add diffusion-planning diffusion"))
    long = "We condition on language goals, they do not. " * 10
    await core.handle_thread_reply(reply(long, member="U1", name="ana"))
    await core.handle_thread_reply(reply("Ours is offline RL.", message_id="m2",
                                         at=NOW + timedelta(hours=1)))
    listing = body(await core.handle_command(cmd("notes")))
    lines = listing.splitlines()
    assert lines[0] == "Latest differentiation notes (2):"
    assert lines[1] == ('  - @bo, 2024-11-28, on "Planning with diffusion" '
                        "[diffusion-planning, world-models]: Ours is offline RL.")
    assert lines[2].startswith("  - @ana, 2024-11-28") and lines[2].endswith("…")
    by_topic = body(await core.handle_command(cmd("notes diffusion-planning")))
    assert by_topic.startswith("Latest differentiation notes on diffusion-planning (2):")
    by_member = body(await core.handle_command(cmd("notes @bo")))
    assert by_member.startswith("Latest differentiation notes by @bo (1):")
    by_mention = body(await core.handle_command(cmd("notes <@U1>")))
    assert by_mention.startswith("Latest differentiation notes by @ana (1):")
    # Notes survive their topic's removal (topic names come from the post).
    assert "(2)" in body(await core.handle_command(cmd("notes world-models")))
    unknown = await core.handle_command(cmd("notes no-such-topic"))
    assert not unknown.ok and 'No topic named "no-such-topic"' in body(unknown)


async def test_a_reply_from_a_member_whose_name_is_unknown_is_kept(env: Env) -> None:
    """The platform could not name the author (blank name): the note is stored under the id,
    takes the name once a later event brings it, and a known name is never overwritten."""
    notes, members = NoteStore(env.db), env.core.stores.members
    assert await env.core.handle_thread_reply(reply("No labels needed.", name=""))
    (note,) = await notes.recent("slack", "T1")
    assert (note.author_id, note.author_name) == ("U2", "U2")
    found = await members.get("slack", "T1", "U2")
    assert found is not None and found.display_name == "U2"

    await env.core.handle_command(cmd("notes", member="U2", name="bo"))
    (note,) = await notes.recent("slack", "T1")
    assert note.author_name == "bo"

    assert await env.core.handle_thread_reply(reply("Runs on a phone.", "m2", name=""))
    assert [n.author_name for n in await notes.recent("slack", "T1")] == ["bo", "bo"]
    found = await members.get("slack", "T1", "U2")
    assert found is not None and found.display_name == "bo"
