"""Feedback on cards in a console session, end to end (``scoopwatch run < session.txt``): the
real 2024-11-28 listing, the real matcher, detector and store, the console adapter.

A JSON Lines file gives five of the listing's LLM papers industry affiliations. NOTE: these
affiliations are invented test data shaped like real ones; they are not claims about where
these authors work.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.store.db import Database
from bot.store.events import FeedbackStore
from tests.test_scenario_console import LISTING, ingest, jsonl, session

README = Path(__file__).resolve().parents[1] / "README.md"
JOINT = "Microsoft Research-Inria Joint Centre, Palaiseau"
AFFILIATIONS = [
    {"id": "2411.18279", "title": "Large Language Model-Brained GUI Agents: A Survey",
     "announced": "2024-11-28",
     "authors": [{"name": "Chaoyun Zhang", "affiliations": ["Microsoft Research Asia"]}]},
    {"id": "2411.18241", "title": "Exploration of LLM Multi-Agent Application Implementation "
     "Based on LangGraph+CrewAI", "announced": "2024-11-28",
     "authors": [{"name": "Zhihua Duan", "affiliations": ["FAIR at Meta, Menlo Park, CA"]}]},
    {"id": "2411.18019", "title": "A Real-World Benchmark for Evaluating Fine-Grained Issue "
     "Solving Capabilities of Large Language Models", "announced": "2024-11-28",
     "authors": [{"name": "Ruida Hu", "affiliations": ["Google DeepMind, London, UK"]}]},
    {"id": "2411.17792", "title": "$H^3$Fusion: Helpful, Harmless, Honest Fusion of Aligned "
     "LLMs", "announced": "2024-11-28",
     "authors": [{"name": "Selim Furkan Tekin",
                  "affiliations": ["Google Research, Mountain View, CA"]}]},
    {"id": "2411.18506", "title": "LLM-ABBA: Understand time series via symbolic "
     "approximation", "announced": "2024-11-28",
     "authors": [{"name": "Erin Carson", "affiliations": [JOINT]}]},
]
EDITED = "(LLM AND (agent* OR benchmark)) agent*"
SCRIPT = f"""\
@bo /scoop topic add llm-agents LLM AND (agent* OR benchmark)
/scoop digest now since 2024-11-28
@ana react 11 🏢
/scoop labs
@bo react 3 👍
@bo react 5 +1
@bo react 7 👎
@bo react 9 -1
@ana react 9 👍
@ana unreact 9 👍
@bo react 11 👎
@bo react 11 👎
@bo /scoop stats
@bo /scoop preview vs llm-agents {EDITED}
@ana unreact 11 🏢
/scoop labs
"""


def readme_example() -> tuple[str, str]:
    """The input and the shown transcript of the README's "Feedback on cards" example."""
    section = README.read_text(encoding="utf-8").split("## Feedback on cards", 1)[1]
    script, shown = re.findall(r"```text\n(.*?)```", section, flags=re.DOTALL)[:2]
    return script, shown


async def test_reactions_teach_the_bot_on_the_console(tmp_path: Path) -> None:
    db_path = tmp_path / "scoopwatch.db"
    await ingest(db_path, LISTING.read_bytes())
    await ingest(db_path, jsonl(AFFILIATIONS))
    out = await session(db_path, tmp_path, SCRIPT)
    # The README shows this very session: its input, and lines printed in that order.
    script, shown = readme_example()
    assert script == SCRIPT
    printed, position = out.splitlines(), 0
    for line in (line for line in shown.splitlines() if line.strip() != "..."):
        assert line in printed[position:], f"README line not printed (in order): {line!r}"
        position = printed.index(line, position) + 1
    # The digest: five cards (#3, #5, #7, #9, #11), #11 flagged by the joint centre.
    assert "#2 Digest for 2024-11-28 (industry-only): 935 papers seen, 5 overlaps, 5 shown" in out
    assert ("#11 LLM-ABBA: Understand time series via symbolic approximation\n"
            "  https://arxiv.org/abs/2411.18506\n"
            f"  Labs: Microsoft Research (affiliation-alias: {JOINT})\n") in out

    # 🏢: kept, and /scoop labs shows the local override with its evidence.
    assert "ana> react 11 🏢\n   🏢 on #11 (feedback kept)\n" in out
    assert ("#15 Local overrides\nLocal overrides in this workspace: papers a member marked 🏢 "
            "(not an industry paper). Their flags are hidden here, and the same evidence flags "
            "no other paper here:\n"
            '- "LLM-ABBA: Understand time series via symbolic approximation" (2411.18506), '
            "marked by @ana on 2024-11-28\n"
            f"  - not trusted: Microsoft Research (affiliation-alias: {JOINT})\n"
            "Taking the 🏢 off the card undoes its override.\n") in out

    # 👍/👎, one taken back; the third 👎 of the topic's rated cards brings the suggestion,
    # once, mentioning the owner.
    assert "ana> unreact 9 👍\n   👍 taken off #9 (feedback undone)\n" in out
    assert ("bo> react 11 👎\n"
            "#16 @bo Your topic `llm-agents` got 👎 on 3 of its last 5 rated paper cards.\n"
            "The unwanted matches came through `benchmark` (in 3 of the 👎 papers, 1 of the 👍 "
            "ones).\n"
            "This edit leaves out 3 of the 3 👎 papers and keeps all 2 👍 ones; the preview "
            "compares it with your topic on the last 7 days:\n"
            f"  /scoop preview vs llm-agents {EDITED}\n"
            f"If you like it, `/scoop topic edit llm-agents {EDITED}` saves it. This suggestion "
            "is sent once for this query.\n"
            "   👎 on #11 (feedback kept)\n"
            "bo> react 11 👎\n   👎 on #11\n") in out
    assert out.count("Your topic `llm-agents`") == 1
    assert ("- llm-agents (@bo)\n"
            "  - 4 weeks: 5 papers posted · 👍 2 👎 3, precision 40% · 0 notes · 5 unanswered\n"
            "  - 12 weeks: 5 papers posted · 👍 2 👎 3, precision 40% · 0 notes · 5 unanswered\n"
            ) in out
    # The exact command of the suggestion shows what it changes on the last 7 days.
    assert ("would have matched 6 of 935 papers.") in out
    assert ("Compared with topic llm-agents (@bo), which matched 17 of them: 11 no longer "
            "matched, 0 newly matched.\n"
            "  - no longer: A Real-World Benchmark for Evaluating Fine-Grained Issue Solving "
            "Capabilities of Large Language Models https://arxiv.org/abs/2411.18019\n") in out

    # The 🏢 taken back: no override in the second /scoop labs.
    assert "ana> unreact 11 🏢\n   🏢 taken off #11 (feedback undone)\n" in out
    assert out.count("Local overrides in this workspace") == 1
    async with await Database.open(db_path) as db:
        feedback = FeedbackStore(db)
        assert await feedback.count("console", "2411.18506") == 1  # bo's 👎 stands
        assert await feedback.count("console", "2411.17792") == 1  # bo's 👎; ana's 👍 gone
