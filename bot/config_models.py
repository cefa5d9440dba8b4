"""Pydantic models for scoopwatch.toml: one frozen class per section, plus the resolved secrets.

Kept apart from the loader (``bot/config.py``) so the schema reads as a plain list of keys with
their defaults. The core's tables are here; each chat platform declares its own table and
secrets (``bot/platforms.py``), joined in by ``file_model``, ``Secrets`` and ``Config``.
Every model forbids unknown keys and is strict (TOML has real types, so ``max_papers = "10"``
is a mistake worth reporting, not coercing). Validators raise
``ValueError("expected ..., got ...")``; the loader turns those into ``ConfigError`` lines that
name the file and the dotted key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    create_model,
    model_validator,
)

from bot.config_types import (
    HHMM,
    Category,
    Date,
    Email,
    FilePath,
    HttpUrl,
    ListOf,
    LogLevel,
    MemberId,
    NonEmptyStr,
    PlatformSection,
    Section,
    TimeZoneName,
    Weekdays,
    dollars,
    domain,
    in_range,
    non_empty_list,
    openalex_id,
    ror_id,
    seconds_up_to_60,
    seconds_up_to_600,
)
from bot.errors import ScoopwatchError
from bot.platforms import SecretSpec, platform, platforms, token_prefix


class BotSection(Section):
    timezone: TimeZoneName = "UTC"
    admins: ListOf[MemberId] = ()  # empty: everyone may subscribe/unsubscribe
    log_level: LogLevel = "INFO"
    # Every topic is matched against every paper of every digest: a cap keeps one member's
    # catch-all queries from slowing the lab's digests. Admins are held to it too.
    max_topics_per_member: Annotated[int, in_range(1, 1000)] = 25

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
    # The nightly institution watch (bot.core.ingest.institution_watch).
    watch: bool = True
    watch_weeks: Annotated[int, in_range(1, 26)] = 4
    watch_max_calls: Annotated[int, in_range(1, 1000)] = 30
    watch_created_date: bool = False
    watch_reserve_usd: Annotated[float, AfterValidator(dollars)] = 0.1


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
    reminder_days: Annotated[int, in_range(0, 60)] = 3  # 0: no reminders in quiet threads


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



class ConfigFile(Section):
    """The core's tables of a scoopwatch.toml; ``file_model`` adds every platform's."""

    bot: BotSection = Field(default_factory=BotSection)
    storage: StorageSection = Field(default_factory=StorageSection)
    arxiv: ArxivSection = Field(default_factory=ArxivSection)
    openalex: OpenAlexSection = Field(default_factory=OpenAlexSection)
    http: HttpSection = Field(default_factory=HttpSection)
    digest: DigestSection = Field(default_factory=DigestSection)
    industry: IndustrySection = Field(default_factory=IndustrySection)


@cache
def file_model() -> type[ConfigFile]:
    """Exactly what a scoopwatch.toml may contain: the core's tables, then each installed
    platform's ``[name]`` table, so unknown tables and keys are errors wherever they are."""
    tables: dict[str, Any] = {}
    for plugin in platforms():
        if plugin.name in ConfigFile.model_fields:
            raise ScoopwatchError(f"the {plugin.name} platform's table would replace the "
                                  f"core's [{plugin.name}]")
        model = plugin.settings_model()
        tables[plugin.name] = (model, Field(default_factory=model))
    return create_model("ConfigFile", __base__=ConfigFile, **tables)


def _known_keys() -> dict[str, tuple[str, ...]]:
    model = file_model()
    return {
        "": tuple(model.model_fields),
        **{
            name: tuple(field.annotation.model_fields)  # type: ignore[union-attr]
            for name, field in model.model_fields.items()
        },
        "industry.extra_labs": tuple(IndustryLab.model_fields),
    }


KNOWN_KEYS: dict[str, tuple[str, ...]] = _known_keys()
"""Valid keys per table (dotted path, list indexes dropped): the source of "did you mean"."""


# --- secrets and the resolved config --------------------------------------------------------

CORE_SECRETS: tuple[tuple[str, SecretSpec], ...] = (
    ("openalex", SecretSpec("api_key", "OPENALEX_API_KEY", "an OpenAlex API key")),
)
"""(table, secret) the core itself reads; platforms declare their own."""


def secret_specs() -> tuple[tuple[str, SecretSpec], ...]:
    """(table, secret) for every secret: each platform's, in platform order, then the core's.
    Its field in ``Secrets`` is ``<table>_<key>``."""
    return (*((p.name, spec) for p in platforms() for spec in p.secrets), *CORE_SECRETS)


