"""ArxivApiClient against real export.arxiv.org recordings (2026 backend)."""

from __future__ import annotations

import httpx
import pytest
from polite_fakes import FakeClock, Script, fixture_bytes, make_client, xml

from bot.errors import ParseError, SourceError
from bot.models import Paper
from bot.sources.arxiv_export import ArxivApiClient


def api(name: str) -> bytes:
    return fixture_bytes("arxiv_api", name)


PAGE_0 = api("arxivpy_2026_q_testing_s0_m10_bc5a6c384fe9.body.xml")
PAGE_10 = api("arxivpy_2026_q_testing_s10_m10_34e56e15aaac.body.xml")
NO_MATCH = api("arxivpy_2026_id_0000.0000_s0_m100_8b51d9633a68.body.xml")
BAD_ID = api("arxivpy_2026_id_abc_s0_m100_b79c8dcf6bc3.body.xml")  # the real HTTP 400 body
OLD_ID = api("arxivpy_2026_id_astro-ph_0601001_s0_m100_3150dca9dc76.body.xml")
TWO_IDS = api("arxivpy_2026_id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.body.xml")
# The real "no entries" page, but claiming more results exist: arXiv's empty-page hiccup.
EMPTY_BUT_MORE = NO_MATCH.replace(
    b"<opensearch:totalResults>0<", b"<opensearch:totalResults>214881<"
).replace(b"<opensearch:startIndex>0<", b"<opensearch:startIndex>10<")


async def run_search(
    replies: list[httpx.Response | Exception], max_results: int, page_size: int = 10
) -> tuple[list[Paper], Script, FakeClock]:
    clock = FakeClock()
    script = Script(clock, replies)
    async with make_client(clock, script) as client:
        arxiv = ArxivApiClient(client)
        found = [
            p async for p in arxiv.search("testing", max_results=max_results, page_size=page_size)
        ]
    return found, script, clock


def params(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


async def test_search_pages_with_start_and_spacing() -> None:
    found, script, _ = await run_search([xml(PAGE_0), xml(PAGE_10)], max_results=20)
    assert len(found) == 20 and len({p.key for p in found}) == 20
    assert [params(r)["start"] for r in script.requests] == ["0", "10"]
    assert all(params(r)["max_results"] == "10" for r in script.requests)
    assert params(script.requests[0])["search_query"] == "testing"
    assert script.times[1] - script.times[0] == 3.0


async def test_search_stops_at_max_results() -> None:
    found, script, _ = await run_search([xml(PAGE_0), xml(PAGE_10)], max_results=15)
    assert len(found) == 15
    assert params(script.requests[1])["max_results"] == "5"


async def test_search_with_no_results_makes_one_request() -> None:
    found, script, _ = await run_search([xml(NO_MATCH)], max_results=50)
    assert found == [] and len(script.requests) == 1


async def test_empty_page_while_more_exist_is_retried() -> None:
    replies = [xml(PAGE_0), xml(EMPTY_BUT_MORE), xml(PAGE_10)]
    found, script, clock = await run_search(replies, max_results=20)
    assert len(found) == 20
    assert [params(r)["start"] for r in script.requests] == ["0", "10", "10"]
    assert clock.sleeps[-1] == 5.0  # backoff; the 3 s spacing is already covered


async def test_empty_pages_forever_become_a_source_error() -> None:
    replies = [xml(PAGE_0)] + [xml(EMPTY_BUT_MORE)] * 4
    with pytest.raises(SourceError, match=r"empty page at start=10 although totalResults=214881"):
        await run_search(replies, max_results=20)


async def test_by_ids_batches_id_list() -> None:
    clock = FakeClock()
    script = Script(clock, [xml(TWO_IDS), xml(OLD_ID)])
    async with make_client(clock, script) as client:
        papers = await ArxivApiClient(client).by_ids(
            ["0808.05394", "1707.08567", "astro-ph/0601001"], batch=2
        )
    assert [params(r)["id_list"] for r in script.requests] == [
        "0808.05394,1707.08567",
        "astro-ph/0601001",
    ]
    assert [params(r)["max_results"] for r in script.requests] == ["2", "1"]
    assert [p.key for p in papers] == ["1707.08567", "astro-ph/0601001"]  # 0808.05394 unknown


async def test_unknown_id_is_simply_absent() -> None:
    clock = FakeClock()
    script = Script(clock, [xml(NO_MATCH)])
    async with make_client(clock, script) as client:
        assert await ArxivApiClient(client).by_ids(["0000.0000"]) == []


async def test_http_400_error_entry_quotes_arxiv_and_is_not_retried() -> None:
    clock = FakeClock()
    script = Script(clock, [xml(BAD_ID, 400)])
    async with make_client(clock, script) as client:
        with pytest.raises(SourceError, match="incorrect id format for abc"):
            await ArxivApiClient(client).by_ids(["abc"])
    assert len(script.requests) == 1


async def test_http_400_without_error_entry() -> None:
    clock = FakeClock()
    script = Script(clock, [httpx.Response(400, text="<html><body>Bad Request</body></html>")])
    async with make_client(clock, script) as client:
        with pytest.raises(SourceError, match="HTTP 400"):
            await ArxivApiClient(client).by_ids(["1707.08567"])


async def test_truncated_response_is_a_parse_error_without_retry() -> None:
    with pytest.raises(ParseError, match=r"export\.arxiv\.org"):
        await run_search([xml(PAGE_0[:3000])], max_results=20)


async def test_html_page_where_xml_was_expected() -> None:
    page = httpx.Response(200, text="<!DOCTYPE html><html><title>Down</title></html>")
    with pytest.raises(ParseError, match="HTML"):
        await run_search([page], max_results=20)


async def test_429_retry_after_is_honoured_inside_paging() -> None:
    replies = [xml("", 429, {"Retry-After": "10"}), xml(PAGE_0)]
    found, _, clock = await run_search(replies, max_results=10)
    assert len(found) == 10 and clock.sleeps == [10.0]
