"""Text that UTF-8 can carry: lone surrogates replaced before they reach the store.

JSON may spell a lone UTF-16 surrogate (``"\\ud800"``), and Python decodes one into the string
as it stands; a terminal's undecodable byte arrives the same way (``surrogateescape``). SQLite,
hashing and every platform's encoder then refuse the whole string with ``UnicodeEncodeError``:
a paper that cannot be stored, a note that cannot be kept. Replacing each with U+FFFD (the
replacement character, as a UTF-8 decoder would) keeps the rest of the text exactly.
"""

from __future__ import annotations

import json
import re
from typing import Any

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # how JSON text spells one


def well_formed(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the same object when it has
    none, which is nearly always: the check is one C-level scan)."""
    if text.isascii():
        return text
    return LONE_SURROGATE.sub("\ufffd", text)


def well_formed_values(value: Any) -> Any:
    """A decoded JSON value with :func:`well_formed` applied to every string in it, keys too."""
    if isinstance(value, str):
        return well_formed(value)
    if isinstance(value, list):
        return [well_formed_values(v) for v in value]
    if isinstance(value, dict):
        return {well_formed(k): well_formed_values(v) for k, v in value.items()}
    return value


def loads(data: bytes | str) -> Any:
    """``json.loads`` whose strings are always well formed. Only a text that spells a
    surrogate escape is walked; strictly decoded UTF-8 bytes can hold no other kind."""
    value = json.loads(data)
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return well_formed_values(value) if _SURROGATE_ESCAPE.search(raw) else value
