"""Source faults: arXiv's listing feed, its OAI-PMH interface and OpenAlex failing the way
networks and servers do, mocked with respx under the real polite client, parsers, pipeline and
store, on a fake clock (no real sleeping).

Each fault is retried as the client promises (counts and waits checked on the fake clock),
recorded in the run log, reported in ``/scoop status`` in a plain sentence, and never
corrupts the store: the papers stored before are all there, unchanged, afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.core.ingest.pipeline import Pipeline
from bot.messages import Text
from bot.ports import Actor, CommandEvent
from bot.sources.arxiv_feed import ArxivFeedFetcher
from bot.sources.http import PoliteClient
from bot.sources.oai_client import OaiPmhClient
from bot.sources.openalex_client import OpenAlexClient
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.bot.sources.polite_fakes import FakeClock
from tests.fixture_files import LISTING, fixture_path
from tests.reliability.budget import examples, suite_settings
from tests.reliability.labs import CONFIG, NOW, Loop, seed_papers
from tests.reliability.replies import assert_clear

RSS = "https://rss.arxiv.org/rss/cs.LG"
OPENALEX = "https://api.openalex.org/works"
OAI = "https://oaipmh.arxiv.org/oai"
ATTEMPTS = 5  # [http] max_retries = 4 by default, so five attempts
BACKOFF = [2.0, 4.0, 8.0, 16.0]  # tenacity's exponential wait, multiplier 2
DAY = date(2024, 11, 28)  # a Thursday: an announcement is expected
LISTING_BYTES = fixture_path(LISTING).read_bytes()
EMPTY_BYTES = fixture_path("arxiv_rss/aioarxiv_2024-11-28_empty_rss_mock_feed.xml").read_bytes()
RUNS = examples(8, 200)


def reply(fault: str, request: httpx.Request) -> httpx.Response:
    """One response (or network failure) of the named kind."""
    match fault:
        case "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        case "connect":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        case "reset":
            raise httpx.RemoteProtocolError("peer closed connection without response",
                                            request=request)
        case "429-after":
            return httpx.Response(429, headers={"Retry-After": "7"}, text="slow down")
        case "429":
            return httpx.Response(429, text="Too Many Requests")
        case "500" | "502" | "503" | "504":
            return httpx.Response(int(fault), text=f"<html><body>{fault}</body></html>",
                                  headers={"Content-Type": "text/html"})
        case "html":
            return httpx.Response(200, text="<!DOCTYPE html><html><body>Down for maintenance"
                                            "</body></html>",
                                  headers={"Content-Type": "text/html"})
        case "empty":
            return httpx.Response(200, content=EMPTY_BYTES,
                                  headers={"Content-Type": "application/rss+xml"})
    if request.url.host == "api.openalex.org":
        return httpx.Response(200, json={"meta": {"count": 0, "page": 1, "per_page": 50},
                                         "results": []})
    return httpx.Response(200, content=LISTING_BYTES,
                          headers={"Content-Type": "application/rss+xml"})


RETRIED = ("timeout", "connect", "reset", "429-after", "429", "500", "502", "503", "504")
FAULTS = (*RETRIED, "html", "empty", "ok")


@dataclass
class Script:
    """What each host answers, request after request (then ``ok``)."""

    plans: dict[str, list[str]] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.seen[host] = self.seen.get(host, 0) + 1
        plan = self.plans.get(host, [])
        return reply(plan.pop(0) if plan else "ok", request)


@dataclass
class Lab:
    loop: Loop
    db: Database
    core: Core
    pipeline: Pipeline
    clock: FakeClock
    script: Script

    def status(self) -> str:
        event = CommandEvent("console", "console", "console", Actor("ana", "ana"), "status")
        result = self.loop.run(self.core.handle_command(event))
        [message] = result.messages
        assert isinstance(message, Text)
        return message.body

    def papers(self) -> dict[str, tuple[Any, ...]]:
        rows = self.loop.run(PaperStore(self.db).iter_papers(None, None, None))
        return {p.key: (p.title, p.abstract, p.authors, p.announced, p.version) for p in rows}

    def intact(self) -> None:
        rows = self.loop.run(self.db.conn.execute_fetchall("PRAGMA quick_check"))
        assert [tuple(r) for r in rows] == [("ok",)]


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """A bot holding part of the listing, its sources behind respx, its clock fake."""
    loop = Loop()
    clock = FakeClock()
    script = Script()

    async def setup() -> Lab:
        db = await Database.open(tmp_path / "bot.db")
        await PaperStore(db).upsert_papers(seed_papers(20))
        stores = Stores.on(db)
        client = PoliteClient(contact_email="lab@example.org", clock=clock, sleep=clock.sleep,
                              max_attempts=ATTEMPTS, min_interval={}, default_interval=0.0,
                              validator_store=stores.validators)
        fetcher = ArxivFeedFetcher(client, ["cs.LG"], "https://rss.arxiv.org",
                                   today=lambda: DAY)
        openalex = OpenAlexClient(client, None, "lab@example.org")
        core, scheduler = build_core(build_config(CONFIG, env={}), stores, clock=lambda: NOW,
                                     fetcher=fetcher, openalex=openalex,
                                     oai=OaiPmhClient(client, OAI))
        assert scheduler.pipeline is not None
        return Lab(loop, db, core, scheduler.pipeline, clock, script)

    with respx.mock(assert_all_called=False) as mock:
        mock.route(host__in=["rss.arxiv.org", "api.openalex.org", "oaipmh.arxiv.org"]
                   ).mock(side_effect=script)
        running = loop.run(setup())
        yield running
        loop.run(running.core.digest.stop_background())  # type: ignore[union-attr]
        loop.run(running.db.close())
    loop.close()


# --- each fault on the arXiv feed ----------------------------------------------------------


@pytest.mark.parametrize(("plan", "attempts", "waits"), [
    (["timeout"], 2, [2.0]),
    (["reset", "connect"], 3, [2.0, 4.0]),
    (["429-after"], 2, [7.0]),  # Retry-After is honoured as given
    (["429"], 2, [2.0]),  # without it: the exponential backoff
    (["503", "502", "500", "504"], 5, BACKOFF),  # a 5xx burst just within the attempts
])
def test_a_passing_fault_on_the_feed_is_retried_then_the_day_is_stored(
        lab: Lab, plan: list[str], attempts: int, waits: list[float]) -> None:
    before = lab.papers()
    lab.script.plans["rss.arxiv.org"] = list(plan)
    report = lab.loop.run(lab.pipeline.run_fetch(DAY))
    assert report.kind == "announced" and report.new > 0
    assert lab.script.seen["rss.arxiv.org"] == attempts
    assert lab.clock.sleeps == waits
    after = lab.papers()
    assert {k: after[k] for k in before} == before and len(after) > len(before)
    assert "FAILING" not in lab.status()
    lab.intact()


@pytest.mark.parametrize(("fault", "attempts"), [
    ("timeout", ATTEMPTS), ("connect", ATTEMPTS), ("reset", ATTEMPTS), ("503", ATTEMPTS),
    ("429", ATTEMPTS), ("429-after", ATTEMPTS), ("html", 1), ("empty", 1),
])
def test_a_lasting_fault_on_the_feed_is_recorded_and_reported_plainly(
        lab: Lab, fault: str, attempts: int) -> None:
    before = lab.papers()
    lab.script.plans["rss.arxiv.org"] = [fault] * 10
    report = lab.loop.run(lab.pipeline.run_fetch(DAY))
    assert report.should_retry and report.new == 0
    assert lab.script.seen["rss.arxiv.org"] == attempts
    assert len(lab.clock.sleeps) == attempts - 1 and all(s <= 300 for s in lab.clock.sleeps)
    run = lab.loop.run(lab.core.stores.runs.latest("fetch", "arxiv"))
    assert run is not None and run.ok is False
    status = lab.status()
    assert_clear(status)
    [health] = [line for line in status.splitlines() if line.startswith("Source health")]
    assert "arXiv feed (fetch)" in health and "FAILING: " in health, status
    assert lab.papers() == before
    lab.intact()


def test_a_stale_feed_is_not_taken_for_the_next_day(lab: Lab) -> None:
    """The listing of the 28th fetched for the 29th: nothing new, retried later, said so."""
    lab.loop.run(lab.pipeline.run_fetch(DAY))
    before = lab.papers()
    report = lab.loop.run(lab.pipeline.run_fetch(date(2024, 11, 29)))
    assert report.kind == "stale" and report.should_retry
    assert lab.papers() == before
    status = lab.status()
    assert_clear(status)
    assert "not out yet" in status
    lab.intact()


def test_a_skipped_announcement_day_is_no_failure(lab: Lab) -> None:
    """Friday night: arXiv announces nothing; the empty feed is the expected quiet."""
    lab.script.plans["rss.arxiv.org"] = ["empty"]
    report = lab.loop.run(lab.pipeline.run_fetch(date(2024, 11, 30)))
    assert report.kind == "no_announcement" and not report.should_retry
    status = lab.status()
    assert_clear(status)
    assert "FAILING" not in status
    lab.intact()


# --- OpenAlex ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fault", "attempts"), [
    ("timeout", ATTEMPTS), ("503", ATTEMPTS), ("reset", ATTEMPTS), ("html", 1),
])
def test_openalex_faults_leave_papers_as_they_were_and_are_reported(
        lab: Lab, fault: str, attempts: int) -> None:
    lab.loop.run(lab.pipeline.run_fetch(DAY))
    lab.loop.run(lab.core.handle_command(CommandEvent(
        "console", "console", "console", Actor("ana", "ana"), "topic add nets network*")))
    before = lab.papers()
    keys = list(before)[:30]
    lab.script.seen.clear()
    lab.clock.sleeps.clear()
    lab.script.plans["api.openalex.org"] = [fault] * 50
    lab.loop.run(lab.pipeline.run_enrichment(keys, html=False))
    calls = lab.script.seen.get("api.openalex.org", 0)
    assert calls and calls % attempts == 0, calls  # every batch given its attempts, no more
    assert len(lab.clock.sleeps) == calls - calls // attempts
    assert lab.papers() == before
    status = lab.status()
    assert_clear(status)
    assert "OpenAlex (enrich)" in status and "FAILING: " in status, status
    lab.intact()


# --- any mix of faults -----------------------------------------------------------------------


@suite_settings(RUNS, checks=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(arxiv=st.lists(st.sampled_from(FAULTS), max_size=8),
       openalex=st.lists(st.sampled_from(FAULTS), max_size=8),
       oai=st.lists(st.sampled_from(FAULTS), max_size=8))
def test_any_mix_of_faults_is_retried_reported_and_harmless(
        lab: Lab, arxiv: list[str], openalex: list[str], oai: list[str]) -> None:
    before = lab.papers()
    lab.script.plans = {"rss.arxiv.org": list(arxiv), "api.openalex.org": list(openalex),
                        "oaipmh.arxiv.org": list(oai)}
    lab.script.seen.clear()
    lab.clock.sleeps.clear()
    lab.loop.run(lab.pipeline.run_fetch(DAY))
    lab.loop.run(lab.pipeline.run_enrichment(list(before)[:10], html=False))
    lab.loop.run(lab.pipeline.recover_missed_days(NOW))
    assert all(0 < s <= 300 for s in lab.clock.sleeps)
    assert lab.script.seen.get("rss.arxiv.org", 0) <= ATTEMPTS
    after = lab.papers()
    assert {k: after[k][:2] for k in before} == {k: v[:2] for k, v in before.items()}
    status = lab.status()
    assert_clear(status)
    if feed_fails(arxiv):
        assert "FAILING: " in status, (arxiv, status)
    lab.intact()


def feed_fails(plan: list[str]) -> bool:
    """Whether the feed's answers, retried as the client does, end in a failure."""
    for attempt in range(ATTEMPTS):
        fault = plan[attempt] if attempt < len(plan) else "ok"
        if fault not in RETRIED:
            return fault in ("html", "empty")
    return True
