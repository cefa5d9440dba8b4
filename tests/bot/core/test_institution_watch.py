"""The nightly OpenAlex institution watch end to end, on a recorded OpenAlex page (respx): a
journal paper of a watched lab is stored, matched, flagged and posted with its venue and DOI;
with its arXiv twin it is one paper, posted once whichever version comes first; a watch cut
short or failing says so in /scoop status.

The page is the real answer of one OpenAlex title search (tests/fixtures/industry/README.md):
"Augmenting large language models with chemistry tools" (Nature Machine Intelligence, an
author at IBM Research - Zurich, whose lineage is IBM) and its arXiv preprint
"ChemCrow: Augmenting large-language models with chemistry tools" (2304.05376).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import yaml
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
)

from bot.core.digests.service import DigestSettings
from bot.core.ingest.institution_watch import (
    STATE,
    InstitutionWatch,
    WatchReport,
    WatchSettings,
    found_day,
)
from bot.core.ingest.pipeline import default_index_builder
from bot.core.scheduler import WATCH_JOB, Scheduler
from bot.industry.detector import detect
from bot.industry.registry import Registry
from bot.models import AnnounceType, Paper
from bot.sources.http import PoliteClient
from bot.sources.openalex import parse_openalex
from bot.sources.openalex_watch import InstitutionWorks
from bot.store.db import Database
from bot.store.runs import RunStore
from bot.store.source_state import SourceState
from tests.fixture_files import fixture_bytes

WORKS_URL = "https://api.openalex.org/works"
CHEMCROW = "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json"
PAGE_1 = "openalex/openalexpro_works_cursor_keypapers_page1.json"  # a next_cursor
LIST_CALLS = "openalex/openalexpro_vcr_2026-03_pro_request_list_count.yml"
JOURNAL, PREPRINT = "openalex:W4396723768", "2304.05376"
NIGHT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Sunday 21:00 in New York
MORNING = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin
REGISTRY = Registry.default()
INSTITUTIONS = [i for lab in REGISTRY.labs for i in lab.openalex_ids]


def recorded(relpath: str = CHEMCROW) -> httpx.Response:
    headers = yaml.safe_load(fixture_bytes(LIST_CALLS))["http_interactions"][0]["response"][
        "headers"]
    metered = {k: str(v) for k, v in headers.items() if k.startswith("x-ratelimit")}
    return httpx.Response(200, content=fixture_bytes(relpath),
                          headers={"content-type": "application/json", **metered})


def arxiv_twin(day: date) -> Paper:
    """The preprint as the arXiv feed announces it: OpenAlex's record of 2304.05376, with the
    announcement arXiv would give it (OpenAlex knows no categories)."""
    (record,) = [p for p in parse_openalex(fixture_bytes(CHEMCROW)).papers if p.key == PREPRINT]
    return replace(record, categories=("cs.LG",), primary_category="cs.LG", announced=day,
                   announce_type=AnnounceType.NEW, version=1, doi=None, url=None, extra={})


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with await Database.open(tmp_path / "bot.db") as db:
        bot = build_bot(db, FakePort(FakePlatform()), FakeClock(NIGHT), settings=DigestSettings(
            timezone="Europe/Berlin", openalex_watch=True))
        bot.pipeline.index_builder = default_index_builder
        bot.service.detect = lambda paper: detect(paper, REGISTRY)
        await add_topic(bot, "U_ana", "chem-agents", "chemistry AND tools")
        yield bot


async def run_watch(bot: Bot, *, clock: Any = None, **settings: Any) -> WatchReport:
    async with PoliteClient(contact_email=None, min_interval={}, default_interval=0.0) as client:
        watch = InstitutionWatch(
            source=InstitutionWorks(client, "oa-SECRET-4242", None), papers=bot.papers,
            runs=RunStore(bot.db), state=SourceState(bot.db), match=bot.pipeline.match,
            institutions=INSTITUTIONS, clock=clock or bot.service.clock,
            settings=WatchSettings(**settings))
        return await watch.run()


async def digest(bot: Bot, at: datetime) -> None:
    bot.service.clock.now = at  # type: ignore[attr-defined]
    assert (await bot.service.digest_now(PLATFORM, WORKSPACE, CHANNEL)).ok


def test_works_found_tonight_count_for_tonights_mailing_date() -> None:
    assert found_day(NIGHT) == date(2026, 11, 30)  # 21:00 ET Sunday: Monday's mailing
    assert found_day(datetime(2026, 11, 30, 0, 30, tzinfo=UTC)) == date(2026, 11, 29)  # 19:30
    assert found_day(datetime(2026, 11, 29, 23, 0, tzinfo=UTC)) == date(2026, 11, 29)


@respx.mock
async def test_a_journal_paper_of_a_watched_lab_is_stored_matched_and_posted(bot: Bot) -> None:
    route = respx.get(WORKS_URL).mock(return_value=recorded())
    report = await run_watch(bot)
    assert route.call_count == 1
    assert (report.works, report.new, report.joined, report.left_to_arxiv, report.matched) == (
        2, 1, 0, 1, 1)  # the preprint is arXiv's business: its paper is not stored here
    work = await bot.papers.get(JOURNAL)
    assert work is not None and await bot.papers.get(PREPRINT) is None
    assert (work.announced, work.announce_type) == (date(2026, 11, 30), AnnounceType.NEW)
    await digest(bot, MORNING)
    (card,) = bot.port.state.cards()
    assert card.paper_key == JOURNAL and card.title.startswith("Augmenting large language")
    assert card.venue == "Nature Machine Intelligence"
    assert card.doi == "10.1038/s42256-024-00832-8"
    assert card.doi_url == "https://doi.org/10.1038/s42256-024-00832-8"
    assert card.published == date(2024, 5, 8) and card.announced is None
    (ibm,) = card.labs
    assert ibm.company == "IBM" and ibm.via == "institution-id"
    assert [m.member_id for m in card.matches] == ["U_ana"]
    run = await RunStore(bot.db).latest("enrich", "openalex-watch")
    assert run is not None and run.ok and run.outcome == "ok"
    assert run.detail["counts"]["new"] == 1 and run.detail["remaining_usd"] == 199.9286


@respx.mock
async def test_arxiv_first_then_the_journal_version_is_not_posted_again(bot: Bot) -> None:
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily 09:00 all-papers")
    await bot.papers.upsert_papers([arxiv_twin(date(2026, 11, 27))])  # Friday's listing
    await digest(bot, MORNING - timedelta(days=3))
    assert [c.paper_key for c in bot.port.state.cards()] == [PREPRINT]
    respx.get(WORKS_URL).mock(return_value=recorded())
    bot.service.clock.now = NIGHT  # type: ignore[attr-defined]
    report = await run_watch(bot)
    assert (report.new, report.joined, report.left_to_arxiv) == (1, 1, 1)
    await digest(bot, MORNING)
    assert [c.paper_key for c in bot.port.state.cards()] == [PREPRINT]  # still one card
    header = bot.port.state.headers()[-1]
    assert header.overlaps == 0 and "1 already posted in this channel" in (
        header.quiet_reason or "")


@respx.mock
async def test_work_first_then_arxiv_announces_it_it_is_not_posted_again(bot: Bot) -> None:
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", "daily 09:00 all-papers")
    respx.get(WORKS_URL).mock(return_value=recorded())
    await run_watch(bot)
    await digest(bot, MORNING)
    assert [c.paper_key for c in bot.port.state.cards()] == [JOURNAL]
    await bot.papers.upsert_papers([arxiv_twin(date(2026, 12, 1))])  # arXiv, the next night
    await bot.pipeline.match([arxiv_twin(date(2026, 12, 1))])
    await digest(bot, MORNING + timedelta(days=1))
    assert [c.paper_key for c in bot.port.state.cards()] == [JOURNAL]  # still one card
    header = bot.port.state.headers()[-1]
    assert header.overlaps == 0 and "already posted" in (header.quiet_reason or "")


@pytest.mark.parametrize("mode", ["all-papers", "industry-only"])
@respx.mock
async def test_both_versions_in_one_digest_make_one_card_the_one_naming_the_lab(
        bot: Bot, mode: str) -> None:
    await bot.service.subscribe(PLATFORM, WORKSPACE, CHANNEL, "U", f"daily 09:00 {mode}")
    await bot.papers.upsert_papers([arxiv_twin(date(2026, 11, 30))])  # tonight's arXiv
    respx.get(WORKS_URL).mock(return_value=recorded())
    await run_watch(bot)
    await digest(bot, MORNING)
    (card,) = bot.port.state.cards()  # the preprint lacks the IBM co-author
    assert card.paper_key == JOURNAL and card.labs[0].company == "IBM"
    (header,) = bot.port.state.headers()
    assert header.overlaps == 1


@respx.mock
async def test_a_watch_cut_short_by_the_cap_says_so_in_status(bot: Bot) -> None:
    route = respx.get(WORKS_URL).mock(side_effect=[recorded(PAGE_1)])
    report = await run_watch(bot, max_calls=1)
    assert route.call_count == 1
    assert report.cut_short is not None and "1 call (" in report.cut_short
    status = (await bot.service.status(PLATFORM, WORKSPACE, CHANNEL)).messages[0].body
    line = next(x for x in status.splitlines() if x.startswith("OpenAlex institution watch"))
    assert "cut short at" in line and "1 calls" in line
    assert "CUT SHORT: it made its 1 call ([openalex] watch_max_calls)" in line
    assert "OpenAlex institution watch (enrich): last ok" in status


@respx.mock
async def test_a_failed_watch_shows_in_status_without_urls_or_keys(bot: Bot) -> None:
    respx.get(WORKS_URL).mock(return_value=httpx.Response(
        400, json={"error": "Invalid query parameters error.", "message": "bad filter"}))
    report = await run_watch(bot)
    assert report.error == "OpenAlex answered HTTP 400"
    status = (await bot.service.status(PLATFORM, WORKSPACE, CHANNEL)).messages[0].body
    assert "FAILING: OpenAlex answered HTTP 400" in status
    assert "http" not in status.replace("HTTP", "") and "SECRET" not in status


async def test_status_names_the_watch_before_its_first_run(bot: Bot) -> None:
    status = (await bot.service.status(PLATFORM, WORKSPACE, CHANNEL)).messages[0].body
    assert "OpenAlex institution watch (journal and proceedings papers" in status
    assert "on, no run yet" in status
    bot.service.settings = replace(bot.service.settings, openalex_watch=False)
    off = (await bot.service.status(PLATFORM, WORKSPACE, CHANNEL)).messages[0].body
    assert "institution watch" not in off


@respx.mock
async def test_a_refused_creation_date_filter_falls_back_and_waits_a_week(bot: Bot) -> None:
    refusal = {"error": "Plan upgrade required",  # see tests/bot/sources/test_openalex_watch.py
               "message": "The from_created_date filter requires a Premium plan."}
    route = respx.get(WORKS_URL).mock(side_effect=[httpx.Response(429, json=refusal), recorded(),
                                                   recorded()])
    await run_watch(bot, created_date=True)
    sent = [dict(c.request.url.params)["filter"] for c in route.calls]
    assert "from_created_date:2026-11-02" in sent[0] and "from_publication_date" in sent[1]
    assert await SourceState(bot.db).get(STATE, "created_refused") == "2026-11-30"
    await run_watch(bot, created_date=True)  # within the week: publication dates at once
    assert "from_publication_date:2026-11-02" in dict(route.calls[2].request.url.params)["filter"]
    status = (await bot.service.status(PLATFORM, WORKSPACE, CHANNEL)).messages[0].body
    assert "paid-plan filter" in status


@respx.mock
async def test_creation_dates_resume_after_the_last_complete_watch(bot: Bot) -> None:
    route = respx.get(WORKS_URL).mock(side_effect=[recorded(), recorded()])
    await run_watch(bot, created_date=True)
    assert await SourceState(bot.db).get(STATE, "created_through") == "2026-11-30"
    later = FakeClock(NIGHT + timedelta(days=3))
    await run_watch(bot, created_date=True, clock=later)
    assert "from_created_date:2026-11-29" in dict(route.calls[1].request.url.params)["filter"]


async def test_without_institution_ids_the_watch_asks_nothing(bot: Bot) -> None:
    async with PoliteClient(contact_email=None) as client:
        watch = InstitutionWatch(
            source=InstitutionWorks(client, None, None), papers=bot.papers,
            runs=RunStore(bot.db), state=SourceState(bot.db), match=bot.pipeline.match,
            institutions=[], clock=bot.service.clock)
        assert await watch.run() == WatchReport()  # respx is off: a request would fail


async def test_the_scheduler_runs_the_watch_after_the_fetch(bot: Bot) -> None:
    calls: list[str] = []

    async def watch() -> None:
        calls.append("watch")

    sched = Scheduler(bot.service, bot.pipeline, clock=bot.service.clock, watch=watch)
    try:
        await sched.start(now=NIGHT)
        job = sched.aps.get_job(WATCH_JOB)
        assert job is not None and str(job.trigger) == "cron[hour='21', minute='15']"
        await job.func()
        assert calls == ["watch"]
    finally:
        sched.shutdown()
    assert Scheduler(bot.service, bot.pipeline).watch is None


async def test_build_digest_side_wires_the_watch_only_when_enabled(tmp_path: Path,
                                                                   bot: Bot) -> None:
    from bot.app import build_digest_side
    from bot.config import load_config
    from bot.store.stores import Stores

    toml = tmp_path / "scoopwatch.toml"
    toml.write_text("[openalex]\nwatch_max_calls = 12\nwatch_weeks = 2\n")
    config = load_config(toml, env={})
    service, _pipeline, sched = build_digest_side(config, Stores.on(bot.db),
                                                  watcher=object())  # type: ignore[arg-type]
    assert sched.watch is not None and service.settings.openalex_watch
    watch = sched.watch.__self__  # type: ignore[attr-defined]
    assert watch.settings == WatchSettings(weeks=2, max_calls=12)
    assert set(INSTITUTIONS) <= set(watch.institutions)
    service, _pipeline, sched = build_digest_side(config, Stores.on(bot.db))
    assert sched.watch is None and not service.settings.openalex_watch
    toml.write_text("[openalex]\nwatch = false\nwatch_reserve_usd = 0\n")
    assert not load_config(toml, env={}).openalex.watch
    toml.write_text("[openalex]\nwatch_max_calls = 0\n")
    with pytest.raises(Exception, match="watch_max_calls"):
        load_config(toml, env={})


def test_the_recorded_page_is_what_the_tests_say() -> None:
    page = json.loads(fixture_bytes(CHEMCROW))
    assert [w["id"].rpartition("/")[2] for w in page["results"]] == ["W4396723768",
                                                                     "W4365597205"]
