"""Enrichment in the pipeline: OpenAlex in batches, then arXiv's HTML author
block for candidates no source gave an affiliation, on a real store with a fake clock.

The HTML pages follow LaTeXML's real author markup (see tests/bot/sources/test_arxiv_html.py
for where it comes from); they are served by ``httpx.MockTransport`` through the real
``PoliteClient`` with a fake sleep, so arXiv's 3 s spacing costs no time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fakes_digest import Bot, FakeClock, FakePlatform, FakePort, add_topic, build_bot, paper

from bot.core.ingest import enrichment
from bot.errors import SourceError
from bot.industry.detector import detect
from bot.industry.registry import Registry
from bot.models import Affiliation, AffiliationSource, Author, Paper
from bot.sources.http import PoliteClient
from bot.store.db import Database
from bot.store.runs import RunStore

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with await Database.open(tmp_path / "bot.db") as db:
        yield build_bot(db, FakePort(FakePlatform()), FakeClock(NOW))


class FakeOpenAlex:
    """Knows ``known`` (work keyed by arXiv id, but carrying its OpenAlex key as parsed);
    fails a batch holding a ``poisoned`` key with ``error``."""

    def __init__(self, known: dict[str, Paper] | None = None,
                 poisoned: frozenset[str] = frozenset(), error: Exception | None = None) -> None:
        self.known, self.poisoned = known or {}, poisoned
        self.error = error or SourceError("api.openalex.org: HTTP 503 after 4 attempt(s)")
        self.asked: list[list[str]] = []

    async def works_by_arxiv_ids(self, ids: Sequence[str]) -> dict[str, Paper]:
        self.asked.append(list(ids))
        if self.poisoned & set(ids):
            raise self.error
        return {i: self.known[i] for i in ids if i in self.known}


def openalex_work(key: str, affiliation: str = "Google DeepMind") -> Paper:
    aff = Affiliation(affiliation, AffiliationSource.OPENALEX, openalex_id="I4210090411",
                      type="company")
    return Paper(key="openalex:W9", title="t", doi=f"10.48550/arxiv.{key}",
                 openalex_id="W9", authors=(Author("Ada Lovelace", (aff,)),))


def author_block(*creators: tuple[str, str | None, str | None]) -> bytes:
    """A page in LaTeXML's structure: one ltx_creator per (name, affiliation, e-mail)."""
    spans = []
    for name, aff, email in creators:
        notes = ""
        if aff:
            notes += (f'<span class="ltx_contact ltx_role_affiliation">'
                      f'<span class="ltx_contact_name">Affiliation: </span>{aff}\n</span>')
        if email:
            notes += (f'<span class="ltx_contact ltx_role_email">'
                      f'<a href="mailto:{email}">{email}</a>\n</span>')
        spans.append(f'<span class="ltx_creator ltx_role_author">'
                     f'<span class="ltx_personname">{name}\n</span>'
                     f'<span class="ltx_author_notes"><span class="ltx_author_notes_content">'
                     f'{notes}</span></span></span>')
    return ('<!DOCTYPE html><html lang="en"><head><title>T</title></head><body>'
            '<article class="ltx_document"><h1 class="ltx_title">A Title About Meta-Learning</h1>'
            f'<div class="ltx_authors">{"".join(spans)}</div></article></body></html>').encode()


class ArxivHtml:
    """arxiv.org/html/<id> from a dict (missing -> 404), every request recorded."""

    def __init__(self, pages: dict[str, bytes | int]) -> None:
        self.pages = pages
        self.requested: list[str] = []
        self.sleeps: list[float] = []
        self.now = 0.0

    def handler(self, request: httpx.Request) -> httpx.Response:
        ident = request.url.path.removeprefix("/html/")
        self.requested.append(ident)
        page = self.pages.get(ident, 404)
        if isinstance(page, int):
            return httpx.Response(page, content=b"<html>No HTML for this paper</html>")
        return httpx.Response(200, content=page, headers={"Content-Type": "text/html"})

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def client(self) -> PoliteClient:
        return PoliteClient(contact_email="lab@example.org",
                            transport=httpx.MockTransport(self.handler),
                            clock=lambda: self.now, sleep=self.sleep, max_attempts=2)


async def _candidates(bot: Bot, *papers: Paper) -> None:
    await bot.papers.upsert_papers(list(papers))
    await add_topic(bot, "U_ana", "lens", "lens")
    await bot.pipeline.match(list(papers))


# --- OpenAlex ----------------------------------------------------------------------------------


