"""The digest-side stores (migration 003): subscriptions, outbox posts, overlaps, flags, runs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.store.db import Database
from bot.store.overlaps import OverlapRow, OverlapStore, TermHitRow
from bot.store.posts import NewPost, PostRecord, PostStore
from bot.store.runs import RunStore
from bot.store.subscriptions import SubscriptionStore
from bot.store.topics import TopicStore

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


async def _mark(store: SubscriptionStore, at: datetime, covered_until: date | None) -> None:
    async with store.db.transaction() as conn:
        await store.mark_digest_in(conn, "slack", "C1", at=at, covered_until=covered_until)


async def _sub(store: SubscriptionStore, **kw: str) -> None:
    args = {"platform": "slack", "workspace": "T1", "channel_id": "C1", "days": "mon,thu",
            "time": "09:00", "timezone": "Europe/Berlin", "mode": "industry-only",
            "created_by": "U1"} | kw
    await store.upsert(**args, now=NOW)  # type: ignore[arg-type]


async def test_subscription_upsert_updates_and_keeps_history(db: Database) -> None:
    store = SubscriptionStore(db)
    await _sub(store)
    await _mark(store, NOW, date(2026, 11, 20))
    await _sub(store, days="daily", time="07:30", mode="all-papers", created_by="U2")
    subs = await store.all()
    assert len(subs) == 1
    sub = subs[0]
    assert (sub.days, sub.time, sub.mode, sub.created_by) == ("daily", "07:30", "all-papers", "U1")
    assert sub.last_digest_at == NOW
    assert sub.last_covered_until == date(2026, 11, 20)
    assert sub.job_id == "digest:slack:C1"


async def test_a_scheduled_day_is_recorded_once(db: Database) -> None:
    """The day of a scheduled digest is written with it; a second record for that day (or an
    earlier one) changes nothing and says so, so the caller rolls its digest back; a manual
    digest (no day) is recorded without touching it."""
    store = SubscriptionStore(db)
    await _sub(store)
    monday = date(2026, 11, 16)

    async def mark(at: datetime, day: date | None) -> bool:
        async with store.db.transaction() as conn:
            return await store.mark_digest_in(conn, "slack", "C1", at=at, covered_until=None,
                                              scheduled_day=day)

    assert await mark(NOW, monday)
    assert not await mark(NOW + timedelta(hours=1), monday)
    assert not await mark(NOW + timedelta(hours=1), monday - timedelta(days=1))
    assert await mark(NOW + timedelta(hours=2), None)
    sub = await store.get("slack", "C1")
    assert sub is not None and sub.last_scheduled_day == monday
    assert sub.last_digest_at == NOW + timedelta(hours=2)
    assert await mark(NOW + timedelta(days=1), monday + timedelta(days=1))
    sub = await store.get("slack", "C1")
    assert sub is not None and sub.last_scheduled_day == monday + timedelta(days=1)


async def test_covered_until_never_moves_back(db: Database) -> None:
    store = SubscriptionStore(db)
    await _sub(store)
    await _mark(store, NOW, date(2026, 11, 20))
    later = NOW + timedelta(hours=1)
    await _mark(store, later, date(2026, 11, 2))
    await _mark(store, later, None)
    sub = await store.get("slack", "C1")
    assert sub is not None
    assert sub.last_covered_until == date(2026, 11, 20)
    assert sub.last_digest_at == later


async def test_unsubscribe(db: Database) -> None:
    store = SubscriptionStore(db)
    await _sub(store)
    assert await store.delete("slack", "C1") is True
    assert await store.delete("slack", "C1") is False
    assert await store.get("slack", "C1") is None


def _new(key: str) -> NewPost:
    return NewPost(key, f"sw:{key}", ("t1",), ("U1", "U2"), "{}", "{}")


async def _intents(db: Database, platform: str, workspace: str, channel_id: str,
                   keys: list[str], now: datetime = NOW) -> list[PostRecord]:
    """Record intents the way a digest does (in its transaction); the rows created now."""
    posts = PostStore(db)
    async with db.transaction() as conn:
        ids = await posts.insert_intents(conn, platform, workspace, channel_id,
                                         [_new(k) for k in keys], now)
    return [rec for i in ids if (rec := await posts.get(i)) is not None]


async def test_outbox_one_row_per_paper_per_channel_ever(db: Database) -> None:
    posts = PostStore(db)
    first = await _intents(db, "slack", "T1", "C1", ["a", "b"])
    again = await _intents(db, "slack", "T1", "C1", ["b", "c"])
    other = await _intents(db, "slack", "T1", "C2", ["a"])
    assert [r.paper_key for r in first] == ["a", "b"]
    assert [r.paper_key for r in again] == ["c"]
    assert [r.paper_key for r in other] == ["a"]
    assert await posts.posted_keys("slack", "C1", ["a", "c", "z"]) == {"a", "c"}
    assert first[0].member_ids == ("U1", "U2") and first[0].state == "intent"


async def test_outbox_transitions_are_compare_and_set(db: Database) -> None:
    posts = PostStore(db)
    (rec,) = await _intents(db, "slack", "T1", "C1", ["a"])
    await posts.bump_attempt(rec.id, NOW)
    assert (await posts.get(rec.id)).attempts == 1  # type: ignore[union-attr]
    moved = await posts.advance(rec.id, "intent", "posted", NOW, card_message_id="111.1")
    assert moved is not None  # the row as it is now: the outbox goes on without re-reading
    assert (moved.state, moved.attempts, moved.card_message_id) == ("posted", 0, "111.1")
    assert await posts.advance(rec.id, "intent", "posted", NOW, card_message_id="x") is None
    assert await posts.advance(rec.id, "posted", "threaded", NOW, thread_root_id="111.1")
    assert await posts.advance(rec.id, "threaded", "done", NOW, prompt_message_id="111.2")
    done = await posts.get(rec.id)
    assert done is not None
    assert (done.state, done.attempts, done.card_message_id) == ("done", 0, "111.1")
    assert await posts.pending() == []
    with pytest.raises(ValueError):
        await posts.advance(rec.id, "done", "bogus", NOW)


async def test_naive_times_are_taken_as_utc(db: Database) -> None:
    """The stores' one rule (``db.utc_timestamp``): a naive datetime is UTC, whatever the
    machine's time zone."""
    naive = NOW.replace(tzinfo=None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TZ", "America/New_York")
        time.tzset()
        try:
            (rec,) = await _intents(db, "slack", "T1", "C1", ["a"], naive)
            moved = await PostStore(db).advance(rec.id, "intent", "posted", naive,
                                                card_message_id="1")
        finally:
            mp.undo()
            time.tzset()
    assert rec.created_at == NOW and moved is not None and moved.updated_at == NOW


async def test_find_by_thread_and_message(db: Database) -> None:
    posts = PostStore(db)
    (rec,) = await _intents(db, "discord", "G1", "C1", ["a"])
    await posts.advance(rec.id, "intent", "posted", NOW, card_message_id="100")
    # A reply can arrive before the thread is recorded: found through the card message.
    assert (await posts.find_by_thread("discord", "C1", "100")).paper_key == "a"  # type: ignore[union-attr]
    await posts.advance(rec.id, "posted", "threaded", NOW, thread_root_id="200")
    await posts.advance(rec.id, "threaded", "done", NOW, prompt_message_id="300")
    found = await posts.find_by_thread("discord", "C1", "200")
    assert found is not None and found.topics == ("t1",)
    assert await posts.find_by_thread("discord", "C2", "200") is None
    assert (await posts.find_by_message("discord", "300")).paper_key == "a"  # type: ignore[union-attr]
    assert await posts.find_by_message("slack", "300") is None
    assert await posts.count("discord", "G1") == 1


async def test_overlaps_replace_and_topic_cascade(db: Database) -> None:
    topics = TopicStore(db)
    t1 = await topics.add("slack", "T1", "U1", "diffusion", "diffusion", NOW)
    t2 = await topics.add("slack", "T1", "U2", "rl", "reinforcement", NOW)
    store = OverlapStore(db)
    hit = (TermHitRow("diffusion", "title", 2),)
    rows = [OverlapRow("p1", t1.id, 3.0, hit), OverlapRow("p1", t2.id, 1.0, ()),
            OverlapRow("p2", 9999, 1.0, ())]  # topic 9999 does not exist: dropped
    assert await store.replace_for_papers(["p1", "p2"], rows, NOW) == 2
    got = await store.for_papers(["p1", "p2"])
    assert [r.topic_id for r in got["p1"]] == [t1.id, t2.id]  # best score first
    assert got["p1"][0].terms == hit
    assert "p2" not in got
    assert await store.for_papers(["p1"], topic_ids=[t2.id]) == {"p1": [rows[1]]}
    await store.replace_for_papers(["p1"], [rows[1]], NOW)
    assert (await store.for_papers(["p1"]))["p1"] == [rows[1]]
    await topics.remove("slack", "T1", "U2", "rl")
    assert await store.for_papers(["p1"]) == {}
    assert await store.paper_keys() == []


@dataclass(frozen=True)
class _Flag:
    company: str
    lab: str | None
    evidence: str
    via: str
    confidence: float


async def test_flags_cache_replaced_per_paper(db: Database) -> None:
    store = OverlapStore(db)
    await store.save_flags({"p1": [_Flag("Google", "DeepMind", "Google DeepMind, London",
                                         "affiliation-alias", 0.9)]}, NOW)
    await store.save_flags({"p2": []}, NOW)
    flags = await store.flags_for(["p1", "p2"])
    assert [f.company for f in flags["p1"]] == ["Google"] and "p2" not in flags
    await store.save_flags({"p1": []}, NOW)
    assert await store.flags_for(["p1"]) == {}


async def test_labs_for_most_confident_first(db: Database, tmp_path: Path) -> None:
    store = OverlapStore(db)
    await store.save_flags({"p1": [_Flag("Meta", "FAIR", "FAIR, Meta", "affiliation", 0.6),
                                   _Flag("Google", "Google DeepMind", "@deepmind.com", "email",
                                         0.9)],
                            "p2": []}, NOW)
    assert await store.labs_for(["p1", "p2", "p1"]) == {
        "p1": [("Google", "Google DeepMind"), ("Meta", "FAIR")]}
    async with await Database.open(tmp_path / "bare.db", migrate=False) as bare:
        assert await OverlapStore(bare).labs_for(["p1"]) == {}

async def test_runs_latest_and_health(db: Database) -> None:
    runs = RunStore(db)
    await runs.record("fetch", "arxiv", "announced", started=NOW, finished=NOW,
                      day=date(2026, 11, 20), detail={"counts": {"new": 3}})
    later = NOW + timedelta(days=1)
    await runs.record("fetch", "arxiv", "stale", started=later, finished=later,
                      day=date(2026, 11, 21), detail={"reason": "feed still shows 11-20"})
    run_id = await runs.start("enrich", "openalex", later)
    assert (await runs.latest("fetch")).outcome == "stale"  # type: ignore[union-attr]
    assert (await runs.latest("fetch", "arxiv", ok=True)).day == date(2026, 11, 20)  # type: ignore[union-attr]
    assert await runs.latest("enrich") is None  # unfinished
    await runs.finish(run_id, "ok", later)
    assert (await runs.latest("enrich")).ok is True  # type: ignore[union-attr]
    days = await runs.for_days("fetch", date(2026, 11, 21), date(2026, 11, 22))
    assert [r.outcome for r in days] == ["stale"] and days[0].ok is False
    assert await runs.sources() == [("enrich", "openalex"), ("fetch", "arxiv")]


async def test_naive_datetimes_are_utc_in_every_store(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One rule for the whole store (``db.utc_timestamp``): a naive datetime is UTC, whatever
    the machine's zone, and reads back aware."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        naive = NOW.replace(tzinfo=None)
        runs = RunStore(db)
        await runs.record("fetch", "arxiv", "announced", started=naive, finished=naive)
        run = await runs.latest("fetch")
        assert run is not None and run.started_at == run.finished_at == NOW
        subs = SubscriptionStore(db)
        await _sub(subs)
        await _mark(subs, naive, None)
        sub = await subs.get("slack", "C1")
        assert sub is not None and sub.last_digest_at == NOW
        await OverlapStore(db).save_flags({"k": [_Flag("Meta", None, "Meta", "email", 1.0)]}, naive)
        rows = await db.conn.execute_fetchall("SELECT computed_at FROM paper_flags")
        assert [r[0] for r in rows] == ["2026-11-20T08:00:00+00:00"]
    finally:
        monkeypatch.undo()
        time.tzset()


async def test_packed_overlaps_read_as_the_rows_do(db: Database) -> None:
    """A digest window keeps its overlaps packed: every paper reads back the rows
    ``for_papers`` gives, in the same order, across read chunks, explained or not."""
    topics = TopicStore(db)
    ids = [(await topics.add("slack", "T1", f"U{n}", f"t{n}", f"q{n}", NOW)).id
           for n in range(3)]
    hit = (TermHitRow("diffusion", "title", 2), TermHitRow("model", "abstract", 1))
    rows = [OverlapRow(f"p{n}", ids[t], float((n * 7 + t * 3) % 5) + t / 10,
                       hit if (n + t) % 4 == 0 else ())
            for n in range(1200) for t in range(n % 4) if t < 3]
    await store_rows(db, rows)
    store = OverlapStore(db)
    keys = [f"p{n}" for n in range(1300)]  # more than one chunk; the last hundred have none
    plain = await store.for_papers(keys)
    packed = await store.packed_for_papers(keys)
    assert len(packed) == len(plain) and list(packed) == list(plain)
    assert {k: list(v) for k, v in packed.items()} == plain
    assert "p1250" not in packed and packed.get("p1250") is None
    assert any(r.terms == hit for v in packed.values() for r in v)


async def store_rows(db: Database, rows: list[OverlapRow]) -> None:
    await OverlapStore(db).replace_for_papers({r.paper_key for r in rows}, rows, NOW)
