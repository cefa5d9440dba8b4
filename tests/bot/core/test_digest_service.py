"""DigestService end to end on a real database with a fake chat platform."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
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
    Fault,
    Flaky,
    add_topic,
    build_bot,
    paper,
)

from bot.config import load_config
from bot.core.digests.service import DigestSettings
from bot.messages import Text
from bot.models import AnnounceType
from bot.store.db import Database
from bot.store.notes import NoteDraft
from bot.store.runs import RunStore

FRIDAY_9_BERLIN = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
GDM = "Google DeepMind, London"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with await Database.open(tmp_path / "bot.db") as database:
        yield database


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FRIDAY_9_BERLIN)


def _text(result: object) -> str:
    (msg,) = result.messages  # type: ignore[attr-defined]
    assert isinstance(msg, Text)
    return msg.body


async def _seed(bot: Bot) -> None:
    """Three members; one paper matching all three (industry), one non-industry match."""
    await add_topic(bot, "U_ana", "diffusion", "diffusion")
    await add_topic(bot, "U_ben", "planning", "planning")
    await add_topic(bot, "U_cy", "trajectories", "trajectory")
    await bot.papers.upsert_papers([
        paper("2611.00001", "Diffusion planning of trajectory", "We plan.", affiliations=[GDM],
              authors=("A", "B", "C", "D")),
        paper("2611.00002", "Diffusion for proteins", "A university study."),
        paper("2611.00003", "Unrelated optics", "Lenses.", affiliations=[GDM]),
    ])


async def test_subscribe_replies_with_schedule_and_next_run(bot: Bot) -> None:
    changes = []

    async def changed() -> None:
        changes.append(1)

    bot.service.on_subscriptions_changed(changed)
    res = await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U_admin",
                                      "mon,thu 09:00 Europe/Berlin")
    assert res.ok and res.public
    assert _text(res) == ("Subscribed this channel to digests: Mon, Thu at 09:00 Europe/Berlin "
                          "(industry-only). Next digest: Mon 2026-11-23 09:00 CET.")
    res = await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U_admin",
                                      "all-papers 07:30 America/New_York")
    assert _text(res).startswith("Updated this channel's digest: weekdays (Mon-Fri) at 07:30 "
                                 "America/New_York (all-papers). Next digest: Fri 2026-11-20 ")
    bad = await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U_admin", "mon 9am")
    assert not bad.ok and _text(bad) == "'9am' is not a time; expected HH:MM on a 24-hour clock"
    assert len(await bot.service.subscriptions.all()) == 1 and len(changes) == 2
    assert (await bot.service.unsubscribe(PLATFORM, WORKSPACE, CHANNEL)).ok
    assert not (await bot.service.unsubscribe(PLATFORM, WORKSPACE, CHANNEL)).ok
    assert len(changes) == 3


async def test_digest_posts_header_cards_threads_prompts(bot: Bot, platform: FakePlatform
                                                         ) -> None:
    await _seed(bot)
    res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    assert res.ok and _text(res).startswith("Digest posted (2026-11-14 to 2026-11-20): 1 of 1")
    (header,) = platform.headers()
    assert (header.papers_seen, header.overlaps, header.shown) == (3, 1, 1)
    assert {h.topic for h in header.topic_hits} == {"diffusion", "planning", "trajectories"}
    (card,) = platform.cards()  # one card for three members; the non-industry one is left out
    assert card.paper_key == "2611.00001"
    assert set(card.member_ids) == {"U_ana", "U_ben", "U_cy"}
    assert card.labs[0].company == "Google" and card.labs[0].evidence == GDM
    assert card.authors == ("A", "B", "C") and card.et_al
    (prompt,) = platform.prompts()
    assert set(prompt.mentions) == {"U_ana", "U_ben", "U_cy"}
    card_msg = platform.top()[1]
    assert platform.in_thread(card_msg.message_id)[0].message == prompt
    stored = await bot.service.posts.find_by_thread(PLATFORM, CHANNEL, card_msg.message_id)
    assert stored is not None and stored.state == "done"
    assert set(stored.topics) == {"diffusion", "planning", "trajectories"}


async def test_all_papers_mode_includes_non_industry(bot: Bot, platform: FakePlatform) -> None:
    await _seed(bot)
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily all-papers")
    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    assert [c.paper_key for c in platform.cards()] == ["2611.00001", "2611.00002"]
    assert platform.cards()[1].labs == ()


async def test_one_post_per_paper_per_channel_ever(bot: Bot, platform: FakePlatform) -> None:
    await _seed(bot)
    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    # A new version arrives (replace); asking again from the start must not repost it.
    await bot.papers.upsert_papers([replace(
        paper("2611.00001", "Diffusion planning of trajectory v2", "We plan.",
              affiliations=[GDM], announce_type=AnnounceType.REPLACE,
              announced=date(2026, 11, 20)), version=2)])
    res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL, since=date(2026, 11, 1))
    assert "already posted in this channel" in _text(res)
    assert len(platform.cards()) == 1 and len(platform.prompts()) == 1
    # Another channel is another audience.
    await bot.service.digest_now(PLATFORM, WORKSPACE, "C2")
    assert len(platform.cards("C2")) == 1


async def test_max_papers_and_the_rest(db: Database, platform: FakePlatform,
                                       clock: FakeClock) -> None:
    bot = build_bot(db, FakePort(platform), clock,
                    settings=DigestSettings(timezone="Europe/Berlin", max_papers=2))
    await add_topic(bot, "U_ana", "diffusion", "diffusion")
    await bot.papers.upsert_papers([
        paper(f"2611.0000{i}", "diffusion " * i, affiliations=[GDM]) for i in range(1, 4)])
    res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    (header,) = platform.headers()
    assert (header.overlaps, header.shown) == (3, 2)
    assert header.more_hint == "1 more: /scoop digest now since 2026-11-14"
    assert "1 more: /scoop digest now since 2026-11-14" in _text(res)
    assert [c.paper_key for c in platform.cards()] == ["2611.00003", "2611.00002"]
    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL, since=date(2026, 11, 14))
    assert [c.paper_key for c in platform.cards()][-1] == "2611.00001"


async def test_cursor_moves_and_quiet_reasons(bot: Bot, platform: FakePlatform,
                                              clock: FakeClock) -> None:
    await _seed(bot)
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily")
    await bot.service.run_scheduled(PLATFORM, CHANNEL)
    sub = await bot.service.subscriptions.get(PLATFORM, CHANNEL)
    assert sub is not None and sub.last_covered_until == date(2026, 11, 19)
    assert sub.last_digest_at == FRIDAY_9_BERLIN
    # Friday 09:00: today's feed (dated 11-20) was never fetched and the fetch failed.
    runs = RunStore(bot.db)
    await runs.record("fetch", "arxiv", "stale", started=clock(), finished=clock(),
                      day=date(2026, 11, 20), detail={"reason": "the feed still shows 11-19"})
    clock.advance(hours=1)
    await bot.service.run_scheduled(PLATFORM, CHANNEL)
    assert platform.headers()[-1].quiet_reason == (
        "source failure - arXiv fetch for 2026-11-20: the feed still shows 11-19")
    await runs.record("fetch", "arxiv", "announced", started=clock(), finished=clock(),
                      day=date(2026, 11, 20))
    await runs.record("fetch", "arxiv", "no_announcement", started=clock(), finished=clock(),
                      day=date(2026, 11, 21))
    clock.now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # Sunday
    await bot.service.run_scheduled(PLATFORM, CHANNEL)
    header = platform.headers()[-1]
    assert (header.date_from, header.date_to) == (date(2026, 11, 20), date(2026, 11, 22))
    assert header.quiet_reason == (
        "no announcement: no new arXiv papers were fetched for these dates")
    async with bot.db.transaction() as conn:
        await bot.service.subscriptions.mark_digest_in(conn, PLATFORM, CHANNEL, at=clock(),
                                                       covered_until=date(2026, 11, 20))
    await bot.service.run_scheduled(PLATFORM, CHANNEL)
    assert platform.headers()[-1].quiet_reason.startswith("weekend")  # type: ignore[union-attr]
    await bot.papers.upsert_papers([paper("2611.00009", "Optics", announced=date(2026, 11, 23))])
    clock.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    await bot.service.run_scheduled(PLATFORM, CHANNEL)
    assert platform.headers()[-1].quiet_reason == (
        "announcement but no overlap: 1 new paper, none matched your 3 topics")


async def test_topic_added_today_finds_last_weeks_papers(bot: Bot, platform: FakePlatform
                                                         ) -> None:
    await bot.papers.upsert_papers([paper("2611.00001", "Sparse attention", "x",
                                          affiliations=["OpenAI"], announced=date(2026, 11, 16))])
    await add_topic(bot, "U_ana", "sparse", "sparse attention")
    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    assert [c.paper_key for c in platform.cards()] == ["2611.00001"]


async def test_prompt_quotes_earlier_notes(bot: Bot, platform: FakePlatform) -> None:
    await _seed(bot)
    await bot.notes.add(NoteDraft(
        PLATFORM, WORKSPACE, CHANNEL, "old-root", "old-msg", "2610.09999", "An older paper",
        None, ("diffusion",), "U_ana", "Ana", "We condition on maps, they do not.",
        datetime(2026, 10, 30, tzinfo=UTC)))
    await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    (prompt,) = platform.prompts()
    (quoted,) = prompt.quoted_notes
    assert (quoted.author_name, quoted.paper_title) == ("Ana", "An older paper")
    assert quoted.text == "We condition on maps, they do not."


async def test_digest_now_without_adapter_or_in_the_future(bot: Bot) -> None:
    res = await bot.service.digest_now("slack", WORKSPACE, CHANNEL)
    assert not res.ok and _text(res) == "No slack adapter is running."
    res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL, since=date(2027, 1, 1))
    assert not res.ok and "future" in _text(res)


async def test_platform_failure_is_a_reply_not_a_crash(db: Database, platform: FakePlatform,
                                                       clock: FakeClock) -> None:
    bot = build_bot(db, FakePort(platform, [Fault("header", "before", 0, Flaky)]), clock)
    await _seed(bot)
    res = await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)
    assert not res.ok and _text(res).startswith("The digest could not be posted")
    assert "header before" not in _text(res) and "Flaky" not in _text(res)  # no internals
    assert platform.messages == []
    assert (await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok
    assert len(platform.cards()) == 1


def test_settings_from_the_real_config() -> None:
    config = load_config(env={}, cwd=Path("/nonexistent-scoopwatch-dir"))
    settings = DigestSettings.from_config(config)
    assert (settings.default_days, settings.default_time, settings.mode) == (
        "mon,tue,wed,thu,fri", "09:00", "industry-only")
    assert settings.max_papers == 10 and settings.timezone == config.bot.timezone
    assert date(2026, 11, 26) in settings.holidays
