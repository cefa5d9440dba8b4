"""The README's JSON Lines example, fed in as written, reaches the next digest and a preview.

A paper fed from any source behaves like a new arXiv paper unless it says otherwise; the
README's example line names no announce type, which once left it stored but never shown.
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from bot.app import run_bot
from bot.cli import main
from bot.config import load_config

README = Path(__file__).resolve().parents[1] / "README.md"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # the example's announcement day, afternoon


def readme_jsonl_example() -> str:
    """The code block that follows "Generic JSON Lines input" in README.md, verbatim."""
    text = README.read_text(encoding="utf-8").split("Generic JSON Lines input", 1)[1]
    found = re.search(r"```json\n(.*?)```", text, flags=re.DOTALL)
    assert found, "README.md lost its JSON Lines example"
    return found[1]


def test_the_readme_jsonl_example_is_previewed_and_digested(tmp_path: Path) -> None:
    example = readme_jsonl_example()
    title = re.search(r'"title": "([^"]+)"', example)
    assert title, "the example names a title"
    (tmp_path / "papers.jsonl").write_text(example, encoding="utf-8")
    db = str(tmp_path / "lab.db")

    ingested = CliRunner().invoke(main, ["ingest", str(tmp_path / "papers.jsonl"), "--db", db],
                                  catch_exceptions=False)
    assert ingested.exit_code == 0
    assert "jsonl, 1 papers: 1 new" in ingested.output

    script = ("/scoop preview diffusion AND planning\n"
              "/scoop topic add dexterity diffusion AND planning\n"
              "/scoop digest now\n")
    out = io.StringIO()
    status = asyncio.run(run_bot(load_config(env={}, cwd=tmp_path), db_path=db,
                                 stdin=io.StringIO(script), stdout=out, clock=lambda: NOW,
                                 network=False))
    assert status == 0
    transcript = out.getvalue()
    preview, rest = transcript.split("/scoop topic add", 1)
    assert "would have matched 1 of 1 paper" in preview and title[1] in preview
    digest = rest.split("/scoop digest now", 1)[1]
    assert re.search(r"\(industry-only\): 1 paper seen, 1 overlap, 1 shown", digest)
    assert title[1] in digest and "Google DeepMind" in digest
    assert "Digest posted (2026-11-24 to 2026-11-30): 1 of 1 paper." in digest
