"""The OpenAlex institution watch's source: the filters it sends, cursor paging, and stopping
within the call budget (cap, 429, the key's allowance) on recorded OpenAlex answers (respx)."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

import httpx
import pytest
import respx
import yaml
from polite_fakes import FakeClock

from bot.errors import SourceError
from bot.sources.http import PoliteClient
from bot.sources.openalex_watch import (
    CREATED,
    PUBLISHED,
    Allowance,
    CutShort,
    InstitutionWorks,
    WatchResult,
)
from tests.fixture_files import fixture_bytes

KEY = "oa-SECRET-4242"
WORKS = "https://api.openalex.org/works"
PAGE_1 = "openalex/openalexpro_works_cursor_keypapers_page1.json"  # 2 works, next_cursor set
PAGE_2 = "openalex/openalexpro_works_cursor_keypapers_page2_last.json"  # [] and no cursor
CHEMCROW = "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json"
LIST_CALLS = "openalex/openalexpro_vcr_2026-03_pro_request_list_count.yml"  # metered list calls
SINGLETON = "openalex/openalexpro_vcr_2026-03_api_call_200.yml"  # a free key's $1 allowance
SINCE = date(2026, 11, 2)
# OpenAlex's answer to from_created_date on a key without a paid plan, as two public projects
# that call the API model it in their tests (ahead of any recording of it): HTTP 429 with
# {"error": "Plan upgrade required", "message": "The from_created_date filter requires a
# Premium plan."}. The watch keys on the status and on the message naming the plan.
PLAN_REFUSAL = {"error": "Plan upgrade required",
                "message": "The from_created_date filter requires a Premium plan."}


def recorded_headers(relpath: str, index: int = 0) -> dict[str, str]:
    """The x-ratelimit-* headers of one recorded OpenAlex answer."""
    cassette = yaml.safe_load(fixture_bytes(relpath))
    headers = cassette["http_interactions"][index]["response"]["headers"]
    return {k: str(v) for k, v in headers.items() if k.startswith("x-ratelimit")}


def answer(relpath: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(200, content=fixture_bytes(relpath),
                          headers={"content-type": "application/json", **(headers or {})})


async def watch(ids: list[str], *, created: bool = False, **kw: Any) -> WatchResult:
    clock = FakeClock()
    async with PoliteClient(contact_email="lab@example.org", clock=clock, sleep=clock.sleep,
                            min_interval={}, default_interval=0.0) as client:
        source = InstitutionWorks(client, KEY, "lab@example.org")
        return await source.recent_works(ids, published_since=SINCE,
                                          created_since=SINCE if created else None, **kw)


def params(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


@respx.mock
async def test_one_filter_ors_the_lineage_of_up_to_100_institutions() -> None:
    route = respx.get(WORKS).mock(side_effect=lambda r: answer(PAGE_2))
    ids = [f"I{1000 + n}" for n in range(150)]
    result = await watch(ids)
    assert route.call_count == 2 and result.calls == 2 and result.complete
    first, second = (params(c.request) for c in route.calls)
    heads = [p["filter"].split(",")[0].split(":", 1) for p in (first, second)]
    assert {name for name, _ in heads} == {"authorships.institutions.lineage"}
    lineage = [values.split("|") for _, values in heads]
    assert [len(group) for group in lineage] == [100, 50]
    assert [i for group in lineage for i in group] == ids
    filters = first["filter"].split(",")
    assert filters[1:] == [f"{PUBLISHED}:2026-11-02", "primary_location.source.id:!S4306400194"]
    assert (first["per-page"], first["cursor"], first["sort"]) == ("200", "*",
                                                                    "publication_date:desc")
    assert {"locations", "ids", "authorships", "primary_location"} <= set(
        first["select"].split(","))
    assert (first["api_key"], first["mailto"]) == (KEY, "lab@example.org")


@respx.mock
async def test_pages_follow_the_cursor_until_the_last_page() -> None:
    route = respx.get(WORKS).mock(side_effect=[answer(PAGE_1), answer(PAGE_2)])
    result = await watch(["I1291425158"])
    assert route.call_count == 2 and result.complete
    cursor = json.loads(fixture_bytes(PAGE_1))["meta"]["next_cursor"]
    assert params(route.calls[1].request)["cursor"] == cursor
    assert [w.openalex_id for w in result.works] == ["W2755950973", "W2741809807"]
    assert result.matching == 2 and result.date_filter == PUBLISHED and result.since == SINCE


@respx.mock
async def test_the_call_cap_stops_the_watch_and_says_so() -> None:
    route = respx.get(WORKS).mock(side_effect=[answer(PAGE_1), answer(PAGE_2)])
    result = await watch(["I1291425158"], max_calls=1)
    assert route.call_count == 1
    assert result.cut_short is CutShort.CAP and len(result.works) == 2


@respx.mock
async def test_a_429_stops_at_once_without_retrying() -> None:
    route = respx.get(WORKS).mock(side_effect=[
        answer(PAGE_1), httpx.Response(429, json={"error": "Rate limit exceeded"})])
    result = await watch(["I1291425158"], max_calls=10)
    assert route.call_count == 2  # the polite client would retry a 429 four times
    assert result.cut_short is CutShort.RATE_LIMITED and len(result.works) == 2


@respx.mock
async def test_the_keys_allowance_is_read_from_the_recorded_headers() -> None:
    metered = recorded_headers(LIST_CALLS)
    respx.get(WORKS).mock(side_effect=[answer(PAGE_1, metered), answer(PAGE_2, metered)])
    result = await watch(["I1291425158"])
    assert result.allowance == Allowance(200.0, 199.9286, 0.0001)
    assert result.cost_usd == pytest.approx(0.0002) and result.complete


@respx.mock
async def test_a_low_allowance_stops_the_watch_before_the_reserve_is_spent() -> None:
    free_key = recorded_headers(SINGLETON)  # $1 a day, $0.9655 left
    route = respx.get(WORKS).mock(side_effect=[answer(PAGE_1, free_key), answer(PAGE_2)])
    result = await watch(["I1291425158"], reserve_usd=0.97)
    assert route.call_count == 1
    assert result.cut_short is CutShort.ALLOWANCE
    assert result.allowance is not None and result.allowance.remaining_usd == 0.9655
    kept = await watch(["I1291425158"], reserve_usd=0.5)  # enough left: it goes on
    assert kept.complete


@respx.mock
async def test_the_last_page_is_never_cut_short_for_the_allowance() -> None:
    respx.get(WORKS).mock(side_effect=[answer(CHEMCROW, recorded_headers(SINGLETON))])
    result = await watch(["I1341412227"], reserve_usd=0.97)  # nothing more to ask for
    assert result.complete and len(result.works) == 2


@respx.mock
async def test_from_created_date_refused_falls_back_to_publication_dates() -> None:
    route = respx.get(WORKS).mock(side_effect=[
        httpx.Response(429, json=PLAN_REFUSAL), answer(CHEMCROW)])
    result = await watch(["I1341412227"], created=True)
    first, second = (params(c.request)["filter"] for c in route.calls)
    assert f"{CREATED}:2026-11-02" in first and CREATED not in second
    assert f"{PUBLISHED}:2026-11-02" in second
    assert result.created_refused and result.date_filter == PUBLISHED and result.complete
    assert result.calls == 2 and len(result.works) == 2


@respx.mock
async def test_from_created_date_is_sent_when_allowed() -> None:
    route = respx.get(WORKS).mock(side_effect=[answer(CHEMCROW)])
    result = await watch(["I1341412227"], created=True)
    sent = params(route.calls[0].request)
    assert f"{CREATED}:2026-11-02" in sent["filter"] and "sort" not in sent
    assert not result.created_refused and result.date_filter == CREATED


@respx.mock
async def test_a_failing_first_call_raises_without_the_key(
        caplog: pytest.LogCaptureFixture) -> None:
    respx.get(WORKS).mock(return_value=httpx.Response(
        400, json={"error": "Invalid query parameters error.", "message": "bad filter"}))
    with caplog.at_level(logging.DEBUG), pytest.raises(SourceError) as raised:
        await watch(["I1291425158"])
    assert "rejected the request" in str(raised.value)
    assert KEY not in str(raised.value) and KEY not in caplog.text


@respx.mock
async def test_a_later_failure_keeps_the_works_already_fetched() -> None:
    respx.get(WORKS).mock(side_effect=[answer(PAGE_1), httpx.Response(
        400, json={"error": "Invalid query parameters error.", "message": "bad cursor"})])
    result = await watch(["I1291425158"])
    assert result.cut_short is CutShort.ERROR and len(result.works) == 2
    assert result.error and KEY not in result.error


async def test_the_budget_must_allow_a_call() -> None:
    with pytest.raises(ValueError, match="max_calls"):
        await watch(["I1"], max_calls=0)
