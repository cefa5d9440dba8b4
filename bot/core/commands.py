"""The ``/scoop`` command table, declared once, and the parser from command text.

Slack passes the text after ``/scoop`` to :func:`parse`; Discord mirrors :data:`COMMANDS` as an
application-command group; the console reads lines. Shapes (slugs, dates, member mentions) are
validated here so every platform gives the same short error saying what was expected.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from bot.errors import ScoopwatchError
from bot.topics.query import HELP as QUERY_HELP


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
    description: str
    kind: ArgKind
    required: bool = False
    choices: tuple[str, ...] = ()
    keyword: str | None = None  # written after a word, e.g. "since 2026-01-05"
    shape: str | None = None  # how usage lines show it; default: choices or NAME

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
            (Arg("who", "@member, or all for the whole workspace", ArgKind.MEMBER_OR_ALL,
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

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d")
_DAYS_RE = re.compile(r"[a-z]+(?:[,-][a-z]+)*")
_MENTION_RE = re.compile(r"<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>")
_BROADCAST = {"everyone", "here", "channel"}


class CommandError(ScoopwatchError):
    """Bad command text; ``str()`` is the user-facing message, ``usage`` the expected form."""

    def __init__(self, message: str, command: Command | None = None) -> None:
        super().__init__(message)
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


def parse_member_ref(token: str) -> MemberRef | None:
    """Normalise ``@name``, ``<@U123>``, ``<@!123456>`` and ``<@U123|name>``; None if not one.

    Broadcasts (``@everyone``, ``<!channel>``) are never members: :class:`CommandError`.
    """
    token = token.strip()
    if token.startswith("<!") or (token[:1] == "@" and token[1:].lower() in _BROADCAST):
        raise CommandError(f"{token} is not a member: name one person, e.g. @ana")
    m = _MENTION_RE.fullmatch(token)
    if m:
        return MemberRef(member_id=m[1])
    if token.startswith("@") and len(token) > 1:
        return MemberRef(name=token[1:])
    return None


def validate_slug(text: str, what: str = "NAME") -> str:
    """Return ``text`` if it is a valid topic name, else raise with a suggestion."""
    if SLUG_RE.fullmatch(text):
        return text
    hint = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
    msg = f'{what} must be 1-40 characters of a-z, 0-9 and "-" (got "{text[:60]}")'
    if hint and SLUG_RE.fullmatch(hint):
        msg += f'; try "{hint}"'
    raise CommandError(msg)


@cache
def _zones() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones()}


def _date(text: str, command: Command) -> date:
    try:
        if _DATE_RE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise CommandError(f'expected a date as YYYY-MM-DD, got "{text}"', command)


def _words(text: str) -> list[re.Match[str]]:
    return list(re.finditer(r"\S+", text))


def parse(text: str) -> ParsedCommand:
    """Parse ``/scoop`` text (with or without the ``/scoop`` prefix) into a command."""
    text = re.sub(r"^\s*/scoop\b", "", text).strip()
    words = _words(text)
    if not words:
        return ParsedCommand(find(("help",)))
    command = _match_command([w[0].lower() for w in words[:2]])
    rest = text[words[len(command.path) - 1].end():]
    if command.delegated:
        return ParsedCommand(command, {}, rest.strip())
    return ParsedCommand(command, _parse_args(command, rest), rest.strip())


def command_text(path: tuple[str, ...], values: Mapping[str, object]) -> str:
    """Text :func:`parse` reads back, from option values (for adapters with typed options,
    e.g. Discord's app commands); ``None`` and empty values are left out."""
    command = find(path)
    words = list(command.path)
    for arg in command.args:
        value = values.get(arg.name)
        if value is None or value == "":
            continue
        text = value.isoformat() if isinstance(value, date) else str(value)
        words += [arg.keyword, text] if arg.keyword else [text]
    return " ".join(words)


def find(path: tuple[str, ...]) -> Command:
    return next(c for c in COMMANDS if c.path == path)


def _match_command(head: list[str]) -> Command:
    for size in (2, 1):
        for command in COMMANDS:
            if tuple(head[:size]) == command.path:
                return command
    groups = sorted({c.path[0] for c in COMMANDS})
    if head[0] in groups:  # a group that needs a subcommand (topic, digest)
        subs = [c.path[1] for c in COMMANDS if c.path[0] == head[0] and len(c.path) > 1]
        got = head[1] if len(head) > 1 else ""
        close = difflib.get_close_matches(got, subs, n=1) if got else []
        what = f'unknown command "{head[0]} {got}"' if got else f'"{head[0]}" needs a subcommand'
        hint = f'; did you mean "{head[0]} {close[0]}"?' if close else "."
        raise CommandError(f"{what}{hint} Expected one of: " + ", ".join(
            f"{head[0]} {s}" for s in subs))
    names = [c.name for c in COMMANDS] + groups
    close = difflib.get_close_matches(" ".join(head), names, n=1, cutoff=0.5)
    close = close or difflib.get_close_matches(head[0], names, n=1, cutoff=0.5)
    hint = f' Did you mean "{close[0]}"?' if close else ""
    raise CommandError(f'unknown command "{head[0]}".{hint} Type /scoop help for the list.')


def _parse_args(command: Command, rest: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if command.any_order:
        by_shape = sorted(command.args, key=lambda a: _SHAPE_ORDER.index(a.kind))
        for word in rest.split():
            twice = next((a for a in by_shape if a.name in values and a.choices
                          and word.lower() in a.choices), None)
            if twice is not None:
                raise CommandError(f'{twice.name} given twice (at "{word}"). '
                                   f"Usage: {command.usage}", command)
            arg = next((a for a in by_shape if a.name not in values and _accepts(a, word)), None)
            if arg is None:
                raise CommandError(f'unexpected "{word}". Usage: {command.usage}', command)
            values[arg.name] = _convert(arg, word, command)
        return values
    words = _words(rest)
    i = 0
    for arg in command.args:
        if arg.kind in (ArgKind.QUERY, ArgKind.COMMAND):
            tail = rest[words[i].start():].strip() if i < len(words) else ""
            if tail:
                values[arg.name] = tail if arg.kind is ArgKind.QUERY else tail.lower()
            elif arg.required:
                raise CommandError(f"missing {arg.name.upper()}. Usage: {command.usage}", command)
            i = len(words)
            break
        if i >= len(words):
            if arg.required:
                raise CommandError(f"missing {arg.name.upper()}. Usage: {command.usage}", command)
            continue
        word = words[i][0]
        if arg.keyword and word.lower() == arg.keyword:
            i += 1
            if i >= len(words):
                raise CommandError(f'expected a date after "{word}". Usage: {command.usage}',
                                   command)
            word = words[i][0]
        values[arg.name] = _convert(arg, word, command)
        i += 1
    if i < len(words):
        raise CommandError(f'unexpected "{rest[words[i].start():].strip()[:60]}". '
                           f"Usage: {command.usage}", command)
    return values


_SHAPE_ORDER = (ArgKind.CHOICE, ArgKind.TIME, ArgKind.TIMEZONE, ArgKind.DATE, ArgKind.DAYS,
                ArgKind.SLUG, ArgKind.TOPIC_OR_MEMBER, ArgKind.MEMBER_OR_ALL, ArgKind.QUERY,
                ArgKind.COMMAND)


def _accepts(arg: Arg, word: str) -> bool:
    """Shape tests for any-order arguments; the first unfilled argument that accepts wins."""
    low = word.lower()
    match arg.kind:
        case ArgKind.CHOICE:
            return low in arg.choices
        case ArgKind.TIME:
            return bool(_TIME_RE.fullmatch(word))
        case ArgKind.TIMEZONE:
            return low in _zones()
        case ArgKind.DAYS:
            return bool(_DAYS_RE.fullmatch(low))
        case _:
            return True


def _convert(arg: Arg, word: str, command: Command) -> Any:
    match arg.kind:
        case ArgKind.SLUG:
            try:
                return validate_slug(word, arg.name.upper())
            except CommandError as exc:
                raise CommandError(str(exc), command) from None
        case ArgKind.DATE:
            return _date(word, command)
        case ArgKind.MEMBER_OR_ALL:
            if word.lower() == "all":
                return "all"
            ref = parse_member_ref(word)
            if ref is None:
                raise CommandError(f'expected @member or "all", got "{word}"', command)
            return ref
        case ArgKind.TOPIC_OR_MEMBER:
            return parse_member_ref(word) or validate_slug(word, "TOPIC")
        case ArgKind.CHOICE:
            return word.lower()
        case ArgKind.TIMEZONE:
            return _zones()[word.lower()]
        case ArgKind.DAYS | ArgKind.TIME:
            return word.lower()
    return word


def help_text(topic: str | None = None) -> str:
    """``/scoop help [command]``: the overview, a group's commands, or one command's help."""
    if not topic:
        lines = ["scoopwatch commands (type /scoop help COMMAND for details):"]
        for c in COMMANDS:
            admin = " (admins)" if c.admin_only else ""
            lines.append(f"  {c.usage}\n      {c.summary}{admin}")
        return "\n".join(lines)
    words = tuple(topic.lower().removeprefix("/scoop").split())
    exact = [c for c in COMMANDS if c.path == words]
    group = [c for c in COMMANDS if c.path[: len(words)] == words]
    if not exact and not group:
        close = difflib.get_close_matches(" ".join(words), [c.name for c in COMMANDS]
                                          + sorted({c.path[0] for c in COMMANDS}), n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        raise CommandError(f'no command "{topic}".{hint} Type /scoop help for the list.')
    if exact and (len(group) == 1 or words == ("notes",)):
        text = _command_help(exact[0])
    else:
        text = "\n\n".join(_command_help(c) for c in group)
    if words[0] in ("topic", "preview"):
        text += "\n\n" + QUERY_HELP  # one description of the language, owned by the parser
    return text


def _command_help(command: Command) -> str:
    lines = [command.usage, f"  {command.summary}."]
    if command.help:
        lines += [f"  {line}" for line in command.help.splitlines()]
    lines += [f"  {a.metavar}: {a.description}" for a in command.args]
    if command.admin_only:
        lines.append("  Only the admins listed in the bot's config may run it (when any are set).")
    return "\n".join(lines)
