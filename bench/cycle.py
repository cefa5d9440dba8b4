"""Benchmark: one nightly cycle at university scale, and a week's backfill, end to end.

- **day**: a 2,000-paper announcement day (the real 2024-11-28 listing, repeated with fresh
  ids: ``bench/inputs.py``) is parsed, stored and matched against 1,000 topics of 200 members;
  then 100 subscribed channels (half industry-only, half all-papers) get their digests at the
  same minute: detect, select, compose and post to a fake chat port.
- **week**: the same, after five missed days (20,000 papers) are recovered over OAI-PMH, in
  pages of 1,000 records (real listing records in the shape of ``tests/fixtures/arxiv_oai``),
  and the digests cover the whole week.

The chat platform is a port that counts what it is sent (``CountingPort``): a platform keeps
its messages on its own servers, not in the bot's memory. The bench's own inputs (recorded
files, listing items) are released once ingested, so the peak RSS is the bot's.

One paper in ten carries the authors and affiliations of a real OpenAlex work (the industry
evaluation sample), as enrichment would have added, so the detector has real evidence to weigh.
Topics are drawn from real title phrases as in ``bench/match.py``. Each scenario runs in its own
process; it reports wall time, CPU time (every thread), peak RSS and the event loop's lag (a
probe that sleeps 5 ms and records how late it wakes). Target: peak RSS <= 150 MB, so a 512 MB
VM runs it.

    python bench/cycle.py [--scenario day week] [--channels 100] [--topics 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "bot" / "core"))

from bench.inputs import oai_page, openalex_authors, release, write_rss  # noqa: E402
from bench.match import make_topics  # noqa: E402
from bot.messages import Message  # noqa: E402
from bot.models import Paper  # noqa: E402
from bot.ports import PostRef, ThreadRef  # noqa: E402
from bot.sources.base import ParsedPage  # noqa: E402

PLATFORM, WORKSPACE = "console", "university"
LISTING_DAY = date(2024, 11, 28)
DAY_CLOCK = datetime(2024, 11, 28, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, the digests' time
WEEK_CLOCK = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)  # a Friday morning, no arXiv holiday near
PAGE = 1000  # records per OAI-PMH page, as arXiv serves them
ENRICHED_EVERY = 10


def enriched(paper: Paper, n: int) -> Paper:
    """Every ``ENRICHED_EVERY``-th paper with a real OpenAlex work's authors."""
    works = openalex_authors()
    if n % ENRICHED_EVERY:
        return paper
    return replace(paper, authors=works[(n // ENRICHED_EVERY) % len(works)])


class ListingFetcher:
    """The nightly feed, read from a generated listing file by the real RSS parser."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def fetch(self, day: date | None = None, last_seen: Any = None) -> Any:
        from bot.sources.arxiv_feed import classify
        from bot.sources.arxiv_rss import parse_arxiv_rss

        page = await asyncio.to_thread(parse_arxiv_rss, self.path.read_bytes())
        page = replace(page, papers=tuple(enriched(p, n) for n, p in enumerate(page.papers)))
        return classify(page, day or LISTING_DAY, last_seen, True)


class WeekOfPages:
    """OAI-PMH for the missed days: ``per_day`` records a day, ``PAGE`` a page, parsed by the
    real OAI-PMH parser (only the first set answers, so each paper is harvested once)."""

    def __init__(self, per_day: int, first_set: str) -> None:
        self.per_day, self.first_set = per_day, first_set
        self.days: list[date] = []

    async def list_records(self, from_: date, until: date, set_spec: str | None
                           ) -> AsyncIterator[ParsedPage]:
        from bot.sources.oai_pmh import parse_oai_pmh

        if set_spec != self.first_set:
            return
        self.days.append(from_)
        base = (len(self.days) - 1) * self.per_day
        for start in range(base, base + self.per_day, PAGE):
            count = min(PAGE, base + self.per_day - start)
            page = await asyncio.to_thread(parse_oai_pmh, oai_page(from_, count, start))
            yield replace(page, papers=tuple(enriched(p, start + n)
                                             for n, p in enumerate(page.papers)))


class CountingPort:
    """A chat platform that takes every post and keeps only how many it got, of which kind:
    what a real platform keeps stays on its servers. Nothing is lost before a crash here, so
    the outbox's recovery searches find nothing."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.messages: Counter[str] = Counter()

    async def post(self, channel_id: str, message: Message, thread: ThreadRef | None = None
                   ) -> PostRef:
        self.messages[type(message).__name__] += 1
        return PostRef(self.platform, channel_id, f"m{self.messages.total()}")

    async def open_thread(self, post: PostRef, name: str) -> ThreadRef:
        return ThreadRef(self.platform, post.channel_id, post.message_id)

    async def react(self, post: PostRef, emoji: str) -> None:
        return None

    async def find_marker(self, channel_id: str, marker: str, since: datetime
                          ) -> PostRef | None:
        return None

    async def find_bot_reply(self, thread: ThreadRef) -> PostRef | None:
        return None

    async def find_thread_marker(self, thread: ThreadRef, marker: str) -> PostRef | None:
        return None


def topics_and_archives(count: int) -> tuple[list[str], list[str]]:
    """``count`` topics drawn from the listing's title phrases, and the arXiv archives of its
    papers' primary categories (the recovery's configured categories)."""
    from bot.sources.arxiv_rss import parse_arxiv_rss
    from tests.fixture_files import LISTING, fixture_bytes

    sample = list(parse_arxiv_rss(fixture_bytes(LISTING)).papers)
    archives = sorted({p.categories[0].split(".")[0] for p in sample if p.categories})
    return make_topics(sample, count, random.Random(4)), archives


async def cycle(scenario: str, papers: int, topics: int, members: int, channels: int,
                tmp: Path) -> dict[str, Any]:
    from fakes_digest import FakeClock

    from bot.core.digests.service import DigestService, DigestSettings
    from bot.core.ingest.pipeline import Pipeline
    from bot.core.ingest.recovery import Recovery
    from bot.industry.detector import detect
    from bot.industry.registry import Registry
    from bot.sources.oai_client import oai_set_for_category
    from bot.store.db import Database
    from bot.store.stores import Stores

    clock = FakeClock(DAY_CLOCK if scenario == "day" else WEEK_CLOCK)
    listing = tmp / "listing.xml"
    write_rss(listing, papers=papers, day=LISTING_DAY)
    queries, archives = topics_and_archives(topics)
    async with await Database.open(tmp / "cycle.db") as db:
        stores = Stores.on(db)
        for n, query in enumerate(queries):
            await stores.topics.add(PLATFORM, WORKSPACE, f"U{n % members:03d}", f"topic-{n}",
                                    query, clock())
        pipeline = Pipeline(papers=stores.papers, topics=stores.topics,
                            overlaps=stores.overlaps, runs=stores.runs, clock=clock,
                            fetcher=ListingFetcher(listing), source_state=stores.source_state)
        registry = Registry.default()
        service = DigestService(stores, refresher=pipeline,
                                detect=lambda p: detect(p, registry),
                                settings=DigestSettings(timezone="Europe/Berlin"), clock=clock)
        port = CountingPort(PLATFORM)
        service.register_port(port)
        names = [f"C{n:03d}" for n in range(channels)]
        for n, channel in enumerate(names):
            mode = "industry-only" if n % 2 else "all-papers"
            await service.subscribe(PLATFORM, WORKSPACE, channel, "U000", f"daily 09:00 {mode}")
        lister = WeekOfPages(0, oai_set_for_category(archives[0]))
        pipeline.recovery = Recovery(oai=lister, papers=stores.papers, runs=stores.runs,
                                     categories=archives, holidays=(), clock=clock)

        lags: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                start = time.perf_counter()
                await asyncio.sleep(0.005)
                lags.append(time.perf_counter() - start - 0.005)

        probing = asyncio.create_task(probe())
        wall, cpu = time.perf_counter(), time.process_time()
        if scenario == "day":
            fetched = await pipeline.run_fetch(LISTING_DAY)
            ingested = f"{fetched.new} new, {fetched.matched} matched"
        else:
            missed = await pipeline.recovery.missed_days(clock())
            lister.per_day = papers // len(missed)
            report = await pipeline.recover_missed_days(clock())
            ingested = (f"{sum(d.stored for d in report.days)} recovered over "
                        f"{len(report.days)} days, {report.matched} matched")
        release()  # the inputs are in the store now

        async def digest(channel: str) -> int:
            """One channel's digest at 09:00; the scheduler keeps nothing of its report."""
            return (await service.run_digest(PLATFORM, WORKSPACE, channel)).delivered

        cards = sum(await asyncio.gather(*(digest(channel) for channel in names)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        done.set()
        await probing
        stored = await stores.papers.count()
        overlaps = await stores.overlaps.count()
    lags.sort()
    return {
        "scenario": scenario, "papers": stored, "topics": topics, "members": members,
        "channels": channels, "ingest": ingested, "overlaps": overlaps, "posted": cards,
        "messages": port.messages.total(), "wall": wall, "cpu": cpu,
        "lag_p50": lags[len(lags) // 2], "lag_p99": lags[int(len(lags) * 0.99)],
        "lag_max": lags[-1],
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(args: argparse.Namespace, scenario: str) -> dict[str, Any]:
    papers = args.day_papers if scenario == "day" else args.week_papers
    cmd = [sys.executable, __file__, "--child", scenario, "--topics", str(args.topics),
           "--members", str(args.members), "--channels", str(args.channels),
           "--day-papers", str(papers), "--week-papers", str(papers)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", nargs="+", default=["day", "week"],
                        choices=["day", "week"])
    parser.add_argument("--day-papers", type=int, default=2000)
    parser.add_argument("--week-papers", type=int, default=20000)
    parser.add_argument("--topics", type=int, default=1000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--child", choices=["day", "week"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        papers = args.day_papers if args.child == "day" else args.week_papers
        with tempfile.TemporaryDirectory() as tmp:
            result = asyncio.run(cycle(args.child, papers, args.topics, args.members,
                                       args.channels, Path(tmp)))
        print(json.dumps(result))
        return
    rows = [run_child(args, scenario) for scenario in args.scenario]
    print(f"{'scenario':<9}{'papers':>8}{'topics':>8}{'channels':>9}{'posted':>8}"
          f"{'wall s':>8}{'CPU s':>7}{'RSS MB':>8}{'lag p50/p99/max ms':>21}")
    for r in rows:
        lag = f"{r['lag_p50'] * 1e3:.0f}/{r['lag_p99'] * 1e3:.0f}/{r['lag_max'] * 1e3:.0f}"
        print(f"{r['scenario']:<9}{r['papers']:>8}{r['topics']:>8}{r['channels']:>9}"
              f"{r['posted']:>8}{r['wall']:>8.1f}{r['cpu']:>7.1f}{r['rss']:>8.0f}{lag:>21}")
    for r in rows:
        print(f"{r['scenario']}: {r['ingest']}; {r['overlaps']} overlaps; {r['messages']} "
              f"messages posted; peak RSS {r['rss']:.0f} MB (target <= 150 MB)  "
              f"{'OK' if r['rss'] <= 150 else 'MISSED'}")


if __name__ == "__main__":
    main()
