"""Scheduled digest firings ("slots"), claimed so that two schedulers firing one post once.

A slot is (platform, channel, fire time). The first scheduler to fire it claims it (owner and
lease, as in ``bot.store.claims``) before composing the digest, renews the lease while it
works, and marks it ``done`` inside the transaction that records the digest, after checking
the claim is still its own; a scheduler that finds the slot claimed or done does nothing.
A slot whose owner died before recording is taken over once its lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.store.claims import LEASE, lease_end
from bot.store.db import Database, parse_timestamp, utc_timestamp


@dataclass(frozen=True, slots=True)
class SlotClaim:
    platform: str
    channel_id: str
    at: datetime  # the cron's fire time


class DigestSlotStore:
    """Slot claims for one owner."""

    def __init__(self, db: Database, owner: str, lease: timedelta = LEASE) -> None:
        self.db = db
        self.owner = owner
        self.lease = lease

    async def claim(self, slot: SlotClaim, now: datetime) -> bool:
        """Claim a slot in one statement: True when it was new, or claimed and its lease ran
        out (never once it is done)."""
        stamp = utc_timestamp(now)
        async with self.db.transaction() as conn:
            rows = await conn.execute_fetchall(
                """
                INSERT INTO digest_slots (platform, channel_id, slot, claim_owner, claim_until,
                                          created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (platform, channel_id, slot) DO UPDATE SET
                    claim_owner = excluded.claim_owner, claim_until = excluded.claim_until,
                    updated_at = excluded.updated_at
                WHERE digest_slots.state = 'claimed' AND digest_slots.claim_until < ?
                RETURNING claim_owner
                """,
                (slot.platform, slot.channel_id, utc_timestamp(slot.at), self.owner,
                 lease_end(now, self.lease), stamp, stamp, stamp),
            )
        return [r[0] for r in rows] == [self.owner]

    async def renew(self, slot: SlotClaim, now: datetime) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE digest_slots SET claim_until = ?, updated_at = ? WHERE platform = ?"
                " AND channel_id = ? AND slot = ? AND state = 'claimed' AND claim_owner = ?",
                (lease_end(now, self.lease), utc_timestamp(now), slot.platform,
                 slot.channel_id, utc_timestamp(slot.at), self.owner))
            return cur.rowcount == 1

    async def mark_done(self, conn: aiosqlite.Connection, slot: SlotClaim, now: datetime) -> bool:
        """Inside the digest's transaction: mark our claimed slot done; False when it is no
        longer ours (then the caller rolls the digest back)."""
        cur = await conn.execute(
            "UPDATE digest_slots SET state = 'done', claim_until = NULL, updated_at = ?"
            " WHERE platform = ? AND channel_id = ? AND slot = ? AND state = 'claimed'"
            " AND claim_owner = ?",
            (utc_timestamp(now), slot.platform, slot.channel_id, utc_timestamp(slot.at),
             self.owner))
        return cur.rowcount == 1

    async def release(self, slot: SlotClaim) -> None:
        """Give up our claim on a slot whose digest was not recorded (it failed): the slot is
        forgotten, so a later catch-up may fire it again as if it had never started."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM digest_slots WHERE platform = ? AND channel_id = ? AND slot = ?"
                " AND state = 'claimed' AND claim_owner = ?",
                (slot.platform, slot.channel_id, utc_timestamp(slot.at), self.owner))

    async def held_elsewhere_until(self, now: datetime) -> datetime | None:
        """When the last live claim another worker holds on an unrecorded slot runs out."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT max(claim_until) FROM digest_slots WHERE state = 'claimed'"
            " AND claim_owner <> ? AND claim_until >= ?", (self.owner, utc_timestamp(now)))
        last = next(iter(rows))[0]
        return parse_timestamp(last) if last else None

    async def abandoned(self, now: datetime) -> list[SlotClaim]:
        """Slots claimed by a worker whose lease ran out before it recorded the digest, for
        channels still subscribed whose last digest is older than the slot."""
        rows = await self.db.conn.execute_fetchall(
            """
            SELECT d.platform, d.channel_id, d.slot FROM digest_slots d
            JOIN subscriptions s ON s.platform = d.platform AND s.channel_id = d.channel_id
            WHERE d.state = 'claimed' AND d.claim_until < ?
              AND (s.last_digest_at IS NULL OR s.last_digest_at < d.slot)
            ORDER BY d.slot
            """,
            (utc_timestamp(now),))
        return [SlotClaim(r["platform"], r["channel_id"], parse_timestamp(r["slot"])) for r in rows]
