"""The parser from ``/scoop`` command text to a validated command of the declared table.

Adapters with a text command pass the text after ``/scoop`` to :func:`parse`; adapters with
typed commands mirror :data:`COMMANDS` and rebuild the text (:func:`command_text`). Shapes
(slugs, dates, member mentions) are validated here so every platform gives the same short error
saying what was expected.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.core.commands.spec import Arg, ArgKind, Command, CommandError, MemberRef, ParsedCommand
from bot.core.commands.table import COMMANDS
from bot.messages import echo
from bot.timezones import zone_hint, zone_key

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_RE = re.compile(r"(?:[01]?\d|2[0-3]):[0-5]\d")
_DAYS_RE = re.compile(r"[a-z]+(?:[,-][a-z]+)*")
_MENTION_RE = re.compile(r"<@([^\s<>@|!&]+)>")  # bot.ports.mention_token
_BROADCAST = {"everyone", "here", "channel"}


def parse_member_ref(token: str) -> MemberRef | None:
    """``@name`` or a mention by id (``<@U123>``, see ``bot.ports.mention_token``) as a
    reference; None if the token is neither.

    Broadcasts (``@everyone``, ``@here``, ``@channel``) are never members: :class:`CommandError`.
    """
    token = token.strip()
    if token[:1] == "@" and token[1:].lower() in _BROADCAST:
        raise CommandError(f"{echo(token)} is not a member: name one person, e.g. @ana")
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
    msg = f'{what} must be 1-40 characters of a-z, 0-9 and "-" (got "{echo(text)}")'
    if hint and SLUG_RE.fullmatch(hint):
        msg += f'; try "{hint}"'
    raise CommandError(msg)


def _date(text: str, command: Command) -> date:
    try:
        if _DATE_RE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise CommandError(f'expected a date as YYYY-MM-DD, got "{echo(text)}"', command)


def _words(text: str) -> list[re.Match[str]]:
    return list(re.finditer(r"\S+", text))


def parse(text: str, commands: Sequence[Command] = COMMANDS) -> ParsedCommand:
    """Parse ``/scoop`` text (with or without the ``/scoop`` prefix) into one of ``commands``."""
    text = re.sub(r"^\s*/scoop\b", "", text).strip()
    words = _words(text)
    if not words:
        return ParsedCommand(find(("help",), commands))
    command = _match_command([w[0].lower() for w in words[:2]], commands)
    rest = text[words[len(command.path) - 1].end():]
    if command.delegated:
        return ParsedCommand(command, {}, rest.strip())
    return ParsedCommand(command, _parse_args(command, rest), rest.strip())


def command_text(path: tuple[str, ...], values: Mapping[str, object]) -> str:
    """Text :func:`parse` reads back, from option values (for adapters with typed options,
    e.g. application commands); ``None`` and empty values are left out."""
    command = find(path)
    words = list(command.path)
    for arg in command.args:
        value = values.get(arg.name)
        if value is None or value == "":
            continue
        text = value.isoformat() if isinstance(value, date) else str(value)
        words += [arg.keyword, text] if arg.keyword else [text]
    return " ".join(words)


def find(path: tuple[str, ...], commands: Sequence[Command] = COMMANDS) -> Command:
    return next(c for c in commands if c.path == path)


def _match_command(head: list[str], commands: Sequence[Command]) -> Command:
    for size in (2, 1):
        for command in commands:
            if tuple(head[:size]) == command.path:
                return command
    groups = sorted({c.path[0] for c in commands})
    if head[0] in groups:  # a group that needs a subcommand (topic, digest)
        subs = [c.path[1] for c in commands if c.path[0] == head[0] and len(c.path) > 1]
        got = head[1] if len(head) > 1 else ""
        close = difflib.get_close_matches(got, subs, n=1) if got else []
        what = (f'unknown command "{echo(head[0] + " " + got)}"' if got
                else f'"{head[0]}" needs a subcommand')
        hint = f'; did you mean "{head[0]} {close[0]}"?' if close else "."
        raise CommandError(f"{what}{hint} Expected one of: " + ", ".join(
            f"{head[0]} {s}" for s in subs))
    names = [c.name for c in commands] + groups
    close = difflib.get_close_matches(" ".join(head), names, n=1, cutoff=0.5)
    close = close or difflib.get_close_matches(head[0], names, n=1, cutoff=0.5)
    hint = f' Did you mean "{close[0]}"?' if close else ""
    raise CommandError(f'unknown command "{echo(head[0])}".{hint} Type /scoop help for the list.')


def _parse_args(command: Command, rest: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if command.any_order:
        by_shape = sorted(command.args, key=lambda a: _SHAPE_ORDER.index(a.kind))
        for word in rest.split():
            twice = next((a for a in by_shape if a.name in values and a.choices
                          and word.lower() in a.choices), None)
            if twice is not None:
                raise CommandError(f'{twice.name} given twice (at "{echo(word)}"). '
                                   f"Usage: {command.usage}", command)
            arg = next((a for a in by_shape if a.name not in values and _accepts(a, word)), None)
            if arg is None:
                raise CommandError(f'unexpected "{echo(word)}". Usage: {command.usage}',
                                   command)
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
        if arg.keyword and word.lower() != arg.keyword and not arg.required and any(
                a.kind is ArgKind.QUERY for a in command.args):
            continue  # before a query, an optional keyword argument needs its keyword
        if arg.keyword and word.lower() == arg.keyword:
            i += 1
            if i >= len(words):
                what = "a date" if arg.kind is ArgKind.DATE else arg.shape or arg.name.upper()
                raise CommandError(f'expected {what} after "{echo(word)}". Usage: {command.usage}',
                                   command)
            word = words[i][0]
        values[arg.name] = _convert(arg, word, command)
        i += 1
    if i < len(words):
        raise CommandError(f'unexpected "{echo(rest[words[i].start():])}". '
                           f"Usage: {command.usage}", command)
    return values


_SHAPE_ORDER = (ArgKind.CHOICE, ArgKind.TIME, ArgKind.TIMEZONE, ArgKind.DATE, ArgKind.DAYS,
                ArgKind.NUMBER, ArgKind.SLUG, ArgKind.TOPIC_OR_MEMBER, ArgKind.MEMBER_OR_ALL,
                ArgKind.QUERY, ArgKind.COMMAND)


def _accepts(arg: Arg, word: str) -> bool:
    """Shape tests for any-order arguments; the first unfilled argument that accepts wins."""
    low = word.lower()
    match arg.kind:
        case ArgKind.CHOICE:
            return low in arg.choices
        case ArgKind.TIME:
            return bool(_TIME_RE.fullmatch(word))
        case ArgKind.TIMEZONE:  # a wrong name with a slash gets the zone's own error
            return zone_key(word) is not None or "/" in word
        case ArgKind.DAYS:
            return bool(_DAYS_RE.fullmatch(low))
        case ArgKind.NUMBER:
            return word.isdecimal()
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
                raise CommandError(f'expected @member or "all", got "{echo(word)}"', command)
            return ref
        case ArgKind.TOPIC_OR_MEMBER:
            return parse_member_ref(word) or validate_slug(word, "TOPIC")
        case ArgKind.CHOICE:
            return word.lower()
        case ArgKind.TIMEZONE:
            zone = zone_key(word)
            if zone is None:
                hint = zone_hint(word)
                raise CommandError(f'unknown time zone "{word[:60]}"; '
                                   + (f"{hint}; " if hint else "")
                                   + "expected an IANA name such as Europe/Berlin", command)
            return zone
        case ArgKind.DAYS | ArgKind.TIME:
            return word.lower()
        case ArgKind.NUMBER:
            if word.isascii() and word.isdecimal() and 1 <= int(word) <= 999:
                return int(word)
            raise CommandError(f'{arg.name.upper()} must be a whole number from 1 to 999 '
                               f'(got "{word[:20]}"). Usage: {command.usage}', command)
    return word
