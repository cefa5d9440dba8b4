"""The README's first console session, run as written: what it shows is what the console prints.

The README gives the input (the first ``text`` block of "A first session") and an abridged
transcript (the second): every line of the transcript, ``...`` aside, must be a line the
console prints for that input, in the same order, on a store holding arXiv's 2024-11-28
announcement with the clock at the day the README's digest ends.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

from bot.app import run_bot
from bot.config import load_config
from bot.sources.formats import parse_document
from bot.store.db import Database
from bot.store.papers import PaperStore
from tests.fixture_files import LISTING, fixture_path

README = Path(__file__).resolve().parents[1] / "README.md"


def session_blocks() -> tuple[str, str]:
    """The input and the shown transcript of the README's "A first session" section."""
    section = README.read_text(encoding="utf-8").split("## A first session", 1)[1]
    script, shown = re.findall(r"```text\n(.*?)```", section, flags=re.DOTALL)[:2]
    return script, shown


async def test_readme_console_session_prints_what_the_readme_shows(tmp_path: Path) -> None:
    script, shown = session_blocks()
    expected = [line for line in shown.splitlines() if line.strip() != "..."]
    ends = re.search(r"Digest for \S+ to (\d{4}-\d{2}-\d{2})", shown)
    assert ends is not None
    now = datetime.fromisoformat(ends[1]).replace(hour=10, tzinfo=UTC)
    db_path = tmp_path / "readme.db"
    async with await Database.open(db_path) as db:
        listing = fixture_path(LISTING).read_bytes()
        await PaperStore(db).upsert_papers(list(parse_document(listing).papers))
    out = io.StringIO()
    status = await run_bot(load_config(env={}, cwd=tmp_path), db_path=str(db_path),
                           stdin=io.StringIO(script), stdout=out, clock=lambda: now,
                           network=False)
    assert status == 0
    printed = out.getvalue().splitlines()
    position = 0
    for line in expected:
        assert line in printed[position:], f"README line not printed (in order): {line!r}"
        position = printed.index(line, position) + 1
