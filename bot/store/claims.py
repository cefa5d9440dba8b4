"""Claims: which worker drives an outbox row, until when, so two processes never post it twice.

Several scoopwatch processes may share one database (two ``scoopwatch run`` by mistake today,
several workers on one PostgreSQL database later). A worker claims a row before it works on
it: one compare-and-set statement writes its owner id and a lease (``claim_until``) when the
row is free, its lease ran out, or it is already the worker's. The owner renews the lease while
it works (:func:`kept`) and confirms it right before each platform call, and releases the row
when done. A worker killed mid-row leaves a lease that runs out, after which any worker takes
the row over, so nothing stays stuck. An instance lock would also stop double posts, but only
by refusing a second worker; claims let several share the work.

The inbox (``bot.store.inbox``) and scheduled digests (``bot.store.digest_slots``) follow the
same rule with their own keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.store.db import Database, parse_timestamp, utc_timestamp

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
"""How long a claim holds without renewal: longer than any pause of a live worker (its loop
is never blocked that long), short enough that a killed worker's rows move on soon."""

CLAIMABLE = frozenset({"posts", "digest_headers"})


class ClaimLost(Exception):
    """This worker's claim was taken over (its lease ran out while it was stalled): it stops
    before touching the platform, and the new owner carries on."""


def new_owner() -> str:
    """A fresh owner id: host and process (for the log), a random part (unique per run, so a
    restarted process never mistakes its predecessor's claims for its own) and, where the
    system tells, the process-id space the pid belongs to (:func:`gone` reads it)."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return f"{owner}:{_PID_SPACE}" if _PID_SPACE else owner


def _pid_space() -> str:
    """This kernel's boot and this process's pid namespace, hashed: two processes with the
    same value see the same process ids (not two containers on one host, nor a machine
    rebooted since). Empty where the system does not say (no /proc)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return hashlib.sha256(f"{boot} {namespace}".encode()).hexdigest()[:12]


_PID_SPACE = _pid_space()


def gone(owner: str) -> bool:
    """Whether ``owner`` was a process of this machine's pid space that no longer runs (a
    worker killed with ``kill -9``, or by the OOM killer): its claims can be taken over at
    once instead of when their leases run out. False whenever in doubt: another machine or
    container, an owner id without a pid space, a pid now used by another process, or this
    process itself (several ``Stores`` may share it)."""
    parts = owner.split(":")
    if not _PID_SPACE or len(parts) != 4 or parts[3] != _PID_SPACE or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists, owned by another user
        return False
    return False


TAKEN_OVER = ("posts", "digest_headers", "inbox", "digest_slots")


async def take_over_from_the_dead(db: Database, now: datetime) -> int:
    """End, now, the leases of workers that no longer run (:func:`gone`): a bot restarted
    after ``kill -9`` carries on with the posts, inbox rows and digest slots its predecessor
    held instead of waiting up to a lease for them. Their leases are made to have run out
    (rather than cleared), so every usual take-over path applies. Returns the rows freed."""
    stamp = utc_timestamp(now)
    freed = 0
    for table in TAKEN_OVER:
        owners = await db.conn.execute_fetchall(
            f"SELECT DISTINCT claim_owner FROM {table} WHERE claim_owner IS NOT NULL"
            " AND claim_until >= ?", (stamp,))
        for (owner,) in owners:
            if not gone(owner):
                continue
            async with db.transaction() as conn:
                cur = await conn.execute(
                    f"UPDATE {table} SET claim_until = ? WHERE claim_owner = ?"
                    " AND claim_until >= ?",
                    (utc_timestamp(now - timedelta(seconds=1)), owner, stamp))
            if cur.rowcount:
                log.info("took over %d %s row(s) claimed by %s, which no longer runs",
                         cur.rowcount, table, owner)
                freed += cur.rowcount
    return freed


def lease_end(now: datetime, lease: timedelta) -> str:
    return utc_timestamp(now + lease)


class Claims:
    """Claims on outbox rows (``posts``, ``digest_headers``) for one owner."""

    def __init__(self, db: Database, owner: str, lease: timedelta = LEASE) -> None:
        self.db = db
        self.owner = owner
        self.lease = lease

    @staticmethod
    def _table(table: str) -> str:
        if table not in CLAIMABLE:
            raise ValueError(f"rows of {table!r} are not claimed")
        return table

    async def take(self, table: str, row_id: int, now: datetime) -> bool:
        """Claim a row: True when it was free, its lease had run out, or it was ours."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE {self._table(table)} SET claim_owner = ?, claim_until = ?"
                " WHERE id = ? AND (claim_owner IS NULL OR claim_owner = ? OR claim_until < ?)",
                (self.owner, lease_end(now, self.lease), row_id, self.owner,
                 utc_timestamp(now)),
            )
            return cur.rowcount == 1

    async def renew(self, table: str, row_id: int, now: datetime) -> bool:
        """Extend our lease; False when the row is no longer ours."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE {self._table(table)} SET claim_until = ?"
                " WHERE id = ? AND claim_owner = ?",
                (lease_end(now, self.lease), row_id, self.owner),
            )
            return cur.rowcount == 1

    async def held_elsewhere_until(self, now: datetime) -> datetime | None:
        """When the last live claim another worker holds on an unfinished outbox row runs
        out (a killed predecessor's, after a restart), or None."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT max(until) FROM (SELECT max(claim_until) AS until FROM posts"
            " WHERE state <> 'done' AND claim_owner <> :me AND claim_until >= :now"
            " UNION ALL SELECT max(claim_until) FROM digest_headers"
            " WHERE state <> 'done' AND claim_owner <> :me AND claim_until >= :now)",
            {"me": self.owner, "now": utc_timestamp(now)})
        last = next(iter(rows))[0]
        return parse_timestamp(last) if last else None

    async def release(self, table: str, row_id: int) -> None:
        """Let go of a row (done, or failed and left for any worker's next try)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE {self._table(table)} SET claim_owner = NULL, claim_until = NULL"
                " WHERE id = ? AND claim_owner = ?",
                (row_id, self.owner),
            )


@contextlib.asynccontextmanager
async def kept(renew: Callable[[], Awaitable[bool]], every: float,
               what: str = "a claim") -> AsyncIterator[None]:
    """Renew a claim every ``every`` seconds while the body runs.

    The renewal is never cancelled half-way through a statement (that could leave the shared
    connection inside a transaction): it is asked to stop and finishes its current write. A
    renewal that fails is tried again at the next tick; one that finds the claim taken over
    stops renewing, and the owner's next confirmation (:class:`ClaimLost`) stops its work.
    """
    stop = asyncio.Event()

    async def renewing() -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            if stop.is_set():
                return
            try:
                if not await renew():
                    log.warning("%s was taken over by another worker", what)
                    return
            except Exception:
                log.warning("renewing %s failed; trying again", what, exc_info=True)

    task = asyncio.create_task(renewing(), name="scoopwatch claim renewal")
    try:
        yield
    finally:
        stop.set()
        await asyncio.shield(task)
