"""Pydantic models for scoopwatch.toml: one frozen class per section, plus the resolved secrets.

Kept apart from the loader (``bot/config.py``) so the schema reads as a plain list of keys with
their defaults. Every model forbids unknown keys and is strict (TOML has real types, so
``max_papers = "10"`` is a mistake worth reporting, not coercing). Validators raise
``ValueError("expected ..., got ...")``; the loader turns those into ``ConfigError`` lines that
name the file and the dotted key.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    model_validator,
)

T = TypeVar("T")

_TOKEN_RE = re.compile(r"^(?:xox[a-z]|xapp)-", re.IGNORECASE)


def looks_like_token(value: object) -> bool:
    """True for strings shaped like Slack tokens, which must never be echoed or read from TOML."""
    return isinstance(value, str) and bool(_TOKEN_RE.match(value.strip()))


def show(value: object, limit: int = 60) -> str:
    """Render a user value for an error message, TOML-style, short, and never a token."""
    if looks_like_token(value):
        return "<a Slack token, hidden>"
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


def _expected(what: str, value: object) -> ValueError:
    return ValueError(f"expected {what}, got {show(value)}")


# --- reusable field types -------------------------------------------------------------------


def _as_tuple(value: object) -> tuple[Any, ...]:
    if isinstance(value, list | tuple):
        return tuple(value)
    raise _expected("a list", value)


ListOf = Annotated[tuple[T, ...], BeforeValidator(_as_tuple)]
"""A TOML array, held as a tuple so frozen configs stay hashable and immutable."""


def _non_empty(value: str) -> str:
    if not value.strip():
        raise _expected("a non-empty string", value)
    return value.strip()


NonEmptyStr = Annotated[str, AfterValidator(_non_empty)]


def _in_range(lo: int, hi: int) -> AfterValidator:
    """An integer check for [lo, hi]; one message shape instead of pydantic's ge/le wording."""

    def check(value: int) -> int:
        if not lo <= value <= hi:
            raise _expected(f"an integer from {lo} to {hi}", value)
        return value

    return AfterValidator(check)


def _hhmm(value: object) -> time:
    if isinstance(value, time) and not (value.second or value.microsecond or value.tzinfo):
        return value  # TOML local time, e.g. 09:00:00
    if isinstance(value, str):
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())
        if match:
            return time(int(match[1]), int(match[2]))
    raise _expected("HH:MM (24h)", value)


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
    raise _expected("a date like 2026-12-25", value)


Date = Annotated[date, BeforeValidator(_date)]


def _path(value: object) -> Path:
    if isinstance(value, str) and value.strip() and "\0" not in value:
        return Path(value.strip())
    raise _expected("a file path (a non-empty string)", value)


FilePath = Annotated[Path, BeforeValidator(_path)]


def _http_url(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise _expected("an http(s) URL", value)
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s.]+", value):
        raise _expected("an e-mail address", value)
    return value


Email = Annotated[str, AfterValidator(_email)]


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise _expected('an IANA time zone like "Europe/Berlin" or "UTC"', value) from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_timezone)]


def _log_level(value: object) -> str:
    levels = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
    if isinstance(value, str) and value.strip().upper() in levels:
        return value.strip().upper()
    raise _expected("one of " + ", ".join(levels), value)


LogLevel = Annotated[str, BeforeValidator(_log_level)]


