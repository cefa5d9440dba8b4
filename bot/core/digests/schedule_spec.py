"""A channel's digest schedule: parsing ``/scoop subscribe [DAYS] [HH:MM] [TZ] [mode]``, and
when such a schedule fires.

Tokens may come in any order; each kind at most once; anything missing takes the configured
default. Every error says what was expected, so a typo never silently becomes a schedule.

When it fires is decided here only (``DigestTrigger``, ``fire_instant``): APScheduler's job,
the catch-up at start and the "next digest" a member is shown all ask the same rule, so a
digest the bot was down for is caught up exactly when the live schedule would have posted it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from bot.errors import ScoopwatchError
from bot.timezones import zone_hint, zone_key

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

    def trigger(self) -> DigestTrigger:
        """The APScheduler trigger firing this schedule in its own time zone."""
        return DigestTrigger(self.days, self.at, ZoneInfo(self.timezone))

    def next_run(self, now: datetime) -> datetime:
        """Next fire time at or after ``now`` (aware, in the schedule's time zone)."""
        return self.trigger().next_slot(now).at


def parse_days(text: str) -> tuple[int, ...]:
    """``mon,thu`` / ``mon-fri`` / ``weekdays`` / ``daily`` / ``sat-mon`` -> weekday numbers."""
    word = text.strip().lower()
    if word in _ALIASES:
        return _ALIASES[word]
    days: set[int] = set()
    for part in word.split(","):
        if not part:
            raise ScheduleError(f"empty day in {_short(text)!r}; {EXPECTED}")
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
            f"{_short(name)!r} in {_short(whole)!r} is not a day; use mon, tue, wed, thu, fri, "
            "sat, sun (lists mon,thu or ranges mon-fri), weekdays or daily"
        )
    return DAY_NAMES.index(short)


def _is_day_word(word: str) -> bool:
    return word in _ALIASES or word in DAY_NAMES or word in _FULL_NAMES


def parse_time(text: str) -> time:
    m = _TIME.fullmatch(text.strip())
    if not m:
        raise ScheduleError(f"{text!r} is not a time; expected HH:MM on a 24-hour clock")
    hour, minute = int(m["h"]), int(m["m"])
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{text!r} is not a time; expected HH:MM between 00:00 and 23:59")
    return time(hour, minute)


def parse_timezone(text: str) -> str:
    """The IANA key ``text`` names, in any case (``europe/berlin`` -> ``Europe/Berlin``)."""
    name = zone_key(text)
    if name is None:
        hint = zone_hint(text)
        raise ScheduleError(
            f"unknown time zone {_short(text.strip())!r}; "
            + (f"{hint}; " if hint else "")
            + "expected an IANA name such as Europe/Berlin, America/New_York or UTC"
        )
    return name


