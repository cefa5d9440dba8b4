"""Time-zone names: the one check for every zone a member types or the config names.

A name is valid only if it is an IANA key (``zoneinfo.available_timezones()``, backed by the
``tzdata`` dependency). Asking ``ZoneInfo`` directly is not a check: it opens a file under the
zone directory, so a folder (``America/Argentina``, ``Etc``) or an overlong name raises
``IsADirectoryError`` or ``OSError`` instead of "unknown zone". ``localtime`` and ``Factory`` are
left out: the first is whatever the host is set to, the second is a placeholder with no time.
Suggestions are computed here too, so the chat command and the config say the same thing.
"""

from __future__ import annotations

import difflib
from functools import cache
from zoneinfo import available_timezones

_NOT_ZONES = frozenset({"localtime", "factory"})
# The longest IANA key is 32 characters; past this a name cannot be close to one, and
# comparing a pasted 100 KB token with every key would only waste time.
_LONGEST_GUESS = 64


@cache
def _keys() -> dict[str, str]:
    """Lower-case key -> IANA key."""
    return {k.lower(): k for k in available_timezones() if k.lower() not in _NOT_ZONES}


@cache
def _cities() -> dict[str, str]:
    """Last part of a key, lower-case (``berlin``, ``new_york``) -> the key, when unique."""
    seen: dict[str, list[str]] = {}
    for key in sorted(_keys().values()):
        if "/" in key:
            seen.setdefault(key.rsplit("/", 1)[1].lower(), []).append(key)
    return {city: keys[0] for city, keys in seen.items() if len(keys) == 1}


def zone_keys() -> list[str]:
    """Every zone name this module accepts, sorted (for autocomplete and tests)."""
    return sorted(_keys().values())


def zone_key(name: str) -> str | None:
    """The IANA key ``name`` spells, ignoring case (``europe/berlin`` -> ``Europe/Berlin``);
    None when it names no zone."""
    return _keys().get(name.strip().lower())


def is_zone_key(name: str) -> bool:
    """True only for an IANA key spelled exactly (the config wants the exact key)."""
    return _keys().get(name.lower()) == name


def zone_hint(name: str) -> str:
    """A short "did you mean" for a name that is not a zone, or "" when nothing is close.

    A folder of the zone tree gets a few zones inside it; a misspelt key or a bare city
    (``Berlin``) gets the closest keys.
    """
    text = name.strip()
    if not text or len(text) > _LONGEST_GUESS:
        return ""
    low = text.lower().strip("/")
    exact = _keys().get(low)
    if exact is not None and exact != text:
        return f"did you mean {exact}?"
    inside = sorted(k for lk, k in _keys().items() if lk.startswith(low + "/"))
    if inside:
        examples = ", ".join(inside[:3])
        return f"{text} is a region, not a zone; name one zone in it, e.g. {examples}"
    city = _cities().get(low.replace(" ", "_"))
    if city is not None:
        return f"did you mean {city}?"
    close = difflib.get_close_matches(low, list(_keys()), n=2, cutoff=0.75)
    if not close:
        return ""
    return "did you mean " + " or ".join(_keys()[c] for c in close) + "?"
