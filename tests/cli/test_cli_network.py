"""`scoopwatch fetch` and `backfill` end to end, with arXiv and OpenAlex answered by respx from
real recorded responses (no network)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner

from bot.cli import main
from tests.fixture_files import LISTING as LISTING_NAME
from tests.fixture_files import fixture_path

LISTING = fixture_path(LISTING_NAME)
OAI_HEP_TH = fixture_path("arxiv_oai/hepcrawl_oai2_2017_arxiv-physics-hep-th.xml")
EMPTY_WORKS = b'{"meta": {"count": 0, "page": 1, "per_page": 50}, "results": []}'


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    for name in ("SCOOPWATCH_CONFIG", "SCOOPWATCH_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN",
                 "SCOOPWATCH_DISCORD_TOKEN", "DISCORD_TOKEN", "SCOOPWATCH_OPENALEX_API_KEY",
                 "OPENALEX_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    Path("scoopwatch.toml").write_text('[http]\ncontact = "lab@example.org"\n')
    return CliRunner()


@respx.mock
def test_fetch_stores_the_announcement_and_asks_openalex_for_every_paper(
    runner: CliRunner,
) -> None:
    feed = respx.get(url__startswith="https://rss.arxiv.org/rss/cs.LG+cs.CL").mock(
        return_value=httpx.Response(200, content=LISTING.read_bytes()))
    works = respx.get(url__startswith="https://api.openalex.org/works").mock(
        return_value=httpx.Response(200, content=EMPTY_WORKS))

    result = runner.invoke(main, ["fetch", "--date", "2024-11-28", "--db", "t.db"])

    assert result.exit_code == 0, result.output
    assert feed.call_count == 1
    assert "scoopwatch/" in feed.calls[0].request.headers["user-agent"]
    assert "mailto:lab@example.org" in feed.calls[0].request.headers["user-agent"]
    assert "1504 new" in result.stdout
    # Every paper of the day is looked up by its arXiv DOI, 50 per request.
    assert works.call_count == 1504 // 50 + 1
    first = str(works.calls[0].request.url)
    assert "doi%3A10.48550%2Farxiv." in first or "doi:10.48550/arxiv." in first
    assert "OpenAlex: asked 1504, found 0" in result.stdout
    listed = runner.invoke(main, ["papers", "--db", "t.db", "--json"])
    assert len(listed.stdout.splitlines()) == 1504


@respx.mock
def test_fetch_reports_a_source_failure_and_exits_1(runner: CliRunner) -> None:
    respx.get(url__startswith="https://rss.arxiv.org/").mock(
        return_value=httpx.Response(404, text="<html>not found</html>"))
    result = runner.invoke(main, ["fetch", "--date", "2024-11-28", "--db", "t.db"])
    assert result.exit_code == 1
    assert "error" in result.stdout


@respx.mock
def test_backfill_harvests_one_category_over_oai_pmh(runner: CliRunner) -> None:
    oai = respx.get(url__startswith="https://oaipmh.arxiv.org/oai").mock(
        return_value=httpx.Response(200, content=OAI_HEP_TH.read_bytes()))
    result = runner.invoke(main, ["backfill", "--from", "2017-12-14", "--to", "2017-12-15",
                                  "--category", "hep-th", "--db", "t.db"])
    assert result.exit_code == 0, result.output
    request = oai.calls[0].request
    assert request.url.params["verb"] == "ListRecords"
    assert request.url.params["metadataPrefix"] == "arXiv"
    assert request.url.params["from"] == "2017-12-14"
    assert "hep-th: 3 records" in result.stdout
    assert "backfill done: 3 new, 0 updated" in result.stdout
    papers = [json.loads(line) for line in
              runner.invoke(main, ["papers", "--db", "t.db", "--json"]).stdout.splitlines()]
    assert len(papers) == 3


def test_backfill_refuses_an_inverted_range(runner: CliRunner) -> None:
    result = runner.invoke(main, ["backfill", "--from", "2024-12-01", "--to", "2024-11-01"])
    assert result.exit_code == 2
    assert "--to is before --from" in result.output


@respx.mock
def test_a_backfill_failing_on_page_2_keeps_page_1_and_says_how_far_it_got(
    runner: CliRunner,
) -> None:
    first = OAI_HEP_TH.read_bytes().replace(
        b"</ListRecords>", b"<resumptionToken>page-2</resumptionToken></ListRecords>")
    assert first != OAI_HEP_TH.read_bytes()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("resumptionToken") == "page-2":
            return httpx.Response(200, content=first[:300])  # cut short
        return httpx.Response(200, content=first)

    respx.get(url__startswith="https://oaipmh.arxiv.org/oai").mock(side_effect=answer)
    result = runner.invoke(main, ["backfill", "--from", "2017-12-14", "--to", "2017-12-15",
                                  "--category", "hep-th", "--db", "t.db"])
    assert result.exit_code == 1
    progress, stopped = result.stderr.splitlines()[:2]  # the last progress line, then why
    assert progress.startswith("backfill: 1/2 days, 3 papers, ")
    assert stopped.startswith(
        "stored 3 papers (3 new, 0 updated); stopped in hep-th after 3 records: OAI-PMH")
    assert "malformed XML" in result.stderr
    papers = runner.invoke(main, ["papers", "--db", "t.db", "--json"]).stdout.splitlines()
    assert len(papers) == 3
