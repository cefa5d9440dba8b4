"""The numbers behind ``/scoop trends`` on a store with known papers, flags and notes: papers
per week and company, notes per week, week boundaries in the lab's time zone; the refresh that
gives a new topic and backfilled papers their history; the command's answers."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import build_core
from bot.config import build_config
from bot.core.commands.parser import parse
from bot.core.commands.spec import CommandError
from bot.core.facade import Core
from bot.core.trends.chart import INSTALL_HINT
from bot.core.trends.data import week_counts
from bot.core.trends.service import TrendService, TrendSettings
from bot.industry.registry import Registry
from bot.messages import File, Text
from bot.ports import Actor, CommandEvent, CommandResult
from bot.store.db import Database
from bot.store.overlaps import StoredFlag
from bot.store.stores import Stores
from bot.store.trends import LabScope
from tests.bot.core.trends_lab import (
    DIFFUSION,
    EXPECTED,
    EXPECTED_ALL,
    NOW,
    RLHF,
    TIMEZONE,
    WEEKS,
    seed,
)

PLATFORM, WORKSPACE = "console", "lab"
CONFIG = build_config({"bot": {"timezone": TIMEZONE}}, env={})


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[Stores]:
    async with await Database.open(tmp_path / "trends.db") as db:
        found = Stores.on(db)
        await seed(found, PLATFORM, WORKSPACE)
        yield found


def service_of(stores: Stores, now: datetime = NOW) -> TrendService:
    """The service as the bot builds it: the pipeline's matcher, the registry's detector."""
    core, _ = build_core(CONFIG, stores, clock=lambda: now)
    assert core.services.trends is not None
    return core.services.trends


def rows(trend: Any) -> list[tuple[date, dict[str, int], int]]:
    return week_counts(trend)


async def test_counts_per_week_and_company_and_notes_per_week(stores: Stores) -> None:
    trend = await service_of(stores).trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 4)
    assert rows(trend) == EXPECTED
    assert trend.window.mondays == WEEKS
    assert trend.total_papers == 5 and trend.total_notes == 2


async def test_all_topics_of_the_lab_and_only_this_lab(stores: Stores) -> None:
    trend = await service_of(stores).trend(LabScope(PLATFORM, WORKSPACE), 4)
    assert rows(trend) == EXPECTED_ALL
    other = await service_of(stores).trend(LabScope(PLATFORM, "another-lab"), 4)
    assert other.total_notes == 1  # its own note; its topic matches the same papers
    rlhf = await service_of(stores).trend(LabScope(PLATFORM, WORKSPACE, RLHF), 4)
    assert rows(rlhf)[2] == (WEEKS[2], {"Anthropic": 1}, 1) and rlhf.total_papers == 1


async def test_weeks_follow_the_labs_time_zone(stores: Stores) -> None:
    """The same note falls in the week before when the lab keeps UTC (it was written at 23:30
    UTC on Sunday 22 November, 00:30 on Monday in Berlin)."""
    core, _ = build_core(build_config({}, env={}), stores, clock=lambda: NOW)
    assert core.services.trends is not None
    trend = await core.services.trends.trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 4)
    assert [n for _, _, n in rows(trend)] == [0, 2, 0, 0]
    # Late on Sunday 29 Nov in Los Angeles it is Monday in UTC: the lab's week is still the
    # week of the 23rd there, and the chart ends with it.
    west = build_config({"bot": {"timezone": "America/Los_Angeles"}}, env={})
    core, _ = build_core(west, stores, clock=lambda: datetime.fromisoformat(
        "2026-11-30T07:00:00+00:00"))
    assert core.services.trends is not None
    trend = await core.services.trends.trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 4)
    assert trend.window.mondays[-1] == WEEKS[2]


async def test_counts_read_the_stored_flags(stores: Stores) -> None:
    """Without a matcher (a store read on its own) the counts are exactly the stored overlaps
    and flags: flags set by hand show, stacked by the strongest one."""
    await service_of(stores).trend(LabScope(PLATFORM, WORKSPACE), 4)  # fills the caches
    await stores.overlaps.save_flags({
        "2611.00001": [StoredFlag("Acme", None, "Acme Inc.", "legal-form", 0.4),
                       StoredFlag("OpenAI", "OpenAI", "openai.com", "email-domain", 0.9)],
        "2611.00004": [],  # no longer an industry paper
    }, NOW)
    reader = TrendService(stores, settings=TrendSettings(TIMEZONE), clock=lambda: NOW)
    trend = await reader.trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 4)
    assert rows(trend)[0] == (WEEKS[0], {"NVIDIA": 1}, 0)
    assert rows(trend)[2] == (WEEKS[2], {"OpenAI": 1}, 1)
    watched = TrendService(stores, settings=TrendSettings(TIMEZONE, include_unlisted=False),
                           clock=lambda: NOW)
    await stores.overlaps.save_flags({"2611.00001": [
        StoredFlag("Acme", None, "Acme Inc.", "legal-form", 0.4)]}, NOW)
    trend = await watched.trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 4)
    assert rows(trend)[2] == (WEEKS[2], {}, 1)


async def test_a_new_topic_and_backfilled_papers_get_their_history(stores: Stores) -> None:
    """Before the first chart nothing was matched (papers were only stored); the refresh
    matches the whole window once, then only what changed."""
    assert await stores.overlaps.count() == 0
    service = service_of(stores)
    trend = await service.trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 4)
    assert trend.total_papers == 5
    window = trend.window
    assert await service.refresh(window) == 0  # nothing changed since
    await stores.topics.add(PLATFORM, WORKSPACE, "ana", "robots", "legged robot*", NOW)
    assert await service.refresh(window) == 7  # a new topic: every first announcement again
    trend = await service.trend(LabScope(PLATFORM, WORKSPACE, "robots"), 4)
    assert rows(trend)[2] == (WEEKS[2], {"Google": 1}, 0)
    later = NOW + timedelta(hours=1)
    from tests.bot.core.trends_lab import paper

    await stores.papers.upsert_papers([paper("2611.00010", "Diffusion planning, live",
                                             ("NVIDIA Research",), date(2026, 11, 30))],
                                      now=later)
    assert await service.refresh(window) == 1  # only the paper stored since
    longer = (await service.trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 30)).window
    assert longer.start < window.start
    assert await service.refresh(longer) == 0  # the 30-week refresh just ran inside trend()



async def test_a_labs_corrections_count_as_in_its_digests(stores: Stores) -> None:
    """A 🏢 on the card of the Google paper of the week of 23 Nov: that paper is no industry
    paper on this lab's chart, and neither is another paper flagged by the same evidence; a
    paper flagged by other evidence, and another lab's chart, stay as they were."""
    service = service_of(stores)
    await service.trend(LabScope(PLATFORM, WORKSPACE), 4)  # matches and flags the window
    wrong = "2611.00001"
    rows_ = await stores.db.conn.execute_fetchall(
        "SELECT company, lab, evidence, via, confidence FROM paper_flags WHERE paper_key = ?",
        (wrong,))
    flags = [StoredFlag(r[0], r[1], r[2], r[3], float(r[4])) for r in rows_]
    assert flags and {f.company for f in flags} == {"Google"}
    # The July paper (2607.00008) has the same affiliation: in 26 weeks, not in 4.
    async with stores.db.transaction() as conn:  # the card the reaction is on
        await conn.execute(
            "INSERT INTO posts (platform, workspace, channel_id, paper_key, marker, state,"
            " card_message_id, card, prompt, created_at, updated_at) VALUES (?, ?, 'C1', ?,"
            " 'sw:paper:1', 'done', 'card', '{}', '{}', ?, ?)",
            (PLATFORM, WORKSPACE, wrong, NOW.isoformat(), NOW.isoformat()))
    before = await service.trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 26)
    assert await stores.flag_corrections.correct(
        platform=PLATFORM, workspace=WORKSPACE, channel_id="C1", message_id="card",
        paper_key=wrong, member_id="ana", at=NOW, flags=flags)

    trend = await service.trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 4)
    assert rows(trend) == [EXPECTED[0], EXPECTED[1], (WEEKS[2], {}, 1), EXPECTED[3]]
    longer = await service.trend(LabScope(PLATFORM, WORKSPACE, DIFFUSION), 26)
    assert longer.total_papers == before.total_papers - 2  # the paper and its evidence twin
    other = await service.trend(LabScope(PLATFORM, "another-lab", DIFFUSION), 4)
    assert rows(other)[2][1] == {"Google": 1}

