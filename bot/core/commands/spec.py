"""What a ``/scoop`` command is: its declaration (words, arguments, help, handler), the
values the parser hands its handler, and the error every bad command text becomes.

Kept apart from the table and the parser so the handler modules the table names can use these
types without importing the table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.errors import ScoopwatchError
from bot.messages import Block, Span, blocks_of, plain_text
from bot.ports import CommandResult

if TYPE_CHECKING:
    from bot.core.commands.context import CommandContext

Handler = Callable[["CommandContext", "ParsedCommand"], Awaitable[CommandResult]]
"""A command's code: the context it runs in and the parsed command -> the reply."""


class ArgKind(StrEnum):
    """What an argument holds; adapters map kinds onto their option types."""

    SLUG = "slug"  # a topic NAME: a-z, 0-9, '-', at most 40 characters
    QUERY = "query"  # the rest of the line, verbatim
    MEMBER_OR_ALL = "member-or-all"  # @member, a platform mention, or "all"
    TOPIC_OR_MEMBER = "topic-or-member"
    DATE = "date"  # YYYY-MM-DD (after the word "since")
    DAYS = "days"  # mon,thu | mon-fri | daily | weekdays
    TIME = "time"  # HH:MM
    TIMEZONE = "timezone"  # IANA name
    CHOICE = "choice"
    COMMAND = "command"  # a command name, for help
    NUMBER = "number"  # a whole number from 1 to 999 (weeks)


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument of a command."""

    name: str
    description: str | tuple[Span, ...]  # spans where it names the platform's space
    kind: ArgKind
    required: bool = False
    choices: tuple[str, ...] = ()
    keyword: str | None = None  # written after a word, e.g. "since 2026-01-05"
    shape: str | None = None  # how usage lines show it; default: choices or NAME

    @property
    def spans(self) -> tuple[Span, ...]:
        return (self.description,) if isinstance(self.description, str) else self.description

    @property
    def metavar(self) -> str:
        shape = self.shape or ("|".join(self.choices) if self.choices else self.name.upper())
        shape = f"{self.keyword} {shape}" if self.keyword else shape
        return shape if self.required else f"[{shape}]"


@dataclass(frozen=True, slots=True)
class Command:
    """A command: its words, arguments, one-line and long help, and who may run it."""

    path: tuple[str, ...]
    args: tuple[Arg, ...]
    summary: str
    help: str = ""
    admin_only: bool = False
    any_order: bool = False  # optional arguments recognised by their shape, in any order
    delegated: bool = False  # args declared for adapters, validated by the service that owns them
    handler: Handler | None = field(default=None, compare=False, repr=False)
    """Runs the command. Every entry of the table sets it; declarations made elsewhere (tests,
    adapters mirroring the table) may leave it out."""
    channel_ordered: bool = False
    """Changes what a channel's digest reads (its subscription, the topics) or reads it: such
    commands run one at a time per channel, in the order they reached the core, because
    adapters acknowledge first and run commands concurrently."""

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def usage(self) -> str:
        return " ".join(["/scoop", *self.path, *(a.metavar for a in self.args)])


class CommandError(ScoopwatchError):
    """Bad command text: ``blocks`` is the answer (a query with a caret under the error is a
    preformatted block), ``str()`` its plain text; ``command`` is the command it concerns."""

    def __init__(self, message: str | Sequence[Block], command: Command | None = None) -> None:
        self.blocks = blocks_of(message) if isinstance(message, str) else tuple(message)
        super().__init__(plain_text(self.blocks))
        self.command = command


@dataclass(frozen=True, slots=True)
class MemberRef:
    """A member reference: a platform id (from a mention) or a display name (from ``@name``)."""

    member_id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return f"@{self.name}" if self.name is not None else f"<@{self.member_id}>"


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """A validated command, its typed argument values (absent optional args are missing) and
    the raw argument text (what delegated commands hand to their service)."""

    command: Command
    args: Mapping[str, Any] = field(default_factory=dict, hash=False)
    text: str = ""

    def get(self, name: str, default: Any = None) -> Any:
        return self.args.get(name, default)
