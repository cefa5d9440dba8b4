"""Secrets never reach a log: one filter on every log handler rewrites each record first.

Libraries log what they see, and not only through scoopwatch's own code: httpx logs every
request URL at INFO, httpcore every response header at DEBUG (a redirect's ``Location`` carries
the OpenAlex key in its query string), the chat SDKs their requests. Instead of trusting each
of them, every handler of the process (the root logger's, logging's last resort, and any other
handler present) carries :class:`SecretFilter`, which replaces in the message, its arguments,
the traceback and the stack:

- every configured secret value (the core's and every platform's), whether written raw,
  percent-encoded (in any mix, as URLs and headers carry it) or escaped the way Python's
  ``repr`` or JSON print it;
- the value of any query parameter or header named like a credential (``api_key=…``,
  ``token=…``, ``Authorization: Bearer …``), known to the config or not.

A filter on a *logger* would not do: it sees only records logged through that very logger,
not its children (``httpcore.http11``) or anyone else's.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

REDACTED = "[redacted]"

# api_key, apiKey, access_token, client_secret, X-Amz-Signature, password... (not "monkeys")
_CREDENTIAL = (r"(?:[\w.-]*[_.-])?(?:api[_-]?key|key|token|secret|password|passwd|pwd|"
               r"signature|sig|auth|credential)s?")
# name=value in a query string, a form or a log line; the value ends where a URL part would
_PARAM = re.compile(rf"(?i)(?<![\w-])({_CREDENTIAL}=)(?!\[redacted\])[^&#;\s\"'<>\\)\]]+")
# "Authorization: Bearer x", ('authorization', 'Bot x'), {"Authorization": "Basic x"}
_AUTH_HEADER = re.compile(r"(?i)(authorization['\"]?\s*[:=,]\s*(?:b?['\"])?\s*"
                          r"(?:(?:bearer|bot|basic|token)\s+)?)"
                          r"(?!\[redacted\]|(?:bearer|bot|basic|token)\s)[^\s'\",}\])]+")
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]")


def secret_pattern(secret: str) -> str:
    """A regex matching ``secret`` as logs may carry it: raw, each character possibly
    percent-encoded (upper or lower hex), or escaped as ``repr`` or JSON write it."""
    parts = []
    for char in secret:
        forms = {re.escape(char)}
        encoded = "".join(f"%{b:02x}" for b in char.encode("utf-8"))
        forms.add(_hex_either_case(encoded))
        if not _UNRESERVED.fullmatch(char):
            forms.add(re.escape("\\" + char))  # \' \" \\ \/
            point = ord(char)
            if point < 0x100:
                forms.add(_hex_either_case(re.escape(f"\\x{point:02x}")))
            if point < 0x10000:
                forms.add(_hex_either_case(re.escape(f"\\u{point:04x}")))
            else:  # repr writes \U0001xxxx, JSON a surrogate pair
                high, low = divmod(point - 0x10000, 0x400)
                forms.add(_hex_either_case(re.escape(f"\\U{point:08x}")))
                forms.add(_hex_either_case(
                    re.escape(f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}")))
            forms.add("".join(_hex_either_case(re.escape(f"\\x{b:02x}"))
                              for b in char.encode("utf-8")))  # bytes repr
        parts.append(f"(?:{'|'.join(sorted(forms, key=len, reverse=True))})")
    return "".join(parts)


def _hex_either_case(text: str) -> str:
    return re.sub(r"[a-f]", lambda m: f"[{m[0]}{m[0].upper()}]", text)


class SecretFilter(logging.Filter):
    """Redacts known secret values and credential-looking parameters in every record."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: frozenset[str] = frozenset()
        self._known: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Also redact these values from now on (empty ones are ignored)."""
        with self._lock:
            merged = self._secrets | {s for s in secrets if s}
            if merged == self._secrets:
                return
            self._secrets = merged
            # Longest first, so a secret containing another is redacted whole.
            ordered = sorted(merged, key=len, reverse=True)
            self._known = re.compile("|".join(secret_pattern(s) for s in ordered))

    def redact(self, text: str) -> str:
        if self._known is not None:
            text = self._known.sub(REDACTED, text)
        text = _PARAM.sub(rf"\1{REDACTED}", text)
        return _AUTH_HEADER.sub(rf"\1{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (its message formatted once, arguments folded in), so
        every handler after this one, and any formatter, sees only the redacted text."""
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit: keep both, redacted, for the reader
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_FILTER = SecretFilter()


def protect_logs(secrets: Iterable[str] = ()) -> SecretFilter:
    """Redact ``secrets`` (and credential-looking parameters) in every log record.

    Puts the one process-wide filter on every handler that exists now: the root logger's,
    any other logger's, and logging's last resort. Idempotent; call it again after adding a
    handler or when more secrets are known.
    """
    _FILTER.add_secrets(secrets)
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [lg for lg in list(logging.root.manager.loggerDict.values())
                if isinstance(lg, logging.Logger)]
    handlers = [h for lg in loggers for h in lg.handlers]
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    return _FILTER
