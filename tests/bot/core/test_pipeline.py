"""The nightly pipeline on the real 2024-11-28 listing, with fake fetcher and OpenAlex."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fakes_digest import (
    PLATFORM,
    WORKSPACE,
    Bot,
    FakeClock,
    FakePlatform,
    FakePort,
    KeywordIndex,
    add_topic,
    build_bot,
    paper,
    real_feed,
)

from bot.errors import SourceError
from bot.models import Affiliation, AffiliationSource, AnnounceType, Author, Paper
from bot.sources.arxiv_feed import FeedOutcome, LastSeen, classify
from bot.sources.base import ParsedPage, SourceFormat
from bot.store.overlaps import OverlapStore
from bot.store.runs import RunStore
from bot.store.source_state import SourceState

DAY = date(2024, 11, 28)
NOW = datetime(2024, 11, 28, 1, 30, tzinfo=UTC)


def _page() -> ParsedPage:
    return ParsedPage(SourceFormat.ARXIV_RSS, real_feed(), announced=DAY)


class FakeFetcher:
    """Serves the real listing; classifies it with the real ``classify``."""

    def __init__(self, fail: BaseException | None = None) -> None:
        self.fail = fail
        self.calls: list[tuple[date | None, LastSeen | None]] = []

    async def fetch(self, day: date | None = None, last_seen: LastSeen | None = None
                    ) -> FeedOutcome:
        self.calls.append((day, last_seen))
        if self.fail is not None:
            raise self.fail
        assert day is not None
        return classify(_page(), day, last_seen, expected=True)


class FakeOpenAlex:
    """Knows one paper (with a DeepMind affiliation for its first author)."""

    def __init__(self, known: dict[str, Paper], fail: bool = False) -> None:
        self.known, self.fail = known, fail
        self.asked: list[list[str]] = []

    async def works_by_arxiv_ids(self, ids: Sequence[str]) -> dict[str, Paper]:
        self.asked.append(list(ids))
        if self.fail:
            raise SourceError("OpenAlex answered HTTP 503")
        return {i: self.known[i] for i in ids if i in self.known}


def _openalex_work(p: Paper) -> Paper:
    first = p.authors[0]
    aff = Affiliation("Google DeepMind", AffiliationSource.OPENALEX, openalex_id="I4210090411",
                      type="company")
    return Paper(key="openalex:W1", title=p.title, doi=f"10.48550/arxiv.{p.key}",
                 authors=(Author(first.name, (aff,)), *p.authors[1:]))


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    from bot.store.db import Database

    async with await Database.open(tmp_path / "bot.db") as db:
        yield build_bot(db, FakePort(FakePlatform()), FakeClock(NOW))


def _diffusion_keys() -> set[str]:
    return {p.key for p in real_feed() if str(p.announce_type) in ("new", "cross")
            and "diffusion" in (p.title + " " + p.abstract).lower()}


async def test_fetch_store_match_enrich_on_the_real_listing(bot: Bot) -> None:
    await add_topic(bot, "U_ana", "diffusion", "diffusion")
    expected = _diffusion_keys()
    first = min(expected)
    known = {first: _openalex_work(next(p for p in real_feed() if p.key == first))}
    fetcher, openalex = FakeFetcher(), FakeOpenAlex(known)
    bot.pipeline.fetcher, bot.pipeline.openalex = fetcher, openalex

    report = await bot.pipeline.run_fetch(DAY)
    assert (report.kind, report.new, report.matched, report.should_retry) == (
        "announced", 1504, len(expected), False)
    assert fetcher.calls == [(DAY, None)]
    overlaps = await OverlapStore(bot.db).for_papers(p.key for p in real_feed())
    assert set(overlaps) == expected
    run = await RunStore(bot.db).latest("fetch", "arxiv")
    assert run is not None and run.ok and run.day == DAY
    assert run.detail["counts"]["new"] == 1504
    seen = await SourceState(bot.db).get("arxiv", "last_seen")
    assert seen["announced"] == "2024-11-28" and len(seen["ids"]) == 1504
    # Enrichment asked only for the candidates and merged what OpenAlex knew.
    assert set(openalex.asked[0]) == expected
    stored = await bot.papers.get(first)
    assert stored is not None and stored.authors[0].affiliations[0].name == "Google DeepMind"
    assert (await bot.papers.attempt(first, "openalex")).outcome == "found"  # type: ignore[union-attr]
    other = min(expected - {first})
    assert (await bot.papers.attempt(other, "openalex")).outcome == "not_found"  # type: ignore[union-attr]
    enrich = await RunStore(bot.db).latest("enrich", "openalex")
    assert enrich is not None and enrich.detail["counts"] == {
        "asked": len(expected), "found": 1, "not_found": len(expected) - 1, "failed": 0}

    # The same feed again is stale: reported, retried later, nothing re-matched.
    again = await bot.pipeline.run_fetch(date(2024, 11, 29))
    assert (again.kind, again.should_retry, again.matched) == ("stale", True, 0)
    assert fetcher.calls[1][1] == LastSeen(DAY, frozenset(p.key for p in real_feed()))
    latest = await RunStore(bot.db).latest("fetch", "arxiv")
    assert latest is not None and latest.ok is False and "still shows" in latest.detail["reason"]


async def test_fetch_failure_is_logged_for_status_and_quiet_digests(bot: Bot) -> None:
    bot.pipeline.fetcher = FakeFetcher(SourceError("arXiv rejected the feed category cs.XX"))
    report = await bot.pipeline.run_fetch(DAY)
    assert (report.kind, report.should_retry) == ("error", True)
    run = await RunStore(bot.db).latest("fetch")
    assert run is not None and run.ok is False and run.day == DAY
    assert run.detail["reason"] == "arXiv rejected the feed category cs.XX"


async def test_openalex_failure_records_error_attempts(bot: Bot) -> None:
    await add_topic(bot, "U_ana", "optics", "lens")
    await bot.papers.upsert_papers([paper("2611.00001", "A lens", announced=date(2026, 11, 19))])
    bot.pipeline.openalex = FakeOpenAlex({}, fail=True)
    await bot.pipeline.recompute_overlaps(date(2026, 11, 1))
    attempt = await bot.papers.attempt("2611.00001", "openalex")
    assert attempt is not None and attempt.outcome == "error"
    run = await RunStore(bot.db).latest("enrich")
    assert run is not None and run.ok is False and "503" in run.detail["reason"]


async def test_index_is_rebuilt_only_when_topics_change(bot: Bot) -> None:
    await bot.papers.upsert_papers([
        paper("2611.00001", "Sparse attention", announced=date(2026, 11, 12)),
        paper("2611.00002", "Dense retrieval", announced=date(2026, 11, 19)),
    ])
    await add_topic(bot, "U_ana", "sparse", "sparse")
    builds = KeywordIndex.builds
    assert await bot.pipeline.recompute_overlaps(date(2026, 11, 1)) == 1
    assert await bot.pipeline.recompute_overlaps(date(2026, 11, 1)) == 1
    assert KeywordIndex.builds == builds + 1
    # A topic added today sees last week's papers; the index is rebuilt once for it.
    await add_topic(bot, "U_ben", "retrieval", "retrieval")
    assert await bot.pipeline.recompute_overlaps(date(2026, 11, 1)) == 2
    assert KeywordIndex.builds == builds + 2
    # Pausing changes the active set too.
    await bot.topics.set_paused(PLATFORM, WORKSPACE, "U_ben", "retrieval", True,
                                datetime(2026, 11, 20, tzinfo=UTC))
    assert await bot.pipeline.recompute_overlaps(date(2026, 11, 1)) == 1
    assert KeywordIndex.builds == builds + 3


async def test_replace_announcements_are_not_matched(bot: Bot) -> None:
    await add_topic(bot, "U_ana", "sparse", "sparse")
    old = paper("2611.00001", "Sparse attention")
    rep = replace(paper("2611.00002", "Sparse things"), announce_type=AnnounceType.REPLACE)
    assert await bot.pipeline.match([old, rep]) == {"2611.00001"}


async def test_a_window_is_rematched_only_when_papers_or_topics_changed(
    bot: Bot, tmp_path: Path
) -> None:
    """A hundred channels' digests at the same minute ask for the same window: matched once."""
    import sqlite3

    await bot.papers.upsert_papers([
        paper("2611.00001", "Sparse attention", announced=date(2026, 11, 12)),
        paper("2611.00002", "Dense retrieval", announced=date(2026, 11, 19)),
    ])
    await add_topic(bot, "U_ana", "sparse", "sparse")
    loads: list[int] = []  # papers read for matching, per recompute
    iter_texts = bot.papers.iter_texts

    async def counting(*args: Any, **kw: Any) -> AsyncIterator[list[Paper]]:
        loads.append(0)
        async for page in iter_texts(*args, **kw):
            loads[-1] += len(page)
            yield page

    assert bot.pipeline.papers is bot.papers
    bot.papers.iter_texts = counting  # type: ignore[method-assign]
    window = date(2026, 11, 1)
    results = await asyncio.gather(*(bot.pipeline.recompute_overlaps(window) for _ in range(5)))
    assert results == [1] * 5 and loads == [2]
    # the same papers again (nothing changed): still no re-match
    await bot.papers.upsert_papers([paper("2611.00002", "Dense retrieval",
                                          announced=date(2026, 11, 19))])
    assert await bot.pipeline.recompute_overlaps(window) == 1 and loads == [2]
    # another window, a changed paper, a changed topic, another process's write: re-matched
    assert await bot.pipeline.recompute_overlaps(date(2026, 11, 15)) == 0 and len(loads) == 2
    await bot.papers.upsert_papers([paper("2611.00002", "Sparse retrieval",
                                          announced=date(2026, 11, 19))])
    assert await bot.pipeline.recompute_overlaps(window) == 2 and len(loads) == 3
    dense = await add_topic(bot, "U_ben", "dense", "dense")
    assert await bot.pipeline.recompute_overlaps(window) == 2 and len(loads) == 4
    other = sqlite3.connect(bot.db.path)
    other.execute("UPDATE papers SET title = 'Dense attention' WHERE key = '2611.00001'")
    other.commit()
    other.close()
    assert await bot.pipeline.recompute_overlaps(window) == 2 and len(loads) == 5
    overlaps = await OverlapStore(bot.db).for_papers(["2611.00001"])
    assert [r.topic_id for r in overlaps["2611.00001"]] == [dense]  # its new title
