"""Benchmark: peak memory of ``scoopwatch ingest`` as the file grows.

Files of 10, 50 and 150 MB are made from the real 2024-11-28 listing (``bench/inputs.py``: real
items repeated with fresh ids), as arXiv RSS and as JSON Lines. Each is ingested into a fresh
database by a separate ``scoopwatch ingest`` process whose peak RSS (``wait4``'s ``ru_maxrss``),
wall time and output are reported. Target: peak RSS independent of the file's size (within a
few MB from 10 to 150 MB), and <= 150 MB.

    python bench/ingest_memory.py [--sizes 10 50 150] [--formats rss jsonl]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.inputs import write_jsonl, write_rss  # noqa: E402

MB = 1_000_000


def ingest_process(path: Path, db: Path) -> tuple[float, float, int, str]:
    """(peak RSS in MB, wall seconds, exit status, last output line) of one ingest."""
    cmd = [sys.executable, "-m", "bot.cli", "ingest", str(path), "--db", str(db)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    lines = [line for line in output.splitlines() if line.strip()]
    return usage.ru_maxrss / 1024, wall, proc.returncode, lines[0] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 150], help="MB")
    parser.add_argument("--formats", nargs="+", default=["rss", "jsonl"],
                        choices=["rss", "jsonl"])
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats:
            for size in args.sizes:
                path = Path(tmp) / f"input-{size}mb.{'xml' if fmt == 'rss' else 'jsonl'}"
                writer = write_rss if fmt == "rss" else write_jsonl
                papers = writer(path, size=size * MB)
                db = Path(tmp) / f"{fmt}-{size}.db"
                rss, wall, code, first = ingest_process(path, db)
                rows.append((fmt, path.stat().st_size / MB, papers, rss, wall, code, first))
                path.unlink()
                db.unlink(missing_ok=True)
    print(f"{'format':<7}{'file MB':>9}{'papers':>9}{'peak RSS MB':>13}{'wall s':>9}"
          f"{'exit':>6}  output")
    for fmt, size_mb, papers, rss, wall, code, first in rows:
        print(f"{fmt:<7}{size_mb:>9.1f}{papers:>9}{rss:>13.0f}{wall:>9.1f}{code:>6}  "
              f"{first[:100]}")
    for fmt in args.formats:
        peaks = [r[3] for r in rows if r[0] == fmt]
        print(f"{fmt}: peak RSS spread {max(peaks) - min(peaks):.0f} MB across sizes "
              f"(target: independent of size), max {max(peaks):.0f} MB (target <= 150 MB)  "
              f"{'OK' if max(peaks) <= 150 and max(peaks) - min(peaks) <= 20 else 'MISSED'}")


if __name__ == "__main__":
    main()
