"""`scoopwatch demo` from the command line: the README's demo commands, run as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"
SESSION = """\
reply 6 Ours tracks the whole body from one wrist camera, no headset.
/scoop notes export md
"""


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner in an empty directory with no scoopwatch or Slack/Discord env set."""
    monkeypatch.chdir(tmp_path)
    for name in ("SCOOPWATCH_CONFIG", "SCOOPWATCH_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN",
                 "SCOOPWATCH_DISCORD_TOKEN", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


def readme_commands(prefix: str) -> list[str]:
    """Every command line of the README (``sh`` blocks, after ``&&``, and inline code) that
    starts with ``prefix``, in order, once each; synopses with ``[...]`` left out."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    lines += re.findall(r"`([^`\n]+)`", prose)
    found = [line.split("&&")[-1].strip() for line in lines]
    return list(dict.fromkeys(c for c in found if c.startswith(prefix) and "[" not in c))


def run_as_written(runner: CliRunner, command: str, piped: str | None = None) -> tuple[int, str]:
    """``scoopwatch ARGS [< FILE]`` in-process; the redirect (or ``piped``) is its stdin."""
    words = shlex.split(command)
    assert words[0] == "scoopwatch"
    if "<" in words:
        at = words.index("<")
        piped = Path(words[at + 1]).read_text(encoding="utf-8")
        words = words[:at]
    result = runner.invoke(main, words[1:], input=piped, catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr


def test_readme_names_the_demo_commands() -> None:
    assert readme_commands("scoopwatch demo") == [
        "scoopwatch demo", "scoopwatch demo < session.txt", "scoopwatch demo --db demo-kept.db"]
    assert readme_commands("scoopwatch notes export --db") == [
        "scoopwatch notes export --db demo-kept.db"]


def test_demo_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["demo", "--help"])
    assert result.exit_code == 0 and "Never fetches and never opens your configured database" \
        in result.stdout


def test_quick_start_demo_runs_offline_and_shows_industry_overlaps(runner: CliRunner) -> None:
    code, out = run_as_written(runner, "scoopwatch demo")  # piped input here: empty
    assert code == 0
    assert "No network is used; nothing is fetched." in out
    assert "Digest for 2024-11-28 (industry-only): 333 papers seen, 2 overlaps, 2 shown" in out
    assert "  Labs: Meta (affiliation-alias: Meta Reality Labs Zurich)\n" in out
    assert out.endswith("Demo over; its database is deleted. `scoopwatch run` starts the bot "
                        "for real.\n")
    assert list(Path().iterdir()) == []  # nothing written where it ran


def test_demo_with_a_piped_session_then_kept_database_and_export(runner: CliRunner) -> None:
    Path("session.txt").write_text(SESSION, encoding="utf-8")
    code, out = run_as_written(runner, "scoopwatch demo < session.txt")
    assert code == 0
    assert "you> reply 6 Ours tracks the whole body" in out and "✓ note stored (#9)" in out
    assert "[file scoopwatch-notes.md," in out and "1 note on 1 paper." in out

    code, out = run_as_written(runner, "scoopwatch demo --db demo-kept.db", piped=SESSION)
    assert code == 0 and "Its database is kept at demo-kept.db" in out
    code, out = run_as_written(runner, "scoopwatch notes export --db demo-kept.db")
    assert code == 0
    assert "Labs: Meta · Paper: 2411.18377" in out
    assert "- **you** (2024-11-28): Ours tracks the whole body from one wrist camera" in out
    code, out = run_as_written(runner, "scoopwatch demo --db demo-kept.db")
    assert code == 2 and "demo-kept.db already exists" in out  # never overwritten


def test_an_existing_database_is_refused_with_one_line(runner: CliRunner) -> None:
    Path("scoopwatch.db").write_bytes(b"the lab's real notes")
    result = runner.invoke(main, ["demo", "--db", "scoopwatch.db"])
    assert result.exit_code == 2
    assert result.stderr == ("error: scoopwatch.db already exists; the demo writes example "
                             "topics and a 2024 listing into its database, so give a new file "
                             "name\n")
    assert Path("scoopwatch.db").read_bytes() == b"the lab's real notes"
