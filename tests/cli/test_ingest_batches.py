"""`scoopwatch ingest` stores a file in batches of 500 papers, each all-or-nothing, and says how
far it got when a batch fails (the real 1,504-item listing: batches 1-500, 501-1000, 1001-1500,
1501-1504)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.cli.papers import BATCH_SIZE, ingest_file
from bot.models import Paper
from bot.store.db import Database
from bot.store.papers import PaperStore, UpsertCounts
from tests.fixture_files import LISTING, fixture_bytes, fixture_path

ITEMS = 1504


async def test_a_locked_database_in_batch_3_keeps_batches_1_and_2(tmp_path: Path) -> None:
    """Another process takes the write lock as the third batch is written and keeps it: that
    batch is rolled back whole (and tried again, in vain), the first two stay, and the report
    names the first record not stored."""
    assert BATCH_SIZE == 500
    db_path = tmp_path / "t.db"
    async with await Database.open(db_path) as db:
        await db.conn.execute("PRAGMA busy_timeout = 50")
        store = PaperStore(db)
        other = sqlite3.connect(db_path, isolation_level=None)
        tries: list[int] = []

        async def upsert(papers: Sequence[Paper]) -> UpsertCounts:
            tries.append(len(papers))
            if len(tries) == 3:
                other.execute("BEGIN IMMEDIATE")  # e.g. a second `scoopwatch ingest`
            return await store.upsert_papers(papers)

        report = await ingest_file(str(fixture_path(LISTING)), None, upsert,
                                   retry_delays=(0, 0, 0))
        other.execute("ROLLBACK")
        other.close()
        assert tries == [500] * 6  # batch 3 tried four times
        assert await store.count() == 1000
        stored = {p.key for p in await store.iter_papers()}
    assert "2411.17700" in stored  # record 1
    assert report.stored == 1000 and report.stopped_at == 1001
    assert report.reason is not None and "database is locked" in report.reason
    assert report.failure("listing.xml") == (
        "stored 1000 papers from listing.xml; stopped at record 1001: "
        f"{report.reason}")


def test_a_file_broken_in_batch_3_keeps_batches_1_and_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = fixture_bytes(LISTING)
    starts = [i for i in range(len(data)) if data.startswith(b"<item>", i)]
    assert len(starts) == ITEMS
    monkeypatch.chdir(tmp_path)
    Path("broken.xml").write_bytes(data[: starts[1200] + 30])  # record 1201 is cut short
    result = CliRunner().invoke(main, ["ingest", "--db", "t.db", "broken.xml"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "stored 1000 papers from broken.xml; stopped at record 1201: "
        "arXiv RSS listing: malformed XML")
    listed = CliRunner().invoke(main, ["papers", "--db", "t.db"])
    assert len(listed.stdout.splitlines()) == 1000  # records 1001-1200 were in batch 3


def test_a_whole_file_is_stored_in_batches_and_reported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int] = []
    original = PaperStore.upsert_papers

    async def counting(self: PaperStore, papers: Sequence[Paper], **kw: object) -> UpsertCounts:
        sizes.append(len(papers))
        return await original(self, papers)

    monkeypatch.setattr(PaperStore, "upsert_papers", counting)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["ingest", "--db", "t.db", str(fixture_path(LISTING))])
    assert result.exit_code == 0, result.output
    assert sizes == [500, 500, 500, 4]
    assert result.stdout.count("papers:") == 1
    assert "1504 papers: 1504 new, 0 updated, 0 unchanged, 0 skipped" in result.stdout


async def test_a_batch_locked_for_a_moment_is_tried_again(tmp_path: Path) -> None:
    """A bot storing a burst of notes can hold the write lock past the busy timeout: the
    batch waits and goes in, and the whole file is stored."""
    db_path = tmp_path / "t.db"
    async with await Database.open(db_path) as db:
        await db.conn.execute("PRAGMA busy_timeout = 50")
        store = PaperStore(db)
        other = sqlite3.connect(db_path, isolation_level=None)
        tries = 0

        async def upsert(papers: Sequence[Paper]) -> UpsertCounts:
            nonlocal tries
            tries += 1
            if tries == 2:
                other.execute("BEGIN IMMEDIATE")
            elif other.in_transaction:
                other.execute("ROLLBACK")
            return await store.upsert_papers(papers)

        report = await ingest_file(str(fixture_path(LISTING)), None, upsert,
                                   retry_delays=(0, 0, 0))
        other.close()
        assert await store.count() == ITEMS
    assert report.reason is None and report.new == ITEMS and tries == 5
