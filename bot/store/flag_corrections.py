"""A lab's corrections of industry flags: the 🏢 reactions on cards and the evidence behind them.

A correction is a feedback row (the reaction itself) plus one ``flag_corrections`` row per flag
the card's paper carried, each with the exact evidence that raised it. Both are written in one
transaction; removing the reaction deletes the feedback row and the cascade takes the evidence
with it, so an override lasts exactly as long as some member's 🏢.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.store.db import Database, parse_timestamp, utc_timestamp
from bot.store.overlaps import FlagLike

CORRECTION_EMOJI = "office"
"""The stored name of the 🏢 reaction (Slack's name for it), which marks a correction."""


@dataclass(frozen=True, slots=True)
class CorrectedFlag:
    """A flag a member said was wrong, with what raised it (``via``: how, ``evidence``: the
    affiliation string, e-mail domain or institution id)."""

    company: str
    lab: str | None
    via: str
    evidence: str


@dataclass(frozen=True, slots=True)
class CorrectionRecord:
    """One member's 🏢 on one card: the paper, who, when, and the flags it corrected."""

    paper_key: str
    paper_title: str
    channel_id: str
    member_id: str
    member_name: str
    at: datetime
    flags: tuple[CorrectedFlag, ...]


class FlagCorrectionStore:
    """Writes a 🏢 with its evidence; reads a workspace's corrections."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def correct(
        self, *, platform: str, workspace: str, channel_id: str, message_id: str,
        paper_key: str, member_id: str, at: datetime, flags: Sequence[FlagLike],
    ) -> bool:
        """Keep the reaction and the evidence of ``flags`` together; False when this member's
        reaction was already kept (a redelivery), in which case nothing changes."""
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO feedback (platform, workspace, channel_id, message_id,"
                " paper_key, member_id, emoji, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (platform, workspace, channel_id, message_id, paper_key, member_id,
                 CORRECTION_EMOJI, utc_timestamp(at)),
            )
            if cur.rowcount != 1:
                return False
            feedback_id = cur.lastrowid
            for flag in flags:
                await conn.execute(
                    "INSERT OR IGNORE INTO flag_corrections (feedback_id, company, lab, via,"
                    " evidence) VALUES (?, ?, ?, ?, ?)",
                    (feedback_id, flag.company, flag.lab, str(flag.via), flag.evidence),
                )
            return True

    async def for_workspace(self, platform: str, workspace: str) -> list[CorrectionRecord]:
        """Every standing correction of a workspace (a 🏢 on a card: on the card's thread
        prompt it is only a reaction), oldest first,
        with the paper's title and the member's name where the store knows them."""
        rows = await self._db.conn.execute_fetchall(
            """
            SELECT f.id, f.paper_key, f.channel_id, f.member_id, f.created_at,
                   coalesce(p.title, f.paper_key) AS title,
                   coalesce(m.display_name, f.member_id) AS member_name,
                   c.company, c.lab, c.via, c.evidence
              FROM feedback f
              LEFT JOIN papers p ON p.key = f.paper_key
              LEFT JOIN members m ON m.platform = f.platform AND m.workspace = f.workspace
                                 AND m.member_id = f.member_id
              LEFT JOIN flag_corrections c ON c.feedback_id = f.id
             WHERE f.platform = ? AND f.workspace = ? AND f.emoji = ?
               AND EXISTS (SELECT 1 FROM posts po WHERE po.platform = f.platform
                             AND po.channel_id = f.channel_id
                             AND po.card_message_id = f.message_id)
             ORDER BY f.created_at, f.id, c.id
            """,
            (platform, workspace, CORRECTION_EMOJI),
        )
        records: dict[int, CorrectionRecord] = {}
        for r in rows:
            record = records.get(r["id"]) or CorrectionRecord(
                r["paper_key"], " ".join(r["title"].split()), r["channel_id"], r["member_id"],
                r["member_name"], parse_timestamp(r["created_at"]), ())
            if r["via"] is not None:
                flag = CorrectedFlag(r["company"], r["lab"], r["via"], r["evidence"])
                record = replace(record, flags=(*record.flags, flag))
            records[r["id"]] = record
        return list(records.values())
