"""Pydantic models for scoopwatch.toml: one frozen class per section, plus the resolved secrets.

Kept apart from the loader (``bot/config.py``) so the schema reads as a plain list of keys with
their defaults. Every model forbids unknown keys and is strict (TOML has real types, so
``max_papers = "10"`` is a mistake worth reporting, not coercing). Validators raise
``ValueError("expected ..., got ...")``; the loader turns those into ``ConfigError`` lines that
name the file and the dotted key.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)

from bot.config_types import (
    HHMM,
    TOKEN_RE,
    Category,
    Date,
    DiscordId,
    Email,
    FilePath,
    HttpUrl,
    ListOf,
    LogLevel,
    MemberId,
    NonEmptyStr,
    TimeZoneName,
    Weekdays,
    domain,
    in_range,
    non_empty_list,
    openalex_id,
    ror_id,
    seconds_up_to_60,
    seconds_up_to_600,
    url_path,
)


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
    categories: Annotated[ListOf[Category], AfterValidator(non_empty_list)] = DEFAULT_CATEGORIES
    rss_url: HttpUrl = "https://rss.arxiv.org/rss/"
    api_url: HttpUrl = "https://export.arxiv.org/api/query"
    oai_url: HttpUrl = "https://oaipmh.arxiv.org/oai"
    fetch_time: HHMM = time(20, 30)  # America/New_York; arXiv announces at 20:00 ET
    fetch_retry_minutes: Annotated[int, in_range(1, 720)] = 30
    holidays: ListOf[Date] | None = None  # None: the built-in arXiv holiday list
    extra_holidays: ListOf[Date] = ()


class OpenAlexSection(Section):
    enabled: bool = True
    mailto: Email | None = None
    api_key_file: FilePath | None = None
    base_url: HttpUrl = "https://api.openalex.org"
    retry_days: Annotated[int, in_range(0, 30)] = 5


class HttpSection(Section):
    contact: Email | None = None
    timeout_seconds: Annotated[float, AfterValidator(seconds_up_to_600)] = 30.0
    max_retries: Annotated[int, in_range(0, 10)] = 4


class DigestSection(Section):
    default_days: Weekdays = ("mon", "tue", "wed", "thu", "fri")
    default_time: HHMM = time(9, 0)
    max_papers: Annotated[int, in_range(1, 50)] = 10
    mode: Literal["industry-only", "all-papers"] = "industry-only"
    misfire_grace_minutes: Annotated[int, in_range(1, 1440)] = 120
    enrich_wait_seconds: Annotated[float, AfterValidator(seconds_up_to_60)] = 5.0
    include_unlisted_companies: bool = True  # industry-only also posts companies off the list


class IndustryLab(Section):
    """A user-added lab; needs something to recognise it by besides its name."""

    company: NonEmptyStr
    lab: NonEmptyStr | None = None
    aliases: ListOf[NonEmptyStr] = ()
    email_domains: ListOf[Annotated[str, AfterValidator(domain)]] = ()
    openalex_ids: ListOf[Annotated[str, AfterValidator(openalex_id)]] = ()
    ror_ids: ListOf[Annotated[str, AfterValidator(ror_id)]] = ()

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


class SlackSection(Section):
    enabled: bool | None = None  # None: on when a bot token is found
    mode: Literal["socket", "http"] = "socket"
    api_url: HttpUrl = "https://slack.com/api/"
    http_host: NonEmptyStr = "0.0.0.0"
    http_port: Annotated[int, in_range(1, 65535)] = 3000
    http_path: Annotated[str, AfterValidator(url_path)] = "/slack/events"
    bot_token_file: FilePath | None = None
    app_token_file: FilePath | None = None
    signing_secret_file: FilePath | None = None


class DiscordSection(Section):
    enabled: bool | None = None  # None: on when a token is found
    guild_ids: ListOf[DiscordId] = ()
    token_file: FilePath | None = None
    api_url: HttpUrl | None = None
    # Minutes of quiet before a paper thread leaves the channel's list; Discord's own choices.
    thread_archive_minutes: Literal[60, 1440, 4320, 10080] = 10080


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
        match = TOKEN_RE.match(raw)
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
        """Everything, JSON-ready, for ``scoopwatch config check``; secrets only as masked hints."""
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
