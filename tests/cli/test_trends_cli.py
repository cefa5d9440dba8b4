"""``scoopwatch trends --out FILE.png``: the chart of every lab in the store (or of one topic)
written to a file; without matplotlib, the bot's sentence and exit status 2."""

from __future__ import annotations

import asyncio
import struct
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot.cli.trends
from bot.cli import main
from bot.core.trends.chart import HEIGHT_PX, INSTALL_HINT, WIDTH_PX
from bot.store.db import Database
from bot.store.stores import Stores
from tests.bot.core.trends_lab import NOW, TIMEZONE, seed


async def seeded(path: Path) -> None:
    async with await Database.open(path) as db:
        await seed(Stores.on(db), "slack", "T0LAB")


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCOOPWATCH_CONFIG", raising=False)
    monkeypatch.setattr(bot.cli.trends, "now", lambda: NOW)
    Path("scoopwatch.toml").write_text(f'[bot]\ntimezone = "{TIMEZONE}"\n')
    asyncio.run(seeded(tmp_path / "lab.db"))
    return CliRunner()


def size_of(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_writes_the_chart_of_one_topic(runner: CliRunner) -> None:
    result = runner.invoke(main, ["trends", "--topic", "diffusion-planning", "--weeks", "4",
                                  "--out", "chart.png", "--db", "lab.db"])
    assert result.exit_code == 0, result.output
    assert size_of(Path("chart.png").read_bytes()) == (WIDTH_PX, HEIGHT_PX)
    # Every lab in the store: the other lab's note on the topic counts too.
    assert result.stdout.endswith(
        "Industry papers on diffusion-planning, last 4 weeks: 5 papers (Google 2, Meta 1, "
        "Microsoft 1); 3 lab notes.\n")
    assert result.stdout.startswith("wrote chart.png (")


def test_every_topic_by_default(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--db", "lab.db", "trends", "--out", "all.png"])
    assert result.exit_code == 0, result.output
    assert "Industry papers on our topics, last 26 weeks: 7 papers" in result.stdout


def test_an_unknown_topic_is_named_with_the_known_ones(runner: CliRunner) -> None:
    result = runner.invoke(main, ["trends", "--topic", "nope", "--out", "x.png", "--db",
                                  "lab.db"])
    assert result.exit_code == 1
    assert result.stderr == ("error: no topic named 'nope' in the store (topics: "
                             "diffusion-planning, rlhf)\n")
    assert not Path("x.png").exists()


def test_without_matplotlib_exit_2_with_the_bots_sentence(
        runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = runner.invoke(main, ["trends", "--out", "x.png", "--db", "lab.db"])
    assert result.exit_code == 2
    assert result.stderr == f"error: {INSTALL_HINT}\n"
    assert not Path("x.png").exists()


def test_weeks_out_of_range_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["trends", "--weeks", "105", "--out", "x.png"])
    assert result.exit_code == 2 and "105 is not in the range 1<=x<=104" in result.stderr
