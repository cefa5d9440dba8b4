"""Error types shared across scoopwatch.

Each layer raises its own subclass so callers (CLI, bot core) can turn failures into one clear
line for the user without catching unrelated bugs.
"""

import re
from enum import StrEnum


class ScoopwatchError(Exception):
    """Base class for every error scoopwatch raises on purpose."""


class ConfigError(ScoopwatchError):
    """Invalid configuration: names the file, the key and what was expected."""


class ParseError(ScoopwatchError):
    """A recorded or fetched document could not be parsed (bad XML/JSON, error page)."""


class SourceError(ScoopwatchError):
    """A remote source failed (HTTP error, retries exhausted, API error entry, stale feed).

    The message is for the log (host, status, attempts, the redacted URL); ``summary`` is the
    few words a member may read in a quiet digest or ``/scoop status`` ("could not be
    reached", "answered HTTP 503"): no URL, no exception names.
    """

    def __init__(self, message: str, *, summary: str | None = None) -> None:
        super().__init__(message)
        self.summary = summary


class StoreError(ScoopwatchError):
    """The database cannot be used (newer schema than this code, corrupt file, ...)."""


class DatabaseDamaged(StoreError):
    """The database file is damaged or is no SQLite database at all: nothing read from it can
    be trusted, so commands stop with one line instead of working on half a store."""


class ChannelProblem(StrEnum):
    """Why a platform refuses to post in a channel, in the core's words (never an SDK's)."""

    NOT_IN_CHANNEL = "not_in_channel"
    CHANNEL_NOT_FOUND = "channel_not_found"
    ARCHIVED = "archived"
    MISSING_PERMISSION = "missing_permission"

    @property
    def description(self) -> str:
        """What a member reads: the problem, without platform jargon."""
        return _PROBLEMS[self]


_PROBLEMS = {
    ChannelProblem.NOT_IN_CHANNEL: "the bot is not a member of this channel",
    ChannelProblem.CHANNEL_NOT_FOUND: "the bot cannot find or see this channel",
    ChannelProblem.ARCHIVED: "this channel is archived",
    ChannelProblem.MISSING_PERMISSION: "the bot lacks a permission it needs in this channel",
}


class ChannelUnavailable(ScoopwatchError):
    """A platform refuses to post in a channel until a person changes something there.

    Retrying cannot help, so adapters raise this (instead of their SDK's error) and the core
    stops retrying that channel, tells its members ``fix`` and shows it in ``/scoop status``
    until a post there succeeds again. ``fix`` is one sentence in the platform's own terms
    (the command that invites the bot, the permission to grant); the message is what a member
    may read.
    """

    def __init__(self, reason: ChannelProblem, fix: str) -> None:
        super().__init__(f"I can't post here: {reason.description}. {fix}")
        self.reason = reason
        self.fix = fix


def failure_reason(exc: BaseException) -> str:
    """What a member reads about a failed fetch, lookup or digest: a few plain words.

    The nearest ``SourceError.summary`` in the chain of causes (a parser or client re-raises
    with more context), else a plain sentence for the kind of error. The exception itself,
    with its URL and class name, belongs in the log.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, SourceError) and seen.summary:
            return seen.summary
        seen = seen.__cause__
    if isinstance(exc, ParseError):
        return "sent an answer that could not be read"
    if isinstance(exc, SourceError):  # written for people already; only the URL goes
        return readable(str(exc))
    if isinstance(exc, StoreError):
        return "the bot's database could not be used"
    return "failed unexpectedly (the details are in the bot's log)"


_URL = re.compile(r"\(?\b[a-z][a-z0-9+.-]*://[^\s)]*\)?", re.IGNORECASE)
_CLASS_NAME = re.compile(r"\b(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Timeout)\b:?\s*")
_LOOSE_PUNCTUATION = re.compile(r"\s+([:;,.)])")  # left before what was removed
READABLE_LIMIT = 200


def readable(reason: str) -> str:
    """A stored reason made safe to show members: URLs and exception class names removed,
    whitespace collapsed, at most ``READABLE_LIMIT`` characters. Reasons written now are
    plain already (``failure_reason``); this also covers run logs of older versions."""
    text = " ".join(_CLASS_NAME.sub("", _URL.sub("", reason)).split())
    text = _LOOSE_PUNCTUATION.sub(r"\1", text).strip(" :;,-") or "failed"
    return text if len(text) <= READABLE_LIMIT else text[: READABLE_LIMIT - 1] + "…"
