"""Field types for scoopwatch.toml: the base of every table, and annotated types whose
validators say what was expected.

Validators raise ``ValueError("expected ..., got ...")``; ``bot/config.py`` turns those into
``ConfigError`` lines naming the file and the dotted key. Used by ``bot/config_models.py`` and
by each platform's own table (see ``bot/platforms.py``).
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from bot.platforms import token_owner
from bot.timezones import is_zone_key, zone_hint

T = TypeVar("T")


class Section(BaseModel):
    """Base for every TOML table: unknown keys are errors, values are immutable and strict."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class PlatformSection(Section):
    """Base for a chat platform's table: every platform can be switched on or off."""

    enabled: bool | None = None  # None: the platform decides (``Platform.wanted``, fallback)


def show(value: object, limit: int = 60) -> str:
    """Render a user value for an error message, TOML-style, short, and never a token."""
    owner = token_owner(value)
    if owner is not None:
        return f"<a {owner.title} token, hidden>"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, date | time):  # datetime is a date
        text = value.isoformat()
    elif isinstance(value, dict):
        text = "a table"
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(show(item, limit) for item in value[:5])
        text += ", …]" if len(value) > 5 else "]"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def expected(what: str, value: object) -> ValueError:
    return ValueError(f"expected {what}, got {show(value)}")


# --- reusable field types -------------------------------------------------------------------


def _as_tuple(value: object) -> tuple[Any, ...]:
    if isinstance(value, list | tuple):
        return tuple(value)
    raise expected("a list", value)


ListOf = Annotated[tuple[T, ...], BeforeValidator(_as_tuple)]
"""A TOML array, held as a tuple so frozen configs stay hashable and immutable."""


def _non_empty(value: str) -> str:
    if not value.strip():
        raise expected("a non-empty string", value)
    return value.strip()


NonEmptyStr = Annotated[str, AfterValidator(_non_empty)]


def in_range(lo: int, hi: int) -> AfterValidator:
    """An integer check for [lo, hi]; one message shape instead of pydantic's ge/le wording."""

    def check(value: int) -> int:
        if not lo <= value <= hi:
            raise expected(f"an integer from {lo} to {hi}", value)
        return value

    return AfterValidator(check)


def _hhmm(value: object) -> time:
    if isinstance(value, time) and not (value.second or value.microsecond or value.tzinfo):
        return value  # TOML local time, e.g. 09:00:00
    if isinstance(value, str):
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if match:
            return time(int(match[1]), int(match[2]))
    raise expected("HH:MM (24h)", value)


HHMM = Annotated[
    time, BeforeValidator(_hhmm), PlainSerializer(lambda t: t.strftime("%H:%M"), when_used="json")
]


def _date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise expected("a date like 2026-12-25", value)


Date = Annotated[date, BeforeValidator(_date)]


def _path(value: object) -> Path:
    if isinstance(value, str) and value.strip() and "\0" not in value:
        return Path(value.strip())
    raise expected("a file path (a non-empty string)", value)


FilePath = Annotated[Path, BeforeValidator(_path)]


def _http_url(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise expected("an http(s) URL", value)
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", value):
        raise expected("an e-mail address", value)
    return value


Email = Annotated[str, AfterValidator(_email)]


def _timezone(value: str) -> str:
    """Only an IANA key spelled exactly: opening ``ZoneInfo`` on a folder of the zone tree or
    an overlong name fails with ``OSError``, and ``localtime`` depends on the host."""
    if is_zone_key(value):
        return value
    error = expected('an IANA time zone like "Europe/Berlin" or "UTC"', value)
    hint = zone_hint(value)
    raise ValueError(f"{error}; {hint}") if hint else error


TimeZoneName = Annotated[str, AfterValidator(_timezone)]


def _log_level(value: object) -> str:
    levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    if isinstance(value, str) and value.strip().upper() in levels:
        return value.strip().upper()
    raise expected("one of " + ", ".join(levels), value)


LogLevel = Annotated[str, BeforeValidator(_log_level)]


def _member_id(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # numeric member ids are natural to write as numbers
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise expected("a member id (string or number)", value)


MemberId = Annotated[str, BeforeValidator(_member_id)]


def _category(value: str) -> str:
    if not re.fullmatch(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?", value):
        raise expected('an arXiv category like "cs.LG" or "hep-th"', value)
    return value


Category = Annotated[str, AfterValidator(_category)]

_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekdays(value: object) -> tuple[str, ...]:
    """Accept "mon,thu", "mon-fri", full names or a list of them; return week-ordered days."""
    error = expected('days like "mon,thu" or "mon-fri"', value)
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, list | tuple) or not parts:
        raise error
    days: set[int] = set()
    for part in parts:
        if not isinstance(part, str):
            raise error
        ends = [_day_index(end) for end in part.split("-", 1)]
        first, last = ends[0], ends[-1]
        if first is None or last is None or first > last:
            raise error
        days.update(range(first, last + 1))
    return tuple(_WEEK[i] for i in sorted(days))


def _day_index(name: str) -> int | None:
    """0 for "mon"/"Monday", ..., None for anything else."""
    name = name.strip().lower()
    full = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    for index, (short, long) in enumerate(zip(_WEEK, full, strict=True)):
        if name in (short, long):
            return index
    return None


Weekdays = Annotated[tuple[str, ...], BeforeValidator(_weekdays)]


def domain(value: str) -> str:
    domain = value.strip().lower().removeprefix("@")
    if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", domain):
        raise expected('an e-mail domain like "deepmind.com"', value)
    return domain


def openalex_id(value: str) -> str:
    match = re.fullmatch(r"(?:https?://openalex\.org/)?[Ii](\d+)", value.strip())
    if not match:
        raise expected('an OpenAlex institution id like "I4210090411"', value)
    return "I" + match[1]


def ror_id(value: str) -> str:
    match = re.fullmatch(r"(?:https?://ror\.org/)?(0[a-z0-9]{6}\d{2})", value.strip().lower())
    if not match:
        raise expected('a ROR id like "00njsd438"', value)
    return match[1]


def non_empty_list(value: tuple[T, ...]) -> tuple[T, ...]:
    if not value:
        raise ValueError("expected at least one entry, got []")
    return tuple(dict.fromkeys(value))  # drop duplicates, keep order


# --- sections -------------------------------------------------------------------------------


def seconds_up_to_600(value: float) -> float:
    if not (math.isfinite(value) and 0 < value <= 600):
        raise expected("a number of seconds above 0 and at most 600", value)
    return float(value)


def seconds_up_to_60(value: float) -> float:
    """A short wait that may be zero (do not wait at all)."""
    if not (math.isfinite(value) and 0 <= value <= 60):
        raise expected("a number of seconds from 0 to 60", value)
    return float(value)


def dollars(value: float) -> float:
    """An amount of US dollars (an API allowance): zero or more, at most 1000."""
    if not (math.isfinite(value) and 0 <= value <= 1000):
        raise expected("an amount of dollars from 0 to 1000", value)
    return float(value)


def url_path(value: str) -> str:
    if not value.startswith("/"):
        raise expected('a URL path starting with "/"', value)
    return value
