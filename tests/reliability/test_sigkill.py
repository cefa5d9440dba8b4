"""SIGKILL: the real ``scoopwatch run`` process killed with ``kill -9`` while it posts a night's
digest and stores members' replies, restarted on the same database file until the work is
done: each overlap card shown at most once across all lives (the console transcript, whole
UTF-8 lines) and recorded exactly once, one header, one thread prompt per card, every reply
the console acknowledged stored as exactly one note (and none stored twice), no inbox row or
post left unfinished, ``scoopwatch db check`` ok, no rollback journal left behind.

A dry run (nothing killed) times the lab's phases: the digest (``/scoop digest now``), the
replies, and the start-up before them. Each life that still has work ahead is then killed at
a seeded moment inside one of the phases it will go through: the digest it posts, the digest
the outbox resumes at its start, or the replies it types; lives go on, unkilled once the
lab's kills are made, until the work is done. Console numbers go on across lives of the
database, so every life answers, by number, every thread prompt the transcript shows and no
life answered yet, its own or an earlier life's: in the end every prompt shown was answered.

``SCOOPWATCH_LONG_SUITES=1`` kills many more times; ``SCOOPWATCH_SIGKILL_SEED`` picks the
seed (a failure names it).
"""

from __future__ import annotations

import os
import random
import re
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.reliability.budget import examples
from tests.reliability.sigkill_lab import (
    ACADEMIC,
    CARD,
    HEADER,
    INDUSTRY,
    PROMPT,
    Lab,
    Life,
    Replies,
    live,
    scoopwatch,
    shown_prompts,
)

KILLS = examples(6, 60)
PER_LAB = 3
MAX_LIVES = 12
SEED = int(os.environ.get("SCOOPWATCH_SIGKILL_SEED", "20261207"))

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX signals")

def kill_moment(rng: random.Random, dry: Life, phase: str) -> float:
    """A moment inside ``phase``'s span in the dry run, in seconds after the phase begins. A
    digest the outbox resumes runs before the life answers its first line, so its moment is
    counted from the process's start, over the end of the dry run's start-up."""
    digest, notes = dry.timeline.digest, dry.timeline.notes
    assert digest is not None and notes is not None
    if phase == "resume":
        return rng.uniform(digest[0] - (digest[1] - digest[0]), digest[0])
    begin, end = digest if phase == "digest" else notes
    return rng.uniform(0, end - begin)


def phases_ahead(lab: Lab, replies: Replies) -> tuple[str, ...]:
    """Where the next life can be killed: the digest it posts or resumes, the replies to the
    threads it prints or an earlier life printed and no life answered."""
    if not lab.digest_recorded():
        return ("digest", "notes")
    if lab.query("SELECT count(*) FROM posts WHERE state <> 'done'")[0][0]:
        return ("resume", "notes")
    if set(shown_prompts(lab)) - replies.answered:
        return ("notes",)
    return ()


def done(lab: Lab) -> bool:
    pending = lab.query(
        "SELECT (SELECT count(*) FROM posts WHERE state <> 'done')"
        " + (SELECT count(*) FROM digest_headers WHERE state <> 'done')"
        " + (SELECT count(*) FROM inbox WHERE state <> 'done')")[0][0]
    return lab.digest_recorded() and pending == 0


def run_lab(lab: Lab, kills: int, rng: random.Random, dry: Life | None
            ) -> tuple[list[Life], Replies]:
    """Lives on ``lab`` until its work is done, the first ones killed (at most ``kills``)."""
    replies = Replies()
    lives: list[Life] = []
    while len(lives) < MAX_LIVES:
        ahead = phases_ahead(lab, replies)
        made = sum(life.killed is not None for life in lives)
        if dry is not None and ahead and made < kills:
            phase = rng.choice(ahead)
            delay = kill_moment(rng, dry, phase)
            life = live(lab, replies, lambda entered, p=phase, d=delay: d if entered == p
                        else None)
        else:
            life = live(lab, replies, lambda _entered: None)
        lives.append(life)
        if life.killed is None and done(lab):
            return lives, replies
    raise AssertionError(f"work not done after {MAX_LIVES} lives")


