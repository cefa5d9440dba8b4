"""The platform-plugin contract: all the core knows about chat platforms, none of them by name.

A chat platform is one package under ``adapters/`` that registers a ``Platform`` in the
``scoopwatch.adapters`` entry-point group (pyproject.toml). The registered module is light: it
imports neither the platform's SDK nor pydantic, so the CLI and the config loader can list
every platform cheaply and a run imports only the SDKs of the platforms it starts. Through it
the core learns a platform's ``[name]`` table of scoopwatch.toml, its secrets and what its
tokens look like, when it runs, what it cannot start without, how to connect it, its extra
``scoopwatch`` commands, and how to build the running adapter (``Adapter.from_config``).
Adding a platform is adding a package; nothing in ``bot/`` changes.
"""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TextIO, TypeVar

from bot.errors import ScoopwatchError

if TYPE_CHECKING:
    import click

    from bot.config_models import Config, Secret
    from bot.config_types import PlatformSection
    from bot.core.facade import Core
    from bot.ports import ChatPort

__all__ = ["ENTRY_POINTS", "Adapter", "AppIO", "Need", "Platform", "PostLog", "SecretSpec",
           "TokenShape", "platform", "platforms", "token_owner", "token_prefix"]

ENTRY_POINTS = "scoopwatch.adapters"

S = TypeVar("S", bound="PlatformSection")


@dataclass(frozen=True, slots=True)
class SecretSpec:
    """One secret, read from the environment or a file and never from the TOML.

    First match wins: ``$SCOOPWATCH_<env>``, ``$SCOOPWATCH_<env>_FILE``, ``<key>_file`` in the
    owner's TOML table, then the conventional ``$<env>`` and ``$<env>_FILE``.
    """

    key: str  # the TOML key that is refused, e.g. "api_key"; "<key>_file" names a file instead
    env: str  # the conventional variable other tools read, e.g. "OPENALEX_API_KEY"
    what: str  # for messages, e.g. "an OpenAlex API key"
    prefix: str | None = None  # every valid value starts with this

    @property
    def scoopwatch_env(self) -> str:
        return f"SCOOPWATCH_{self.env}"

    @property
    def file_key(self) -> str:
        return f"{self.key}_file"

    def field(self, table: str) -> str:
        """Its name in ``Config.secrets`` when it belongs to ``table``: ``<table>_<key>``."""
        return f"{table}_{self.key}"


@dataclass(frozen=True, slots=True)
class Need:
    """A secret an enabled platform cannot start without; missing, it is a config error then,
    not a failed login later."""

    secret: SecretSpec
    key: str  # the setting that asks for it, named in the message ("enabled", "mode")
    who: str  # who needs it, e.g. the platform's title and the mode it runs in


@dataclass(frozen=True, slots=True)
class TokenShape:
    """What a platform's tokens look like, so one pasted into the TOML (or a message) is
    recognised, refused and never echoed."""

    pattern: re.Pattern[str]  # matches the start of a token
    kinds: Mapping[str, str] = field(default_factory=dict)  # prefix -> "a user token"


@dataclass(frozen=True, slots=True)
class AppIO:
    """What adapters may need from the process besides config and the core."""

    stdin: TextIO
    stdout: TextIO
    clock: Callable[[], datetime]
    script: tuple[str, ...] = ()
    """Console lines handled, and shown as typed, before ``stdin`` is read (``scoopwatch demo``
    opens with them, so a new user sees the commands that produced the first posts)."""
    local_posts: PostLog | None = None
    """Where a chat that keeps no history of its own records the bot's posts, so crash
    recovery can find them after a restart (``bot.store.local_posts``, on the run's database)."""


class PostLog(Protocol):
    """The bot's posts kept for a chat with no history the bot can read back: what its
    ``find_marker``, ``find_bot_reply`` and ``find_thread_marker`` answer from."""

    async def record(self, platform: str, channel_id: str, message_id: str, *,
                     thread_root_id: str | None, marker: str | None, now: datetime) -> None: ...

    async def by_marker(self, platform: str, channel_id: str, marker: str) -> str | None: ...

    async def first_reply(self, platform: str, channel_id: str, thread_root_id: str
                          ) -> str | None: ...

    async def in_thread_by_marker(self, platform: str, channel_id: str, thread_root_id: str,
                                  marker: str) -> str | None: ...


