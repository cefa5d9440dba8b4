"""``/scoop status``: last fetch, next digest, counts, source health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fakes_digest import (
    CHANNEL,
    PLATFORM,
    WORKSPACE,
    Bot,
    FakeClock,
    FakePlatform,
    FakePort,
    add_topic,
    build_bot,
    paper,
)

from bot.messages import Text
from bot.store.db import Database
from bot.store.runs import RunStore

GDM = "Google DeepMind, London"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with await Database.open(tmp_path / "bot.db") as db:
        yield build_bot(db, FakePort(FakePlatform()),
                        FakeClock(datetime(2026, 11, 20, 8, 0, tzinfo=UTC)))


def _lines(result: object) -> list[str]:
    (msg,) = result.messages  # type: ignore[attr-defined]
    assert isinstance(msg, Text)
    return msg.body.splitlines()


async def test_status_of_a_fresh_bot(bot: Bot) -> None:
    lines = _lines(await bot.service.status(PLATFORM, WORKSPACE, CHANNEL))
    assert lines == [
        "Last fetch: none yet (it runs nightly after arXiv's 20:00 US-Eastern announcement)",
        "Next digest here: not subscribed (use /scoop subscribe)",
        "Counts: 0 papers, 0 active topics, 0 notes, 0 papers posted",
        "Source health: no runs yet",
    ]


async def _seed(bot: Bot) -> None:
    await add_topic(bot, "U_ana", "diffusion", "diffusion")
    await add_topic(bot, "U_ben", "planning", "planning")
    await add_topic(bot, "U_cy", "trajectories", "trajectory")
    await bot.papers.upsert_papers([
        paper("2611.00001", "Diffusion planning of trajectory", "We plan.", affiliations=[GDM]),
        paper("2611.00002", "Diffusion for proteins", "A university study."),
        paper("2611.00003", "Unrelated optics", "Lenses.", affiliations=[GDM]),
    ])


async def test_status_reports_fetch_next_digest_counts_health(bot: Bot) -> None:
    clock = bot.service.clock
    await _seed(bot)
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "mon,thu 09:00")
    runs = RunStore(bot.db)
    await runs.record("fetch", "arxiv", "announced", started=clock(), finished=clock(),
                      day=date(2026, 11, 20), detail={"counts": {"new": 3, "updated": 0}})
    await runs.record("enrich", "openalex", "error", started=clock(), finished=clock(),
                      detail={"reason": "HTTP 503"})
    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    lines = _lines(await bot.service.status(PLATFORM, WORKSPACE, CHANNEL))
    assert lines[0] == ("Last fetch: announced at Fri 2026-11-20 09:00 CET; for the "
                        "announcement of 2026-11-20; 3 new, 0 updated")
    assert lines[1] == ("Next digest here: Mon 2026-11-23 09:00 CET (Mon, Thu at 09:00 "
                        "Europe/Berlin (industry-only))")
    assert lines[2] == "Last digest here: Fri 2026-11-20 09:00 CET"
    assert lines[3] == "Counts: 3 papers, 3 active topics, 0 notes, 1 paper posted"
    assert "OpenAlex (enrich): last ok never, last failure Fri 2026-11-20 09:00 CET - " \
           "FAILING: HTTP 503" in lines[4]
    assert "arXiv feed (fetch): last ok Fri 2026-11-20 09:00 CET" in lines[4]
