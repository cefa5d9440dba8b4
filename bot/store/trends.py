"""What a trend chart reads: industry-flagged papers that matched a lab's topics, by day, and
the lab's notes by time; plus which stored papers a trend must match again first.

A paper's day is its first announcement, else its first version's date (papers harvested by
``scoopwatch backfill`` over OAI-PMH carry no announcement), else the day it was stored. Only
first announcements count (new, cross-list, or not known): a replacement is an old paper.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from bot.store.db import Database, parse_timestamp, utc_timestamp

PAPER_DAY = ("coalesce(p.announced, substr(p.published, 1, 10), substr(p.first_seen, 1, 10))")
FIRST_ANNOUNCED = "(p.announce_type IN ('new', 'cross') OR p.announce_type IS NULL)"


@dataclass(frozen=True, slots=True)
class LabScope:
    """Whose topics and notes: one workspace of one platform, or (both None) every lab in the
    store, as the command line sees it. ``topic`` narrows to the topics of that name."""

    platform: str | None = None
    workspace: str | None = None
    topic: str | None = None

    def where(self, alias: str) -> tuple[str, list[object]]:
        """SQL conditions on a table with ``platform`` and ``workspace`` columns."""
        if self.platform is None or self.workspace is None:
            return "1", []
        return f"{alias}.platform = ? AND {alias}.workspace = ?", [self.platform, self.workspace]


@dataclass(frozen=True, slots=True)
class FlaggedMatch:
    """One industry flag of a paper that matched a topic in scope, on the paper's day, with
    its evidence (so a lab's 🏢 corrections can leave it out)."""

    paper_key: str
    day: date
    company: str
    lab: str | None
    confidence: float
    via: str = ""
    evidence: str = ""


class TrendStore:
    """Reads for trend charts; never writes (the matching it needs goes through overlaps)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def flagged_matches(self, scope: LabScope, since: date, until: date
                              ) -> list[FlaggedMatch]:
        """Every cached industry flag of the papers of days [since, until] that overlap a topic
        in ``scope`` (all its topics' if no name is given: paused ones only while their
        overlaps last), most confident first per paper."""
        lab, args = scope.where("t")
        topic = ""
        if scope.topic is not None:
            topic = " AND t.name = ?"
            args.append(scope.topic)
        elif scope.platform is not None:
            topic = " AND t.paused = 0"
        rows = await self.db.conn.execute_fetchall(
            f"""
            SELECT p.key, {PAPER_DAY} AS day, f.company, f.lab, f.confidence, f.via, f.evidence
            FROM papers p JOIN paper_flags f ON f.paper_key = p.key
            WHERE {PAPER_DAY} BETWEEN ? AND ? AND {FIRST_ANNOUNCED}
              AND EXISTS (SELECT 1 FROM overlaps o JOIN topics t ON t.id = o.topic_id
                          WHERE o.paper_key = p.key AND {lab}{topic})
            ORDER BY day, p.key, f.confidence DESC, f.id
            """,
            [since.isoformat(), until.isoformat(), *args],
        )
        return [FlaggedMatch(r[0], date.fromisoformat(r[1]), r[2], r[3], float(r[4]), r[5], r[6])
                for r in rows]

    async def note_times(self, scope: LabScope, since: datetime, until: datetime
                         ) -> list[datetime]:
        """When each note in scope (not deleted; on ``scope.topic`` if given) was written,
        within [since, until)."""
        lab, args = scope.where("n")
        topic = ""
        if scope.topic is not None:
            topic = " AND EXISTS (SELECT 1 FROM json_each(n.topics) WHERE value = ?)"
            args.append(scope.topic)
        rows = await self.db.conn.execute_fetchall(
            f"SELECT n.created_at FROM notes n WHERE {lab}{topic} AND n.deleted_at IS NULL "
            "AND n.created_at >= ? AND n.created_at < ? ORDER BY n.created_at",
            [*args, utc_timestamp(since), utc_timestamp(until)],
        )
        return [parse_timestamp(r[0]) for r in rows]

    async def topic_names(self, scope: LabScope) -> list[str]:
        """The names of the topics in scope (a name shared by two members counts once)."""
        lab, args = scope.where("t")
        rows = await self.db.conn.execute_fetchall(
            f"SELECT DISTINCT name FROM topics t WHERE {lab} ORDER BY name", args)
        return [r[0] for r in rows]

    async def window_keys(self, since: date, until: date, changed_after: str | None = None
                          ) -> list[str]:
        """First announcements of days [since, until], only those stored or changed after
        ``changed_after`` (a ``last_changed`` value) when it is given."""
        where, args = f"{PAPER_DAY} BETWEEN ? AND ? AND {FIRST_ANNOUNCED}", [
            since.isoformat(), until.isoformat()]
        if changed_after is not None:
            where += " AND p.last_changed > ?"
            args.append(changed_after)
        rows = await self.db.conn.execute_fetchall(
            f"SELECT p.key FROM papers p WHERE {where} ORDER BY p.key", args)
        return [r[0] for r in rows]

    async def last_change(self) -> str | None:
        """The newest ``last_changed`` of any paper: where the next refresh starts."""
        rows = await self.db.conn.execute_fetchall("SELECT max(last_changed) FROM papers")
        return next((r[0] for r in rows), None)


def chunked(keys: Iterable[str], size: int) -> Iterable[list[str]]:
    """``keys`` in lists of at most ``size``, so a half-year window is read a piece at a time."""
    chunk: list[str] = []
    for key in keys:
        chunk.append(key)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
