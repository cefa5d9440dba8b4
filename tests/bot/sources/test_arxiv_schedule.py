"""arXiv announcement calendar: weekdays, holidays, the next 20:00 ET announcement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sources.arxiv_schedule import (
    DEFAULT_HOLIDAYS_2026,
    EASTERN,
    announcement_expected,
    is_announcement_evening,
    mailing_date,
    next_announcement_after,
)

NONE: frozenset[date] = frozenset()


def et(*args: int) -> datetime:
    return datetime(*args, tzinfo=EASTERN)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 9), True),  # Mon <- Sun 20:00
        (date(2026, 3, 10), True),
        (date(2026, 3, 11), True),
        (date(2026, 3, 12), True),
        (date(2026, 3, 13), True),  # Fri <- Thu 20:00
        (date(2026, 3, 14), False),  # Sat: no Friday-night announcement
        (date(2026, 3, 15), False),  # Sun: no Saturday-night announcement
    ],
)
def test_feeds_are_expected_monday_to_friday(day: date, expected: bool) -> None:
    assert announcement_expected(day, NONE) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), True),  # Thanksgiving's own feed holds Wednesday's announcement
        (date(2026, 11, 27), False),  # Thanksgiving evening: no announcement
        (date(2026, 1, 19), True),  # MLK day's feed holds Sunday's announcement
        (date(2026, 1, 20), False),  # MLK evening skipped
        (date(2026, 1, 2), False),  # New Year's evening skipped
        (date(2026, 7, 6), False),  # Fri 3 Jul holiday cancels Sunday 5 Jul (inferred rule)
        (date(2026, 7, 7), True),
        (date(2026, 12, 28), False),  # Christmas Fri 25 Dec
        (date(2026, 12, 30), False),  # Tue 29 Dec
        (date(2027, 1, 1), False),  # Thu 31 Dec
        (date(2026, 5, 26), True),  # Memorial Day is not an arXiv holiday
    ],
)
def test_default_2026_holidays(day: date, expected: bool) -> None:
    assert announcement_expected(day, DEFAULT_HOLIDAYS_2026) is expected


def test_real_2024_thanksgiving_feed_is_consistent_with_the_convention() -> None:
    # aioarxiv_2024-11-28_rss_mock_feed.xml: a full feed dated Thu 28 Nov 2024 (Thanksgiving).
    holidays = {date(2024, 11, 28)}
    assert announcement_expected(date(2024, 11, 28), holidays)
    assert not announcement_expected(date(2024, 11, 29), holidays)


def test_default_holidays_are_2026_weekdays() -> None:
    assert len(DEFAULT_HOLIDAYS_2026) == 9
    assert all(d.year == 2026 and d.weekday() < 5 for d in DEFAULT_HOLIDAYS_2026)


def test_mailing_date_is_the_day_after_the_evening() -> None:
    assert mailing_date(date(2026, 3, 8)) == date(2026, 3, 9)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (et(2026, 3, 13, 21, 0), et(2026, 3, 15, 20, 0)),  # Fri night -> Sunday
        (et(2026, 3, 16, 19, 59), et(2026, 3, 16, 20, 0)),  # just before Monday's
        (et(2026, 3, 16, 20, 0), et(2026, 3, 17, 20, 0)),  # strictly after
        (et(2026, 11, 25, 21, 0), et(2026, 11, 29, 20, 0)),  # Thanksgiving skipped
        (et(2026, 7, 2, 21, 0), et(2026, 7, 6, 20, 0)),  # Fri 3 Jul cancels Sunday 5 Jul
    ],
)
def test_next_announcement_after(instant: datetime, expected: datetime) -> None:
    assert next_announcement_after(instant, DEFAULT_HOLIDAYS_2026) == expected


def test_next_announcement_is_aware_eastern_across_dst() -> None:
    # DST starts Sun 8 Mar 2026: 20:00 EDT is 00:00 UTC.
    result = next_announcement_after(datetime(2026, 3, 7, 12, tzinfo=UTC), NONE)
    assert result.tzinfo is EASTERN
    assert result.astimezone(UTC) == datetime(2026, 3, 9, 0, 0, tzinfo=UTC)


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_announcement_after(datetime(2026, 3, 7, 12), NONE)


@given(
    st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31)),
)
def test_next_announcement_is_the_first_announcement_evening(naive: datetime) -> None:
    instant = naive.replace(tzinfo=UTC)
    result = next_announcement_after(instant, DEFAULT_HOLIDAYS_2026)
    assert result > instant
    assert (result.hour, result.minute) == (20, 0)
    assert is_announcement_evening(result.date(), DEFAULT_HOLIDAYS_2026)
    day = instant.astimezone(EASTERN).date()
    while day < result.date():
        at_eight = datetime.combine(day, result.timetz())
        assert at_eight <= instant or not is_announcement_evening(day, DEFAULT_HOLIDAYS_2026)
        day += timedelta(days=1)
