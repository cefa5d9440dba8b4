"""Benchmark: parse + store the real 1,504-item arXiv listing vs feedparser's parse alone.

Ours is what ``scoopwatch ingest`` runs: the file streamed record by record, stored in batches.

Both are measured side by side in one run, interleaved, best of N, so machine noise hits both.
Targets: ours at least 3x faster than feedparser's parse alone; peak RSS <= 150 MB.

    python bench/ingest.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.fixture_files import LISTING as LISTING_NAME  # noqa: E402
from tests.fixture_files import fixture_path  # noqa: E402

LISTING = fixture_path(LISTING_NAME)


async def parse_and_store(path: Path, db_path: Path) -> int:
    """What `scoopwatch ingest` does: stream the listing from its file into a fresh store,
    500 papers per transaction."""
    from bot.cli.papers import ingest_file
    from bot.store.db import Database
    from bot.store.papers import PaperStore

    async with await Database.open(db_path) as db:
        report = await ingest_file(str(path), None, PaperStore(db).upsert_papers)
    if report.reason is not None:
        raise RuntimeError(report.failure(path.name))
    return report.new


def time_ours(path: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        stored = asyncio.run(parse_and_store(path, Path(tmp) / "bench.db"))
        return time.perf_counter() - start, stored


def time_feedparser(data: bytes) -> tuple[float, int]:
    import feedparser

    start = time.perf_counter()
    parsed = feedparser.parse(data)
    return time.perf_counter() - start, len(parsed.entries)


def peak_rss_of_ours() -> float:
    """Peak RSS (MB) of a fresh process that only does parse + store, so feedparser's
    memory does not count against ours."""
    code = (
        f"import sys, resource; sys.path.insert(0, {str(REPO)!r}); "
        "from bench.ingest import time_ours, LISTING; time_ours(LISTING); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = LISTING.read_bytes()
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(args.rounds):
        t, stored = time_ours(LISTING)
        ours.append(t)
        t, entries = time_feedparser(data)
        theirs.append(t)
    best_ours, best_theirs = min(ours), min(theirs)
    rss = peak_rss_of_ours()
    whole_run_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"listing: {LISTING.name} ({len(data) / 1e6:.1f} MB)")
    print(f"scoopwatch parse + store: {best_ours * 1000:8.1f} ms  ({stored} papers stored)")
    print(f"feedparser parse only:    {best_theirs * 1000:8.1f} ms  ({entries} entries)")
    ratio = best_theirs / best_ours
    print(f"ratio: {ratio:.1f}x faster (target >= 3x)  {'OK' if ratio >= 3 else 'MISSED'}")
    print(f"peak RSS, parse + store alone: {rss:.0f} MB (target <= 150 MB)  "
          f"{'OK' if rss <= 150 else 'MISSED'}")
    print(f"peak RSS, whole benchmark incl. feedparser: {whole_run_rss:.0f} MB")


if __name__ == "__main__":
    main()
