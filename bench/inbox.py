"""Benchmark: Slack thread replies acknowledged through the inbox, and no note lost while a
large ingest holds the store's write lock.

The real core on a real SQLite file, the real Slack adapter in HTTP mode (Bolt on aiohttp)
against the in-process fake Web API of the tests; every reply is a signed Events API request
into a paper card's thread, and its acknowledgement is the HTTP answer.

(a) ``--replies`` thread replies, ``--concurrency`` at a time: acknowledgement latency (request
    sent -> answer received) p50/p99, and how long until every reply is a note;
(b) ``scoopwatch ingest`` of a generated JSON Lines file of ``--papers`` papers in another
    process, whose one write transaction holds the lock for seconds (longer than SQLite's 5 s
    busy timeout with the default size): ``--rate`` replies a second are sent, as Slack sends
    events, without waiting for earlier acknowledgements, for as long as a probe connection
    finds the lock held (the ingest's own opening included); then notes stored vs replies
    sent, and the acknowledgement latency of those replies.

Run it on a checkout before the inbox to get the "before" figures: the script uses nothing
the older code lacks.

    python bench/inbox.py [--replies 300] [--concurrency 10] [--papers 60000] [--rate 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "adapters" / "slack")]

import aiohttp  # noqa: E402
from slack_payloads import CHANNEL, SIGNING_SECRET, event_callback, sign, thread_reply  # noqa: E402

from adapters.slack.runner import SlackAdapter, SlackSettings  # noqa: E402
from bot.app import build_core  # noqa: E402
from bot.config import build_config  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.notes import NoteStore  # noqa: E402
from bot.store.stores import Stores  # noqa: E402
from tests.adapters.paper_thread import seed_paper_thread  # noqa: E402
from tests.adapters.slack.slack_fake_api import APP_TOKEN, BOT_TOKEN, TEAM, FakeSlack  # noqa: E402

ROOT = "1732800000.000100"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def locked(path: Path) -> bool:
    """Whether another connection holds the write lock right now (never waits)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def write_jsonl(path: Path, papers: int) -> None:
    with path.open("w") as out:
        for i in range(papers):
            out.write(json.dumps({
                "id": f"bench-{i}", "title": f"A study of diffusion planners, part {i}",
                "abstract": "We study planning with diffusion models. " * 6,
                "categories": ["cs.LG"], "announced": "2024-11-27",
                "authors": [{"name": f"Author {i} {j}", "affiliations": ["Some University"]}
                            for j in range(3)]}) + "\n")


class Lab:
    """The bot under test and a counter of replies."""

    def __init__(self, adapter: SlackAdapter, db: Database) -> None:
        self.adapter, self.db = adapter, db
        self.sent = 0
        self.session: aiohttp.ClientSession | None = None

    async def reply(self) -> float:
        """Send one new thread reply; seconds until Slack would have its acknowledgement."""
        self.sent += 1
        ts = f"1732801000.{self.sent:06d}"
        body = json.dumps(event_callback(thread_reply("U0BEN0002", f"reply {self.sent}", ts,
                                                      ROOT)))
        headers = {"Content-Type": "application/json", **sign(body)}
        url = f"http://127.0.0.1:{self.adapter.http_port}/slack/events"
        assert self.session is not None
        started = time.perf_counter()
        async with self.session.post(url, data=body.encode(), headers=headers) as resp:
            await resp.read()
            assert resp.status == 200, resp.status
        return time.perf_counter() - started

    async def notes(self) -> int:
        return len(await NoteStore(self.db).recent("slack", TEAM, limit=10**9))

    async def settle(self, timeout: float) -> tuple[int, float]:
        """Wait until every reply sent is a note, or nothing changed for ``timeout`` s."""
        started = last_change = time.perf_counter()
        count = await self.notes()
        while count < self.sent and time.perf_counter() - last_change < timeout:
            await asyncio.sleep(0.05)
            now = await self.notes()
            if now != count:
                count, last_change = now, time.perf_counter()
        return count, time.perf_counter() - started


async def burst(lab: Lab, replies: int, concurrency: int) -> list[float]:
    gate = asyncio.Semaphore(concurrency)

    async def one() -> float:
        async with gate:
            return await lab.reply()

    return list(await asyncio.gather(*(one() for _ in range(replies))))


def report(label: str, acks: list[float]) -> None:
    print(f"{label}: {len(acks)} replies acknowledged, p50 {percentile(acks, 0.5) * 1000:.1f} ms,"
          f" p99 {percentile(acks, 0.99) * 1000:.1f} ms, max {max(acks) * 1000:.0f} ms,"
          f" mean {statistics.fmean(acks) * 1000:.1f} ms")


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="scoopwatch-inbox-bench-"))
    path = work / "bench.db"
    fake = await FakeSlack().start()
    db = await Database.open(path)
    await seed_paper_thread(db, "slack", TEAM, CHANNEL, ROOT)
    core, _scheduler = build_core(build_config({}, env={}), Stores.on(db))
    settings = SlackSettings(bot_token=BOT_TOKEN, app_token=APP_TOKEN,
                             signing_secret=SIGNING_SECRET, mode="http", api_url=fake.api_url,
                             http_host="127.0.0.1", http_port=0)
    adapter = SlackAdapter(core, settings, pace_seconds=0.0)
    core.register_port(adapter.port)
    await adapter.start()
    lab = Lab(adapter, db)
    try:
        async with aiohttp.ClientSession() as lab.session:
            await burst(lab, 20, args.concurrency)  # warm-up: user look-up, connections
            await lab.settle(10)
            lab.sent = warm = await lab.notes()
            acks = await burst(lab, args.replies, args.concurrency)
            stored, took = await lab.settle(10)
            report("(a) idle store", acks)
            print(f"    notes stored {stored - warm} of {lab.sent - warm} sent ({took:.1f} s"
                  " after the last acknowledgement)")

            feed = work / "large.jsonl"
            write_jsonl(feed, args.papers)
            before = lab.sent
            ingest = subprocess.Popen(
                [sys.executable, "-c", "from bot.cli import main; main()", "ingest",
                 str(feed), "--db", str(path)], cwd=REPO, stdout=subprocess.DEVNULL)
            sending: list[asyncio.Task[float]] = []
            held = 0.0
            while ingest.poll() is None:  # it opens the store, parses, then writes at once
                probed = time.perf_counter()
                if await asyncio.to_thread(locked, path):
                    sending.append(asyncio.create_task(lab.reply()))
                    await asyncio.sleep(1 / args.rate)
                    held += time.perf_counter() - probed
                else:
                    await asyncio.sleep(0.02)
            during = list(await asyncio.gather(*sending))
            await asyncio.to_thread(ingest.wait)
            stored, took = await lab.settle(40)
            print(f"(b) ingest of {args.papers} papers in another process held the write lock"
                  f" for about {held:.1f} s (exit {ingest.returncode})")
            report("    replies sent meanwhile", during)
            print(f"    notes stored {stored - before} of {lab.sent - before} sent while the"
                  f" lock was held ({took:.1f} s after the last acknowledgement)")
    finally:
        await adapter.stop()
        await db.close()
        await fake.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--papers", type=int, default=60_000)
    parser.add_argument("--rate", type=float, default=20.0)
    asyncio.run(main(parser.parse_args()))
