"""``/scoop labs suggest`` and ``scoopwatch labs suggest`` on real paper records: the companies
the watched list misses, with counts, example papers and TOML the config accepts; spellings of
listed companies never suggested; the look-back window honoured."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import load_config
from bot.core.facade import Core
from bot.industry.detector import detect
from bot.industry.paperlists import paperlist_paper
from bot.industry.registry import Registry, registry_from_config
from bot.messages import Preformatted, Text
from bot.models import Affiliation, AffiliationSource, Author, Paper
from bot.ports import Actor, CommandEvent
from bot.store.db import Database
from bot.store.stores import Stores
from tests.bot.industry.industry_fixtures import CORL, paperlist_record

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
# Real CoRL 2024 records: three papers with a PsiRobot author (psibot.ai), one with QCraft Inc,
# one with Near Earth Autonomy, Inc., and one from the watched labs only (Google DeepMind).
PSIROBOT = ("AGG1zlrrMw", "KAzku0Uyh1", "jart4nhCQr")
OTHERS = ("LiwdXkMsDv", "AhEE5wrcLU")
# How a listed company's own spellings look on a paper (JPMorgan is in the registry as
# "JPMorgan Chase"): with a legal form each, so a firm the registry did not know would fire.
NEAR_MISSES = ("JPMorganChase AI Research, JPMorganChase Inc., New York",
               "J.P. Morgan AI Research, JPMorgan Chase & Co., London")


def record_paper(record_id: str) -> Paper:
    record = paperlist_record(CORL, record_id)
    return replace(paperlist_paper(record), url=record["site"])


def near_miss_paper(n: int, affiliation: str) -> Paper:
    return Paper(key=f"jsonl:jpm-{n}", title=f"Market making with agents, part {n}",
                 authors=(Author("A. Trader", (Affiliation(affiliation,
                                                           AffiliationSource.JSONL),)),))


async def store(stores: Stores, papers: list[Paper], at: datetime = NOW) -> None:
    await stores.papers.upsert_papers(papers, now=at)


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[Stores]:
    async with await Database.open(tmp_path / "labs.db") as db:
        found = Stores.on(db)
        await store(found, [record_paper(i) for i in (*PSIROBOT, *OTHERS)])
        await store(found, [near_miss_paper(n, a) for n, a in enumerate(NEAR_MISSES)])
        yield found


async def ask(stores: Stores, text: str, registry: Registry | None = None) -> Text:
    core = Core(stores, registry=registry or Registry.default(), clock=lambda: NOW)
    result = await core.handle_command(CommandEvent(
        "console", "W", "C", Actor("you", "you"), f"/scoop {text}"))
    (answer,) = result.messages
    assert isinstance(answer, Text)
    return answer


def toml_of(answer: Text) -> str:
    (block,) = [b for b in answer.blocks if isinstance(b, Preformatted)]
    return block.text


async def test_companies_come_most_frequent_first_with_examples_and_evidence(
        stores: Stores) -> None:
    answer = await ask(stores, "labs suggest")
    lines = answer.body.splitlines()
    assert lines[0] == ("3 companies outside the watched labs on papers of the last 8 weeks "
                        "(since 2026-10-05), most papers first:")
    assert lines[1] == "- PsiRobot: 3 papers (evidence: PsiRobot; psibot.ai)"
    examples = lines[2:5]
    assert all(x.startswith("  - ") and "https://openreview.net/forum?id=" in x
               for x in examples)
    assert any(x.startswith("  - Neural Attention Field") for x in examples)
    rest = [x for x in lines if x.startswith("- ")]
    assert [x.split(":")[0] for x in rest] == ["- PsiRobot", "- Near Earth Autonomy", "- QCraft"]
    assert answer.title == "Companies the watched labs miss"


async def test_the_toml_is_valid_config_and_watches_the_companies(
        stores: Stores, tmp_path: Path) -> None:
    text = toml_of(await ask(stores, "labs suggest"))
    labs = tomllib.loads(text)["industry"]["extra_labs"]
    assert labs[0] == {"company": "PsiRobot", "aliases": ["=PsiRobot"],
                       "email_domains": ["psibot.ai"]}
    config_file = tmp_path / "scoopwatch.toml"
    config_file.write_text(text + "\n", encoding="utf-8")
    config = load_config(config_file, env={})
    watched = registry_from_config(config.industry)
    flags = detect(record_paper("AGG1zlrrMw"), watched)
    assert {(f.company, f.lab) for f in flags} >= {("PsiRobot", "PsiRobot")}
    again = await ask(stores, "labs suggest", watched)
    assert again.body.startswith("No company outside the watched labs on the 7 papers")


async def test_spellings_of_a_listed_company_are_never_suggested(stores: Stores) -> None:
    answer = await ask(stores, "labs suggest")
    assert "JPMorgan" not in answer.body and "J.P. Morgan" not in answer.body
    # The same papers with JPMorgan off the list: their legal forms would be suggestions.
    without = Registry.default().extended(ignore=["JPMorgan"])
    assert "JPMorgan" in (await ask(stores, "labs suggest", without)).body


async def test_the_window_is_weeks_of_stored_papers(stores: Stores) -> None:
    old = replace(record_paper("1IzW0aniyg"), key="paperlist:old-cidi")  # CIDI ... Co., Ltd.
    await store(stores, [old], at=NOW - timedelta(weeks=10))
    assert "CIDI" not in (await ask(stores, "labs suggest")).body
    assert "CIDI" in (await ask(stores, "labs suggest 12")).body


@pytest.mark.parametrize(("text", "says"), [
    ("labs suggest 0", "WEEKS must be a whole number from 1 to 999"),
    ("labs suggest eight", "WEEKS must be a whole number from 1 to 999"),
    ("labs suggest 60", "WEEKS must be from 1 to 52 (got 60)"),
])
async def test_a_bad_window_gets_one_clear_sentence(stores: Stores, text: str,
                                                    says: str) -> None:
    assert says in (await ask(stores, text)).body


async def test_chat_lists_ten_companies_and_points_to_the_command_line(
        stores: Stores) -> None:
    names = ("Aurora Sensing", "Basalt Dynamics", "Cobalt Vision", "Dynamo Labs",
             "Ember Analytics", "Fjord Systems", "Granite Compute", "Harbor Data", "Iris Imaging",
             "Juniper Optics", "Kestrel Motion", "Lumen Logic")
    firms = [Paper(key=f"jsonl:f{n}", title=f"Paper {n}", authors=(Author("B. C", (
        Affiliation(f"{name} GmbH, Berlin", AffiliationSource.JSONL),)),))
        for n, name in enumerate(names)]
    await store(stores, firms)
    body = (await ask(stores, "labs suggest")).body
    assert "15 companies outside the watched labs" in body
    assert body.count("\n- ") == 10
    assert "5 more: `scoopwatch labs suggest --weeks 8` lists them all." in body


def test_the_command_line_prints_every_company_and_the_toml(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def fill() -> None:
        async with await Database.open(tmp_path / "cli.db") as db:
            await Stores.on(db).papers.upsert_papers(
                [record_paper(i) for i in (*PSIROBOT, *OTHERS)])

    import asyncio

    asyncio.run(fill())
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCOOPWATCH_CONFIG", raising=False)
    result = CliRunner().invoke(main, ["labs", "suggest", "--weeks", "4", "--db", "cli.db"],
                                catch_exceptions=False)
    assert result.exit_code == 0
    out = result.stdout
    assert "- PsiRobot: 3 papers" in out and "[[industry.extra_labs]]" in out
    toml = out[out.index("[[industry.extra_labs]]"):]
    labs = tomllib.loads("\n".join(x.removeprefix("  ") for x in toml.splitlines()))
    assert [lab["company"] for lab in labs["industry"]["extra_labs"]] == [
        "PsiRobot", "Near Earth Autonomy", "QCraft"]
    bad = CliRunner().invoke(main, ["labs", "suggest", "--weeks", "99", "--db", "cli.db"])
    assert bad.exit_code == 2 and "99 is not in the range 1<=x<=52" in bad.stderr
