"""Related papers without shared keywords, on the console with the real core, store, matcher
and model: a member seeds a topic with a paper of theirs, the digest shows the keyword overlap
and then an industry paper close in meaning that shares none of the topic's words, marked as
such, with its own thread and prompt; reactions on it are kept like on any card. With the
extra's import made unavailable the same session gives the same digest without that card.

Papers are the real 2024-11-28 arXiv listing. NOTE: the affiliations added below are invented
test data shaped like real ones (as in ``test_scenario_console``), not claims about where these
authors work.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.semantic.model import MODEL_NAME
from bot.store.db import Database
from bot.store.stores import Stores
from tests.fixture_files import LISTING, fixture_bytes
from tests.test_scenario_console import AFFILIATIONS, DEX, ingest, jsonl, session

GAPART = ("GAPartManip: A Large-scale Part-centric Dataset for Material-Agnostic Articulated "
          "Object Manipulation")
RELATED_AFFILIATION = [  # invented affiliation, real author name (see the module docstring)
    {"id": "2411.18276", "title": GAPART, "announced": "2024-11-28", "authors": [
        {"name": "Wenbo Cui", "affiliations": ["NVIDIA Research"]}]},
]
SCRIPT = """\
@ana /scoop topic add diffusion-planning diffusion AND (planning OR "trajectory optimization")
@ana /scoop topic seed diffusion-planning 2411.18623
/scoop digest now since 2024-11-28
@ana react 6 +1
@bo react 6 -1
"""


async def lab(tmp_path: Path) -> Path:
    db_path = tmp_path / "scoopwatch.db"
    await ingest(db_path, fixture_bytes(LISTING))
    await ingest(db_path, jsonl(AFFILIATIONS))
    await ingest(db_path, jsonl(RELATED_AFFILIATION))
    return db_path


def digest_of(transcript: str) -> str:
    """The digest as posted: from its header to the summary line, inclusive."""
    start = transcript.index("\n#3 Digest for ")
    return transcript[start + 1 : transcript.index("\n", transcript.index("Digest posted"))]


async def test_digest_shows_a_related_industry_paper_under_the_overlaps(tmp_path: Path) -> None:
    db_path = await lab(tmp_path)
    out = await session(db_path, tmp_path, SCRIPT)

    assert '#2 Topic "diffusion-planning" has 1 seed paper (1 new):\n- Lift3D Foundation ' \
        "Policy: Lifting 2D Large-Scale Pretrained Models for Robust 3D Robotic Manipulation " \
        "(`2411.18623`)\n" in out
    digest = digest_of(out)
    # The header and the keyword overlap are what they always were.
    assert digest.startswith(
        "#3 Digest for 2024-11-28 (industry-only): 935 papers seen, 1 overlap, 1 shown\n"
        "Topics with hits: diffusion-planning (ana) 1\n"
        f"#4 {DEX}\n")
    assert "  Matches: diffusion-planning (ana): diffusion, planning\n" in digest
    assert "#5 [thread #4] @ana How does our work differ? (topics: diffusion-planning)\n" in digest
    # Under it, the related paper: no shared keyword, an industry lab, its own thread.
    assert (f"#6 {GAPART}\n  https://arxiv.org/abs/2411.18276\n"
            "  Labs: NVIDIA (affiliation-alias: NVIDIA Research)\n"
            "  Authors: Wenbo Cui, Chengyang Zhao, Songlin Wei et al.\n"
            "  Related, no shared keywords: diffusion-planning (ana)\n") in digest
    assert "#7 [thread #6] @ana How does our work differ? (topics: diffusion-planning)\n" in digest
    assert digest.endswith("#8 Digest posted (2024-11-28 to 2024-11-28): 1 of 1 paper. "
                           "Also 1 related paper with no shared keywords.")
    assert "diffusion" not in GAPART.lower() and "planning" not in GAPART.lower()

    async with await Database.open(db_path) as db:
        stores = Stores.on(db)
        # 👍/👎 on the related card are kept like on any card (the stats read them).
        assert await stores.feedback.count("console", "2411.18276") == 2
        # Every paper of the window was embedded once and cached; the seed too.
        assert await stores.semantic.count(MODEL_NAME) >= 935
    again = await session(db_path, tmp_path, "/scoop digest now since 2024-11-28\n")
    assert "Related, no shared keywords" not in again  # posted here once, ever


async def test_without_the_extra_the_digest_is_the_same_minus_the_related_card(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_extra = digest_of(await session(await lab(tmp_path / "a"), tmp_path, SCRIPT))
    monkeypatch.setitem(sys.modules, "wordllama", None)  # import wordllama -> ImportError
    db_path = await lab(tmp_path / "b")
    out = await session(db_path, tmp_path, SCRIPT)

    assert "#2 Related papers need the optional semantic extra" in out
    without = digest_of(out)
    keyword_part = with_extra[: with_extra.index(f"#6 {GAPART}")]
    assert without == keyword_part + "#6 Digest posted (2024-11-28 to 2024-11-28): 1 of 1 paper."
    async with await Database.open(db_path) as db:
        assert await Stores.on(db).semantic.count() == 0
