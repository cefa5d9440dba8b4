"""SourceState: JSON values per (source, key) that survive a restart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.store.db import Database
from bot.store.source_state import SourceState


async def test_get_set_overwrite_and_delete(db: Database) -> None:
    state = SourceState(db)
    assert await state.get("arxiv-rss", "etag") is None
    assert await state.get("arxiv-rss", "etag", default="none") == "none"
    await state.set("arxiv-rss", "etag", 'W/"abc"')
    await state.set("arxiv-rss", "last_seen", {"announced": "2024-11-28", "ids": ["2411.1"]})
    await state.set("openalex", "etag", 7)
    assert await state.get("arxiv-rss", "etag") == 'W/"abc"'
    await state.set("arxiv-rss", "etag", 'W/"def"')
    assert await state.get("arxiv-rss", "etag") == 'W/"def"'
    assert await state.all("arxiv-rss") == {
        "etag": 'W/"def"',
        "last_seen": {"announced": "2024-11-28", "ids": ["2411.1"]},
    }
    await state.delete("arxiv-rss", "etag")
    assert await state.get("arxiv-rss", "etag") is None
    assert await state.get("openalex", "etag") == 7


@pytest.mark.parametrize("value", [None, True, 0, 1.5, "ü", [], {"a": [1, {"b": None}]}])
async def test_json_values_round_trip(db: Database, value: object) -> None:
    state = SourceState(db)
    await state.set("s", "k", value)
    assert await state.get("s", "k", default="missing") == value


async def test_unserialisable_value_is_rejected_before_writing(db: Database) -> None:
    state = SourceState(db)
    with pytest.raises(TypeError):
        await state.set("s", "k", date(2024, 11, 28))
    assert await state.all("s") == {}


async def test_state_survives_reopen_with_timestamp(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    async with await Database.open(path) as db:
        await SourceState(db).set("s", "cursor", "abc", now=datetime(2024, 11, 28, 1, tzinfo=UTC))
    async with await Database.open(path) as db:
        assert await SourceState(db).get("s", "cursor") == "abc"
        rows = await db.conn.execute_fetchall("SELECT updated_at FROM source_state")
        assert next(iter(rows))[0] == "2024-11-28T01:00:00+00:00"
