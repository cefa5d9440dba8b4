"""Error types shared across scoopwatch.

Each layer raises its own subclass so callers (CLI, bot core) can turn failures into one clear
line for the user without catching unrelated bugs.
"""


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
