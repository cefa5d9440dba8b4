"""The whole loop on real data, as a console transcript: topics -> digest -> threads -> notes ->
the next digest quotes them -> export.

Papers are the real 2024-11-28 arXiv listing (1,504 items). The listing carries no
affiliations, so a JSON Lines enrichment file (the generic format) adds some for three of its
papers, with real author names from the listing. NOTE: these affiliations are invented test data
shaped like real ones; they are not claims about where these authors work.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import run_bot
from bot.config import load_config
from bot.core.notes.export import export_notes
from bot.sources.formats import parse_document
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from tests.fixture_files import LISTING as LISTING_NAME
from tests.fixture_files import fixture_path

LISTING = fixture_path(LISTING_NAME)
NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)  # the listing's announcement day, afternoon

DEX = "DexDiffuser: Interaction-aware Diffusion Planning for Adaptive Dexterous Manipulation"
GUI = "Large Language Model-Brained GUI Agents: A Survey"
LANG = "Exploration of LLM Multi-Agent Application Implementation Based on LangGraph+CrewAI"
AFFILIATIONS = [  # invented affiliations, real names (see the module docstring)
    {"id": "2411.18562", "title": DEX, "announced": "2024-11-28", "authors": [
        {"name": "Zhixuan Liang", "affiliations": ["The University of Hong Kong"]},
        {"name": "Yao Mu", "affiliations": ["Google DeepMind, London, UK"]}]},
    {"id": "2411.18279", "title": GUI, "announced": "2024-11-28", "authors": [
        {"name": "Chaoyun Zhang", "affiliations": ["Microsoft Research Asia"]},
        {"name": "Shilin He", "affiliations": ["Microsoft"]}]},
]
LATE_AFFILIATIONS = [  # arrives after the first digest, as OpenAlex records often do
    {"id": "2411.18241", "title": LANG, "announced": "2024-11-28", "authors": [
        {"name": "Zhihua Duan", "affiliations": ["FAIR at Meta, Menlo Park, CA"]}]},
]

DAY_ONE = """\
@ana /scoop topic add diffusion-planning diffusion AND (planning OR "trajectory optimization")
@bo /scoop topic add llm-agents LLM agent*
/scoop digest now since 2024-11-28
@ana reply 4 DexDiffuser plans hand-object contact with diffusion; we plan whole-body \
trajectories for legged robots with a learned dynamics model in the loop.
@bo reply 7 A survey of screen-based GUI agents; our agents call scientific APIs and never see \
a screen.
/scoop notes
"""
DAY_TWO = """\
/scoop digest now since 2024-11-28
@bo reply 13 Single-framework case study; we compare planners across five agent frameworks.
/scoop notes llm-agents
/scoop topic list all
/scoop status
@ana reply 14 Also: their agents share one memory; ours negotiate.
/scoop notes export
"""

EXPECTED_EXPORT = f"""\
# Differentiation notes

4 notes on 3 papers.

## diffusion-planning

### [{DEX}](https://arxiv.org/abs/2411.18562)

Labs: Google DeepMind · Paper: 2411.18562

- **ana** (2024-11-28): DexDiffuser plans hand-object contact with diffusion; we plan \
whole-body trajectories for legged robots with a learned dynamics model in the loop.

## llm-agents

### [{GUI}](https://arxiv.org/abs/2411.18279)

Labs: Microsoft Research Asia, Microsoft · Paper: 2411.18279

- **bo** (2024-11-28): A survey of screen-based GUI agents; our agents call scientific APIs \
and never see a screen.

### [{LANG}](https://arxiv.org/abs/2411.18241)

Labs: Meta (FAIR) · Paper: 2411.18241