def _member_id(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # Discord user ids are natural to write as numbers
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise _expected("a member id (string or number)", value)


MemberId = Annotated[str, BeforeValidator(_member_id)]


def _category(value: str) -> str:
    if not re.fullmatch(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?", value):
        raise _expected('an arXiv category like "cs.LG" or "hep-th"', value)
    return value


Category = Annotated[str, AfterValidator(_category)]

_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekdays(value: object) -> tuple[str, ...]:
    """Accept "mon,thu", "mon-fri", full names or a list of them; return week-ordered days."""
    error = _expected('days like "mon,thu" or "mon-fri"', value)
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


def _snowflake(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**64:
        return value
    raise _expected("a Discord id (a positive integer)", value)


Snowflake = Annotated[int, BeforeValidator(_snowflake)]


def _domain(value: str) -> str:
    domain = value.strip().lower().removeprefix("@")
    if not re.fullmatch(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", domain):
        raise _expected('an e-mail domain like "deepmind.com"', value)
    return domain


def _openalex_id(value: str) -> str:
    match = re.fullmatch(r"(?:https?://openalex\.org/)?[Ii](\d+)", value.strip())
    if not match:
        raise _expected('an OpenAlex institution id like "I4210090411"', value)
    return "I" + match[1]


def _ror_id(value: str) -> str:
    match = re.fullmatch(r"(?:https?://ror\.org/)?(0[a-z0-9]{6}\d{2})", value.strip().lower())
    if not match:
        raise _expected('a ROR id like "00njsd438"', value)
    return match[1]


def _non_empty_list(value: tuple[T, ...]) -> tuple[T, ...]:
    if not value:
        raise ValueError("expected at least one entry, got []")
    return tuple(dict.fromkeys(value))  # drop duplicates, keep order


# --- sections -------------------------------------------------------------------------------


class Section(BaseModel):
    """Base for every TOML table: unknown keys are errors, values are immutable and strict."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class BotSection(Section):
    timezone: TimeZoneName = "UTC"
    admins: ListOf[MemberId] = ()  # empty: everyone may subscribe/unsubscribe
    log_level: LogLevel = "INFO"

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class StorageSection(Section):
    db_path: FilePath = Path("scoopwatch.db")


DEFAULT_CATEGORIES = ("cs.LG", "cs.CL", "cs.AI", "cs.CV", "stat.ML")


class ArxivSection(Section):
    categories: Annotated[ListOf[Category], AfterValidator(_non_empty_list)] = DEFAULT_CATEGORIES
    rss_url: HttpUrl = "https://rss.arxiv.org/rss/"
    api_url: HttpUrl = "https://export.arxiv.org/api/query"
    oai_url: HttpUrl = "https://oaipmh.arxiv.org/oai"
    fetch_time: HHMM = time(20, 30)  # America/New_York; arXiv announces at 20:00 ET
    fetch_retry_minutes: Annotated[int, _in_range(1, 720)] = 30
    holidays: ListOf[Date] | None = None  # None: the built-in arXiv holiday list
    extra_holidays: ListOf[Date] = ()


class OpenAlexSection(Section):
    enabled: bool = True
    mailto: Email | None = None
    api_key_file: FilePath | None = None
    base_url: HttpUrl = "https://api.openalex.org"
    retry_days: Annotated[int, _in_range(0, 30)] = 5


def _timeout(value: float) -> float:
    if not (math.isfinite(value) and 0 < value <= 600):
        raise _expected("a number of seconds above 0 and at most 600", value)
    return float(value)


class HttpSection(Section):
    contact: Email | None = None
    timeout_seconds: Annotated[float, AfterValidator(_timeout)] = 30.0
    max_retries: Annotated[int, _in_range(0, 10)] = 4


class DigestSection(Section):
    default_days: Weekdays = ("mon", "tue", "wed", "thu", "fri")
    default_time: HHMM = time(9, 0)
    max_papers: Annotated[int, _in_range(1, 50)] = 10
    mode: Literal["industry-only", "all-papers"] = "industry-only"
    misfire_grace_minutes: Annotated[int, _in_range(1, 1440)] = 120


class IndustryLab(Section):
    """A user-added lab; needs something to recognise it by besides its name."""

    company: NonEmptyStr
    lab: NonEmptyStr | None = None
    aliases: ListOf[NonEmptyStr] = ()
    email_domains: ListOf[Annotated[str, AfterValidator(_domain)]] = ()
    openalex_ids: ListOf[Annotated[str, AfterValidator(_openalex_id)]] = ()
    ror_ids: ListOf[Annotated[str, AfterValidator(_ror_id)]] = ()

    @model_validator(mode="after")
    def _identifiable(self) -> IndustryLab:
        if not (self.aliases or self.email_domains or self.openalex_ids or self.ror_ids):
            raise ValueError(
                "expected at least one of aliases, email_domains, openalex_ids, ror_ids"
            )
        return self


class IndustrySection(Section):
    extra_labs: ListOf[IndustryLab] = ()
    ignore_labs: ListOf[NonEmptyStr] = ()


def _url_path(value: str) -> str:
    if not value.startswith("/"):
        raise _expected('a URL path starting with "/"', value)
    return value


class SlackSection(Section):
    enabled: bool | None = None  # None: on when a bot token is found
    mode: Literal["socket", "http"] = "socket"
    api_url: HttpUrl = "https://slack.com/api/"
    http_host: NonEmptyStr = "0.0.0.0"
    http_port: Annotated[int, _in_range(1, 65535)] = 3000
    http_path: Annotated[str, AfterValidator(_url_path)] = "/slack/events"
    bot_token_file: FilePath | None = None
    app_token_file: FilePath | None = None
    signing_secret_file: FilePath | None = None


class DiscordSection(Section):
    enabled: bool | None = None  # None: on when a token is found
    guild_ids: ListOf[Snowflake] = ()
    token_file: FilePath | None = None
    api_url: HttpUrl | None = None


class ConsoleSection(Section):
    enabled: bool | None = None  # None: on when neither Slack nor Discord is
    member: NonEmptyStr = "you"


class ConfigFile(Section):
    """Exactly what a scoopwatch.toml may contain."""

    bot: BotSection = Field(default_factory=BotSection)
    storage: StorageSection = Field(default_factory=StorageSection)
    arxiv: ArxivSection = Field(default_factory=ArxivSection)
    openalex: OpenAlexSection = Field(default_factory=OpenAlexSection)
    http: HttpSection = Field(default_factory=HttpSection)
    digest: DigestSection = Field(default_factory=DigestSection)
    industry: IndustrySection = Field(default_factory=IndustrySection)
    slack: SlackSection = Field(default_factory=SlackSection)
    discord: DiscordSection = Field(default_factory=DiscordSection)
    console: ConsoleSection = Field(default_factory=ConsoleSection)


KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "": tuple(ConfigFile.model_fields),
    **{
        name: tuple(field.annotation.model_fields)  # type: ignore[union-attr]
        for name, field in ConfigFile.model_fields.items()
    },
    "industry.extra_labs": tuple(IndustryLab.model_fields),
}
"""Valid keys per table (dotted path, list indexes dropped): the source of "did you mean"."""


# --- secrets and the resolved config --------------------------------------------------------


class Secret(BaseModel):
    """A secret value plus where it came from; repr/str show neither the value nor a hint of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: SecretStr
    origin: str  # e.g. "SCOOPWATCH_SLACK_BOT_TOKEN" or "slack.bot_token_file /run/secrets/x"

    def get(self) -> str:
        return self.value.get_secret_value()

    def masked(self) -> str:
        """``xoxb-…abcd (from SCOOPWATCH_SLACK_BOT_TOKEN)``: enough to tell two tokens apart."""
        raw = self.get()
        match = _TOKEN_RE.match(raw)
        prefix = match.group(0) if match else ""
        rest = raw[len(prefix) :]
        shown = f"{prefix}…{rest[-4:]}" if len(rest) >= 16 else f"{prefix}****"
        return f"{shown} (from {self.origin})"


class Secrets(BaseModel):
    """Secrets resolved from the environment or secret files; never from the TOML itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack_bot_token: Secret | None = None
    slack_app_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    discord_token: Secret | None = None
    openalex_api_key: Secret | None = None


SECRET_KEYS: dict[str, tuple[str, str]] = {
    "slack_bot_token": ("slack", "bot_token"),
    "slack_app_token": ("slack", "app_token"),
    "slack_signing_secret": ("slack", "signing_secret"),
    "discord_token": ("discord", "token"),
    "openalex_api_key": ("openalex", "api_key"),
}
"""Secrets field -> (section, key). The key is refused in TOML; ``<key>_file`` is allowed."""


class Config(ConfigFile):
    """The validated configuration every other module receives (none of them read env vars)."""

    secrets: Secrets = Field(default_factory=Secrets)
    source: Path | None = None  # the TOML file used, None when running on built-in defaults

    @property
    def slack_enabled(self) -> bool:
        if self.slack.enabled is not None:
            return self.slack.enabled
        return self.secrets.slack_bot_token is not None

    @property
    def discord_enabled(self) -> bool:
        if self.discord.enabled is not None:
            return self.discord.enabled
        return self.secrets.discord_token is not None

    @property
    def console_enabled(self) -> bool:
        if self.console.enabled is not None:
            return self.console.enabled
        return not (self.slack_enabled or self.discord_enabled)

    def with_db_path(self, db_path: str | Path) -> Config:
        """Copy with another database path (the CLI's ``--db``)."""
        storage = self.storage.model_copy(update={"db_path": Path(db_path)})
        return self.model_copy(update={"storage": storage})

    def masked(self) -> dict[str, Any]:
        """Everything, JSON-ready, for ``config show``; secrets only as masked hints."""
        data = self.model_dump(mode="json", exclude={"secrets", "source"})
        for field, (section, key) in SECRET_KEYS.items():
            secret: Secret | None = getattr(self.secrets, field)
            data[section][key] = secret.masked() if secret else "not set"
        data["source"] = str(self.source) if self.source else None
        data["adapters"] = {
            "slack": self.slack_enabled,
            "discord": self.discord_enabled,
            "console": self.console_enabled,
        }
        return data
