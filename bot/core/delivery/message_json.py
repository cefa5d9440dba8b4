"""The exact messages an outbox row posts, as JSON text in the row.

A row stores the message as it was composed when the intent was recorded, so a resume after a
restart posts what the digest meant, not what a re-composition would give today. Reading back
is pydantic's, from the message dataclasses themselves; rows written before a field existed
are completed here.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import TypeAdapter

from bot.messages import DigestHeader, PaperCard, ThreadPrompt, ThreadReminder

M = TypeVar("M", PaperCard, ThreadPrompt, DigestHeader, ThreadReminder)

# Lists whose items gained ``member_name`` later: older rows show the member id instead.
_NAMED_LISTS = ("matches", "topic_hits")


def _iso(value: object) -> str:
    """``json.dumps`` default for the dates in messages."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(message: PaperCard | ThreadPrompt | DigestHeader | ThreadReminder) -> str:
    return json.dumps(asdict(message), default=_iso, ensure_ascii=False)


_READERS: dict[type, TypeAdapter[Any]] = {
    kind: TypeAdapter(kind) for kind in (PaperCard, ThreadPrompt, DigestHeader, ThreadReminder)}


def from_json(kind: type[M], text: str) -> M:
    """The ``kind`` message stored as ``text`` by ``to_json`` (now or by an older version)."""
    data: dict[str, Any] = json.loads(text)
    for name in _NAMED_LISTS:
        for item in data.get(name, ()):
            item.setdefault("member_name", item["member_id"])
    message: M = _READERS[kind].validate_python(data)
    return message
