"""A lab running the real ``scoopwatch run`` as an OS process, for the SIGKILL suite (no tests
here).

The crash-point suite raises at instrumented points inside one Python process; only a real
``kill -9`` shows what survives a process that stops between two machine instructions: a
commit acknowledged but not durable, a claim left to a dead owner, a transcript line half
written, a journal left behind. This lab runs the bot the way a lab does: ``python -m bot.cli
run`` on the console adapter with a config file and an on-disk database, papers from a JSON
Lines file (``scoopwatch ingest``), no network (every source URL points at a closed local
port), input on stdin, the transcript read from stdout.

A ``Life`` is one process. The driver types what a member would (``/scoop digest now``, then
``reply N TEXT`` in every paper thread the transcript shows and no life answered yet: console
numbers go on across lives, so a thread an earlier life printed is answered by its number)
and, after each line, ``@you`` as a
sentinel: its answer, ``(now speaking as @you)``, says every line before it was handled (the
console handles lines one at a time, in order). A reply counts as acknowledged when its
``✓ note stored`` line was printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, every fetch fails at once
SINCE_DAYS = 3
LABS = ("Google DeepMind", "OpenAI", "Anthropic", "Meta AI", "NVIDIA", "Microsoft Research")
INDUSTRY = tuple(f"Diffusion planning study {i}" for i in range(len(LABS)))
ACADEMIC = "Diffusion planning for soil moisture"
SENTINEL = "@you"
SYNCED = "   (now speaking as @you)"
WAIT = 30.0  # seconds a life may take to answer one line on a loaded machine

CARD = re.compile(r"^#(\d+) (Diffusion planning [^\n]*)$")
PROMPT = re.compile(r"^#(\d+) \[thread (?:#\d+|of an earlier session)\] .*How does our work "
                    r"differ\?")
HEADER = re.compile(r"^#\d+ Digest for ")


def config_text(db: Path) -> str:
    """The lab's scoopwatch.toml: the console, an on-disk database, no source reachable."""
    return f"""
[bot]
timezone = "UTC"
[storage]
db_path = "{db}"
[arxiv]
rss_url = "{CLOSED}/rss/"
api_url = "{CLOSED}/api/query"
oai_url = "{CLOSED}/oai"
[openalex]
enabled = false
base_url = "{CLOSED}"
watch = false
[http]
max_retries = 0
timeout_seconds = 2
[digest]
mode = "industry-only"
max_papers = 10
enrich_wait_seconds = 0
reminder_days = 0
"""


def papers_jsonl(announced: str) -> str:
    """Six industry papers (one per lab) and one academic paper, all on the topics."""
    lines = [{"id": f"2612.0010{i}", "title": title, "abstract": "We study diffusion planning.",
              "authors": [{"name": f"Author {i}", "affiliations": [lab]}],
              "categories": ["cs.LG"], "announced": announced}
             for i, (title, lab) in enumerate(zip(INDUSTRY, LABS, strict=True))]
    lines.append({"id": "2612.00200", "title": ACADEMIC, "abstract": "diffusion planning",
                  "authors": [{"name": "Bo Uni", "affiliations": ["University of Oslo"]}],
                  "categories": ["cs.LG"], "announced": announced})
    return "".join(json.dumps(line) + "\n" for line in lines)


def scoopwatch(config: Path, *args: str, stdin: str | None = None
               ) -> subprocess.CompletedProcess[str]:
    """One CLI command to completion (setup and the final check, never killed)."""
    return subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), *args],
                          input=stdin, capture_output=True, text=True, timeout=120,
                          cwd=ROOT, check=False)


@dataclass
class Lab:
    """One lab's folder: config, database and the transcript of every life."""

    folder: Path

    @property
    def config(self) -> Path:
        return self.folder / "scoopwatch.toml"

    @property
    def db(self) -> Path:
        return self.folder / "bot.db"

    @property
    def transcript(self) -> Path:
        return self.folder / "transcript.txt"

    @classmethod
    def template(cls, folder: Path) -> Lab:
        """The lab before the night: papers ingested, two members' topics (never killed)."""
        lab = cls(folder)
        folder.mkdir(parents=True)
        lab.config.write_text(config_text(lab.db))
        day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
        papers = folder / "papers.jsonl"
        papers.write_text(papers_jsonl(day))
        for args, stdin in ((("ingest", str(papers)), None),
                            (("run",), "/scoop topic add dp diffusion AND planning\n"
                                       "@ana /scoop topic add plan planning\nquit\n")):
            done = scoopwatch(lab.config, *args, stdin=stdin)
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return lab

    def copy(self, folder: Path) -> Lab:
        """A fresh lab from this one's closed database."""
        lab = Lab(folder)
        folder.mkdir(parents=True)
        lab.config.write_text(config_text(lab.db))
        shutil.copy(self.db, lab.db)
        return lab

    def query(self, sql: str) -> list[tuple[object, ...]]:
        """Read the store between lives (no process has it open)."""
        conn = sqlite3.connect(self.db)
        try:
            return list(conn.execute(sql))
        finally:
            conn.close()

    def digest_recorded(self) -> bool:
        return bool(self.query("SELECT count(*) FROM digest_headers")[0][0])


