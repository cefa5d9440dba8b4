"""The pure counting behind trend charts: weeks, the strongest flag, top companies and
"Other", notes in the lab's time zone; properties over arbitrary rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.trends.data import OTHER, build_trend, week_counts, week_start, window_for

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 11, 26)  # a Thursday


@dataclass(frozen=True)
class Row:
    paper_key: str
    day: date
    company: str


def test_weeks_start_on_monday_and_end_with_this_week() -> None:
    window = window_for(TODAY, 3)
    assert window.mondays == (date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23))
    assert window.end == date(2026, 11, 29)
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)
    assert window.index(date(2026, 11, 8)) is None and window.index(date(2026, 11, 30)) is None
    with pytest.raises(ValueError):
        window_for(TODAY, 0)


def test_a_paper_counts_once_for_its_first_listed_flag() -> None:
    rows = [Row("a", date(2026, 11, 24), "Meta"), Row("a", date(2026, 11, 24), "Google"),
            Row("b", date(2026, 11, 10), "Google")]
    trend = build_trend("t", window_for(TODAY, 3), rows, [], BERLIN)
    assert week_counts(trend) == [(date(2026, 11, 9), {"Google": 1}, 0),
                                  (date(2026, 11, 16), {}, 0),
                                  (date(2026, 11, 23), {"Meta": 1}, 0)]
    assert trend.papers == (1, 0, 1)


def test_five_companies_keep_their_names_the_rest_is_other() -> None:
    names = ["A", "B", "C", "D", "E", "F", "G"]
    rows = [Row(f"{n}{i}", TODAY, n) for k, n in enumerate(names) for i in range(10 - k)]
    trend = build_trend("t", window_for(TODAY, 1), rows, [], BERLIN)
    assert list(trend.series) == ["A", "B", "C", "D", "E", OTHER]
    assert trend.series[OTHER] == (4 + 5,) and trend.companies_total == 7
    one_more = build_trend("t", window_for(TODAY, 1), rows[: -4], [], BERLIN)
    assert OTHER not in one_more.series  # "Other" for a single company would hide its name


def test_notes_count_in_the_labs_week() -> None:
    sunday_night_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin
    trend = build_trend("t", window_for(TODAY, 2), [], [sunday_night_utc], BERLIN)
    assert trend.notes == (0, 1)
    trend = build_trend("t", window_for(TODAY, 2), [], [sunday_night_utc], ZoneInfo("UTC"))
    assert trend.notes == (1, 0)


DAYS = st.dates(min_value=date(2026, 8, 1), max_value=date(2026, 12, 31))
ROWS = st.lists(st.builds(Row, st.sampled_from([f"p{i}" for i in range(40)]), DAYS,
                          st.sampled_from(["Google", "Meta", "Microsoft", "NVIDIA", "OpenAI",
                                           "Apple", "Amazon", "Tensormesh"])), max_size=80)
NOTES = st.lists(st.datetimes(min_value=datetime(2026, 8, 1), max_value=datetime(2026, 12, 31),
                              timezones=st.just(UTC)), max_size=30)


@given(rows=ROWS, notes=NOTES, weeks=st.integers(1, 30))
def test_stacks_add_up_to_the_distinct_papers_of_the_window(
        rows: list[Row], notes: list[datetime], weeks: int) -> None:
    first: dict[str, date] = {}
    for row in rows:
        first.setdefault(row.paper_key, row.day)
    rows = [Row(r.paper_key, first[r.paper_key], r.company) for r in rows]  # one day a paper
    window = window_for(TODAY, weeks)
    trend = build_trend("t", window, rows, notes, BERLIN)
    inside = [k for k, day in first.items() if window.start <= day <= window.end]
    assert trend.total_papers == len(inside)
    for week in range(weeks):
        assert sum(n[week] for n in trend.series.values()) == trend.papers[week]
    assert len(trend.series) <= 6
    assert trend.total_notes == sum(
        window.start <= n.astimezone(BERLIN).date() < window.end + timedelta(days=1)
        for n in notes)
