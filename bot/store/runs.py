"""The run log: every fetch, enrichment and digest with its outcome.

It answers "what happened?" for ``/scoop status`` (last success and failure per source) and
gives a quiet digest its honest reason (no announcement vs. the feed failed).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.store.db import Database, parse_timestamp, utc_timestamp

# Fetch outcomes (bot.sources.arxiv_feed.FeedOutcome.kind) that mean the source worked.
OK_OUTCOMES = frozenset({"announced", "no_announcement", "ok", "done"})


@dataclass(frozen=True, slots=True)
class Run:
    """One logged run. ``day`` is the announcement date a fetch was for."""

    id: int
    kind: str
    source: str
    day: date | None
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    ok: bool | None
    detail: dict[str, Any] = field(default_factory=dict)


def _row(r: sqlite3.Row) -> Run:
    return Run(
        id=r["id"],
        kind=r["kind"],
        source=r["source"],
        day=date.fromisoformat(r["day"]) if r["day"] else None,
        started_at=parse_timestamp(r["started_at"]),
        finished_at=parse_timestamp(r["finished_at"]) if r["finished_at"] else None,
        outcome=r["outcome"],
        ok=None if r["ok"] is None else bool(r["ok"]),
        detail=json.loads(r["detail"]),
    )


class RunStore:
    """Append-only log of runs (a run row is started, then finished once)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def start(
        self, kind: str, source: str, now: datetime, day: date | None = None
    ) -> int:
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "INSERT INTO runs (kind, source, day, started_at) VALUES (?, ?, ?, ?)",
                (kind, source, day.isoformat() if day else None, utc_timestamp(now)),
            )
            return int(cur.lastrowid or 0)

    async def finish(
        self,
        run_id: int,
        outcome: str,
        now: datetime,
        detail: Mapping[str, Any] | None = None,
        ok: bool | None = None,
    ) -> None:
        """Close a run; ``ok`` defaults to whether ``outcome`` is a success outcome."""
        is_ok = outcome in OK_OUTCOMES if ok is None else ok
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE runs SET finished_at = ?, outcome = ?, ok = ?, detail = ? WHERE id = ?",
                (utc_timestamp(now), outcome, int(is_ok),
                 json.dumps(dict(detail or {}), default=str),
                 run_id),
            )

    async def record(
        self,
        kind: str,
        source: str,
        outcome: str,
        *,
        started: datetime,
        finished: datetime,
        day: date | None = None,
        detail: Mapping[str, Any] | None = None,
        ok: bool | None = None,
    ) -> int:
        """Start and finish in one call (runs that cannot be interrupted half-way)."""
        run_id = await self.start(kind, source, started, day)
        await self.finish(run_id, outcome, finished, detail, ok)
        return run_id

    async def latest(
        self, kind: str, source: str | None = None, *, ok: bool | None = None
    ) -> Run | None:
        """The newest finished run of ``kind`` (optionally only successes or failures)."""
        sql = "SELECT * FROM runs WHERE kind = ? AND finished_at IS NOT NULL"
        args: list[Any] = [kind]
        if source is not None:
            sql += " AND source = ?"
            args.append(source)
        if ok is not None:
            sql += " AND ok = ?"
            args.append(int(ok))
        rows = await self.db.conn.execute_fetchall(sql + " ORDER BY id DESC LIMIT 1", args)
        return next(map(_row, rows), None)

    async def for_days(self, kind: str, first: date, last: date) -> list[Run]:
        """Finished runs for announcement days in [first, last], oldest first."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT * FROM runs WHERE kind = ? AND day BETWEEN ? AND ? "
            "AND finished_at IS NOT NULL ORDER BY id",
            (kind, first.isoformat(), last.isoformat()),
        )
        return [_row(r) for r in rows]

    async def sources(self) -> list[tuple[str, str]]:
        """Every (kind, source) pair seen, for the status health table."""
        rows = await self.db.conn.execute_fetchall(
            "SELECT DISTINCT kind, source FROM runs WHERE kind <> 'digest' ORDER BY kind, source"
        )
        return [(r["kind"], r["source"]) for r in rows]