@dataclass
class Timeline:
    """When a life's phases began and ended, in seconds since its process started."""

    digest: tuple[float, float] | None = None
    notes: tuple[float, float] | None = None


@dataclass
class Life:
    """One ``scoopwatch run`` process: its stdin, and its stdout line by line."""

    lab: Lab
    kill_after: Callable[[str], float | None] = lambda _phase: None
    lines: list[str] = field(default_factory=list)
    killed: str | None = None  # the phase it was killed in
    timeline: Timeline = field(default_factory=Timeline)

    def __post_init__(self) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--config", str(self.lab.config), "run"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self._seen = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._timer: threading.Timer | None = None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.lab.transcript.open("ab") as keep:
            for raw in self.proc.stdout:
                keep.write(raw)
                keep.flush()
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                with self._seen:
                    self.lines.append(line)
                    self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and self.killed is None

    def now(self) -> float:
        return time.monotonic() - self.started

    def arm(self, phase: str) -> None:
        """Start the phase's kill timer, if this life is to die in it."""
        delay = self.kill_after(phase)
        if delay is not None and self._timer is None:
            def kill() -> None:
                if self.proc.poll() is None:  # never a pid the process no longer holds
                    self.killed = phase
                    self.proc.send_signal(signal.SIGKILL)
            self._timer = threading.Timer(delay, kill)
            self._timer.start()

    def send(self, line: str) -> bool:
        if not self.alive:
            return False
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        return True

    def wait_for(self, pattern: re.Pattern[str] | str, start: int = 0) -> int | None:
        """Index of the first line from ``start`` matching; None if the process died first."""
        deadline = time.monotonic() + WAIT
        matches: Callable[[str], bool] = (
            (lambda s: s == pattern) if isinstance(pattern, str)
            else (lambda s: pattern.match(s) is not None))
        with self._seen:
            while True:
                for index in range(start, len(self.lines)):
                    if matches(self.lines[index]):
                        return index
                start = len(self.lines)
                if self.proc.poll() is not None and not self._reader.is_alive():
                    return None
                if time.monotonic() > deadline:
                    raise AssertionError(f"no {pattern!r} within {WAIT} s: {self.lines[-20:]}")
                self._seen.wait(0.05)

    def sync(self) -> int | None:
        """Send the sentinel and wait until every earlier line was handled."""
        mark = len(self.lines)
        if not self.send(SENTINEL):
            return None
        return self.wait_for(SYNCED, mark)

    def end(self) -> int:
        """Quit (if still alive) and reap the process: its exit status."""
        if self.alive:
            self.send("quit")
        try:
            status = self.proc.wait(WAIT)
        finally:
            if self._timer is not None:
                self._timer.cancel()
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(WAIT)
        return status


@dataclass
class Replies:
    """What the driver typed in paper threads, across lives: text -> acknowledged."""

    sent: dict[str, bool] = field(default_factory=dict)
    answered: set[int] = field(default_factory=set)  # prompts' numbers replied to

    def new_text(self) -> str:
        return f"Note {len(self.sent) + 1}: ours plans whole trajectories, theirs contacts only."


def live(lab: Lab, replies: Replies, kill_after: Callable[[str], float | None]) -> Life:
    """One life: start, post the digest if none was recorded, reply in every paper thread
    the transcript shows unanswered (this life's and earlier lives'), quit; killed wherever
    ``kill_after`` says."""
    digest_due = not lab.digest_recorded()
    life = Life(lab, kill_after)
    if digest_due is False and lab.query("SELECT count(*) FROM posts WHERE state <> 'done'"
                                         )[0][0]:
        life.arm("resume")  # the outbox resumes the digest at start
    if life.sync() is None:
        life.end()
        return life
    if digest_due:
        begin = life.now()
        life.arm("digest")
        life.send(f"/scoop digest now since {since()}")
        if life.sync() is None:
            life.end()
            return life
        life.timeline.digest = (begin, life.now())
    prompts = [n for n in shown_prompts(lab) if n not in replies.answered]
    begin = life.now()
    if prompts:
        life.arm("notes")
    for number in prompts:
        text = replies.new_text()
        mark = len(life.lines)
        if not life.send(f"reply {number} {text}"):
            break
        replies.sent[text] = False
        replies.answered.add(number)
        echo = re.compile(rf"^#(\d+) \[thread [^\]]*\] @you: {re.escape(text)}$")
        echoed = life.wait_for(echo, mark)
        if echoed is None:
            break
        said = echo.match(life.lines[echoed])
        assert said is not None
        stored = life.wait_for(f"   ✓ note stored (#{said.group(1)})", echoed)
        if stored is None:
            break
        replies.sent[text] = True
    life.timeline.notes = (begin, life.now())
    life.end()
    return life


def shown_prompts(lab: Lab) -> list[int]:
    """The numbers of every thread prompt the console printed, in every life so far."""
    if not lab.transcript.exists():
        return []
    text = lab.transcript.read_text(encoding="utf-8", errors="replace")
    return [int(m.group(1)) for line in text.splitlines() if (m := PROMPT.match(line))]


def since() -> str:
    return (datetime.now(UTC) - timedelta(days=SINCE_DAYS)).date().isoformat()
