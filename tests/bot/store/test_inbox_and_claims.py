"""The inbox, outbox claims and digest slots at the SQL level: compare-and-set claims, leases
that run out, redeliveries kept once, a subject's events in order, an insert that waits for a
second connection's write lock."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.store.claims import Claims, gone, new_owner, take_over_from_the_dead
from bot.store.db import Database, is_busy
from bot.store.digest_headers import DigestHeaderStore
from bot.store.digest_slots import DigestSlotStore, SlotClaim
from bot.store.events import EventLog
from bot.store.inbox import InboxStore, StoreBusy

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
EVENT = json.dumps({"text": "a reply"})


async def _add(inbox: InboxStore, key: str, subject: str = "m1", now: datetime = NOW
               ) -> tuple[int, bool]:
    return await inbox.add("slack", key, subject, "reply", EVENT, now, patience=1.0)


async def test_a_redelivery_is_kept_once(db: Database) -> None:
    inbox = InboxStore(db, "w1")
    first, new = await _add(inbox, "Ev1")
    again, renew = await _add(inbox, "Ev1")
    assert (new, renew) == (True, False) and again == first
    assert await inbox.pending_count() == 1


async def test_a_reaction_taken_back_lets_the_same_reaction_through_again(db: Database
                                                                          ) -> None:
    inbox = InboxStore(db, "w1")

    async def keep(key: str, retire: str) -> bool:
        _row, new = await inbox.add("slack", key, "m1", "reaction", EVENT, NOW, patience=1.0,
                                    retire=retire)
        return new

    assert await keep("react:m1:U1:+1", "unreact:m1:U1:+1")
    assert await keep("unreact:m1:U1:+1", "react:m1:U1:+1")  # taken back (first one pending)
    assert await keep("react:m1:U1:+1", "unreact:m1:U1:+1")  # given again: a new event
    assert not await keep("react:m1:U1:+1", "unreact:m1:U1:+1")  # its replay: the same one
    assert await inbox.pending_count() == 3


async def test_claims_are_exclusive_until_the_lease_runs_out(db: Database) -> None:
    one, two = InboxStore(db, "w1"), InboxStore(db, "w2")
    row_id, _ = await _add(one, "Ev1")
    row = await one.claim_next(NOW)
    assert row is not None and (row.id, row.attempts) == (row_id, 1)
    assert await two.claim_next(NOW) is None  # w1's lease holds
    assert await one.claim_next(NOW) is None  # ours too: never run twice at once
    later = NOW + one.lease + timedelta(seconds=1)  # w1 was killed: its lease ran out
    taken = await two.claim_next(later)
    assert taken is not None and taken.attempts == 2
    assert not await one.finish(row_id, later)  # w1 woke up: no longer its row
    assert await two.finish(row_id, later)
    assert await two.claim_next(later) is None and await one.pending_count() == 0


async def test_a_row_put_back_waits_for_its_retry_time(db: Database) -> None:
    inbox = InboxStore(db, "w1")
    row_id, _ = await _add(inbox, "Ev1")
    assert await inbox.claim(row_id, NOW) is not None
    await inbox.retry_later(row_id, NOW, NOW + timedelta(seconds=30), "locked")
    assert await inbox.next_due() == NOW + timedelta(seconds=30)
    assert not await inbox.due(NOW + timedelta(seconds=29))
    assert await inbox.claim_next(NOW + timedelta(seconds=30)) is not None


async def test_a_subjects_events_are_claimed_in_arrival_order(db: Database) -> None:
    inbox = InboxStore(db, "w1")
    reply, _ = await _add(inbox, "Ev1", subject="m1")
    edit, _ = await _add(inbox, "Ev2", subject="m1")
    other, _ = await _add(inbox, "Ev3", subject="m2")
    assert await inbox.claim(edit, NOW) is None  # its reply comes first
    first = await inbox.claim_next(NOW)
    assert first is not None and first.id == reply
    await inbox.retry_later(reply, NOW, NOW + timedelta(minutes=1), "later")
    nxt = await inbox.claim_next(NOW)  # the edit still waits behind its reply
    assert nxt is not None and nxt.id == other
    assert await inbox.next_due() == NOW + timedelta(minutes=1)


async def test_the_insert_waits_for_another_connections_write_lock(tmp_path: Path) -> None:
    """One short insert waits its turn: a second connection holding ``BEGIN IMMEDIATE`` for
    several busy timeouts delays it, and it lands once the lock is released."""
    path = tmp_path / "bot.db"
    async with await Database.open(path, busy_timeout_ms=50) as db, \
            await Database.open(path) as other:
        inbox = InboxStore(db, "w1")
        async with other.transaction():
            adding = asyncio.create_task(_add(inbox, "Ev1"))
            while inbox.busy_waits < 3:  # SQLite gave up three times; we keep waiting
                await asyncio.sleep(0.01)
            assert not adding.done()
        _row_id, new = await adding
        assert new and await inbox.pending_count() == 1


async def test_an_insert_that_cannot_wait_any_longer_says_so(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    async with await Database.open(path, busy_timeout_ms=20) as db, \
            await Database.open(path) as other:
        inbox = InboxStore(db, "w1")
        async with other.transaction():
            with pytest.raises(StoreBusy):
                await inbox.add("slack", "Ev1", "m1", "reply", EVENT, NOW, patience=0.1)
    async with await Database.open(path) as db:
        assert await InboxStore(db, "w1").pending_count() == 0


async def test_a_store_refusal_is_not_waited_for(db: Database) -> None:
    await db.conn.execute("PRAGMA query_only = ON")  # the store refuses every write
    with pytest.raises(StoreError) as err:
        await _add(InboxStore(db, "w1"), "Ev1")
    assert not isinstance(err.value, StoreBusy)
    assert not is_busy(err.value.__cause__ or err.value)


async def test_done_rows_are_forgotten_with_old_event_ids(db: Database) -> None:
    inbox = InboxStore(db, "w1")
    row_id, _ = await _add(inbox, "Ev1")
    await inbox.claim(row_id, NOW)
    await inbox.finish(row_id, NOW)
    await _add(inbox, "Ev2")  # still pending: kept whatever its age
    assert await EventLog(db).forget_before(NOW + timedelta(days=8)) == 1
    assert await inbox.pending_count() == 1
    assert (await _add(inbox, "Ev1"))[1]  # forgotten, so a (very) late copy is new again


async def _header(db: Database) -> int:
    async with db.transaction() as conn:
        return await DigestHeaderStore(db).insert_intent(conn, "slack", "T1", "C1",
                                                         "sw:digest:1", "{}", NOW)


async def test_outbox_claims_compare_and_set(db: Database) -> None:
    header = await _header(db)
    one, two = Claims(db, "w1"), Claims(db, "w2")
    assert await one.take("digest_headers", header, NOW)
    assert await one.take("digest_headers", header, NOW)  # already ours
    assert not await two.take("digest_headers", header, NOW)
    assert not await two.renew("digest_headers", header, NOW)
    await two.release("digest_headers", header)  # not two's: nothing happens
    assert not await two.take("digest_headers", header, NOW)
    assert await one.renew("digest_headers", header, NOW + timedelta(seconds=50))
    assert not await two.take("digest_headers", header, NOW + one.lease)  # renewed
    assert await two.take("digest_headers", header, NOW + 2 * one.lease)  # ran out
    assert not await one.renew("digest_headers", header, NOW + 2 * one.lease)
    await two.release("digest_headers", header)
    assert await one.take("digest_headers", header, NOW)
    with pytest.raises(ValueError, match="not claimed"):
        await one.take("notes", 1, NOW)


async def test_two_connections_race_for_one_row_and_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    async with await Database.open(path) as db_a, await Database.open(path) as db_b:
        header = await _header(db_a)
        for attempt in range(20):
            a, b = Claims(db_a, f"a{attempt}"), Claims(db_b, f"b{attempt}")
            won = await asyncio.gather(a.take("digest_headers", header, NOW),
                                       b.take("digest_headers", header, NOW))
            assert sorted(won) == [False, True]
            await (a if won[0] else b).release("digest_headers", header)


async def test_a_digest_slot_is_claimed_once_and_done_with_its_digest(db: Database) -> None:
    one, two = DigestSlotStore(db, "w1"), DigestSlotStore(db, "w2")
    slot = SlotClaim("slack", "C1", NOW)
    assert await one.claim(slot, NOW)
    assert not await two.claim(slot, NOW)
    assert not await one.claim(slot, NOW)  # a second firing in the same worker too
    async with db.transaction() as conn:
        assert not await two.mark_done(conn, slot, NOW)
        assert await one.mark_done(conn, slot, NOW)
    assert not await two.claim(slot, NOW + 10 * one.lease)  # done is done


async def test_an_abandoned_slot_is_taken_over_and_a_failed_one_given_back(db: Database
                                                                          ) -> None:
    await db.conn.execute(
        "INSERT INTO subscriptions (platform, workspace, channel_id, days, time, timezone,"
        " mode, created_by, created_at, updated_at) VALUES ('slack', 'T1', 'C1', 'mon-fri',"
        " '09:00', 'UTC', 'all-papers', 'U1', ?, ?)", (NOW.isoformat(), NOW.isoformat()))
    one, two = DigestSlotStore(db, "w1"), DigestSlotStore(db, "w2")
    slot = SlotClaim("slack", "C1", NOW)
    assert await one.claim(slot, NOW)
    assert await two.abandoned(NOW) == []
    later = NOW + one.lease + timedelta(seconds=1)
    assert await two.abandoned(later) == [slot]
    assert await two.claim(slot, later)
    assert not await one.renew(slot, later)
    await one.release(slot)  # not one's any more: kept
    assert not await one.claim(slot, later)
    await two.release(slot)  # two's digest failed before it was recorded
    assert await one.claim(slot, later)  # fired again later: as if never started


async def test_claims_of_a_process_that_no_longer_runs_are_taken_over_at_once(
        db: Database) -> None:
    """A bot restarted after kill -9 finds its predecessor's leases still running: claims of
    a process of this machine that has exited end now; those of a live process (this one, as
    another ``Stores``) or of an owner it cannot check (another machine) keep their lease."""
    host, _pid, _random, *space = new_owner().split(":")
    if not space:
        pytest.skip("this system does not say which pid space a process runs in")
    dead_pid = subprocess.Popen([sys.executable, "-c", ""])
    dead_pid.wait()
    dead = ":".join([host, str(dead_pid.pid), "0badc0de", *space])
    live, elsewhere = new_owner(), "another-host:1:0badc0de"
    inbox = {owner: InboxStore(db, owner) for owner in (dead, live, elsewhere)}
    rows = {}
    for n, (owner, store) in enumerate(inbox.items()):
        rows[owner], _new = await _add(store, f"Ev{n}", subject=f"m{n}")
        assert await store.claim(rows[owner], NOW) is not None
    header_id = await _header(db)
    assert await Claims(db, dead).take("digest_headers", header_id, NOW)
    later = NOW + timedelta(seconds=5)  # every lease still runs
    assert gone(dead) and not gone(live) and not gone(elsewhere)
    assert await take_over_from_the_dead(db, later) == 2
    taker = InboxStore(db, "restarted")
    assert (await taker.claim(rows[dead], later)) is not None
    assert await taker.claim(rows[live], later) is None
    assert await taker.claim(rows[elsewhere], later) is None
    assert await Claims(db, "restarted").take("digest_headers", header_id, later)
