"""Progress of a long harvest (``scoopwatch backfill``): papers and days done, rate, time left.

On a terminal one line is redrawn in place with a bar; anywhere else (a log file, cron, CI) a
plain line is written now and then, so a log shows how far the harvest got without a wall of
carriage returns. The backfill loop only tells the reporter what it stored (:meth:`page`) and
when a category is finished (:meth:`category_done`); how that is shown is decided here.

Days done come from the OAI-PMH datestamps of the records seen (arXiv lists them in datestamp
order), per category: a category whose last records are a week before ``--to`` is counted
complete when its harvest ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import TextIO

from bot.models import Paper

BAR_WIDTH = 24
REDRAW_SECONDS = 0.2  # a terminal line is redrawn at most this often
LINE_SECONDS = 10.0  # a plain line is written at most this often


class BackfillProgress:
    """Reports a backfill of ``categories`` over the days [date_from, date_to] to ``out``."""

    def __init__(self, out: TextIO, date_from: date, date_to: date, categories: Sequence[str],
                 *, terminal: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.terminal = terminal
        self.clock = clock
        self.date_from = date_from
        self.span = (date_to - date_from).days + 1
        self.categories = tuple(categories)
        self.days = dict.fromkeys(self.categories, 0)
        self.papers = 0
        self.started = clock()
        self._shown = float("-inf")
        self._drawn = False  # a terminal line is open (drawn, no newline yet)
        self._unshown = False  # pages stored since the last line

    @property
    def days_total(self) -> int:
        return self.span * len(self.categories)

    @property
    def days_done(self) -> int:
        return sum(self.days.values())

    def page(self, category: str, papers: Sequence[Paper]) -> None:
        """One page of ``category`` was stored."""
        self.papers += len(papers)
        self._unshown = True
        through = _latest_day(papers)
        if through is not None:
            done = min(self.span, max(0, (through - self.date_from).days + 1))
            self.days[category] = max(self.days.get(category, 0), done)
        self._show()

    def category_done(self, category: str) -> None:
        """Every page of ``category`` was stored: all its days are done. A terminal's line is
        finished, so what the command prints next starts on a line of its own."""
        self.days[category] = self.span
        self._show(force=True)
        self._end_line()

    def close(self) -> None:
        """End the progress display (a last plain line if pages came since the last one)."""
        if not self.terminal and self._unshown:
            self._show(force=True)
        self._end_line()

    def _end_line(self) -> None:
        if self.terminal and self._drawn:
            self.out.write("\n")
            self.out.flush()
            self._drawn = False

    def status(self) -> str:
        """``12/30 days, 4,512 papers, 310 papers/s, 0:00:41 left``."""
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.papers / elapsed
        done, total = self.days_done, self.days_total
        if done >= total:
            left = "done"
        elif done == 0:
            left = "time left unknown"
        else:
            left = f"{_clock(elapsed * (total - done) / done)} left"
        return (f"{done}/{total} days, {self.papers:,} papers, {rate:,.0f} papers/s, {left}")

    def _show(self, force: bool = False) -> None:
        now = self.clock()
        if now - self._shown < (REDRAW_SECONDS if self.terminal else LINE_SECONDS) and not force:
            return
        self._shown = now
        self._unshown = False
        if self.terminal:
            filled = BAR_WIDTH * self.days_done // max(1, self.days_total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.out.write(f"\r[{bar}] {self.status()}\x1b[K")
            self._drawn = True
        else:
            self.out.write(f"backfill: {self.status()}\n")
        self.out.flush()


def _latest_day(papers: Iterable[Paper]) -> date | None:
    """The newest OAI-PMH datestamp among ``papers`` (None when they carry none)."""
    latest = None
    for paper in papers:
        try:
            day = date.fromisoformat(str(paper.extra.get("datestamp", ""))[:10])
        except ValueError:
            continue
        latest = day if latest is None else max(latest, day)
    return latest


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=round(seconds)))
