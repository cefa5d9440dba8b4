"""The nightly pipeline: fetch the announcement -> store -> match topics -> enrich -> overlaps.

Every collaborator is injected (fetcher, OpenAlex lookup, arXiv HTML client, OAI-PMH recovery,
topic index builder, stores, clocks) so tests run it on recorded data with no network. The topic
index is rebuilt only when the set of active topics changes (a hash of (id, query) pairs).
Enrichment steps live in ``bot.core.ingest.enrichment``, missed-day recovery in
``bot.core.ingest.recovery``.

A digest (often a chat command) waits for its new candidates' OpenAlex lookups at most
``enrich_wait`` seconds: with the network gone, the polite client's retries take half a minute.
Lookups still running then carry on in the background; ``pending_keys`` names their papers, so
the digest can say it composed without them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from bot.core.ingest.enrichment import (
    ARXIV_HTML,
    HTML_CAP,
    OPENALEX,
    Enricher,
    EnrichReport,
    EnrichStore,
    WorksLookup,
    arxiv_keys,
    html_pass,
    openalex_pass,
)
from bot.core.ingest.recovery import Recovery, RecoveryReport
from bot.errors import failure_reason
from bot.models import AnnounceType, Paper
from bot.sources.arxiv_html import HtmlClient
from bot.store.overlaps import OverlapRow, OverlapStore
from bot.store.runs import RunStore
from bot.store.topics import TopicLike

log = logging.getLogger(__name__)

__all__ = ["ARXIV_HTML", "OPENALEX", "EnrichReport", "FetchReport", "Pipeline", "WorksLookup"]

DIGEST_TYPES = (AnnounceType.NEW, AnnounceType.CROSS)
ENRICH_WAIT_SECONDS = 5.0
MATCH_PAGE = 2000  # recovered papers matched at a time

Sleep = Callable[[float], Awaitable[None]]


class FeedFetcher(Protocol):
    """``bot.sources.arxiv_feed.ArxivFeedFetcher``."""

    async def fetch(self, day: date | None = None, last_seen: Any = None) -> Any: ...


class PaperRepo(EnrichStore, Protocol):
    """The parts of ``bot.store.papers.PaperStore`` the pipeline uses."""

    async def version(self) -> Any: ...
    def iter_texts(
        self, since: date | None, until: date | None, announce_types: Collection[AnnounceType],
    ) -> AsyncIterator[list[Paper]]: ...
    async def texts_for(self, keys: Iterable[str]) -> list[Paper]: ...

    async def iter_papers(
        self, since: date | None, until: date | None,
        announce_types: Collection[AnnounceType] | None,
    ) -> list[Paper]: ...


class StateRepo(Protocol):
    """``bot.store.source_state.SourceState``."""

    async def get(self, source: str, key: str, default: Any = None) -> Any: ...
    async def set(self, source: str, key: str, value: Any, *, now: datetime | None = None) -> None:
        ...


class TopicSource(Protocol):
    async def all_active(self) -> Sequence[TopicLike]: ...


class MatchIndex(Protocol):
    """``bot.topics.TopicIndex``: ``match_paper`` -> matches with topic id, score and, when
    ``explain``, the terms that hit."""

    def match_paper(self, paper: Paper, *, explain: bool = True) -> Sequence[Any]: ...


IndexBuilder = Callable[[Sequence[tuple[int, str]], Sequence[Paper]], MatchIndex]


def default_index_builder(
    topics: Sequence[tuple[int, str]], sample: Sequence[Paper] = ()
) -> MatchIndex:
    """Compile topic queries with ``bot.topics``; term rarity comes from ``sample`` (the papers
    about to be matched). A bad stored query is skipped, not fatal."""
    from bot.topics import TopicIndex, parse_query, term_document_frequency

    compiled = []
    for topic_id, text in topics:
        try:
            compiled.append((topic_id, parse_query(text)))
        except Exception as exc:  # QueryError; the topic service validated it when saved
            log.warning("topic %s has an unusable query %r: %s", topic_id, text, exc)
    doc_freq = term_document_frequency([q for _, q in compiled], sample) if sample else None
    return TopicIndex.build(compiled, doc_freq=doc_freq or None)


def score_rows(index: MatchIndex, papers: Sequence[Paper]) -> list[OverlapRow]:
    """Every (paper, topic) match as a storable row, scored but not explained. CPU-bound:
    the pipeline runs it in a worker thread."""
    return [
        OverlapRow(paper.key, _topic_id(m), float(m.score), ())
        for paper in papers
        for m in index.match_paper(paper, explain=False)
    ]


def explanations(index: MatchIndex, papers: Sequence[Paper]
                 ) -> dict[str, dict[int, tuple[str, ...]]]:
    """The terms each topic matched, per paper key and topic id (in the order they hit)."""
    return {
        paper.key: {_topic_id(m): tuple(dict.fromkeys(str(t.term) for t in m.terms))
                    for m in index.match_paper(paper)}
        for paper in papers
    }


def _topic_id(match: Any) -> int:
    return int(getattr(match.topic, "id", match.topic))


@dataclass(frozen=True, slots=True)
class FetchReport:
    """What one fetch did; ``should_retry`` tells the scheduler to try again later."""

    day: date | None
    kind: str
    reason: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: int = 0
    should_retry: bool = False


class Pipeline:
    """Fetch, store, match, enrich, recover missed days; also re-matches stored papers for
    digests.

    ``enricher`` replaces the OpenAlex step (called with the keys due); ``html_client`` (a
    ``PoliteClient``) turns on the arXiv HTML step, at most ``html_cap`` pages a run;
    ``recovery`` turns on missed-day recovery over OAI-PMH.
    """

    def __init__(
        self,
        *,
        papers: PaperRepo,
        topics: TopicSource,
        overlaps: OverlapStore,
        runs: RunStore,
        clock: Callable[[], datetime],
        fetcher: FeedFetcher | None = None,
        openalex: WorksLookup | None = None,
        source_state: StateRepo | None = None,
        index_builder: IndexBuilder = default_index_builder,
        enricher: Enricher | None = None,
        retry_days: int = 5,
        html_client: HtmlClient | None = None,
        html_cap: int = HTML_CAP,
        recovery: Recovery | None = None,
        enrich_wait: float = ENRICH_WAIT_SECONDS,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.papers, self.topics, self.overlaps, self.runs = papers, topics, overlaps, runs
        self.clock = clock
        self.fetcher, self.openalex, self.source_state = fetcher, openalex, source_state
        self.index_builder = index_builder
        self.enricher = enricher
        self.retry_days = retry_days
        self.html_client, self.html_cap = html_client, html_cap
        self.recovery = recovery
        self.enrich_wait, self.sleep = enrich_wait, sleep
        self._index: MatchIndex | None = None
        self._index_hash: str | None = None
        self._index_lock = asyncio.Lock()
        self._index_builds = 0
        self._recompute_lock = asyncio.Lock()
        self._recomputed: tuple[tuple[Any, ...], int, set[str]] | None = None
        self._lookups: dict[asyncio.Task[EnrichReport], frozenset[str]] = {}

    # --- matching ---------------------------------------------------------------------------

    async def index(self, sample: Sequence[Paper] = ()) -> MatchIndex:
        """The topic index, rebuilt only when the active topic set changed (``sample`` feeds
        term rarity when it is rebuilt). Building scans ``sample``, so it runs in a worker
        thread; concurrent callers wait for one build."""
        async with self._index_lock:
            pairs, digest = await self._active_topics()
            if self._index is None or digest != self._index_hash:
                built = await asyncio.to_thread(self.index_builder, pairs, sample)
                self._index, self._index_hash = built, digest
                self._index_builds += 1
                log.info("topic index rebuilt for %d topics", len(pairs))
            return self._index

    async def _active_topics(self) -> tuple[list[tuple[int, str]], str]:
        """(id, query) of every active topic, and a digest of them."""
        pairs = sorted((t.id, t.query) for t in await self.topics.all_active())
        return pairs, hashlib.sha256(repr(pairs).encode()).hexdigest()

    async def match(self, papers: Sequence[Paper]) -> set[str]:
        """Match ``papers`` against every active topic and store their overlaps.

        Matching is CPU-bound (a week of papers against catch-all topics takes seconds), so it
        runs in a worker thread while the event loop keeps answering commands and storing
        notes: Python hands the interpreter lock between threads every few milliseconds, which
        keeps the loop's lag near 0.1 s (``bench/cycle.py``), so no separate process is needed.
        Overlaps are stored scored, not explained: ``explain`` does that for the few cards a
        digest posts. Returns the keys that matched at least one topic.
        """
        papers = [p for p in papers if p.announce_type in (*DIGEST_TYPES, None)]
        if not papers:
            return set()
        index = await self.index(papers)
        rows = await asyncio.to_thread(score_rows, index, papers)
        await self.overlaps.replace_for_papers([p.key for p in papers], rows, self.clock())
        return {r.paper_key for r in rows}

    async def explain(self, papers: Sequence[Paper]) -> dict[str, dict[int, tuple[str, ...]]]:
        """The terms each topic matched in ``papers`` (the cards a digest is about to post),
        per paper key and topic id."""
        if not papers:
            return {}
        return explanations(await self.index(), papers)

    async def recompute_overlaps(
        self, since: date, until: date | None = None, *, enrich: bool = True
    ) -> int:
        """Re-match every new/cross paper announced in [since, until] with today's topics, so
        a topic added today still finds last week's papers; enriches new candidates from
        OpenAlex only (digests run on a chat command, which must not wait on arxiv.org's 3 s
        spacing: the HTML step runs with the fetch, recovery and the daily enrichment job),
        waiting for that at most ``enrich_wait`` seconds (``enrich_within``).

        Digests of many channels at the same minute ask for the same window: while neither
        the papers (``PaperStore.version``) nor the topics changed, the overlaps stored by the
        last recompute stand, so it is done once (recomputes queue on a lock)."""
        async with self._recompute_lock:
            key = (since, until, await self.papers.version(), (await self._active_topics())[1])
            last = self._recomputed
            if last is not None and last[0] == key and last[1] == self._index_builds:
                matched = last[2]
            else:  # (an index rebuilt meanwhile may score differently: recompute then too)
                matched = set()
                async for page in self.papers.iter_texts(since, until, DIGEST_TYPES):
                    matched |= await self.match(page)
                self._recomputed = (key, self._index_builds, matched)
        if enrich and matched:
            await self.enrich_within(matched)
        return len(matched)

    def pending_keys(self) -> frozenset[str]:
        """Papers whose OpenAlex lookup, started for a digest, is still running."""
        return frozenset().union(*self._lookups.values())

    async def enrich_within(self, keys: Collection[str]) -> frozenset[str]:
        """Look up the due ones of ``keys`` on OpenAlex, waiting at most ``enrich_wait``
        seconds for them (and for lookups other digests already started for any of them).

        What is not done by then keeps running in the background; returns those keys. A key
        is never asked twice at once: two channels' digests share one lookup.
        """
        if self.enricher is None and self.openalex is None:
            return frozenset()
        wanted = set(keys)
        running = self.pending_keys()
        due = await self.papers.keys_needing_enrichment(OPENALEX, self.clock(),
                                                        self.retry_days, keys=wanted - running)
        fresh = frozenset(arxiv_keys(due))
        if fresh:
            task = asyncio.create_task(self.run_enrichment(fresh, html=False),
                                       name="openalex-lookup")
            self._lookups[task] = fresh
            task.add_done_callback(self._lookup_done)
        ours = {t for t, ks in self._lookups.items() if ks & wanted}
        if ours:
            await self._wait_at_most(ours, self.enrich_wait)
        left = frozenset().union(*(self._lookups.get(t, frozenset()) for t in ours
                                   if not t.done()))
        if left:
            log.info("affiliations of %d papers still being looked up; the digest goes ahead",
                     len(left & wanted))
        return left & wanted

    async def _wait_at_most(self, tasks: set[asyncio.Task[EnrichReport]], seconds: float
                            ) -> None:
        """Until every task is done or ``seconds`` passed (on the injected ``sleep``, so tests
        need no real waiting); the tasks themselves are never cancelled here."""
        all_done = asyncio.ensure_future(asyncio.wait(tasks))
        timer = asyncio.ensure_future(self.sleep(seconds))
        try:
            await asyncio.wait({all_done, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (all_done, timer):
                waiter.cancel()

    def _lookup_done(self, task: asyncio.Task[EnrichReport]) -> None:
        self._lookups.pop(task, None)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:  # run_enrichment records source failures; this is a bug or the store
            log.error("background affiliation lookup failed: %s", exc, exc_info=exc)

    async def stop_background(self) -> None:
        """Cancel lookups still running (shutdown): the attempts they did not record are
        simply due again at the next run."""
        tasks = list(self._lookups)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)

    # --- fetching ---------------------------------------------------------------------------

    async def run_fetch(self, day: date | None = None) -> FetchReport:
        """Fetch the announcement for mailing date ``day``, store, match, enrich; log the run."""
        if self.fetcher is None:
            raise RuntimeError("Pipeline.run_fetch needs a feed fetcher")
        started = self.clock()
        last_seen = await self._last_seen()
        try:
            outcome = await self.fetcher.fetch(day, last_seen)
        except Exception as exc:  # SourceError, ParseError, httpx errors: report, retry later
            log.warning("arXiv fetch for %s failed: %s", day, exc)
            await self.runs.record("fetch", "arxiv", "error", started=started,
                                   finished=self.clock(), day=day, ok=False,
                                   detail={"reason": failure_reason(exc)})
            return FetchReport(day, "error", str(exc), should_retry=True)
        kind = str(outcome.kind)
        page = outcome.page
        papers = list(page.papers) if page is not None else []
        counts = await self.papers.upsert_papers(papers, now=self.clock()) if papers else None
        if kind == "announced" and page is not None and self.source_state is not None:
            await self.source_state.set("arxiv", "last_seen", {
                "announced": page.announced.isoformat() if page.announced else None,
                "ids": sorted(p.key for p in papers),
            }, now=self.clock())
        matched = await self.match(papers) if kind == "announced" else set()
        report = FetchReport(
            day=outcome.day, kind=kind, reason=outcome.reason,
            new=getattr(counts, "new", 0), updated=getattr(counts, "updated", 0),
            unchanged=getattr(counts, "unchanged", 0), matched=len(matched),
            should_retry=bool(getattr(outcome, "should_retry", False)),
        )
        await self.runs.record(
            "fetch", "arxiv", kind, started=started, finished=self.clock(), day=outcome.day,
            detail={"reason": outcome.reason, "counts": {
                "new": report.new, "updated": report.updated, "unchanged": report.unchanged,
                "matched": report.matched}},
        )
        if matched:
            await self.run_enrichment(matched)
        return report

    async def _last_seen(self) -> Any:
        if self.source_state is None:
            return None
        raw = await self.source_state.get("arxiv", "last_seen")
        if not raw:
            return None
        from bot.sources.arxiv_feed import LastSeen

        announced = date.fromisoformat(raw["announced"]) if raw.get("announced") else None
        return LastSeen(announced, frozenset(raw.get("ids", ())))

    # --- enrichment -------------------------------------------------------------------------

    async def run_enrichment(
        self, keys: Collection[str] | None = None, *, html: bool = True
    ) -> EnrichReport:
        """Look up affiliations for candidates that need it (default: every paper with an
        overlap): OpenAlex first, then (``html``) arXiv's HTML author block for candidates
        still without any affiliation. Sources that lag are retried for ``retry_days``."""
        if keys is None:
            keys = await self.overlaps.paper_keys()
        report = await self._enrich_openalex(keys)
        html_report = await self._enrich_html(keys) if html else None
        return replace(report, html=html_report) if html_report is not None else report

    async def _enrich_openalex(self, keys: Collection[str]) -> EnrichReport:
        if self.enricher is None and self.openalex is None:
            return EnrichReport(0, 0)
        return await openalex_pass(keys, store=self.papers, runs=self.runs, clock=self.clock,
                                   retry_days=self.retry_days, openalex=self.openalex,
                                   enricher=self.enricher)

    async def _enrich_html(self, keys: Collection[str]) -> EnrichReport | None:
        """Only candidates (papers with an overlap), whatever ``keys`` the caller passed."""
        if self.html_client is None:
            return None
        candidates = set(keys) & set(await self.overlaps.paper_keys())
        return await html_pass(candidates, store=self.papers, runs=self.runs, clock=self.clock,
                               retry_days=self.retry_days, client=self.html_client,
                               cap=self.html_cap)

    # --- missed days ------------------------------------------------------------------------

    async def recover_missed_days(self, now: datetime | None = None) -> RecoveryReport:
        """Harvest announcement days no fetch covered (``bot.core.ingest.recovery``), then match and
        enrich what was recovered as the nightly fetch would have."""
        if self.recovery is None:
            return RecoveryReport()
        report = await self.recovery.recover(now or self.clock())
        matched: set[str] = set()
        for start in range(0, len(report.keys), MATCH_PAGE):  # a page at a time: memory
            matched |= await self.match(
                await self.papers.texts_for(report.keys[start:start + MATCH_PAGE]))
        if matched:
            await self.run_enrichment(matched)
        return replace(report, matched=len(matched))