# --- the command ------------------------------------------------------------------------------


async def ask(stores: Stores, text: str) -> CommandResult:
    core = Core(stores, registry=Registry.default(), clock=lambda: NOW,
                trends=service_of(stores))
    return await core.handle_command(CommandEvent(PLATFORM, WORKSPACE, "C1",
                                                  Actor("ana", "ana"), f"/scoop {text}"))


def text_of(result: CommandResult) -> str:
    (answer,) = result.messages
    assert isinstance(answer, Text)
    return answer.body


@pytest.mark.parametrize("text", [f"trends {DIFFUSION} 4", f"trends 4 {DIFFUSION}"])
async def test_the_command_posts_a_png_in_the_channel(stores: Stores, text: str) -> None:
    result = await ask(stores, text)
    (chart,) = result.messages
    assert isinstance(chart, File) and result.public and result.ok
    assert chart.mime_type == "image/png" and chart.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert chart.filename == "trends-diffusion-planning-2026-11-30.png"
    assert chart.comment == ("Industry papers on diffusion-planning, last 4 weeks: 5 papers "
                             "(Google 2, Meta 1, Microsoft 1); 2 lab notes.")


async def test_the_default_is_every_topic_over_26_weeks(stores: Stores) -> None:
    result = await ask(stores, "trends")
    (chart,) = result.messages
    assert isinstance(chart, File) and chart.filename == "trends-all-topics-2026-11-30.png"
    assert chart.comment is not None and "last 26 weeks: 7 papers" in chart.comment


