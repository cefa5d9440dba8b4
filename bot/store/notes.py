"""Differentiation notes: members' replies in paper threads, with edit history.

A note is keyed by the platform message it came from, so a redelivered or replayed message
can never create a second note; edits keep the previous text in ``note_edits``, deletions only
set ``deleted_at`` (lists and exports skip deleted notes, the row stays for the record).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.store.db import Database, parse_timestamp, utc_timestamp


@dataclass(frozen=True, slots=True)
class NoteDraft:
    """Everything needed to store a new note."""

    platform: str
    workspace: str
    channel_id: str
    root_message_id: str
    message_id: str
    paper_key: str
    paper_title: str
    paper_url: str | None
    topics: tuple[str, ...]
    author_id: str
    author_name: str
    text: str
    at: datetime


@dataclass(frozen=True, slots=True)
class NoteRecord:
    """A stored note; ``topics`` are topic names from the paper's post."""

    id: int
    author_id: str
    author_name: str
    created_at: datetime
    updated_at: datetime
    paper_key: str
    paper_title: str
    topics: tuple[str, ...]
    text: str
    channel_id: str
    root_message_id: str
    platform: str = ""
    workspace: str = ""
    message_id: str = ""
    paper_url: str | None = None
    deleted_at: datetime | None = None


class NoteStore:
    """Writes and queries on ``notes`` and ``note_edits``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, draft: NoteDraft) -> tuple[NoteRecord, bool]:
        """Store a note once per message: (the note, True if it was created now)."""
        at = utc_timestamp(draft.at)
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO notes (platform, workspace, channel_id, root_message_id,"
                " message_id, paper_key, paper_title, paper_url, topics, author_id, author_name,"
                " text, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (draft.platform, draft.workspace, draft.channel_id, draft.root_message_id,
                 draft.message_id, draft.paper_key, draft.paper_title, draft.paper_url,
                 json.dumps(list(draft.topics)), draft.author_id, draft.author_name, draft.text,
                 at, at),
            )
            created = cur.rowcount == 1
        note = await self.get_by_message(draft.platform, draft.channel_id, draft.message_id)
        assert note is not None
        return note, created

    async def get_by_message(
        self, platform: str, channel_id: str, message_id: str
    ) -> NoteRecord | None:
        rows = await self._select(
            " WHERE platform = ? AND channel_id = ? AND message_id = ?",
            (platform, channel_id, message_id),
        )
        return rows[0] if rows else None

    async def find_by_message(self, platform: str, message_id: str) -> list[NoteRecord]:
        """Notes for a message id when the platform did not say which channel (deletions)."""
        return await self._select(" WHERE platform = ? AND message_id = ?", (platform, message_id))

    async def edit(self, note_id: int, text: str, at: datetime) -> bool:
        """Replace a note's text, keeping the old one; False if unchanged or deleted."""
        async with self._db.transaction() as conn:
            rows = await conn.execute_fetchall(
                "SELECT text, updated_at FROM notes WHERE id = ? AND deleted_at IS NULL",
                (note_id,),
            )
            row = next(iter(rows), None)
            if row is None or row["text"] == text:
                return False
            await conn.execute(
                "INSERT INTO note_edits (note_id, text, edited_at) VALUES (?, ?, ?)",
                (note_id, row["text"], row["updated_at"]),
            )
            await conn.execute(
                "UPDATE notes SET text = ?, updated_at = max(?, created_at) WHERE id = ?",
                (text, utc_timestamp(at), note_id),
            )
            return True

    async def history(self, note_id: int) -> list[tuple[str, datetime]]:
        """Earlier texts of a note with the time each was current from, oldest first."""
        rows = await self._db.conn.execute_fetchall(
            "SELECT text, edited_at FROM note_edits WHERE note_id = ? ORDER BY id", (note_id,)
        )
        return [(r["text"], parse_timestamp(r["edited_at"])) for r in rows]

    async def mark_deleted(self, note_id: int, at: datetime) -> bool:
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE notes SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                (utc_timestamp(at), note_id),
            )
            return cur.rowcount == 1

    async def recent(
        self, platform: str, workspace: str, *, topic: str | None = None,
        author_id: str | None = None, limit: int = 10,
    ) -> list[NoteRecord]:
        """Latest live notes of a workspace, optionally for one topic name or one author."""
        where = " WHERE platform = ? AND workspace = ? AND deleted_at IS NULL"
        params: list[object] = [platform, workspace]
        if topic is not None:
            where += " AND EXISTS (SELECT 1 FROM json_each(notes.topics) WHERE value = ?)"
            params.append(topic)
        if author_id is not None:
            where += " AND author_id = ?"
            params.append(author_id)
        return await self._select(where, tuple(params), order="DESC", limit=limit)

    async def latest_for_topics(
        self, platform: str, workspace: str, topic_names: Sequence[str], limit: int = 2,
        exclude_paper: str | None = None,
    ) -> list[NoteRecord]:
        """The newest live notes on any of ``topic_names`` (for quoting in thread prompts)."""
        names = list(dict.fromkeys(topic_names))
        if not names or limit <= 0:
            return []
        marks = ",".join("?" * len(names))
        where = (
            " WHERE platform = ? AND workspace = ? AND deleted_at IS NULL AND EXISTS"
            f" (SELECT 1 FROM json_each(notes.topics) WHERE value IN ({marks}))"
        )
        params: list[object] = [platform, workspace, *names]
        if exclude_paper is not None:
            where += " AND paper_key != ?"
            params.append(exclude_paper)
        return await self._select(where, tuple(params), order="DESC", limit=limit)

    async def for_export(
        self, *, platform: str | None = None, workspace: str | None = None,
        topic: str | None = None,
    ) -> list[NoteRecord]:
        """Live notes in writing order, optionally narrowed to a platform/workspace/topic."""
        where = " WHERE deleted_at IS NULL"
        params: list[object] = []
        for column, value in (("platform", platform), ("workspace", workspace)):
            if value is not None:
                where += f" AND {column} = ?"
                params.append(value)
        if topic is not None:
            where += " AND EXISTS (SELECT 1 FROM json_each(notes.topics) WHERE value = ?)"
            params.append(topic)
        return await self._select(where, tuple(params))

    async def _select(
        self, where: str, params: tuple[object, ...], *, order: str = "ASC",
        limit: int | None = None,
    ) -> list[NoteRecord]:
        sql = f"SELECT * FROM notes{where} ORDER BY created_at {order}, id {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = await self._db.conn.execute_fetchall(sql, params)
        return [_record(r) for r in rows]


def _record(r: sqlite3.Row) -> NoteRecord:
    return NoteRecord(
        id=r["id"], author_id=r["author_id"], author_name=r["author_name"],
        created_at=parse_timestamp(r["created_at"]), updated_at=parse_timestamp(r["updated_at"]),
        paper_key=r["paper_key"], paper_title=r["paper_title"],
        topics=tuple(json.loads(r["topics"])), text=r["text"], channel_id=r["channel_id"],
        root_message_id=r["root_message_id"], platform=r["platform"],
        workspace=r["workspace"], message_id=r["message_id"], paper_url=r["paper_url"],
        deleted_at=parse_timestamp(r["deleted_at"]) if r["deleted_at"] else None,
    )
