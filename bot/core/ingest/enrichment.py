"""The pipeline's enrichment steps: OpenAlex for every candidate, then arXiv's HTML author block
for candidates that no source has given an affiliation yet.

OpenAlex is asked in batches; every key gets exactly one attempt record per run
(``found``/``not_found``/``error``, with what OpenAlex said), and a work OpenAlex does not know
yet is offered again the next days (config's ``openalex.retry_days``, see
``PaperStore.keys_needing_enrichment``), because OpenAlex can lag a new arXiv paper by about four
days. Works are stored under the arXiv key they were asked for.

The HTML step exists because that lag is longer than the night between an announcement and the
morning digest; it is capped per run (arxiv.org asks for one request every 3 s, and a back-fill
must not turn into thousands of page loads).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from bot.errors import ScoopwatchError, SourceError, failure_reason
from bot.models import Author, Paper, split_arxiv_id
from bot.sources.arxiv_html import HtmlClient, fetch_author_block
from bot.store.merge import match_authors
from bot.store.runs import RunStore

log = logging.getLogger(__name__)

OPENALEX = "openalex"
ARXIV_HTML = "arxiv-html"
HTML_CAP = 50  # pages per run: 50 x 3 s spacing = 2.5 min of arxiv.org at most
HTML_MAX_CONSECUTIVE_ERRORS = 3  # arxiv.org is down: stop, the next run tries again
NOT_YET_KNOWN = "OpenAlex does not know this work yet"
_TRANSIENT = (ScoopwatchError, OSError, TimeoutError)

Clock = Callable[[], datetime]


class WorksLookup(Protocol):
    """``bot.sources.openalex_client.OpenAlexClient``."""

    async def works_by_arxiv_ids(self, ids: Sequence[str]) -> dict[str, Paper]: ...


class EnrichStore(Protocol):
    """The parts of ``bot.store.papers.PaperStore`` enrichment reads and writes."""

    async def get_many(self, keys: Collection[str]) -> dict[str, Paper]: ...

    async def keys_needing_enrichment(
        self, source: str, now: datetime, retry_days: int = 5, *,
        keys: Collection[str] | None = None,
    ) -> list[str]: ...

    async def upsert_papers(self, papers: Sequence[Paper], *, now: datetime | None = None) -> Any:
        ...

    async def record_attempt(
        self, key: str, source: str, outcome: str, detail: str | None = None,
        now: datetime | None = None,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class EnrichReport:
    """What one enrichment pass did: OpenAlex counts, and the HTML step's in ``html``."""

    asked: int
    found: int
    error: str | None = None
    not_found: int = 0
    failed: int = 0
    html: EnrichReport | None = None

    @property
    def attempted(self) -> int:
        return self.found + self.not_found + self.failed

    def counts(self) -> dict[str, int]:
        return {"asked": self.asked, "found": self.found, "not_found": self.not_found,
                "failed": self.failed}


def arxiv_keys(keys: Collection[str]) -> list[str]:
    """Keys that are arXiv ids: JSON Lines or OpenAlex-only works cannot be looked up by the
    arXiv DOI or HTML page, and asking would only fail the whole batch."""
    out = []
    for key in keys:
        try:
            split_arxiv_id(key)
        except ValueError:
            continue
        out.append(key)
    return out


async def enrich_openalex(
    keys: Sequence[str], *, openalex: WorksLookup, store: EnrichStore, clock: Clock,
    batch_size: int = 50,
) -> EnrichReport:
    """Look ``keys`` up in batches, store what was found, record one attempt per key.

    A failing batch (source or parse error after the client's retries) is recorded as
    ``error`` for each of its keys and the pass goes on with the next batch; store errors
    propagate, since nothing could be recorded anyway.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    unique = list(dict.fromkeys(keys))
    found = not_found = failed = 0
    first_error: str | None = None
    for start in range(0, len(unique), batch_size):
        batch = unique[start : start + batch_size]
        try:
            works = await _lookup(openalex, batch)
        except _TRANSIENT as exc:
            log.warning("OpenAlex lookup of %d papers failed: %s", len(batch), exc)
            detail = str(exc) or type(exc).__name__
            first_error = first_error or failure_reason(exc)
            for key in batch:
                await store.record_attempt(key, OPENALEX, "error", detail, clock())
            failed += len(batch)
            continue
        known = [works[key] for key in batch if key in works]
        if known:
            await store.upsert_papers(known, now=clock())
        for key in batch:
            work = works.get(key)
            if work is not None:
                await store.record_attempt(key, OPENALEX, "found", work.openalex_id or None,
                                           clock())
                found += 1
            else:
                await store.record_attempt(key, OPENALEX, "not_found", NOT_YET_KNOWN, clock())
                not_found += 1
    return EnrichReport(asked=len(unique), found=found, error=first_error,
                        not_found=not_found, failed=failed)


async def _lookup(openalex: WorksLookup, batch: Sequence[str]) -> dict[str, Paper]:
    """One batch's works, keyed by the arXiv key they were asked for."""
    try:
        found = await openalex.works_by_arxiv_ids(list(batch))
    except _TRANSIENT:
        raise
    except Exception as exc:  # a parser bug on one odd work must not stop the nightly run
        log.exception("OpenAlex lookup of %d papers failed unexpectedly", len(batch))
        raise SourceError(f"OpenAlex lookup failed: {type(exc).__name__}: {exc}",
                          summary="failed unexpectedly (the details are in the bot's log)") \
            from exc
    # OpenAlex works carry their own key ("openalex:W..."): store them under the arXiv key.
    return {k: replace(w, key=k, arxiv_id=w.arxiv_id or k) for k, w in found.items()}