@pytest.mark.parametrize(("text", "answer"), [
    ("trends 0", "must be a whole number from 1 to 999"),
    ("trends 105", "WEEKS must be from 1 to 104 (got 105). Usage: /scoop trends [TOPIC] [weeks]"),
    ("trends no-such-topic", 'No topic named "no-such-topic"'),
    ("trends rlhf 4 4", 'unexpected "4"'),
])
async def test_bad_arguments_get_one_sentence(stores: Stores, text: str, answer: str) -> None:
    result = await ask(stores, text)
    assert answer in text_of(result) and not result.ok


async def test_a_quiet_window_says_so_instead_of_an_empty_chart(stores: Stores) -> None:
    result = await ask(stores, f"trends {RLHF} 1")
    assert text_of(result) == (
        "No industry paper matched and no note was written on rlhf in the last 1 weeks "
        "(since 2026-11-30), so there is no trend to chart yet. Past papers can be loaded "
        "with scoopwatch backfill.")


async def test_no_topics_no_chart(tmp_path: Path) -> None:
    async with await Database.open(tmp_path / "empty.db") as db:
        result = await ask(Stores.on(db), "trends")
    assert text_of(result).startswith("No topics here yet")


async def test_without_matplotlib_the_answer_says_what_to_install(
        stores: Stores, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = await ask(stores, "trends")
    assert text_of(result) == INSTALL_HINT
    assert "install scoopwatch[charts]" in INSTALL_HINT and not result.ok


async def test_the_bot_builds_trends_with_the_labs_zone_and_digest_setting(
        stores: Stores) -> None:
    config = build_config({"bot": {"timezone": TIMEZONE},
                           "digest": {"include_unlisted_companies": False}}, env={})
    core, _ = build_core(config, stores, clock=lambda: NOW)
    assert core.services.trends is not None
    assert core.services.trends.settings == TrendSettings(TIMEZONE, include_unlisted=False)


@given(st.text(max_size=60))
def test_any_text_after_trends_parses_or_gets_one_sentence(text: str) -> None:
    """Whatever a member types after ``/scoop trends``: a topic and a number of weeks, or a
    CommandError that names the usage (never another exception)."""
    try:
        parsed = parse(f"trends {text}")
    except CommandError as exc:
        assert str(exc)
        return
    assert set(parsed.args) <= {"topic", "weeks"}
    weeks = parsed.args.get("weeks")
    assert weeks is None or (isinstance(weeks, int) and 1 <= weeks <= 999)
