"""``scoopwatch backfill`` progress: a bar redrawn in place on a terminal, plain lines
elsewhere, both saying papers and days done, the rate and the time left."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner

from bot.cli import main
from bot.cli.progress import BackfillProgress
from bot.models import Paper
from tests.fixture_files import fixture_path

OAI_HEP_TH = fixture_path("arxiv_oai/hepcrawl_oai2_2017_arxiv-physics-hep-th.xml")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def papers(n: int, day: str) -> list[Paper]:
    return [Paper(key=f"{day}-{i}", title="t", extra={"datestamp": day}) for i in range(n)]


def progress(terminal: bool, clock: Clock, out: io.StringIO) -> BackfillProgress:
    return BackfillProgress(out, date(2024, 11, 1), date(2024, 11, 10), ["cs.LG", "cs.CL"],
                            terminal=terminal, clock=clock)


def test_on_a_terminal_one_line_is_redrawn_with_a_bar() -> None:
    clock, out = Clock(), io.StringIO()
    bar = progress(True, clock, out)
    clock.now += 10
    bar.page("cs.LG", papers(1000, "2024-11-05"))  # 5 of 20 days in 10 s
    assert out.getvalue() == ("\r[######------------------] 5/20 days, 1,000 papers, "
                              "100 papers/s, 0:00:30 left\x1b[K")
    clock.now += 0.1
    bar.page("cs.LG", papers(10, "2024-11-06"))  # too soon to redraw
    assert out.getvalue().count("\r") == 1
    clock.now += 10
    bar.category_done("cs.LG")  # its days are all done: the line is finished
    assert out.getvalue().endswith("10/20 days, 1,010 papers, 50 papers/s, 0:00:20 left\x1b[K\n")
    bar.page("cs.CL", papers(5, "2024-11-10"))  # the same instant: not redrawn
    bar.category_done("cs.CL")
    bar.close()
    assert out.getvalue().endswith("[########################] 20/20 days, 1,015 papers, "
                                   "50 papers/s, done\x1b[K\n")
    assert "backfill:" not in out.getvalue()


def test_elsewhere_plain_lines_now_and_then() -> None:
    clock, out = Clock(), io.StringIO()
    bar = progress(False, clock, out)
    bar.page("cs.LG", papers(0, "2024-11-01"))  # nothing known yet
    for _ in range(5):
        clock.now += 3
        bar.page("cs.LG", papers(300, "2024-11-02"))
    lines = out.getvalue().splitlines()
    assert lines == [
        "backfill: 0/20 days, 0 papers, 0 papers/s, time left unknown",
        "backfill: 2/20 days, 1,200 papers, 100 papers/s, 0:01:48 left",  # 12 s after the first
    ]
    bar.close()  # pages came since: one last line
    assert out.getvalue().splitlines()[-1] == (
        "backfill: 2/20 days, 1,500 papers, 100 papers/s, 0:02:15 left")
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    bar.close()
    assert len(out.getvalue().splitlines()) == 3  # nothing new: no repeated line


def test_records_without_a_datestamp_count_papers_only() -> None:
    clock, out = Clock(), io.StringIO()
    bar = progress(False, clock, out)
    clock.now += 1
    bar.page("cs.LG", [Paper(key="x", title="t", extra={"datestamp": "garbage"})])
    assert bar.days_done == 0 and bar.papers == 1


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCOOPWATCH_CONFIG", raising=False)
    Path("scoopwatch.toml").write_text('[http]\ncontact = "lab@example.org"\n')
    return CliRunner()


@respx.mock
def test_backfill_prints_plain_progress_when_not_on_a_terminal(runner: CliRunner) -> None:
    respx.get(url__startswith="https://oaipmh.arxiv.org/oai").mock(
        return_value=httpx.Response(200, content=OAI_HEP_TH.read_bytes()))
    result = runner.invoke(main, ["backfill", "--from", "2017-12-14", "--to", "2017-12-15",
                                  "--category", "hep-th", "--db", "t.db"])
    assert result.exit_code == 0, result.output
    progress_lines = [line for line in result.stderr.splitlines()
                      if line.startswith("backfill: ")]
    assert progress_lines and progress_lines[-1].startswith("backfill: 2/2 days, 3 papers, ")
    assert progress_lines[-1].endswith(", done")
    assert "\r" not in result.stderr
    assert "backfill done: 3 new, 0 updated" in result.stdout