class Secret(BaseModel):
    """A secret value plus where it came from; repr/str show neither the value nor a hint of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: SecretStr
    origin: str  # e.g. "SCOOPWATCH_OPENALEX_API_KEY" or "openalex.api_key_file /run/secrets/x"

    def get(self) -> str:
        return self.value.get_secret_value()

    def masked(self) -> str:
        """``abc-…wxyz (from SCOOPWATCH_X_TOKEN)``: enough to tell two tokens apart. A
        platform token keeps its kind (the prefix it starts with), nothing else does."""
        raw = self.get()
        prefix = token_prefix(raw)
        rest = raw[len(prefix) :]
        shown = f"{prefix}…{rest[-4:]}" if len(rest) >= 16 else f"{prefix}****"
        return f"{shown} (from {self.origin})"


class Secrets(BaseModel):
    """Secrets resolved from the environment or secret files; never from the TOML itself.

    The core's are fields; each platform's are extra fields named ``<platform>_<key>``, None
    when not set (read them with ``named`` or ``Platform.secret``).
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    openalex_api_key: Secret | None = None

    @model_validator(mode="before")
    @classmethod
    def _every_platform_secret(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        names = {spec.field(table) for table, spec in secret_specs()}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown secrets: {', '.join(unknown)}")
        extra = {name: data.get(name) for name in sorted(names - set(cls.model_fields))}
        if not all(value is None or isinstance(value, Secret) for value in extra.values()):
            raise ValueError("expected each secret to be a Secret or None")
        return {**data, **extra}

    def secret_values(self) -> tuple[str, ...]:
        """Every secret that is set, the core's and each platform's, as plain text: what the
        log filter (``bot.log_redaction``) must never let through."""
        found = (self.named(spec.field(table)) for table, spec in secret_specs())
        return tuple(secret.get() for secret in found if secret is not None)

    def named(self, field: str) -> Secret | None:
        """The secret called ``field`` (``<table>_<key>``), None when it is not set."""
        if field in type(self).model_fields:
            value: Secret | None = getattr(self, field)
            return value
        extra = self.__pydantic_extra__ or {}
        if field not in extra:
            raise KeyError(f"no secret named {field!r}")
        return extra[field]


class Config(ConfigFile):
    """The validated configuration every other module receives (none of them read env vars).

    Each installed platform's table is an extra field named after it (``config.<platform>``),
    defaulted when absent; ``section``, ``enabled`` and ``Platform.settings`` read them typed.
    ``config.<platform>_enabled`` reads the same as ``enabled("<platform>")``.
    """

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)

    secrets: Secrets = Field(default_factory=Secrets)
    source: Path | None = None  # the TOML file used, None when running on built-in defaults

    @model_validator(mode="before")
    @classmethod
    def _every_platform_table(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        known = {plugin.name for plugin in platforms()}
        unknown = [key for key in data if key not in cls.model_fields and key not in known]
        if unknown:
            raise ValueError(f"unknown tables: {', '.join(unknown)}")
        tables = dict(data)
        for plugin in platforms():
            model = plugin.settings_model()
            given = tables.get(plugin.name)
            if not isinstance(given, model):
                tables[plugin.name] = model.model_validate({} if given is None else given)
        return tables

    def section(self, name: str) -> PlatformSection:
        """Platform ``name``'s validated table."""
        table = (self.__pydantic_extra__ or {}).get(name)
        if not isinstance(table, PlatformSection):
            raise KeyError(f"no platform named {name!r}")
        return table

    def enabled(self, name: str) -> bool:
        """Whether platform ``name`` runs: its ``enabled`` when set; else a fallback runs when
        no other platform does, and any other platform decides from its settings and secrets
        (``Platform.wanted``)."""
        plugin = platform(name)
        if plugin is None:
            raise KeyError(f"no platform named {name!r}")
        settings = self.section(name)
        if settings.enabled is not None:
            return settings.enabled
        if plugin.fallback:
            return not any(self.enabled(p.name) for p in platforms() if not p.fallback)
        found = {spec.key: secret for spec in plugin.secrets
                 if (secret := plugin.secret(self, spec)) is not None}
        return plugin.wanted(settings, found)

    def with_db_path(self, db_path: str | Path) -> Config:
        """Copy with another database path (the CLI's ``--db``)."""
        storage = self.storage.model_copy(update={"db_path": Path(db_path)})
        return self.model_copy(update={"storage": storage})

    def masked(self) -> dict[str, Any]:
        """Everything, JSON-ready, for ``scoopwatch config check``; secrets only as masked hints."""
        data = self.model_dump(mode="json", exclude={"secrets", "source"})
        for table, spec in secret_specs():
            secret = self.secrets.named(spec.field(table))
            data[table][spec.key] = secret.masked() if secret else "not set"
        data["source"] = str(self.source) if self.source else None
        data["adapters"] = {plugin.name: self.enabled(plugin.name) for plugin in platforms()}
        return data
