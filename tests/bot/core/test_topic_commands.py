"""Topic commands through the core: add/edit report, errors, nothing partly saved, lists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from pathlib import Path

import pytest
from test_core_support import Env, body, cmd, make_env, paper

from bot.messages import Text
from bot.models import AnnounceType, Paper
from bot.store.topics import TopicStore

PAPERS = [
    paper("2411.00001", "Diffusion planning for robots", "We plan with diffusion models."),
    paper("2411.00002", "Diffusion models for images", "Image generation with diffusion."),
    paper("2411.00003", "Trajectory optimization", "Planning with diffusion priors.",
          day=date(2024, 11, 25)),
    paper("2411.00004", "Language models", "Benchmarks for planning."),
    paper("2411.00005", "Old diffusion planning", "diffusion planning", day=date(2024, 11, 20)),
    paper("2411.00006", "Replaced diffusion planning", "diffusion planning",
          kind=AnnounceType.REPLACE),
]


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    env = await make_env(tmp_path, papers=PAPERS)
    yield env
    await env.db.close()


async def test_add_reports_parsed_query_matches_examples_and_warnings(env: Env) -> None:
    result = await env.core.handle_command(cmd("topic add diffusion-planning diffusion planning"))
    assert result.ok
    (message,) = result.messages
    assert isinstance(message, Text) and message.title == 'Topic "diffusion-planning" saved'
    text = message.body
    assert "Query: diffusion AND planning" in text
    # Window: 7 days back from the newest stored announcement (2024-11-22 .. 2024-11-28);
    # only new/cross papers count, so 00005 (too old) and 00006 (replace) are left out.
    assert "Last 7 days (2024-11-22 to 2024-11-28): would have matched 2 of 4 papers." in text
    assert "  - Diffusion planning for robots https://arxiv.org/abs/2411.00001" in text
    assert "Warning: diffusion appears in 75% of papers" in text
    stored = await TopicStore(env.db).get("slack", "T1", "U1", "diffusion-planning")
    assert stored is not None and stored.query == "diffusion planning"
    assert stored.member_name == "ana"


async def test_add_duplicate_name_is_refused(env: Env) -> None:
    await env.core.handle_command(cmd("topic add planning planning"))
    result = await env.core.handle_command(cmd("topic add planning other words"))
    assert not result.ok
    assert 'You already have a topic named "planning"' in body(result)
    assert "/scoop topic edit planning QUERY" in body(result)
    # Another member may use the same name.
    other = await env.core.handle_command(cmd("topic add planning planning", member="U2",
                                              name="bo"))
    assert other.ok


async def test_bad_query_points_at_the_column_and_saves_nothing(env: Env) -> None:
    result = await env.core.handle_command(cmd("topic add broken diffusion (planning"))
    assert not result.ok
    assert body(result) == ("Bad query: unbalanced parenthesis at column 11\n"
                            "  diffusion (planning\n"
                            "            ^")
    assert await TopicStore(env.db).list_for_workspace("slack", "T1") == []


async def test_bad_slug_saves_nothing(env: Env) -> None:
    result = await env.core.handle_command(cmd("topic add My_Topic diffusion"))
    assert not result.ok and 'try "my-topic"' in body(result)
    assert await TopicStore(env.db).list_for_workspace("slack", "T1") == []


async def test_edit_remove_pause_resume_and_unknown_topic(env: Env) -> None:
    core = env.core
    await core.handle_command(cmd("topic add planning planning"))
    edited = await core.handle_command(cmd("topic edit planning trajectory"))
    assert 'Topic "planning" updated' in edited.messages[0].title  # type: ignore[union-attr,operator]
    assert "would have matched 1 of 4" in body(edited)
    bad_edit = await core.handle_command(cmd("topic edit planning (x"))
    assert not bad_edit.ok
    assert (await TopicStore(env.db).get("slack", "T1", "U1", "planning")).query == "trajectory"
    assert "paused" in body(await core.handle_command(cmd("topic pause planning")))
    assert "(paused)" in body(await core.handle_command(cmd("topic list")))
    assert "resumed" in body(await core.handle_command(cmd("topic resume planning")))
    for verb in ("edit nope x", "remove nope", "pause nope", "resume nope"):
        result = await core.handle_command(cmd(f"topic {verb}"))
        assert not result.ok
        assert body(result) == 'You have no topic named "nope". Your topics: planning.'
    assert "removed" in body(await core.handle_command(cmd("topic remove planning")))
    result = await core.handle_command(cmd("topic remove planning"))
    assert body(result).endswith("You have no topics yet.")


async def test_preview_reports_without_saving(env: Env) -> None:
    result = await env.core.handle_command(cmd("preview diffusion images"))
    assert result.ok and result.messages[0].title == "Preview (not saved)"  # type: ignore[union-attr]
    assert "would have matched 1 of 4 papers" in body(result)
    assert await TopicStore(env.db).list_for_workspace("slack", "T1") == []


async def test_topic_list_mine_member_and_all(env: Env) -> None:
    core = env.core
    assert "Your topics: none yet. Add one with" in body(await core.handle_command(
        cmd("topic list")))
    await core.handle_command(cmd("topic add a-topic planning"))
    await core.handle_command(cmd("topic add b-topic diffusion", member="U2", name="bo"))
    assert body(await core.handle_command(cmd("topic list"))) == (
        "Your topics (1):\n  a-topic: planning")
    assert body(await core.handle_command(cmd("topic list @bo"))) == (
        "@bo's topics (1):\n  b-topic: diffusion")
    assert body(await core.handle_command(cmd("topic list <@U2>"))).startswith("@bo's topics")
    assert body(await core.handle_command(cmd("topic list all"))) == (
        "All topics (2):\n  @ana a-topic: planning\n  @bo b-topic: diffusion")
    unknown = await core.handle_command(cmd("topic list @zed"))
    assert not unknown.ok and "No member @zed known here yet" in body(unknown)


async def test_preview_without_stored_papers(tmp_path: Path) -> None:
    env = await make_env(tmp_path)
    try:
        result = await env.core.handle_command(cmd("preview planning"))
        assert "No papers announced 2024-11-22 to 2024-11-28 are stored yet" in body(result)
    finally:
        await env.db.close()


async def test_a_member_is_capped_at_25_topics_admins_too(tmp_path: Path) -> None:
    env = await make_env(tmp_path, admins=["U1"], papers=PAPERS)
    try:
        core = env.core
        for n in range(25):
            assert (await core.handle_command(cmd(f"topic add t{n} planning"))).ok
        refused = await core.handle_command(cmd("topic add one-more diffusion"))
        assert not refused.ok
        assert body(refused).startswith(
            "You already have 25 topics, the most one member may have. Remove one with "
            "/scoop topic remove NAME or change one with /scoop topic edit NAME QUERY")
        assert await TopicStore(env.db).get("slack", "T1", "U1", "one-more") is None
        # the same name again is still "already have", editing and other members are free
        assert "already have a topic named" in body(
            await core.handle_command(cmd("topic add t3 planning")))
        assert (await core.handle_command(cmd("topic edit t3 diffusion"))).ok
        assert (await core.handle_command(cmd("topic add one-more x", member="U2",
                                              name="bo"))).ok
        await core.handle_command(cmd("topic pause t4"))  # paused topics still count
        assert not (await core.handle_command(cmd("topic add one-more diffusion"))).ok
        assert (await core.handle_command(cmd("topic remove t0"))).ok
        assert (await core.handle_command(cmd("topic add one-more diffusion"))).ok
    finally:
        await env.db.close()


async def test_the_cap_comes_from_the_config(tmp_path: Path) -> None:
    from bot.app import build_core
    from bot.config import build_config
    from bot.errors import ConfigError
    from bot.store.db import Database
    from bot.store.stores import Stores

    assert build_config({}, env={}, cwd=tmp_path).bot.max_topics_per_member == 25
    with pytest.raises(ConfigError, match="max_topics_per_member"):
        build_config({"bot": {"max_topics_per_member": 0}}, env={}, cwd=tmp_path)
    config = build_config({"bot": {"max_topics_per_member": 2}}, env={}, cwd=tmp_path)
    async with await Database.open(tmp_path / "bot.db") as db:
        core, _scheduler = build_core(config, Stores.on(db))
        assert (await core.handle_command(cmd("topic add a planning"))).ok
        assert (await core.handle_command(cmd("topic add b planning"))).ok
        assert "already have 2 topics" in body(await core.handle_command(cmd("topic add c x")))


async def test_a_preview_matches_off_the_event_loop(env: Env) -> None:
    """A preview over a university's week of papers is CPU work: another member's command is
    answered while it runs (the matcher is held until that answer, so this is an ordering)."""
    import asyncio
    import threading

    from test_core_support import FakeTools

    started, release = threading.Event(), threading.Event()

    class SlowTools(FakeTools):
        def matches(self, query: list[str], papers: Sequence[Paper]
                    ) -> list[tuple[Paper, float]]:
            started.set()
            release.wait(timeout=5)  # on the loop's own thread this freezes it that long
            return super().matches(query, papers)

    env.core.topics._tools = SlowTools()
    preview = asyncio.create_task(env.core.handle_command(cmd("preview diffusion")))
    while not started.is_set() and not preview.done():
        await asyncio.sleep(0.001)
    other = await env.core.handle_command(cmd("topic list", member="U2", name="bo",
                                              channel="C2"))
    answered_first = not release.is_set() and not preview.done()
    release.set()
    assert (await preview).ok and other.ok
    assert answered_first
