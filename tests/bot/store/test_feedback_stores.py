"""The feedback tables: older reaction spellings brought to one name by the migration, a 🏢
kept with its evidence and gone with it, suggestions claimed once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.store.db import Database
from bot.store.events import FeedbackStore
from bot.store.flag_corrections import CORRECTION_EMOJI, FlagCorrectionStore
from bot.store.migrations import discover
from bot.store.overlaps import StoredFlag
from bot.store.topic_suggestions import TopicSuggestionStore
from bot.store.topics import TopicStore

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def test_the_migration_gives_older_spellings_their_one_name(tmp_path: Path) -> None:
    before = [m for m in discover() if m.number < 10]
    async with await Database.open(tmp_path / "old.db", migrate=False) as db:
        await db.upgrade(before)
        async with db.transaction() as conn:
            for i, emoji in enumerate(["thumbsup", "👍", "+1::skin-tone-2", "thumbsdown",
                                       "-1::skin-tone-5", "👎", "🏢", "eyes"]):
                await conn.execute(
                    "INSERT INTO feedback (platform, workspace, channel_id, message_id,"
                    " paper_key, member_id, emoji, created_at) VALUES"
                    " ('slack', 'T1', 'C1', ?, 'p1', 'U1', ?, '2026-03-01T09:00:00Z')",
                    (f"m{i}", emoji))
            # The same member's 👍 twice on one card (two spellings): one row survives.
            await conn.execute(
                "INSERT INTO feedback (platform, workspace, channel_id, message_id, paper_key,"
                " member_id, emoji, created_at) VALUES ('slack', 'T1', 'C1', 'm0', 'p1', 'U1',"
                " '👍', '2026-03-01T09:00:00Z')")
        await db.upgrade()
        rows = await db.conn.execute_fetchall(
            "SELECT message_id, emoji FROM feedback ORDER BY id")
        names = [(r[0], r[1]) for r in rows]
    # The second 👍 on m0 duplicated the first under the new name: dropped.
    assert names == [("m0", "+1"), ("m1", "+1"), ("m2", "+1"), ("m3", "-1"), ("m4", "-1"),
                     ("m5", "-1"), ("m6", "office"), ("m7", "eyes")]


async def test_a_correction_lives_as_long_as_its_reaction(db: Database) -> None:
    store, feedback = FlagCorrectionStore(db), FeedbackStore(db)
    async with db.transaction() as conn:  # the card the reaction is on
        await conn.execute(
            "INSERT INTO posts (platform, workspace, channel_id, paper_key, marker, state,"
            " card_message_id, card, prompt, created_at, updated_at) VALUES ('slack', 'T1',"
            " 'C1', 'p1', 'sw:paper:1', 'done', 'card', '{}', '{}', ?, ?)",
            ("2026-03-01T09:00:00Z", "2026-03-01T09:00:00Z"))
    flags = [StoredFlag("Microsoft", "Microsoft Research", "MSR-Inria Joint Centre",
                        "affiliation-alias", 0.85),
             StoredFlag("Microsoft", "Microsoft Research", "MSR-Inria Joint Centre",
                        "affiliation-alias", 0.8)]  # the same evidence twice: kept once
    where = dict(platform="slack", channel_id="C1", message_id="card", member_id="U1")
    assert await store.correct(workspace="T1", paper_key="p1", at=T0, flags=flags, **where)
    assert not await store.correct(workspace="T1", paper_key="p1", at=T0, flags=flags, **where)
    [found] = await store.for_workspace("slack", "T1")
    assert (found.paper_key, found.paper_title, found.member_name, found.at) == (
        "p1", "p1", "U1", T0)
    assert [(f.company, f.via, f.evidence) for f in found.flags] == [
        ("Microsoft", "affiliation-alias", "MSR-Inria Joint Centre")]
    assert await store.for_workspace("slack", "T2") == []
    assert await feedback.remove(emoji=CORRECTION_EMOJI, **where)
    assert await store.for_workspace("slack", "T1") == []
    rows = await db.conn.execute_fetchall("SELECT count(*) FROM flag_corrections")
    assert next(iter(rows))[0] == 0


async def test_a_suggestion_is_claimed_once_per_query(db: Database) -> None:
    topic = await TopicStore(db).add("slack", "T1", "U1", "plans", "diffusion planning", T0)
    suggestions = TopicSuggestionStore(db)
    assert await suggestions.claim(topic.id, topic.query, "C1", T0)
    assert not await suggestions.claim(topic.id, topic.query, "C2", T0)
    assert await suggestions.sent(topic.id, topic.query)
    assert not await suggestions.sent(topic.id, "diffusion planning -robot")
    await suggestions.release(topic.id, topic.query)
    assert await suggestions.claim(topic.id, topic.query, "C1", T0)
    assert not await suggestions.claim(topic.id + 1, "x", "C1", T0)  # no such topic
