"""OpenAlexClient: DOI batch lookups, mapping back to arXiv ids, real error bodies, no key leaks."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from polite_fakes import FakeClock, Script, fixture_bytes, make_client

from bot.errors import ParseError, SourceError
from bot.sources.openalex_client import SELECT_FIELDS, OpenAlexClient

KEY = "oa-SECRET-4242"
FAST = {"min_interval": {}, "default_interval": 0.0}


def cassette_body(name: str) -> str:
    """The response body of a one-interaction vcr cassette (no YAML dependency needed)."""
    lines = fixture_bytes("openalex", name).decode().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("string:"))
    value = lines[at].split("string:", 1)[1].strip()
    if value == "|":
        return lines[at + 1].strip()
    return value.strip("'")


def works_page(arxiv_dois: list[str]) -> bytes:
    """The real keypapers page (2 works), re-labelled with arXiv DOIs, select-ed fields only."""
    page = json.loads(fixture_bytes("openalex", "openalexpro_works_cursor_keypapers_page1.json"))
    keep = SELECT_FIELDS.split(",")
    results: list[dict[str, Any]] = []
    for work, doi in zip(page["results"], arxiv_dois, strict=False):
        work = {k: v for k, v in work.items() if k in keep}
        work["doi"] = f"https://doi.org/{doi}"
        work["ids"] = {**work["ids"], "doi": work["doi"]}
        results.append(work)
    page["results"] = results
    page["meta"]["count"] = len(results)
    return json.dumps(page).encode()


def js(
    body: bytes | str, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(
        status, content=content, headers={"Content-Type": "application/json", **(headers or {})}
    )


async def lookup(
    replies: list[httpx.Response | Exception],
    ids: list[str],
    *,
    api_key: str | None = KEY,
    batch: int = 50,
) -> tuple[dict[str, Any], Script]:
    clock = FakeClock()
    script = Script(clock, replies)
    async with make_client(clock, script, **FAST) as client:
        openalex = OpenAlexClient(client, api_key=api_key, mailto="lab@example.org")
        return await openalex.works_by_arxiv_ids(ids, batch=batch), script


async def test_request_uses_lowercase_doi_filter_select_and_key() -> None:
    ids = ["2411.01234v2", "hep-th/9901001", "math.AG/0601001"]
    _, script = await lookup([js(works_page([]))], ids)
    query = dict(script.requests[0].url.params)
    assert query["filter"] == (
        "doi:10.48550/arxiv.2411.01234|10.48550/arxiv.hep-th/9901001|10.48550/arxiv.math.ag/0601001"
    )
    assert query["per-page"] == "50"
    assert query["select"] == SELECT_FIELDS
    assert (query["api_key"], query["mailto"]) == (KEY, "lab@example.org")
    assert script.requests[0].url.path == "/works"


def test_select_fields_are_all_valid_per_the_real_error_body() -> None:
    message = json.loads(cassette_body("openalexpro_vcr_2026-03_opt_select_fields.yml"))["message"]
    valid = {f.strip(" .") for f in message.split("Valid fields for select are:")[1].split(",")}
    assert set(SELECT_FIELDS.split(",")) <= valid


async def test_results_map_back_to_the_requested_ids() -> None:
    page = works_page(["10.48550/arxiv.2411.01234", "10.48550/arxiv.math.ag/0601001"])
    found, _ = await lookup([js(page)], ["2411.01234v2", "math.AG/0601001", "2411.09999"])
    assert set(found) == {"2411.01234v2", "math.AG/0601001"}  # unknown id simply absent
    assert found["2411.01234v2"].openalex_id == "W2755950973"
    assert found["math.AG/0601001"].openalex_id == "W2741809807"
    assert any(a.affiliations for a in found["2411.01234v2"].authors)


async def test_ids_are_batched() -> None:
    ids = [f"2411.0000{i}" for i in range(5)]
    _, script = await lookup([js(works_page([]))] * 3, ids, batch=2)
    filters = [dict(r.url.params)["filter"].count("|") + 1 for r in script.requests]
    assert filters == [2, 2, 1]


async def test_without_key_no_api_key_param_is_sent() -> None:
    _, script = await lookup([js(works_page([]))], ["2411.01234"], api_key=None)
    assert "api_key" not in dict(script.requests[0].url.params)


async def test_401_means_the_key_was_rejected(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    body = cassette_body("openalexpro_vcr_2026-03_pro_rate_limit_status_401.yml")
    with pytest.raises(SourceError, match="OpenAlex rejected the API key") as err:
        await lookup([js(body, 401)], ["2411.01234"])
    assert "API key not found" in str(err.value)
    assert KEY not in str(err.value) and KEY not in caplog.text


async def test_400_quotes_openalex_message() -> None:
    body = cassette_body("openalexpro_vcr_2026-03_opt_select_fields.yml")
    with pytest.raises(SourceError, match="DOESNTEXIST is not a valid select field"):
        await lookup([js(body, 400)], ["2411.01234"])


async def test_api_key_never_logged_through_retries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    replies = [
        js("", 503),
        httpx.ReadTimeout("slow"),
        js(works_page(["10.48550/arxiv.2411.01234"])),
    ]
    found, _ = await lookup(replies, ["2411.01234"])
    assert "2411.01234" in found
    assert "retrying" in caplog.text and "HTTP Request" in caplog.text
    assert KEY not in caplog.text


async def test_rate_limited_then_success() -> None:
    replies = [js('{"error":"rate limited"}', 429, {"Retry-After": "2"}), js(works_page([]))]
    found, script = await lookup(replies, ["2411.01234"])
    assert found == {} and len(script.requests) == 2


async def test_html_page_instead_of_json_is_a_parse_error() -> None:
    page = httpx.Response(200, text="<!DOCTYPE html><html><title>Cloudflare</title></html>")
    with pytest.raises(ParseError, match="HTML"):
        await lookup([page], ["2411.01234"])


async def test_bad_input_fails_before_any_request() -> None:
    with pytest.raises(ValueError):
        await lookup([], ["not-an-id"])
    with pytest.raises(ValueError, match="batch"):
        await lookup([], ["2411.01234"], batch=101)