class Adapter(Protocol):
    """A running chat platform as ``bot.app`` drives it: built, connected before any job may
    post, served until stop, disconnected."""

    name: str

    @property
    def port(self) -> ChatPort:
        """The outbound side, registered with the core."""
        ...

    @classmethod
    def from_config(cls, config: Config, core: Core, io: AppIO) -> Adapter:
        """Build the adapter from the validated configuration (its settings and secrets)."""
        ...

    async def start(self) -> None:
        """Connect (sign in, open the socket); returns when ready, raises ``ScoopwatchError``
        with one clear line when the platform refuses."""
        ...

    async def stop(self) -> None:
        """Stop taking events and let running handlers finish; safe to call twice."""
        ...

    async def run(self, stop: asyncio.Event) -> int:
        """Serve until ``stop`` is set (or the platform ends the session); exit status."""
        ...


class Platform(ABC, Generic[S]):
    """What one chat-platform package declares; its plugin module holds one instance.

    ``S`` is the pydantic model of its ``[name]`` table (a ``PlatformSection``, so it has
    ``enabled``). Secrets live in ``Config.secrets`` as ``<name>_<key>``.
    """

    name: ClassVar[str]  # entry-point name, TOML table and adapter name, e.g. "console"
    title: ClassVar[str]  # how people call it in messages
    order: ClassVar[int]  # platforms are listed, checked and started in ascending order
    secrets: ClassVar[tuple[SecretSpec, ...]] = ()
    tokens: ClassVar[TokenShape | None] = None
    fallback: ClassVar[bool] = False
    """Runs, when ``enabled`` is unset, exactly when no other platform does (a local chat)."""
    connect_hint: ClassVar[str | None] = None
    """What to set to connect it, shown when only a fallback runs, e.g. "SCOOPWATCH_X_TOKEN"."""

    @abstractmethod
    def settings_model(self) -> type[S]:
        """The model of the ``[name]`` table (imported on first use: it needs pydantic)."""

    @abstractmethod
    def adapter(self) -> type[Adapter]:
        """The adapter class; imports the platform's SDK, so only called to start it."""

    def wanted(self, settings: S, found: Mapping[str, Secret]) -> bool:
        """Whether it runs when ``enabled`` is unset, given its settings and the secrets found
        (by key). Fallbacks are decided by the others instead."""
        return False

    def needs(self, settings: S) -> Sequence[Need]:
        """The secrets it cannot start without under these settings."""
        return ()

    def add_commands(self, cli: click.Group) -> None:
        """Add its own ``scoopwatch`` commands (a subgroup named after it, by convention)."""

    # Typed access for the platform's own code; the core reaches the same values by name.

    def settings(self, config: Config) -> S:
        """Its validated ``[name]`` table from ``config``."""
        section = config.section(self.name)
        model = self.settings_model()
        if not isinstance(section, model):  # only a hand-built Config can get here
            raise TypeError(f"config.{self.name} is a {type(section).__name__}, "
                            f"not a {model.__name__}")
        return section

    def secret(self, config: Config, spec: SecretSpec) -> Secret | None:
        """One of its secrets from ``config``, None when not set."""
        return config.secrets.named(spec.field(self.name))


@cache
def platforms() -> tuple[Platform[Any], ...]:
    """Every installed platform, in ``order``. A registration that does not load is an error
    naming it: ignoring it would turn its ``[name]`` table into an "unknown key"."""
    found: list[Platform[Any]] = []
    for entry in entry_points(group=ENTRY_POINTS):
        try:
            plugin = entry.load()
        except (ImportError, AttributeError) as exc:
            raise ScoopwatchError(f"the {entry.name} platform cannot be loaded ({exc}); "
                                  "reinstall scoopwatch") from exc
        if not isinstance(plugin, Platform) or plugin.name != entry.name:
            raise ScoopwatchError(f"entry point {entry.name!r} in {ENTRY_POINTS} is not the "
                                  f"{entry.name} platform ({entry.value})")
        found.append(plugin)
    return tuple(sorted(found, key=lambda p: (p.order, p.name)))


def platform(name: str) -> Platform[Any] | None:
    """The installed platform called ``name``, if any."""
    return next((p for p in platforms() if p.name == name), None)


def token_owner(value: object) -> Platform[Any] | None:
    """The platform whose token ``value`` looks like; None for anything else."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return next((p for p in platforms() if p.tokens and p.tokens.pattern.match(text)), None)


def token_prefix(value: str) -> str:
    """The non-secret start of a platform token (its kind, e.g. "abc-"), "" otherwise."""
    owner = token_owner(value)
    match = owner.tokens.pattern.match(value) if owner and owner.tokens else None
    return match.group(0) if match else ""
