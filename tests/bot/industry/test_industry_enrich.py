"""The enrichment pass with fake OpenAlex lookups and a fake store."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.errors import ParseError, SourceError, StoreError
from bot.industry.enrich import EnrichReport, enrich
from bot.models import Paper


class FakeStore:
    def __init__(self) -> None:
        self.saved: list[Paper] = []
        self.attempts: list[tuple[str, str, str, str]] = []

    async def save(self, papers: Sequence[Paper]) -> int:
        self.saved.extend(papers)
        return len(papers)

    async def record_attempt(self, key: str, source: str, outcome: str, detail: str) -> None:
        self.attempts.append((key, source, outcome, detail))


class FakeOpenAlex:
    """Knows some keys; fails whole batches that contain a poisoned key."""

    def __init__(self, known: set[str], poisoned: frozenset[str] = frozenset()) -> None:
        self.known = known
        self.poisoned = poisoned
        self.batches: list[list[str]] = []

    async def __call__(self, keys: Sequence[str]) -> dict[str, Paper]:
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
    report = await enrich(
        keys, lookup_openalex=openalex, save=store.save, record_attempt=store.record_attempt,
        batch_size=4,
    )  # fmt: skip
    assert report == EnrichReport(found=2, not_found=2, failed=2)
    assert report.attempted == 6
    assert openalex.batches == [keys[:4], keys[4:]]
    assert [p.key for p in store.saved] == ["2411.00001", "2411.00003"]
    outcomes = {key: (source, outcome) for key, source, outcome, _ in store.attempts}
    assert outcomes == {
        "2411.00001": ("openalex", "found"),
        "2411.00002": ("openalex", "not_found"),
        "2411.00003": ("openalex", "found"),
        "2411.00004": ("openalex", "not_found"),
        "2411.00005": ("openalex", "failed"),
        "2411.00006": ("openalex", "failed"),
    }
    failed_detail = next(d for k, _, o, d in store.attempts if o == "failed")
    assert "HTTP 503" in failed_detail


async def test_duplicate_keys_are_looked_up_once_and_empty_input_does_nothing() -> None:
    store = FakeStore()
    openalex = FakeOpenAlex({"a"})
    report = await enrich(
        ["a", "a", "b"], lookup_openalex=openalex, save=store.save,
        record_attempt=store.record_attempt,
    )  # fmt: skip
    assert (report.found, report.not_found) == (1, 1)
    assert openalex.batches == [["a", "b"]]
    nothing = await enrich(
        [], lookup_openalex=openalex, save=store.save, record_attempt=store.record_attempt
    )
    assert nothing == EnrichReport()


async def test_a_batch_with_nothing_found_saves_nothing() -> None:
    store = FakeStore()
    await enrich(["x"], lookup_openalex=FakeOpenAlex(set()), save=store.save,
                 record_attempt=store.record_attempt)  # fmt: skip
    assert store.saved == []
    assert store.attempts == [
        ("x", "openalex", "not_found", "OpenAlex does not know this work yet")
    ]


async def test_parse_errors_fail_the_batch_but_store_errors_propagate() -> None:
    store = FakeStore()

    async def broken(keys: Sequence[str]) -> dict[str, Paper]:
        raise ParseError("OpenAlex response: not JSON")

    report = await enrich(["x"], lookup_openalex=broken, save=store.save,
                          record_attempt=store.record_attempt)  # fmt: skip
    assert report.failed == 1

    async def failing_save(papers: Sequence[Paper]) -> None:
        raise StoreError("database is locked")

    with pytest.raises(StoreError):
        await enrich(["a"], lookup_openalex=FakeOpenAlex({"a"}), save=failing_save,
                     record_attempt=store.record_attempt)  # fmt: skip


async def test_batch_size_must_be_positive() -> None:
    store = FakeStore()
    with pytest.raises(ValueError, match="batch_size"):
        await enrich(["a"], lookup_openalex=FakeOpenAlex(set()), save=store.save,
                     record_attempt=store.record_attempt, batch_size=0)  # fmt: skip
