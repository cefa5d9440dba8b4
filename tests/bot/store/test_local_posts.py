"""``LocalPostStore``: what a chat without readable history answers crash recovery from."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store.db import Database
from bot.store.local_posts import LocalPostStore

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


async def test_markers_match_whole_per_channel_and_top_level_only(db: Database) -> None:
    posts = LocalPostStore(db)
    await posts.record("console", "console", "a.1", thread_root_id=None,
                       marker="sw:jsonl:p-10", now=NOW)
    await posts.record("console", "console", "a.2", thread_root_id="a.1",
                       marker="sw:jsonl:p-1", now=NOW)  # not a top-level post: never a card
    await posts.record("console", "other", "a.3", thread_root_id=None,
                       marker="sw:jsonl:p-1", now=NOW)
    assert await posts.by_marker("console", "console", "sw:jsonl:p-1") is None
    assert await posts.by_marker("console", "console", "sw:jsonl:p-10") == "a.1"
    assert await posts.by_marker("console", "other", "sw:jsonl:p-1") == "a.3"


async def test_first_reply_in_a_thread_across_sessions(db: Database) -> None:
    posts = LocalPostStore(db)
    assert await posts.first_reply("console", "console", "a.1") is None
    await posts.record("console", "console", "b.1", thread_root_id="a.1", marker=None, now=NOW)
    await posts.record("console", "console", "b.2", thread_root_id="a.1", marker=None, now=NOW)
    await posts.record("console", "console", "b.3", thread_root_id="a.7", marker=None, now=NOW)
    assert await posts.first_reply("console", "console", "a.1") == "b.1"
    assert await posts.first_reply("console", "console", "a.7") == "b.3"


async def test_numbers_go_on_and_find_their_posts(db: Database) -> None:
    posts = LocalPostStore(db)
    assert await posts.last_number("console", "console") == 0
    await posts.record("console", "console", "a.1", thread_root_id=None, marker="sw:p",
                       now=NOW, number=1)
    await posts.record("console", "console", "a.2", thread_root_id="a.1", marker=None,
                       now=NOW, number=2)
    await posts.keep_number("console", "console", 5)  # a command's answer, not kept
    await posts.keep_number("console", "console", 3)  # the mark never goes down
    assert await posts.last_number("console", "console") == 5
    assert await posts.last_number("console", "other") == 0
    assert await posts.by_number("console", "console", 2) == ("a.2", "a.1")
    assert await posts.by_number("console", "console", 1) == ("a.1", None)
    assert await posts.by_number("console", "console", 5) is None
    assert await posts.numbers("console", "console", ["a.1", "a.2", "b.9"]) == {
        "a.1": 1, "a.2": 2}
    assert await posts.numbers("console", "console", []) == {}