def _short(text: str, limit: int = 60) -> str:
    """User text as an error quotes it: never more than ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
            raise ScheduleError(f"{what} given twice (at {_short(token)!r}); {EXPECTED}")

    for token in args.split():
        low = token.lower()
        if low in MODES:
            once(mode, "mode", token)
            mode = low
        elif _TIME.fullmatch(token) or token[:1].isdigit():
            once(at, "time", token)
            at = parse_time(token)
        elif "/" in token or zone_key(token) is not None:
            once(zone, "time zone", token)
            zone = parse_timezone(token)
        elif _DAYISH.fullmatch(low) and ("," in low or "-" in low or _is_day_word(low)):
            once(days, "days", token)
            days = parse_days(low)
        elif zone_hint(token):  # a region (Etc) or a bare city (Berlin): a zone was meant
            parse_timezone(token)
        else:
            raise ScheduleError(f"did not understand {_short(token)!r}; {EXPECTED}")
    return ScheduleSpec(
        days=days if days is not None else parse_days(default_days),
        at=at if at is not None else parse_time(default_time),
        timezone=zone if zone is not None else parse_timezone(default_timezone),
        mode=mode or default_mode,
    )


def spec_from_stored(days: str, at: str, timezone: str, mode: str) -> ScheduleSpec:
    """Rebuild a spec from a subscriptions row."""
    return ScheduleSpec(parse_days(days), parse_time(at), timezone, mode)


# --- when a schedule fires ----------------------------------------------------------------
#
# The rule: a scheduled day's digest fires at the first instant the zone's wall clock reads the
# scheduled time or later on that day. Normally that is the time itself. When clocks go back
# and the time happens twice, it is the first occurrence, once. When clocks jump over it, it is
# the instant the clock lands after the gap: 02:30 in Berlin on a 02:00 -> 03:00 night fires at
# 03:00 CEST, 00:30 in Santiago on the night midnight becomes 01:00 fires at 01:00.
#
# APScheduler 3's CronTrigger (3.11, triggers/cron/__init__.py) is not used because it has no
# such rule: it fires a repeated time twice, and a skipped one either an hour late (the wall
# time read with the offset from before the jump, 03:30 CEST for 02:30 Berlin) or not at all
# when the jump carries the hour field past it (Santiago's midnight gap: the day is dropped).

_TICK = timedelta(microseconds=1)
_SLOT_SEARCH_DAYS = 15  # a weekly schedule fires within 7 days; margin for gaps across midnight


@dataclass(frozen=True, slots=True)
class Slot:
    """One scheduled digest: the local day it is for, and the instant it fires."""

    day: date
    at: datetime


def fire_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """When the digest of ``day`` at wall time ``at`` fires in ``zone`` (the rule above)."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone)  # fold=0: the earlier of a repeated wall time
    if _wall(first, zone) == wall:
        return first
    # ``wall`` is skipped: read with the offset after the jump it lies before the jump, with
    # the offset before it, after. The jump is the first second whose wall time is >= ``wall``.
    before = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = int(first.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= wall:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, zone)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock reading of ``moment`` in ``zone``."""
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None)


class DigestTrigger(BaseTrigger):
    """APScheduler trigger: on each chosen weekday, once, at :func:`fire_instant`.

    Instants are compared in UTC: two datetimes of one zone compare by wall time and ignore
    ``fold``, which would put 02:30 CET before 02:45 CEST on the night clocks go back.
    """

    __slots__ = ("at", "days", "zone")

    def __init__(self, days: tuple[int, ...], at: time, zone: ZoneInfo) -> None:
        if not days:
            raise ValueError("a digest schedule needs at least one day")
        self.days, self.at, self.zone = frozenset(days), at, zone

    def _slots(self, first: date, step: int) -> Iterator[Slot]:
        for n in range(_SLOT_SEARCH_DAYS):
            day = first + timedelta(days=n * step)
            if day.weekday() in self.days:
                yield Slot(day, fire_instant(day, self.at, self.zone))

    def next_slot(self, start: datetime, served_through: date | None = None) -> Slot:
        """The first slot firing at or after ``start``, for a day after ``served_through``."""
        # A slot can fire on a later local date than its day (a gap across midnight), so the
        # search starts two days early.
        first = start.astimezone(self.zone).date() - timedelta(days=2)
        if served_through is not None:
            first = max(first, served_through + timedelta(days=1))
        start_utc = start.astimezone(UTC)
        for slot in self._slots(first, 1):
            if slot.at.astimezone(UTC) >= start_utc:
                return slot
        raise AssertionError("a weekly schedule always fires again")  # pragma: no cover

    def last_slot(self, now: datetime, lookback_days: int = 8) -> Slot | None:
        """The latest slot firing at or before ``now``, within ``lookback_days``."""
        now_utc = now.astimezone(UTC)
        oldest = now_utc - timedelta(days=lookback_days)
        for slot in self._slots(now.astimezone(self.zone).date() + timedelta(days=1), -1):
            fired = slot.at.astimezone(UTC)
            if fired < oldest:
                return None
            if fired <= now_utc:
                return slot
        return None

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime
                           ) -> datetime | None:
        """As APScheduler asks: the first fire after ``previous_fire_time`` (even if that is in
        the past: APScheduler counts missed runs this way), else the first at or after ``now``."""
        if previous_fire_time is not None:
            return self.next_slot(previous_fire_time.astimezone(UTC) + _TICK).at
        return self.next_slot(now).at

    def __str__(self) -> str:
        days = ",".join(DAY_NAMES[d] for d in sorted(self.days))
        return f"digest[{days} at {self.at:%H:%M} {self.zone.key}]"

    def __repr__(self) -> str:
        return f"<DigestTrigger {self}>"


def digest_trigger(sub: Subscription) -> DigestTrigger:
    """The subscription's schedule as an APScheduler trigger."""
    return spec_from_stored(sub.days, sub.time, sub.timezone, sub.mode).trigger()


def last_fire_time(trigger: DigestTrigger, now: datetime, lookback_days: int = 8
                   ) -> datetime | None:
    """The latest fire time <= ``now`` (APScheduler 3 triggers only look forward)."""
    slot = trigger.last_slot(now, lookback_days)
    return slot.at if slot is not None else None


def served(sub: Subscription, day: date) -> bool:
    """True when ``day`` already had its scheduled digest (``last_scheduled_day`` is written
    with the digest, in one transaction, so it survives restarts)."""
    return sub.last_scheduled_day is not None and day <= sub.last_scheduled_day


def due_slot(sub: Subscription, now: datetime) -> Slot | None:
    """The slot a scheduled run at ``now`` serves: the latest that fired, unless its day
    already had its digest (a repeated run, a restart, a schedule moved later that day)."""
    slot = digest_trigger(sub).last_slot(now)
    return None if slot is None or served(sub, slot.day) else slot


def missed_digest(sub: Subscription, now: datetime) -> Slot | None:
    """The slot the bot was down for: due, and fired after the channel's last digest (a
    ``digest now`` since then covers it) and after its schedule was last set (the live
    schedule would not have fired it either)."""
    slot = due_slot(sub, now)
    since = sub.updated_at if sub.last_digest_at is None else max(sub.last_digest_at,
                                                                   sub.updated_at)
    return slot if slot is not None and slot.at.astimezone(UTC) > since else None


def next_digest(sub: Subscription, now: datetime) -> datetime:
    """When the channel's next scheduled digest fires, days already served left out."""
    return digest_trigger(sub).next_slot(now, sub.last_scheduled_day).at