async def test_openalex_step_in_batches_with_store_vocabulary(bot: Bot) -> None:
    papers = [paper(f"2611.{i:05d}", f"A lens {i}") for i in range(1, 121)]
    await _candidates(bot, *papers)
    first, poisoned = "2611.00001", "2611.00120"
    openalex = FakeOpenAlex({first: openalex_work(first)}, poisoned=frozenset({poisoned}))
    bot.pipeline.openalex = openalex

    report = await bot.pipeline.run_enrichment()

    assert [len(b) for b in openalex.asked] == [50, 50, 20]  # batches of 50
    assert (report.asked, report.found, report.not_found, report.failed) == (120, 1, 99, 20)
    assert report.error is not None and "503" in report.error
    # The OpenAlex work was stored under its arXiv key, not as "openalex:W9".
    stored = await bot.papers.get(first)
    assert stored is not None and stored.openalex_id == "W9"
    assert stored.authors[0].affiliations[0].name == "Google DeepMind"
    assert await bot.papers.get("openalex:W9") is None
    outcomes = {k: (await bot.papers.attempt(k, "openalex")).outcome  # type: ignore[union-attr]
                for k in (first, "2611.00002", poisoned)}
    assert outcomes == {first: "found", "2611.00002": "not_found", poisoned: "error"}
    run = await RunStore(bot.db).latest("enrich", "openalex")
    assert run is not None and run.ok is False
    assert run.detail["counts"] == {"asked": 120, "found": 1, "not_found": 99, "failed": 20}


async def test_keys_that_are_not_arxiv_ids_are_not_asked(bot: Bot) -> None:
    await _candidates(bot, paper("2611.00001", "A lens"),
                      paper("jsonl:lab-note-7", "A lens from a JSON Lines import"))
    openalex = FakeOpenAlex()
    bot.pipeline.openalex = openalex
    report = await bot.pipeline.run_enrichment()
    assert openalex.asked == [["2611.00001"]] and report.asked == 1
    assert await bot.papers.attempt("jsonl:lab-note-7", "openalex") is None


async def test_an_unexpected_lookup_bug_is_an_error_attempt_not_a_crash(bot: Bot) -> None:
    await _candidates(bot, paper("2611.00001", "A lens"))
    bot.pipeline.openalex = FakeOpenAlex(poisoned=frozenset({"2611.00001"}),
                                         error=KeyError("authorships"))
    report = await bot.pipeline.run_enrichment()
    # Members read a plain reason (status, quiet digests); the bug itself is in the log and
    # in the paper's attempt record.
    assert report.failed == 1 and report.error == (
        "failed unexpectedly (the details are in the bot's log)")
    attempt = await bot.papers.attempt("2611.00001", "openalex")
    assert attempt is not None and attempt.outcome == "error"
    assert "KeyError" in (attempt.detail or "")


# --- arXiv HTML author block ------------------------------------------------------------------


async def test_html_fills_candidates_openalex_does_not_know_yet(bot: Bot) -> None:
    bare = paper("2611.00001", "A lens", authors=("Ada Lovelace", "Bo Chen"))
    known = paper("2611.00002", "Another lens")
    unmatched = paper("2611.00003", "Nothing to see")
    await bot.papers.upsert_papers([unmatched])
    await _candidates(bot, bare, known)
    bot.pipeline.openalex = FakeOpenAlex({known.key: openalex_work(known.key)})
    arxiv = ArxivHtml({bare.key: author_block(
        ("Ada Lovelace\u2217", "Google DeepMind, London", "ada@deepmind.com"),
        ("Bo Chen", "Stanford University", None))})
    bot.pipeline.html_client = arxiv.client()

    report = await bot.pipeline.run_enrichment([bare.key, known.key, unmatched.key])

    # Only the candidate without any affiliation was fetched (not the OpenAlex-known one, not
    # the paper that matched no topic although the caller passed it).
    assert arxiv.requested == [bare.key]
    assert report.html is not None and (report.html.asked, report.html.found) == (1, 1)
    stored = await bot.papers.get(bare.key)
    assert stored is not None
    assert [a.name for a in stored.authors] == ["Ada Lovelace", "Bo Chen"]  # arXiv's names
    first = stored.authors[0]
    assert [(f.name, f.source) for f in first.affiliations] == [
        ("Google DeepMind, London", AffiliationSource.HTML)]
    assert first.emails == ("ada@deepmind.com",)
    assert {f.company for f in detect(stored, Registry.default())} == {"Google"}
    attempt = await bot.papers.attempt(bare.key, "arxiv-html")
    assert attempt is not None and attempt.outcome == "found"
    run = await RunStore(bot.db).latest("enrich", "arxiv-html")
    assert run is not None and run.ok and run.detail["counts"]["found"] == 1
    # Found is final: the next pass does not ask arxiv.org again.
    bot.pipeline.clock.advance(days=1)  # type: ignore[attr-defined]
    await bot.pipeline.run_enrichment()
    assert arxiv.requested == [bare.key]