def has_affiliation(paper: Paper) -> bool:
    """Any affiliation or e-mail from any source: enough for the detector to work on."""
    return any(a.affiliations or a.emails for a in paper.authors)


def newest_first(papers: Collection[Paper], cap: int) -> list[Paper]:
    """Newest announcements first: they are the ones tomorrow's digest shows and OpenAlex
    does not know yet; older candidates had OpenAlex's chance."""
    ordered = sorted(papers, key=lambda p: (p.announced or date.max, p.key), reverse=True)
    return ordered[:cap]


def html_paper(stored: Paper, authors: Sequence[Author]) -> Paper | None:
    """The HTML author block as a Paper the store can merge, or None if it adds nothing.

    With affiliations the paper's authors are HTML-sourced and the store keeps arXiv's names,
    lining authors up by name. With e-mails only there is no HTML-sourced affiliation to mark
    the names as enrichment's, so the stored names are carried instead (HTML names are often
    decorated) and only the e-mails are added.
    """
    if not any(a.affiliations or a.emails for a in authors):
        return None
    if not any(a.affiliations for a in authors) and stored.authors:
        back = {j: i for i, j in match_authors(authors, stored.authors).items()}
        authors = [Author(a.name, (), authors[back[j]].emails if j in back else ())
                   for j, a in enumerate(stored.authors)]
    return Paper(key=stored.key, title=stored.title, arxiv_id=stored.arxiv_id or stored.key,
                 authors=tuple(authors))


class _StatusSpy:
    """Passes requests through and remembers the last status, so a 404 (no HTML yet) can be
    told apart from a page without an author block (both give ``[]``)."""

    def __init__(self, client: HtmlClient) -> None:
        self.client = client
        self.status: int | None = None

    async def get(self, url: str) -> Any:
        result = await self.client.get(url)
        self.status = getattr(result, "status", 200)
        return result


async def enrich_html(
    candidates: Sequence[Paper], *, client: HtmlClient, store: EnrichStore, clock: Clock,
) -> EnrichReport:
    """Fetch each candidate's ``arxiv.org/html/<id>`` author block and merge it.

    Outcomes under source ``arxiv-html``: 404 -> ``not_found`` (retried like OpenAlex); a page
    -> ``found`` (its author block will not change, affiliations or not); a failure ->
    ``error``. After a few failures in a row the step stops: arxiv.org is having a bad time.
    """
    spy = _StatusSpy(client)
    found = not_found = failed = streak = 0
    error: str | None = None
    for paper in candidates:
        try:
            authors = await fetch_author_block(spy, paper.key)
        except _TRANSIENT as exc:
            error = error or failure_reason(exc)
            log.warning("arXiv HTML of %s: %s", paper.key, exc)
            await store.record_attempt(paper.key, ARXIV_HTML, "error", str(exc), clock())
            failed, streak = failed + 1, streak + 1
            if streak >= HTML_MAX_CONSECUTIVE_ERRORS:
                log.warning("arXiv HTML step stopped after %d failures in a row", streak)
                break
            continue
        streak = 0
        if spy.status == 404:
            await store.record_attempt(paper.key, ARXIV_HTML, "not_found",
                                       "arXiv has no HTML rendering (404)", clock())
            not_found += 1
            continue
        update = html_paper(paper, authors)
        if update is not None:
            await store.upsert_papers([update], now=clock())
        affs = sum(len(a.affiliations) for a in authors)
        detail = (f"{len(authors)} authors, {affs} affiliations" if authors
                  else "the page has no author block")
        await store.record_attempt(paper.key, ARXIV_HTML, "found", detail, clock())
        found += 1
    asked = found + not_found + failed
    return EnrichReport(asked=asked, found=found, error=error, not_found=not_found,
                        failed=failed)


Enricher = Callable[[Sequence[str]], Awaitable[EnrichReport]]


async def openalex_pass(
    keys: Collection[str], *, store: EnrichStore, runs: RunStore, clock: Clock,
    retry_days: int, openalex: WorksLookup | None, enricher: Enricher | None = None,
) -> EnrichReport:
    """The OpenAlex step for the keys due (``enricher`` replaces the default), logged as an
    ``enrich`` run."""
    due = arxiv_keys(await store.keys_needing_enrichment(OPENALEX, clock(), retry_days,
                                                         keys=keys))
    if not due or (openalex is None and enricher is None):
        return EnrichReport(0, 0)
    started = clock()
    if enricher is not None:
        report = await enricher(due)
    else:
        assert openalex is not None
        report = await enrich_openalex(due, openalex=openalex, store=store, clock=clock)
    await _log(runs, OPENALEX, started, clock, report)
    return report


async def html_pass(
    candidates: Collection[str], *, store: EnrichStore, runs: RunStore, clock: Clock,
    retry_days: int, client: HtmlClient, cap: int = HTML_CAP,
) -> EnrichReport:
    """The HTML step for candidates still without any affiliation, newest first, at most
    ``cap`` pages; logged as an ``enrich`` run of source ``arxiv-html``."""
    due = arxiv_keys(await store.keys_needing_enrichment(ARXIV_HTML, clock(), retry_days,
                                                         keys=candidates))
    stored = (await store.get_many(due)).values() if due else ()
    bare = newest_first([p for p in stored if not has_affiliation(p)], cap)
    if not bare:
        return EnrichReport(0, 0)
    started = clock()
    report = await enrich_html(bare, client=client, store=store, clock=clock)
    await _log(runs, ARXIV_HTML, started, clock, report)
    return report


async def _log(runs: RunStore, source: str, started: datetime, clock: Clock,
               report: EnrichReport) -> None:
    await runs.record("enrich", source, "error" if report.error else "ok", started=started,
                      finished=clock(), ok=report.error is None,
                      detail={"reason": report.error, "counts": report.counts()})