def check(lab: Lab, replies: Replies, lives: list[Life]) -> int:
    """What the terminal showed and the store holds; returns the cards recorded but never
    shown (a kill between the console's record and its print)."""
    text = lab.transcript.read_text(encoding="utf-8")
    lines = text.splitlines()
    shown = Counter(m.group(2) for line in lines if (m := CARD.match(line)))
    assert ACADEMIC not in shown, "the academic paper was posted"
    assert set(shown) <= set(INDUSTRY) and all(n == 1 for n in shown.values()), shown
    assert sum(bool(HEADER.match(line)) for line in lines) <= 1, "two digest headers"
    prompts = sum(bool(PROMPT.match(line)) for line in lines)
    assert prompts <= len(INDUSTRY), prompts
    assert set(shown_prompts(lab)) <= replies.answered, "a thread shown was never answered"
    posts = lab.query("SELECT paper_key, state, thread_root_id FROM posts")
    assert len(posts) == len(INDUSTRY) and {p[1] for p in posts} == {"done"}, posts
    headers = lab.query("SELECT state FROM digest_headers")
    assert headers == [("done",)], headers
    markers = Counter(str(r[0]).split(":")[1] for r in lab.query(
        "SELECT marker FROM local_posts WHERE thread_root_id IS NULL"))
    assert markers == {"paper": len(INDUSTRY), "digest": 1}, markers
    in_threads = Counter(r[0] for r in lab.query(
        "SELECT thread_root_id FROM local_posts WHERE thread_root_id IS NOT NULL"))
    assert sorted(in_threads) == sorted(str(p[2]) for p in posts), in_threads
    assert set(in_threads.values()) == {1}, in_threads  # one prompt per thread
    notes = Counter(r[0] for r in lab.query("SELECT text FROM notes"))
    for reply, acknowledged in replies.sent.items():
        assert notes[reply] == 1 if acknowledged else notes[reply] <= 1, (
            reply, acknowledged, notes[reply])
    assert set(notes) <= set(replies.sent), notes
    assert lab.query("SELECT count(*) FROM inbox WHERE state <> 'done'") == [(0,)]
    health = scoopwatch(lab.config, "db", "check")
    assert health.returncode == 0 and health.stdout.startswith("ok:"), health
    assert not Path(f"{lab.db}-journal").exists(), "a rollback journal was left behind"
    assert lives[-1].killed is None
    return len(INDUSTRY) - len(shown)


def test_every_card_and_acknowledged_note_once_across_real_kills(tmp_path: Path) -> None:
    started = time.monotonic()
    template = Lab.template(tmp_path / "template")
    dry_lab = template.copy(tmp_path / "dry")
    dry_lives, dry_replies = run_lab(dry_lab, 0, random.Random(SEED), None)
    dry = dry_lives[0]
    assert len(dry_lives) == 1 and len(dry_replies.sent) == len(INDUSTRY)
    assert all(dry_replies.sent.values())
    assert check(dry_lab, dry_replies, dry_lives) == 0
    rng = random.Random(SEED)
    killed: Counter[str] = Counter()
    labs = unseen = answered = acknowledged = 0
    while sum(killed.values()) < KILLS and labs < 4 * KILLS:
        lab = template.copy(tmp_path / f"lab{labs}")
        labs += 1
        try:
            lives, replies = run_lab(lab, min(PER_LAB, KILLS - sum(killed.values())), rng, dry)
            unseen += check(lab, replies, lives)
        except BaseException as exc:
            tail = "\n".join(lab.transcript.read_text(encoding="utf-8").splitlines()[-30:])
            raise AssertionError(
                f"SCOOPWATCH_SIGKILL_SEED={SEED} failed in lab {labs}: "
                f"{type(exc).__name__}: {exc}\n{tail}") from exc
        killed.update(life.killed for life in lives if life.killed is not None)
        answered += len(replies.sent)
        acknowledged += sum(replies.sent.values())
    print(f"\nSIGKILL: {sum(killed.values())} kills in {labs} labs "
          f"({dict(killed)}), {answered} replies typed, {acknowledged} acknowledged, "
          f"{unseen} cards recorded but not shown, {time.monotonic() - started:.1f} s")
    assert sum(killed.values()) >= KILLS, killed


def test_transcript_cards_are_numbered_lines() -> None:
    """The driver's patterns read the console's card, prompt and header lines."""
    assert CARD.match(f"#4 {INDUSTRY[0]}") and not CARD.match(f"#4 [thread #2] {INDUSTRY[0]}")
    assert PROMPT.match("#5 [thread #4] @you @ana How does our work differ? (topics: dp)")
    assert PROMPT.match("#2 [thread of an earlier session] @you How does our work differ?")
    assert HEADER.match("#3 Digest for 2026-12-01 to 2026-12-07 (industry-only): 7 papers")
    assert not re.match(HEADER, "#16 Digest posted (2026-12-01 to 2026-12-07): 6 of 6 papers.")