async def test_html_404_is_retried_daily_within_retry_days(bot: Bot) -> None:
    new = paper("2611.00001", "A lens", announced=date(2026, 11, 20))
    await _candidates(bot, new)
    arxiv = ArxivHtml({})
    bot.pipeline.html_client = arxiv.client()
    clock: FakeClock = bot.pipeline.clock  # type: ignore[assignment]

    report = await bot.pipeline.run_enrichment()
    assert report.html is not None and report.html.not_found == 1
    attempt = await bot.papers.attempt(new.key, "arxiv-html")
    assert attempt is not None and attempt.outcome == "not_found"
    assert "404" in (attempt.detail or "")
    await bot.pipeline.run_enrichment()  # same night: not due again
    assert arxiv.requested == [new.key]
    for _ in range(6):
        clock.advance(days=1)
        await bot.pipeline.run_enrichment()
    # Retried on the following days until retry_days (5) after the announcement, then given up.
    assert len(arxiv.requested) == 5
    assert clock.now - NOW == timedelta(days=6)


async def test_html_is_capped_newest_first(bot: Bot) -> None:
    papers = [paper(f"2611.{i:05d}", f"A lens {i}", announced=date(2026, 11, 10 + i))
              for i in range(1, 6)]
    await _candidates(bot, *papers)
    arxiv = ArxivHtml({})
    bot.pipeline.html_client, bot.pipeline.html_cap = arxiv.client(), 2
    await bot.pipeline.run_enrichment()
    assert arxiv.requested == ["2611.00005", "2611.00004"]
    # arxiv.org's 3 s spacing held (on the fake clock) between the two pages.
    assert arxiv.sleeps == [pytest.approx(3.0)]


async def test_html_stops_after_consecutive_failures(bot: Bot) -> None:
    papers = [paper(f"2611.{i:05d}", f"A lens {i}") for i in range(1, 6)]
    await _candidates(bot, *papers)
    arxiv = ArxivHtml({p.key: 503 for p in papers})
    bot.pipeline.html_client = arxiv.client()
    report = await bot.pipeline.run_enrichment()
    assert report.html is not None and report.html.failed == 3 and report.html.asked == 3
    assert len(set(arxiv.requested)) == 3  # each retried by the client, then given up
    errors = [await bot.papers.attempt(p.key, "arxiv-html") for p in papers]
    # Same announcement day: highest key first; the two left are tried next run.
    assert [a.outcome if a else None for a in errors] == [None] * 2 + ["error"] * 3
    run = await RunStore(bot.db).latest("enrich", "arxiv-html")
    assert run is not None and run.ok is False and "503" in run.detail["reason"]


async def test_html_with_emails_only_keeps_arxiv_names(bot: Bot) -> None:
    p = paper("2611.00001", "A lens", authors=("Ada Lovelace", "Bo Chen"))
    await _candidates(bot, p)
    arxiv = ArxivHtml({p.key: author_block(("Bo Chen", None, "bo@anthropic.com"),
                                           ("A. Lovelace", None, None))})
    bot.pipeline.html_client = arxiv.client()
    await bot.pipeline.run_enrichment()
    stored = await bot.papers.get(p.key)
    assert stored is not None
    assert [(a.name, a.emails) for a in stored.authors] == [
        ("Ada Lovelace", ()), ("Bo Chen", ("bo@anthropic.com",))]
    assert {f.company for f in detect(stored, Registry.default())} == {"Anthropic"}


async def test_html_page_without_affiliations_is_final(bot: Bot) -> None:
    p = paper("2611.00001", "A lens")
    await _candidates(bot, p)
    arxiv = ArxivHtml({p.key: author_block(("Ada Lovelace", None, None))})
    bot.pipeline.html_client = arxiv.client()
    await bot.pipeline.run_enrichment()
    attempt = await bot.papers.attempt(p.key, "arxiv-html")
    assert attempt is not None and attempt.outcome == "found"
    stored = await bot.papers.get(p.key)
    assert stored is not None and stored.authors == p.authors


async def test_digest_refresh_does_not_wait_on_arxiv_html(bot: Bot) -> None:
    await bot.papers.upsert_papers([paper("2611.00001", "A lens")])
    await add_topic(bot, "U_ana", "lens", "lens")
    arxiv = ArxivHtml({})
    bot.pipeline.html_client = arxiv.client()
    assert await bot.pipeline.recompute_overlaps(date(2026, 11, 1)) == 1
    assert arxiv.requested == []
    report = await bot.pipeline.run_enrichment()  # the nightly/daily jobs do
    assert arxiv.requested == ["2611.00001"] and report.html is not None


async def test_without_html_client_there_is_no_html_step(bot: Bot) -> None:
    await _candidates(bot, paper("2611.00001", "A lens"))
    report = await bot.pipeline.run_enrichment()
    assert report.html is None and report.asked == 0


def test_html_paper_adds_nothing_without_affiliations_or_emails() -> None:
    stored = paper("2611.00001", "t")
    assert enrichment.html_paper(stored, [Author("Ada Lovelace")]) is None
    assert enrichment.html_paper(stored, []) is None
