"""The ``/scoop`` commands, declared once: names, arguments, help.

Slack passes the text after ``/scoop`` to ``bot.core.commands.parser.parse``; Discord mirrors
:data:`COMMANDS` as an application-command group; ``/scoop help`` is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.messages import SPACE, Span


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

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def usage(self) -> str:
        return " ".join(["/scoop", *self.path, *(a.metavar for a in self.args)])


_NAME = Arg("name", "topic name: a-z, 0-9 and '-', at most 40 characters", ArgKind.SLUG, True)
_QUERY = Arg("query", "the topic query (see /scoop help topic)", ArgKind.QUERY, True)
_FORMATS = ("md", "csv", "json")
_MODES = ("industry-only", "all-papers")

COMMANDS: tuple[Command, ...] = (
    Command(("help",), (Arg("command", "a command, e.g. topic add", ArgKind.COMMAND),),
            "show commands, or the help of one command", "Example: /scoop help topic"),
    Command(("topic", "add"), (_NAME, _QUERY), "register a research topic",
            "Saves QUERY under NAME and shows what it would have matched in the last 7 days.\n"
            "Example: /scoop topic add diffusion-planning diffusion model* AND (planning OR "
            '"trajectory optimization")'),
    Command(("topic", "edit"), (_NAME, _QUERY), "replace the query of one of your topics",
            "Shows the new query's matches of the last 7 days, like topic add."),
    Command(("topic", "remove"), (_NAME,), "delete one of your topics"),
    Command(("topic", "pause"), (_NAME,), "leave a topic out of digests for now"),
    Command(("topic", "resume"), (_NAME,), "include a paused topic in digests again"),
    Command(("topic", "list"),
            (Arg("who", ("@member, or all for the whole ", SPACE), ArgKind.MEMBER_OR_ALL,
                 shape="@member|all"),),
            "list your topics, a member's, or everyone's"),
    Command(("preview",), (_QUERY,), "try a query without saving it",
            "Same report as topic add: parsed query, matches of the last 7 days, warnings."),
    Command(("subscribe",), (
        Arg("days", "digest days: mon,thu | mon-fri | daily | weekdays", ArgKind.DAYS),
        Arg("time", "time of day, 24h", ArgKind.TIME, shape="HH:MM"),
        Arg("timezone", "IANA time zone, e.g. Europe/Berlin", ArgKind.TIMEZONE, shape="TZ"),
        Arg("mode", "industry-only (default) or all-papers", ArgKind.CHOICE, choices=_MODES),
    ), "post digests in this channel on a schedule",
        "Defaults: weekdays at the configured time and time zone, industry-only.\n"
        "Example: /scoop subscribe mon,thu 09:00 Europe/Berlin", admin_only=True, any_order=True,
        delegated=True),
    Command(("unsubscribe",), (), "stop this channel's digests", admin_only=True),
    Command(("digest", "now"),
            (Arg("since", "cover papers announced since this date", ArgKind.DATE,
                 keyword="since", shape="YYYY-MM-DD"),),
            "post this channel's digest now",
            "Covers papers since the last digest, or since YYYY-MM-DD.\n"
            "Example: /scoop digest now since 2026-01-05"),
    Command(("notes", "export"), (
        Arg("topic", "only notes on this topic", ArgKind.SLUG),
        Arg("format", "file format", ArgKind.CHOICE, choices=_FORMATS),
    ), "download differentiation notes as a file (md, csv or json)",
        "Markdown is grouped by topic then paper. Example: /scoop notes export diffusion md",
        any_order=True),
    Command(("notes",), (Arg("of", "a topic name or @member", ArgKind.TOPIC_OR_MEMBER,
                 shape="TOPIC|@member"),),
            "recent differentiation notes, of a topic or a member"),
    Command(("labs",), (), "the industry labs the bot watches"),
    Command(("status",), (), "last fetch, next digest, counts and source health"),
)
