"""Parsing ``/scoop subscribe [DAYS] [HH:MM] [TZ] [industry-only|all-papers]``.

Tokens may come in any order; each kind at most once; anything missing takes the configured
default. Every error says what was expected, so a typo never silently becomes a schedule.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.cron import CronTrigger

from bot.errors import ScoopwatchError
from bot.messages import echo

if TYPE_CHECKING:
    from bot.store.subscriptions import Subscription

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MODES = ("industry-only", "all-papers")
_FULL_NAMES = {
    "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed", "thursday": "thu",
    "thur": "thu", "thurs": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
}
_ALIASES = {
    "weekdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    "daily": (0, 1, 2, 3, 4, 5, 6),
    "everyday": (0, 1, 2, 3, 4, 5, 6),
}
_TIME = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})")
_DAYISH = re.compile(r"[a-z]{3,9}([,\-][a-z]{3,9})*")
EXPECTED = (
    "expected: subscribe [DAYS] [HH:MM] [TIMEZONE] [industry-only|all-papers], "
    "e.g. subscribe mon,thu 09:00 Europe/Berlin; DAYS like mon,thu / mon-fri / weekdays / daily"
)


class ScheduleError(ScoopwatchError):
    """A subscribe argument could not be understood; the message says what was expected."""


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """A channel's digest schedule: weekdays (0 = Monday), local time, IANA zone, mode."""

    days: tuple[int, ...]
    at: time
    timezone: str
    mode: str = "industry-only"

    @property
    def cron_days(self) -> str:
        """APScheduler ``day_of_week`` value, e.g. ``mon,thu``."""
        return ",".join(DAY_NAMES[d] for d in self.days)

    @property
    def time_text(self) -> str:
        return self.at.strftime("%H:%M")

    def describe_days(self) -> str:
        if self.days == _ALIASES["daily"]:
            return "every day"
        if self.days == _ALIASES["weekdays"]:
            return "weekdays (Mon-Fri)"
        return ", ".join(DAY_NAMES[d].capitalize() for d in self.days)

    def describe(self) -> str:
        """Human form: ``Mon, Thu at 09:00 Europe/Berlin (industry-only)``."""
        return f"{self.describe_days()} at {self.time_text} {self.timezone} ({self.mode})"

    def trigger(self) -> CronTrigger:
        """The cron trigger firing this schedule in its own time zone (DST-aware)."""
        return CronTrigger(
            day_of_week=self.cron_days,
            hour=self.at.hour,
            minute=self.at.minute,
            timezone=ZoneInfo(self.timezone),
        )

    def next_run(self, now: datetime) -> datetime:
        """Next fire time at or after ``now`` (aware), in the schedule's time zone."""
        fire = self.trigger().get_next_fire_time(None, now)
        assert fire is not None  # a weekly cron always fires again
        return fire


def parse_days(text: str) -> tuple[int, ...]:
    """``mon,thu`` / ``mon-fri`` / ``weekdays`` / ``daily`` / ``sat-mon`` -> weekday numbers."""
    word = text.strip().lower()
    if word in _ALIASES:
        return _ALIASES[word]
    days: set[int] = set()
    for part in word.split(","):
        if not part:
            raise ScheduleError(f"empty day in {echo(text)!r}; {EXPECTED}")
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _day(first, text), _day(last, text)
            span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
            days.update(span)
        else:
            days.add(_day(part, text))
    return tuple(sorted(days))


def _day(name: str, whole: str) -> int:
    short = _FULL_NAMES.get(name, name)
    if short not in DAY_NAMES:
        raise ScheduleError(
            f"{echo(name)!r} in {echo(whole)!r} is not a day; use mon, tue, wed, thu, fri, sat, "
            "sun (lists mon,thu or ranges mon-fri), weekdays or daily"
        )
    return DAY_NAMES.index(short)


