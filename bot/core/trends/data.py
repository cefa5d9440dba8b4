"""The numbers behind a trend chart, as a pure function of stored rows.

Weeks start on Monday in the lab's time zone and the last one is the week of ``today`` (still
running). A paper counts once, in the week of its day, for the company of its strongest flag
(a paper with authors at Google and Meta is one paper, not two, so the stacks add up to the
papers); the companies with the most papers get their own colour and the rest are "Other", so
the legend stays short enough for a phone. Notes count in the week their author wrote them,
in the lab's time zone (a note written late on Sunday evening in Berlin is Sunday's, even
though it is Monday in UTC).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_WEEKS = 26
MAX_WEEKS = 104
TOP_COMPANIES = 5
OTHER = "Other"


class FlagRow(Protocol):
    """``bot.store.trends.FlaggedMatch``: one flag of a matched paper, strongest first."""

    @property
    def paper_key(self) -> str: ...
    @property
    def day(self) -> date: ...
    @property
    def company(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Window:
    """The weeks a chart covers: ``weeks`` Mondays from ``start``; the last week holds ``today``."""

    start: date
    weeks: int
    today: date

    @property
    def mondays(self) -> tuple[date, ...]:
        return tuple(self.start + timedelta(weeks=i) for i in range(self.weeks))

    @property
    def end(self) -> date:
        """The last day of the last week (a Sunday)."""
        return self.start + timedelta(weeks=self.weeks, days=-1)

    def instants(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The window as aware instants [from, to): midnight of its first Monday to midnight
        after its last Sunday, in ``tz``."""
        return (datetime.combine(self.start, time(), tz),
                datetime.combine(self.end + timedelta(days=1), time(), tz))

    def index(self, day: date) -> int | None:
        """The week number (0 = oldest) of ``day``, None outside the window."""
        if not self.start <= day <= self.end:
            return None
        return (day - self.start).days // 7


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def window_for(today: date, weeks: int = DEFAULT_WEEKS) -> Window:
    """``weeks`` weeks ending with the week of ``today``."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be from 1 to {MAX_WEEKS}")
    return Window(week_start(today) - timedelta(weeks=weeks - 1), weeks, today)


@dataclass(frozen=True, slots=True)
class Trend:
    """Papers per week and company, notes per week, and what the chart is about.

    ``series`` maps each company shown (most papers first, then :data:`OTHER` if any) to its
    papers per week; ``papers`` and ``notes`` are per-week totals.
    """

    title: str
    window: Window
    series: dict[str, tuple[int, ...]]
    papers: tuple[int, ...]
    notes: tuple[int, ...]
    companies_total: int  # distinct companies before the rest were folded into "Other"

    @property
    def total_papers(self) -> int:
        return sum(self.papers)

    @property
    def total_notes(self) -> int:
        return sum(self.notes)

    @property
    def empty(self) -> bool:
        return not self.total_papers and not self.total_notes


def build_trend(title: str, window: Window, flags: Iterable[FlagRow],
                note_times: Iterable[datetime], tz: ZoneInfo,
                top: int = TOP_COMPANIES) -> Trend:
    """Bucket matched papers (by their strongest flag's company) and notes into the weeks of
    ``window``; rows outside it are ignored."""
    first: dict[str, tuple[int, str]] = {}  # paper -> (week, company of its strongest flag)
    for row in flags:
        week = window.index(row.day)
        if week is not None and row.paper_key not in first:
            first[row.paper_key] = (week, row.company)
    per_company: dict[str, list[int]] = {}
    for week, company in first.values():
        per_company.setdefault(company, [0] * window.weeks)[week] += 1
    ranked = sorted(per_company, key=lambda c: (-sum(per_company[c]), c.casefold()))
    shown, rest = ranked[:top], ranked[top:]
    if len(rest) == 1:  # "Other" for one company hides a name for nothing
        shown, rest = ranked, []
    series = {c: tuple(per_company[c]) for c in shown}
    if rest:
        series[OTHER] = tuple(sum(per_company[c][w] for c in rest) for w in range(window.weeks))
    papers = [0] * window.weeks
    for week, _company in first.values():
        papers[week] += 1
    notes = [0] * window.weeks
    for moment in note_times:
        week = window.index(moment.astimezone(tz).date())
        if week is not None:
            notes[week] += 1
    return Trend(title, window, series, tuple(papers), tuple(notes), len(ranked))


def week_counts(trend: Trend) -> list[tuple[date, dict[str, int], int]]:
    """Per week: its Monday, papers per company (non-zero only) and notes: the chart as rows,
    for tests and text summaries."""
    return [(monday, {c: n[i] for c, n in trend.series.items() if n[i]}, trend.notes[i])
            for i, monday in enumerate(trend.window.mondays)]


def busiest(trend: Trend) -> Sequence[tuple[str, int]]:
    """Companies by papers in the window, most first (``Other`` last)."""
    totals = Counter({c: sum(n) for c, n in trend.series.items() if c != OTHER})
    out = totals.most_common()
    if OTHER in trend.series:
        out.append((OTHER, sum(trend.series[OTHER])))
    return out
