"""``scoopwatch demo`` end to end, in-process through the console adapter with a piped script:
the recorded day loads, the opening topics and digest show real industry overlaps, replies
become notes, notes export, and the configured database and the network are never touched."""

from __future__ import annotations

import io
import re
from pathlib import Path

import httpx
import respx

from bot.config import load_config
from bot.core.notes.export import export_notes
from bot.demo import DEMO_START, run_demo
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.stores import Stores

ADOBE = "Efficient Self-Improvement in Multimodal Large Language Models: A Model-Level Judge-Free \
Approach"
XR_MBT = "XR-MBT: Multi-modal Full Body Tracking for XR through Self-Supervision with Learned \
Depth Point Cloud Registration"
MINE = "XR-MBT needs the headset's depth sensor; ours tracks the whole body from one wrist camera."
ANAS = "They filter hallucinated pairs with CLIP; we learn from human preference labels."
SESSION = f"""\
reply 6 {MINE}
@ana reply 4 {ANAS}
/scoop notes
/scoop notes export md
"""


async def demo(tmp_path: Path, script: str, db_path: Path | None, env: dict[str, str] | None = None
               ) -> str:
    """One ``scoopwatch demo [--db FILE] < script`` with the clock held at the demo's start."""
    out = io.StringIO()
    status = await run_demo(load_config(env=env or {}, cwd=tmp_path),
                            db_path=str(db_path) if db_path else None,
                            stdin=io.StringIO(script), stdout=out, clock=lambda: DEMO_START)
    assert status == 0
    return out.getvalue()


async def test_demo_digest_shows_industry_overlaps_replies_become_notes_and_export(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "kept-demo.db"
    transcript = await demo(tmp_path, SESSION, db_path)

    assert transcript.startswith("scoopwatch demo: the whole loop offline. No network is used")
    assert f"Database: {db_path} (kept: `scoopwatch run --db {db_path}` reopens it)" in transcript
    # The opening is shown as typed: two example topics (yours and ana's), then a digest.
    assert 'you> /scoop topic add body-tracking "body tracking" OR "pose estimation"' in transcript
    assert "ana> /scoop topic add mllm-feedback (multimodal OR MLLM*) AND " in transcript
    assert "would have matched 3 of 333 papers." in transcript
    assert ("#3 Digest for 2024-11-28 (industry-only): 333 papers seen, 2 overlaps, 2 shown"
            in transcript)
    assert (f"#4 {ADOBE}\n  https://arxiv.org/abs/2411.17760\n"
            "  Labs: Adobe Research (email-domain: adobe.com)\n") in transcript
    assert (f"#6 {XR_MBT}\n  https://arxiv.org/abs/2411.18377\n"
            "  Labs: Meta (affiliation-alias: Meta Reality Labs Zurich)\n") in transcript
    # Then the piped script: replies in both threads are stored as notes, and exported.
    assert f"#9 [thread #6] @you: {MINE}\n   ✓ note stored (#9)" in transcript
    assert f"#10 [thread #4] @ana: {ANAS}\n   ✓ note stored (#10)" in transcript
    assert "#11 Latest differentiation notes (2):" in transcript
    exported = transcript.split("[file scoopwatch-notes.md,", 1)[1]
    assert "2 notes on 2 papers." in exported and "Labs: Meta · Paper: 2411.18377" in exported
    assert f"- **you** (2024-11-28): {MINE}" in exported
    assert transcript.endswith(f"Demo over. Its database is kept at {db_path}: `scoopwatch run "
                               f"--db {db_path}` reopens it (and, online, fetches today's papers "
                               "into it).\n")

    async with await Database.open(db_path) as db:
        notes = await NoteStore(db).for_export()
        assert [(n.author_name, n.paper_key, n.topics, n.text) for n in notes] == [
            ("you", "2411.18377", ("body-tracking",), MINE),
            ("ana", "2411.17760", ("mllm-feedback",), ANAS),
        ]
        markdown = (await export_notes(Stores.on(db))).decode()
    assert f"### [{XR_MBT}](https://arxiv.org/abs/2411.18377)" in markdown


async def test_default_demo_database_is_temporary_and_the_configured_one_is_untouched(
    tmp_path: Path,
) -> None:
    (tmp_path / "scoopwatch.toml").write_text('[storage]\ndb_path = "real.db"\n')
    transcript = await demo(tmp_path, "reply 6 ours is offline\n", None)

    found = re.search(r"Database: (\S+) \(deleted when the demo ends", transcript)
    assert found is not None
    temporary = Path(found.group(1))
    assert temporary.name == "demo.db" and temporary.parent.name.startswith("scoopwatch-demo-")
    assert "   ✓ note stored (#9)" in transcript
    assert transcript.endswith("Demo over; its database is deleted. `scoopwatch run` starts the "
                               "bot for real.\n")
    assert not temporary.parent.exists()
    assert not (tmp_path / "real.db").exists()


async def test_demo_stays_offline_and_console_only_even_with_tokens_configured(
    tmp_path: Path,
) -> None:
    env = {"SCOOPWATCH_SLACK_BOT_TOKEN": "xoxb-1234567890-abcdefghijklmnop",
           "SCOOPWATCH_SLACK_APP_TOKEN": "xapp-1-A111-222-abcdefabcdef",
           "SCOOPWATCH_OPENALEX_API_KEY": "k" * 24}
    with respx.mock(assert_all_called=False) as router:
        route = router.route().mock(return_value=httpx.Response(500))
        transcript = await demo(tmp_path, "/scoop digest now\n/scoop status\n",
                                tmp_path / "d.db", env)
    assert route.call_count == 0
    assert "#3 Digest for 2024-11-28 (industry-only): 333 papers seen, 2 overlaps" in transcript
    assert "Last fetch: none yet" in transcript
