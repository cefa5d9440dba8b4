"""OpenAlex enrichment in batches, with a fake OpenAlex and a fake store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from bot.core.ingest.enrichment import EnrichReport, enrich_openalex
from bot.errors import ParseError, SourceError, StoreError
from bot.models import Paper

NOW = datetime(2024, 11, 28, tzinfo=UTC)


class FakeStore:
    """The two writes enrichment makes (``upsert_papers``, ``record_attempt``)."""

    def __init__(self, fail_save: bool = False) -> None:
        self.saved: list[Paper] = []
        self.attempts: list[tuple[str, str, str, str | None]] = []
        self.fail_save = fail_save

    async def upsert_papers(self, papers: Sequence[Paper], *, now: datetime | None = None
                            ) -> int:
        if self.fail_save:
            raise StoreError("database is locked")
        self.saved.extend(papers)
        return len(papers)

    async def record_attempt(self, key: str, source: str, outcome: str,
                             detail: str | None = None, now: datetime | None = None) -> None:
        self.attempts.append((key, source, outcome, detail))


class FakeOpenAlex:
    """Knows some keys; fails whole batches that contain a poisoned key."""

    def __init__(self, known: set[str], poisoned: frozenset[str] = frozenset()) -> None:
        self.known = known
        self.poisoned = poisoned
        self.batches: list[list[str]] = []

    async def works_by_arxiv_ids(self, keys: Sequence[str]) -> dict[str, Paper]:
        self.batches.append(list(keys))
        if self.poisoned & set(keys):
            raise SourceError("api.openalex.org: HTTP 503 after 4 attempt(s)")
        return {
            k: Paper(key=k, title=k, openalex_id=f"W{i}")
            for i, k in enumerate(keys)
            if k in self.known
        }


async def test_found_not_found_and_failed_are_counted_and_recorded() -> None:
    store = FakeStore()
    openalex = FakeOpenAlex({"2411.00001", "2411.00003"}, poisoned=frozenset({"2411.00005"}))
    keys = [f"2411.0000{i}" for i in range(1, 7)]
    report = await enrich_openalex(keys, openalex=openalex, store=store, clock=lambda: NOW,
                                   batch_size=4)
    assert report == EnrichReport(asked=6, found=2, not_found=2, failed=2,
                                  error="api.openalex.org: HTTP 503 after 4 attempt(s)")
    assert report.attempted == 6
    assert openalex.batches == [keys[:4], keys[4:]]
    assert [p.key for p in store.saved] == ["2411.00001", "2411.00003"]
    outcomes = {key: (source, outcome) for key, source, outcome, _ in store.attempts}
    assert outcomes == {
        "2411.00001": ("openalex", "found"),
        "2411.00002": ("openalex", "not_found"),
        "2411.00003": ("openalex", "found"),
        "2411.00004": ("openalex", "not_found"),
        "2411.00005": ("openalex", "error"),
        "2411.00006": ("openalex", "error"),
    }
    failed_detail = next(d for k, _, o, d in store.attempts if o == "error")
    assert failed_detail is not None and "HTTP 503" in failed_detail


async def test_duplicate_keys_are_looked_up_once_and_empty_input_does_nothing() -> None:
    store = FakeStore()
    openalex = FakeOpenAlex({"a"})
    report = await enrich_openalex(["a", "a", "b"], openalex=openalex, store=store,
                                   clock=lambda: NOW)
    assert (report.found, report.not_found) == (1, 1)
    assert openalex.batches == [["a", "b"]]
    nothing = await enrich_openalex([], openalex=openalex, store=store, clock=lambda: NOW)
    assert nothing == EnrichReport(asked=0, found=0)


async def test_a_batch_with_nothing_found_saves_nothing() -> None:
    store = FakeStore()
    await enrich_openalex(["x"], openalex=FakeOpenAlex(set()), store=store, clock=lambda: NOW)
    assert store.saved == []
    assert store.attempts == [
        ("x", "openalex", "not_found", "OpenAlex does not know this work yet")
    ]


async def test_parse_errors_fail_the_batch_but_store_errors_propagate() -> None:
    store = FakeStore()

    class Broken:
        async def works_by_arxiv_ids(self, keys: Sequence[str]) -> dict[str, Paper]:
            raise ParseError("OpenAlex response: not JSON")

    report = await enrich_openalex(["x"], openalex=Broken(), store=store, clock=lambda: NOW)
    assert report.failed == 1

    with pytest.raises(StoreError):
        await enrich_openalex(["a"], openalex=FakeOpenAlex({"a"}),
                              store=FakeStore(fail_save=True), clock=lambda: NOW)


async def test_batch_size_must_be_positive() -> None:
    store = FakeStore()
    with pytest.raises(ValueError, match="batch_size"):
        await enrich_openalex(["a"], openalex=FakeOpenAlex(set()), store=store,
                              clock=lambda: NOW, batch_size=0)
