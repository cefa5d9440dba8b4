"""Benchmark: the Slack adapter under load while a large ingest writes to the same database.

The bot runs as in production, in HTTP mode: the real core and store (holding the real
2024-11-28 listing) behind the Slack adapter and Bolt, posting to an in-process fake Slack Web
API (``tests/adapters/slack``). It first posts a digest (ten cards, so there are threads to
reply in). Then, at once:

- ``scoopwatch ingest`` runs in another process on the same database file, with a JSON Lines
  file of real records (``bench/inputs.py``), storing 500 papers per transaction;
- a client process sends 10,000 signed thread replies (Events API) in those threads, 20 in
  flight at any time (``--concurrency``: more only queues them on a saturated machine), and
  a third of the way through, a burst of 500 signed ``/scoop`` commands all at once.

Reported: the acknowledgement latency of every request (HTTP 200 back to the client; Slack
gives up after 3 s), whether every reply became a note and how long after the last
acknowledgement, the bot process's peak RSS (it also holds the fake Slack and everything it
recorded; Bolt acknowledges an event before its handler runs, so replies arriving faster than
notes are stored wait in memory), the ingest's outcome and the database's size.
The bot goes through the adapters' public paths only, so whatever the core does with a reply
(store it at once, or queue it durably first) is what is measured. Replies are kept in the
core's inbox before they are acknowledged and become notes in the background, so the run waits
until the inbox is empty and says how long that took after the last acknowledgement. The bot's
clock runs at the real pace from the recorded day's afternoon (retries are scheduled on it).
When the bot logs a warning or an error, the whole log is kept in ``bench/load-problems.log``.

    python bench/load.py [--commands 500] [--replies 10000] [--ingest-mb 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "adapters" / "slack"))
sys.path.insert(0, str(REPO / "tests" / "adapters"))

from bench.inputs import write_jsonl  # noqa: E402

MB = 1_000_000
NOW_TS = 1732806000  # 2024-11-28 15:00 UTC, when the digest is asked for
REPLIERS = 50
# What members type on a busy morning; one in fifty exports every note as a file.
COMMANDS = ("help", "topic list", "topic list all", "preview diffusion model*", "notes",
            "status", "labs", "help topic", "preview \"reinforcement learning\"", "notes") * 5
COMMANDS = (*COMMANDS[:-1], "notes export")


# --- the client process ---------------------------------------------------------------------


async def client(url: str, response_url: str, threads: list[str], commands: int,
                 replies: int, concurrency: int) -> dict[str, Any]:
    """Send everything, timing each request from send to HTTP response."""
    import aiohttp
    from slack_payloads import CHANNEL, event_callback, form_body, sign, slash_form, thread_reply

    latencies: dict[str, list[float]] = {"command": [], "reply": []}
    statuses: dict[str, int] = {}

    async def send(kind: str, body: str, ctype: str, session: aiohttp.ClientSession) -> None:
        headers = {"Content-Type": ctype, **sign(body)}
        start = time.perf_counter()
        async with session.post(url, data=body.encode(), headers=headers) as resp:
            await resp.read()
            latencies[kind].append(time.perf_counter() - start)
            statuses[str(resp.status)] = statuses.get(str(resp.status), 0) + 1

    async def reply_stream(session: aiohttp.ClientSession) -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(n: int) -> None:
            user = f"U0RPL{n % REPLIERS:04d}"
            ts = f"{NOW_TS + 600 + n // 1000}.{n % 1000:06d}"
            event = thread_reply(user, f"Our approach differs in step {n}.", ts,
                                 threads[n % len(threads)])
            async with gate:
                await send("reply", json.dumps(event_callback(event, f"Ev{n:08d}")),
                           "application/json", session)

        await asyncio.gather(*(one(n) for n in range(replies)))

    async def burst(session: aiohttp.ClientSession) -> None:
        while len(latencies["reply"]) < replies // 3:  # in the thick of the replies
            await asyncio.sleep(0.05)
        bodies = [form_body(slash_form(COMMANDS[n % len(COMMANDS)], response_url,
                                       user=f"U0RPL{n % REPLIERS:04d}", user_name=f"m{n}",
                                       channel=CHANNEL)) for n in range(commands)]
        await asyncio.gather(*(send("command", b, "application/x-www-form-urlencoded", session)
                               for b in bodies))

    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=120)
    wall = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(reply_stream(session), burst(session))
    return {"latencies": latencies, "statuses": statuses, "wall": time.perf_counter() - wall}


# --- the bot process ------------------------------------------------------------------------


async def bot(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from slack_fake_api import BOT_TOKEN, FakeSlack
    from slack_payloads import CHANNEL, SIGNING_SECRET, form_body, sign, slash_form

    from adapters.slack.runner import SlackAdapter, SlackSettings
    from bot.app import build_core
    from bot.config import build_config
    from bot.sources.arxiv_rss import parse_arxiv_rss
    from bot.store.db import Database
    from bot.store.papers import PaperStore
    from bot.store.stores import Stores
    from tests.fixture_files import LISTING, fixture_bytes

    logging.basicConfig(level=logging.WARNING, filename=tmp / "bot.log",
                        format="%(levelname)s %(name)s: %(message)s")
    fake = await FakeSlack().start()
    for n in range(REPLIERS):
        fake.add_user(f"U0RPL{n:04d}", f"member{n}", f"Member {n}")
    db_path = tmp / "load.db"
    db = await Database.open(db_path)
    await PaperStore(db).upsert_papers(parse_arxiv_rss(fixture_bytes(LISTING)).papers)
    config = build_config({"digest": {"mode": "all-papers", "max_papers": 10}}, env={})
    start, began = datetime.fromtimestamp(NOW_TS, UTC), time.monotonic()

    def clock() -> datetime:  # the recorded day's afternoon, running at the real pace
        return start + timedelta(seconds=time.monotonic() - began)

    core, _scheduler = build_core(config, Stores.on(db), clock=clock)
    settings = SlackSettings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, mode="http",
                             api_url=fake.api_url, http_host="127.0.0.1", http_port=0)
    adapter = SlackAdapter(core, settings, pace_seconds=0.0)  # the fake has no rate limits
    core.register_port(adapter.port)
    await adapter.start()
    await core.start()  # the inbox worker, as ``scoopwatch run`` starts it
    url = f"http://127.0.0.1:{adapter.http_port}/slack/events"

    async def command(text: str) -> None:
        import aiohttp

        body = form_body(slash_form(text, fake.response_url("setup"), channel=CHANNEL))
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body)}
        async with aiohttp.ClientSession() as session, session.post(
                url, data=body.encode(), headers=headers) as resp:
            assert resp.status == 200
        await adapter.handlers.inflight.wait_idle(60)

    await command("topic add learning learning")
    await command("digest now")
    threads = [m["ts"] for m in fake.posted(CHANNEL) if "[sw:" in m.get("text", "")
               and "[sw:digest:" not in m["text"] and "thread_ts" not in m]  # the cards
    assert threads, "the digest posted no cards"

    answered = len(fake.responses) + len(fake.uploads)  # the setup's answers
    big = tmp / "ingest.jsonl"
    papers = write_jsonl(big, size=args.ingest_mb * MB, day=None)
    ingest = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "ingest", str(big), "--db", str(db_path), cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    load = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--client", url, "--response-url", fake.response_url("load"),
        "--threads", ",".join(threads), "--commands", str(args.commands),
        "--replies", str(args.replies), "--concurrency", str(args.concurrency),
        stdout=asyncio.subprocess.PIPE)
    ingest_wall = time.perf_counter()
    out, _ = await load.communicate()
    sent = json.loads(out.decode().strip().splitlines()[-1])
    drain = time.perf_counter()
    drained = await adapter.handlers.inflight.wait_idle(600)
    inbox = Stores.on(db).inbox
    while drained and await inbox.pending_count() and time.perf_counter() - drain < 600:
        await asyncio.sleep(0.2)  # replies kept in the inbox, still becoming notes
    drained = drained and not await inbox.pending_count()
    drain = time.perf_counter() - drain
    ingest_out, _ = await ingest.communicate()
    ingest_wall = time.perf_counter() - ingest_wall
    notes = await db.conn.execute_fetchall("SELECT count(*) FROM notes")
    stored = int(next(iter(notes))[0])
    acked = len([r for r in fake.reactions if r[2] == "white_check_mark"])
    answered = len(fake.responses) + len(fake.uploads) - answered
    await adapter.stop()
    await core.stop()
    await db.close()
    await fake.stop()
    log_lines = (tmp / "bot.log").read_text().splitlines()
    problems = [line for line in log_lines if line.startswith(("WARNING", "ERROR"))]
    if problems:
        (REPO / "bench" / "load-problems.log").write_text("\n".join(log_lines) + "\n")
    return {
        "problems": problems,
        "sent": sent, "drained": drained, "drain": drain, "notes": stored, "acked": acked,
        "answers": answered, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": os.path.getsize(db_path) / MB, "ingest_papers": papers,
        "ingest_exit": ingest.returncode, "ingest_wall": ingest_wall,
        "ingest_output": ingest_out.decode(errors="replace").strip().splitlines()[-1:],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=500)
    parser.add_argument("--replies", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=20, help="replies in flight")
    parser.add_argument("--ingest-mb", type=int, default=50)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--response-url", help=argparse.SUPPRESS)
    parser.add_argument("--threads", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        result = asyncio.run(client(args.client, args.response_url, args.threads.split(","),
                                    args.commands, args.replies, args.concurrency))
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory() as tmp:
        r = asyncio.run(bot(args, Path(tmp)))
    lat = r["sent"]["latencies"]
    print(f"{'requests':<22}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for kind, label in (("command", "slash commands"), ("reply", "thread replies")):
        values = lat[kind]
        print(f"{label:<22}{len(values):>7}{percentile(values, 0.5) * 1e3:>9.0f}"
              f"{percentile(values, 0.99) * 1e3:>9.0f}{max(values, default=0) * 1e3:>9.0f}")
    worst = max(percentile(lat["command"], 0.99), percentile(lat["reply"], 0.99))
    print(f"HTTP statuses: {r['sent']['statuses']}; client wall {r['sent']['wall']:.1f} s")
    print(f"acknowledgement p99 {worst * 1e3:.0f} ms (goal: well under Slack's 3 s, here at "
          f"most half of it)  {'OK' if worst <= 1.5 else 'MISSED'}")
    print(f"notes stored {r['notes']} of {args.replies} replies sent, {r['acked']} acknowledged "
          f"with a reaction  {'OK' if r['notes'] == args.replies else 'MISSED'}; the last "
          f"{r['drain']:.1f} s after the last request was acknowledged"
          f"{'' if r['drained'] else ' (handlers still running at the end)'}")
    print(f"commands answered (a message or, for an export, a file): {r['answers']} of "
          f"{args.commands}")
    print(f"peak RSS of the bot process (with the fake Slack): {r['rss']:.0f} MB")
    print(f"ingest alongside: {r['ingest_papers']} papers, exit {r['ingest_exit']}, "
          f"{r['ingest_wall']:.0f} s: {' '.join(r['ingest_output'])[:120]}")
    print(f"database size after: {r['db_mb']:.0f} MB")
    print(f"bot warnings and errors logged: {len(r['problems'])}")
    for line in sorted(set(r["problems"]), key=r["problems"].index)[:5]:
        print(f"  {line[:160]}")


if __name__ == "__main__":
    main()
