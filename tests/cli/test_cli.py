"""The `scoopwatch` command line, run in-process through click's runner on real fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.fixture_files import LISTING as LISTING_NAME
from tests.fixture_files import fixture_path

LISTING = fixture_path(LISTING_NAME)
ERROR_FEED = fixture_path("arxiv_rss/aioarxiv_2024-11-28_error_rss_mock_feed.xml")
WORKS = fixture_path("industry-eval/openalex/openalexrag_works_sample.json")
CHEMCROW = fixture_path(
    "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json"
)


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner in an empty directory with no scoopwatch or Slack/Discord env set."""
    monkeypatch.chdir(tmp_path)
    for name in ("SCOOPWATCH_CONFIG", "SCOOPWATCH_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN",
                 "SCOOPWATCH_DISCORD_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_ingest_the_real_listing_then_papers_json_prints_every_item(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "ingest", "--db", "t.db", str(LISTING))
    assert code == 0
    assert "1504 papers: 1504 new, 0 updated, 0 unchanged, 0 skipped" in out

    code, out, _ = invoke(runner, "papers", "--db", "t.db", "--json")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 1504
    record = json.loads(lines[0])
    for key in ("arxiv_id", "version", "title", "abstract", "authors", "categories",
                "primary_category", "announced", "announce_type", "doi", "url"):
        assert key in record
    kinds = [json.loads(line)["announce_type"] for line in lines]
    assert (kinds.count("new"), kinds.count("cross"), kinds.count("replace")) == (926, 9, 569)


def test_ingesting_twice_changes_nothing(runner: CliRunner) -> None:
    invoke(runner, "ingest", "--db", "t.db", str(LISTING))
    code, out, _ = invoke(runner, "ingest", "--db", "t.db", str(LISTING))
    assert code == 0
    assert "0 new, 0 updated, 1504 unchanged" in out


def test_a_broken_file_is_reported_and_the_others_still_load(runner: CliRunner) -> None:
    Path("truncated.xml").write_bytes(LISTING.read_bytes()[:50_000])
    code, out, err = invoke(runner, "ingest", "--db", "t.db", "truncated.xml", str(ERROR_FEED),
                            str(WORKS))
    assert code == 1
    # 24 items were read before the break: fewer than one batch, so none of them is stored
    assert ("stored 0 papers from truncated.xml; stopped at record 25: "
            "arXiv RSS listing: malformed XML") in err
    assert "astroph" in err  # the feed error names the bad category
    assert "195 papers: 195 new" in out
    code, out, _ = invoke(runner, "papers", "--db", "t.db", "--json")
    assert len(out.splitlines()) == 195  # no half-written batch from the broken files


def test_config_errors_exit_2_naming_file_and_key(runner: CliRunner) -> None:
    Path("scoopwatch.toml").write_text('[digest]\nmax_paperz = 3\n')
    code, _, err = invoke(runner, "config", "check")
    assert code == 2
    assert "scoopwatch.toml" in err and "digest.max_paperz" in err


def test_config_check_masks_secrets(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    token = "xoxb-1111-2222-secretsecretsecret"
    monkeypatch.setenv("SCOOPWATCH_SLACK_BOT_TOKEN", token)
    monkeypatch.setenv("SCOOPWATCH_SLACK_APP_TOKEN", "xapp-1-A1-3333-appsecretappsecret")
    code, out, _ = invoke(runner, "config", "check")
    assert code == 0
    assert token not in out and "appsecretappsecret" not in out
    assert "SCOOPWATCH_SLACK_BOT_TOKEN" in out


def test_match_json_explains_each_match(runner: CliRunner) -> None:
    Path("topics.txt").write_text(
        "# lab topics\n"
        'diffusion-planning: diffusion AND (planning OR "trajectory optimization")\n'
        "llm-agents: LLM agent*   # acronym + prefix\n"
    )
    code, out, _ = invoke(runner, "match", str(LISTING), "--topics", "topics.txt", "--json")
    assert code == 0
    matches = [json.loads(line) for line in out.splitlines()]
    assert matches, "the real listing has LLM-agent papers"
    for m in matches:
        assert set(m) == {"paper", "topic", "score", "terms"}
        assert m["topic"] in {"diffusion-planning", "llm-agents"}
        assert all(set(t) == {"term", "field", "count"} for t in m["terms"])
    assert any(m["paper"] == "2411.18562" and m["topic"] == "diffusion-planning" for m in matches)


def test_match_reports_a_bad_topic_with_line_and_column(runner: CliRunner) -> None:
    Path("topics.txt").write_text("ok: diffusion\nbad: (planning OR control\n")
    code, _, err = invoke(runner, "match", str(LISTING), "--topics", "topics.txt")
    assert code == 1
    assert "topics.txt:2: topic 'bad': unbalanced parenthesis at column 1" in err


def test_detect_json_flags_ibm_from_its_facility_institution(runner: CliRunner) -> None:
    code, out, _ = invoke(runner, "detect", "--json", str(CHEMCROW))
    assert code == 0
    records = {r["id"]: r for r in map(json.loads, out.splitlines())}
    ibm = records["W4396723768"]
    assert ibm["is_industry"] is True
    assert {f["company"] for f in ibm["flags"]} == {"IBM"}
    assert records["2304.05376"]["is_industry"] is False  # the preprint has no affiliations


def test_db_check_and_upgrade(runner: CliRunner) -> None:
    code, _, err = invoke(runner, "db", "check", "--db", "missing.db")
    assert code == 1 and "no database" in err
    code, out, _ = invoke(runner, "db", "upgrade", "--db", "new.db")
    assert code == 0 and "schema version" in out
    code, out, _ = invoke(runner, "db", "check", "--db", "new.db")
    assert code == 0 and out.startswith("ok:")


def test_notes_export_on_an_empty_store_is_a_valid_empty_document(runner: CliRunner) -> None:
    invoke(runner, "db", "upgrade", "--db", "t.db")
    code, out, _ = invoke(runner, "notes", "export", "--db", "t.db", "--format", "json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = invoke(runner, "notes", "export", "--db", "t.db", "--format", "csv")
    assert out.splitlines()[0].startswith("topic,paper_key,paper_title")
    code, out, _ = invoke(runner, "notes", "export", "--db", "t.db")
    assert out.startswith("# Differentiation notes") and "0 notes" in out


def test_every_command_has_help(runner: CliRunner) -> None:
    for args in (["--help"], ["run", "--help"], ["ingest", "--help"], ["fetch", "--help"],
                 ["backfill", "--help"], ["papers", "--help"], ["match", "--help"],
                 ["detect", "--help"], ["notes", "export", "--help"], ["db", "upgrade", "--help"],
                 ["config", "check", "--help"], ["discord", "sync", "--help"],
                 ["db", "check", "--help"]):
        code, out, _ = invoke(runner, *args)
        assert code == 0 and "Usage:" in out


def test_discord_sync_without_a_token_says_which_variable_to_set(runner: CliRunner) -> None:
    code, _, err = invoke(runner, "discord", "sync")
    assert code == 2
    assert "SCOOPWATCH_DISCORD_TOKEN" in err
