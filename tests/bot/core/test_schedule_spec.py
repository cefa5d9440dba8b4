"""``subscribe`` argument parsing: days, time, zone, mode, defaults and clear errors."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.digests.schedule_spec import (
    ScheduleError,
    ScheduleSpec,
    parse_days,
    parse_schedule,
    spec_from_stored,
)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon,thu", (0, 3)),
        ("thu,mon", (0, 3)),
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("daily", (0, 1, 2, 3, 4, 5, 6)),
        ("sat-mon", (0, 5, 6)),
        ("Monday,wednesday", (0, 2)),
        ("mon-tue,fri", (0, 1, 4)),
    ],
)
def test_parse_days(text: str, days: tuple[int, ...]) -> None:
    assert parse_days(text) == days


def test_full_example() -> None:
    spec = parse_schedule("mon,thu 09:00 Europe/Berlin")
    assert spec == ScheduleSpec((0, 3), time(9, 0), "Europe/Berlin", "industry-only")
    assert spec.cron_days == "mon,thu"
    assert spec.describe() == "Mon, Thu at 09:00 Europe/Berlin (industry-only)"


def test_defaults_come_from_config() -> None:
    spec = parse_schedule("", default_days="mon-fri", default_time="08:30",
                          default_timezone="America/New_York", default_mode="all-papers")
    assert spec == ScheduleSpec((0, 1, 2, 3, 4), time(8, 30), "America/New_York", "all-papers")
    assert spec.describe_days() == "weekdays (Mon-Fri)"


def test_any_order_mode_and_lowercase_zone() -> None:
    spec = parse_schedule("all-papers europe/berlin 7:05 daily")
    assert spec == ScheduleSpec(tuple(range(7)), time(7, 5), "Europe/Berlin", "all-papers")


def test_utc_alias() -> None:
    assert parse_schedule("utc").timezone == "UTC"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("mon,thx", "'thx' in 'mon,thx' is not a day"),
        ("25:00", "expected HH:MM between 00:00 and 23:59"),
        ("9h", "expected HH:MM on a 24-hour clock"),
        ("Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("09:00 10:00", "time given twice"),
        ("mon tue", "days given twice"),
        ("industry", "did not understand 'industry'"),
        ("every!", "did not understand 'every!'"),
    ],
)
def test_errors_say_what_was_expected(args: str, message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(args)
    assert message in str(info.value)
    assert "expected" in str(info.value) or "use mon" in str(info.value)


def test_next_run_is_in_the_channel_zone() -> None:
    spec = parse_schedule("mon,thu 09:00 Europe/Berlin")
    now = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("UTC"))  # Friday
    nxt = spec.next_run(now)
    assert nxt.isoformat() == "2026-11-23T09:00:00+01:00"  # Monday, CET


def test_spec_round_trips_through_the_store_form() -> None:
    spec = parse_schedule("sat-mon 23:59 Asia/Tokyo all-papers")
    assert spec_from_stored(spec.cron_days, spec.time_text, spec.timezone, spec.mode) == spec
