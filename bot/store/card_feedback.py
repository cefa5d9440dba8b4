"""What happened to the paper cards of a workspace: who they matched, the reactions members
gave them, and whether their threads got a note. ``/scoop stats`` and the query suggestions
read it; what the reactions mean is the core's business (``bot.core.notes.reactions``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.store.db import Database, parse_timestamp, utc_timestamp

TopicKey = tuple[str, str]
"""A topic as a card names it: (owner's member id, topic name)."""


@dataclass(frozen=True, slots=True)
class CardRow:
    """One posted card: the topics it matched with the overlap terms it showed for each, and
    the reactions on it (member id, emoji)."""

    post_id: int
    channel_id: str
    paper_key: str
    posted_at: datetime
    topics: tuple[TopicKey, ...]
    reactions: tuple[tuple[str, str], ...]
    answered: bool  # its thread holds a note that was not deleted
    terms: dict[TopicKey, tuple[str, ...]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class NoteRow:
    """A note written in a card's thread, once per topic of that card it concerns."""

    topic: TopicKey
    at: datetime


def _card_terms(card_json: str) -> dict[TopicKey, tuple[str, ...]]:
    """The card's matches (``bot.messages.MemberMatch`` as the outbox stored it): each topic
    with the terms that hit, in the card's order."""
    out: dict[TopicKey, tuple[str, ...]] = {}
    for m in json.loads(card_json).get("matches") or ():
        key = (str(m["member_id"]), str(m["topic"]))
        out[key] = (*out.get(key, ()), *(str(t) for t in m.get("terms") or ()))
    return out


class CardFeedbackStore:
    """Reads cards with their reactions and notes."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def cards(
        self, platform: str, workspace: str, emojis: Sequence[str], *,
        since: datetime | None = None, topic: TopicKey | None = None,
    ) -> list[CardRow]:
        """Posted cards of a workspace, newest first: those posted since ``since``, or those
        matching ``topic``; each with its reactions named in ``emojis``."""
        where = ("WHERE p.platform = ? AND p.workspace = ? AND p.card_message_id IS NOT NULL")
        params: list[object] = [platform, workspace]
        if since is not None:
            where += " AND p.created_at >= ?"
            params.append(utc_timestamp(since))
        if topic is not None:
            where += (" AND EXISTS (SELECT 1 FROM json_each(p.card, '$.matches') m"
                      " WHERE json_extract(m.value, '$.member_id') = ?"
                      " AND json_extract(m.value, '$.topic') = ?)")
            params += list(topic)
        marks = ",".join("?" * len(emojis)) or "NULL"
        rows = await self._db.conn.execute_fetchall(
            f"""
            SELECT p.id, p.channel_id, p.paper_key, p.created_at, p.card,
                   EXISTS (SELECT 1 FROM notes n WHERE n.platform = p.platform
                             AND n.channel_id = p.channel_id AND n.paper_key = p.paper_key
                             AND n.deleted_at IS NULL) AS answered,
                   (SELECT json_group_array(json_array(f.member_id, f.emoji))
                      FROM feedback f WHERE f.platform = p.platform
                       AND f.channel_id = p.channel_id AND f.message_id = p.card_message_id
                       AND f.emoji IN ({marks})) AS reactions
              FROM posts p {where}
             ORDER BY p.created_at DESC, p.id DESC
            """,
            (*emojis, *params),
        )
        out = []
        for r in rows:
            terms = _card_terms(r["card"])
            out.append(CardRow(
                r["id"], r["channel_id"], r["paper_key"], parse_timestamp(r["created_at"]),
                tuple(terms), tuple((str(m), str(e)) for m, e in json.loads(r["reactions"])),
                bool(r["answered"]), terms))
        return out

    async def notes(self, platform: str, workspace: str, since: datetime) -> list[NoteRow]:
        """Live notes written since ``since`` in the threads of a workspace's cards, once for
        each topic of the card that the note concerns."""
        rows = await self._db.conn.execute_fetchall(
            """
            SELECT n.created_at, n.topics, p.card
              FROM notes n JOIN posts p ON p.platform = n.platform
                                       AND p.channel_id = n.channel_id
                                       AND p.paper_key = n.paper_key
             WHERE n.platform = ? AND n.workspace = ? AND n.deleted_at IS NULL
               AND n.created_at >= ?
            """,
            (platform, workspace, utc_timestamp(since)),
        )
        out: list[NoteRow] = []
        for r in rows:
            names = set(json.loads(r["topics"]))
            at = parse_timestamp(r["created_at"])
            out += [NoteRow(key, at) for key in _card_terms(r["card"]) if key[1] in names]
        return out
