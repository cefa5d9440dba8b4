"""Error types shared across scoopwatch.

Each layer raises its own subclass so callers (CLI, bot core) can turn failures into one clear
line for the user without catching unrelated bugs.
"""

from enum import StrEnum


class ScoopwatchError(Exception):
    """Base class for every error scoopwatch raises on purpose."""


class ConfigError(ScoopwatchError):
    """Invalid configuration: names the file, the key and what was expected."""


class ParseError(ScoopwatchError):
    """A recorded or fetched document could not be parsed (bad XML/JSON, error page)."""


class SourceError(ScoopwatchError):
    """A remote source failed (HTTP error, retries exhausted, API error entry, stale feed)."""


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