- **bo** (2024-11-28): Single-framework case study; we compare planners across five agent \
frameworks.
- **ana** (2024-11-28): Also: their agents share one memory; ours negotiate.
"""


async def ingest(db_path: Path, data: bytes) -> None:
    """What ``scoopwatch ingest FILE`` does: parse (format sniffed) and upsert."""
    async with await Database.open(db_path) as db:
        await PaperStore(db).upsert_papers(list(parse_document(data).papers))


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


async def session(db_path: Path, tmp_path: Path, script: str) -> str:
    """One ``scoopwatch run --db X < script`` with the clock at NOW; returns the transcript."""
    out = io.StringIO()
    config = load_config(env={}, cwd=tmp_path)
    status = await run_bot(config, db_path=str(db_path), stdin=io.StringIO(script), stdout=out,
                           clock=lambda: NOW, network=False)
    assert status == 0
    return out.getvalue()


async def test_topics_digest_threads_notes_quotes_and_export(tmp_path: Path) -> None:
    db_path = tmp_path / "scoopwatch.db"
    await ingest(db_path, LISTING.read_bytes())
    await ingest(db_path, jsonl(AFFILIATIONS))

    day_one = await session(db_path, tmp_path, DAY_ONE)
    assert day_one.startswith("scoopwatch: no Slack or Discord token configured; console chat")
    # Each member's topic is echoed with what it would have matched in the real listing.
    assert '#1 Topic "diffusion-planning" saved\n' in day_one
    assert ("Last 7 days (2024-11-22 to 2024-11-28): would have matched 1 of 935 papers.\n"
            f"  - {DEX} https://arxiv.org/abs/2411.18562") in day_one
    assert "#2 Topic \"llm-agents\" saved\nQuery: LLM AND agent*\n" in day_one
    assert "would have matched 6 of 935 papers." in day_one
    # digest now: a header, then one card + thread prompt per industry overlap.
    assert ("#3 Digest for 2024-11-28 (industry-only): 935 papers seen, 2 overlaps, 2 shown\n"
            "Topics with hits: diffusion-planning (ana) 1, llm-agents (bo) 1\n") in day_one
    assert (f"#4 {DEX}\n  https://arxiv.org/abs/2411.18562\n"
            "  Labs: Google DeepMind (affiliation-alias: Google DeepMind, London, UK)\n"
            "  Authors: Zhixuan Liang, Yao Mu, Yixiao Wang et al.\n"
            "  Matches: diffusion-planning (ana): diffusion, planning\n") in day_one
    assert "#5 [thread #4] @ana How does our work differ? (topics: diffusion-planning)\n" in day_one
    assert f"#6 {GUI}\n" in day_one and "  Matches: llm-agents (bo): LLM, agent*\n" in day_one
    assert "#7 [thread #6] @bo How does our work differ? (topics: llm-agents)\n" in day_one
    assert "#8 Digest posted (2024-11-28 to 2024-11-28): 2 of 2 papers." in day_one
    # Each matched member is mentioned once per paper, by the prompt; no marker is printed.
    digest = day_one.split("\n#3 ", 1)[1].split("\n#8 ", 1)[0]
    assert digest.count("@ana") == 1 and digest.count("@bo") == 1
    assert "sw:" not in day_one
    # Replies in the threads become notes, acknowledged.
    assert "#9 [thread #4] @ana: DexDiffuser plans" in day_one
    assert "   ✓ note stored (#9)" in day_one and "   ✓ note stored (#10)" in day_one
    assert "#11 Latest differentiation notes (2):\n  - @bo, 2024-11-28, on " in day_one

    # Affiliations for one more llm-agents paper arrive; the next digest posts it (and only
    # it: the other two were posted here already) and quotes what bo wrote last time.
    await ingest(db_path, jsonl(LATE_AFFILIATIONS))
    day_two = await session(db_path, tmp_path, DAY_TWO)
    # Numbers go on from yesterday's #11: today's posts never reuse one.
    assert "#12 Digest for 2024-11-28 (industry-only): 935 papers seen, 1 overlap, 1 shown\n" \
        in day_two
    assert f"#13 {LANG}\n" in day_two and "  Labs: Meta (FAIR) (affiliation-alias: FAIR at Meta" \
        in day_two
    assert ("#14 [thread #13] @bo How does our work differ? (topics: llm-agents)\n"
            "  Earlier notes from the lab:\n"
            f'  > bo, 2024-11-28, on "{GUI}": A survey of screen-based GUI agents; our agents '
            "call scientific APIs and never see a screen.\n") in day_two
    assert "#16 [thread #13] @bo: Single-framework case study" in day_two
    assert "#17 Latest differentiation notes on llm-agents (2):" in day_two
    assert "#20 [thread #13] @ana: Also: their agents share one memory" in day_two
    assert "   ✓ note stored (#20)" in day_two
    assert "#21 [file scoopwatch-notes.md, " in day_two
    exported = "\n".join(line[4:] for line in day_two.split("#21 [file", 1)[1].splitlines()[1:])
    assert exported + "\n" == EXPECTED_EXPORT

    async with await Database.open(db_path) as db:
        notes = await NoteStore(db).for_export()
        assert [(n.author_name, n.paper_key, n.topics) for n in notes] == [
            ("ana", "2411.18562", ("diffusion-planning",)),
            ("bo", "2411.18279", ("llm-agents",)),
            ("bo", "2411.18241", ("llm-agents",)),
            ("ana", "2411.18241", ("llm-agents",)),
        ]
        assert (await export_notes(Stores.on(db))).decode() == EXPECTED_EXPORT