def _is_day_word(word: str) -> bool:
    return word in _ALIASES or word in DAY_NAMES or word in _FULL_NAMES


def parse_time(text: str) -> time:
    m = _TIME.fullmatch(text.strip())
    if not m:
        raise ScheduleError(f"{echo(text)!r} is not a time; expected HH:MM on a 24-hour clock")
    hour, minute = int(m["h"]), int(m["m"])
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{echo(text)!r} is not a time; expected HH:MM between 00:00 and "
                            "23:59")
    return time(hour, minute)


def parse_timezone(text: str) -> str:
    """Validate an IANA zone name (``Europe/Berlin``, ``UTC``) with zoneinfo."""
    name = _zone_names().get(text.strip().lower(), text.strip())
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"unknown time zone {echo(name)!r}; expected an IANA name such as Europe/Berlin, "
            "America/New_York or UTC"
        ) from None
    return name


@functools.cache
def _zone_names() -> dict[str, str]:
    """Lower-case -> canonical IANA names, so ``europe/berlin`` is accepted too."""
    return {name.lower(): name for name in available_timezones()}


def parse_schedule(
    args: str,
    *,
    default_days: str = "weekdays",
    default_time: str = "09:00",
    default_timezone: str = "UTC",
    default_mode: str = "industry-only",
) -> ScheduleSpec:
    """Parse the subscribe arguments (any order) with config defaults for what is missing."""
    days: tuple[int, ...] | None = None
    at: time | None = None
    zone: str | None = None
    mode: str | None = None

    def once(current: object, what: str, token: str) -> None:
        if current is not None:
            raise ScheduleError(f"{what} given twice (at {echo(token)!r}); {EXPECTED}")

    for token in args.split():
        low = token.lower()
        if low in MODES:
            once(mode, "mode", token)
            mode = low
        elif _TIME.fullmatch(token) or token[:1].isdigit():
            once(at, "time", token)
            at = parse_time(token)
        elif "/" in token or low in ("utc", "gmt"):
            once(zone, "time zone", token)
            zone = parse_timezone("UTC" if low in ("utc", "gmt") else token)
        elif _DAYISH.fullmatch(low) and ("," in low or "-" in low or _is_day_word(low)):
            once(days, "days", token)
            days = parse_days(low)
        else:
            raise ScheduleError(f"did not understand {echo(token)!r}; {EXPECTED}")
    return ScheduleSpec(
        days=days if days is not None else parse_days(default_days),
        at=at if at is not None else parse_time(default_time),
        timezone=zone if zone is not None else parse_timezone(default_timezone),
        mode=mode or default_mode,
    )


def spec_from_stored(days: str, at: str, timezone: str, mode: str) -> ScheduleSpec:
    """Rebuild a spec from a subscriptions row."""
    return ScheduleSpec(parse_days(days), parse_time(at), timezone, mode)


_TICK = timedelta(microseconds=1)


def digest_trigger(sub: Subscription) -> CronTrigger:
    """The subscription's cron in its own zone (DST handled by the trigger)."""
    return spec_from_stored(sub.days, sub.time, sub.timezone, sub.mode).trigger()


def last_fire_time(trigger: CronTrigger, now: datetime, lookback_days: int = 8) -> datetime | None:
    """The latest fire time <= ``now`` (APScheduler 3 triggers only look forward)."""
    last = None
    fire = trigger.get_next_fire_time(None, now - timedelta(days=lookback_days))
    while fire is not None and fire <= now:
        last = fire
        # Step in UTC: local wall-clock arithmetic would drop ``fold`` at a DST repeat.
        fire = trigger.get_next_fire_time(fire, fire.astimezone(UTC) + _TICK)
    return last


def missed_digest(sub: Subscription, now: datetime) -> bool:
    """True when the cron fired after the channel's last digest (or its creation)."""
    fired = last_fire_time(digest_trigger(sub), now)
    since = sub.last_digest_at or sub.created_at
    return fired is not None and fired > since
