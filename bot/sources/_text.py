"""Text, identifier and date clean-up shared by every source parser.

Each source wraps, escapes and dates things differently; normalising them here keeps the
matcher, the store and the digest free of per-source quirks.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.models import AnnounceType, split_arxiv_id

# arXiv announces on US Eastern days; feed timestamps in UTC must be read in that zone.
ARXIV_TZ = ZoneInfo("America/New_York")

# arXiv metadata marks a new paragraph by indenting its first line; plain newlines are
# hard wrapping. A blank line is a paragraph break too.
_PARAGRAPH_BREAK = re.compile(r"\n(?:[ \t]*\n)+[ \t]*|\n[ \t]+")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)
_DATE_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}")
_BAD_DATE_ERRORS = (ValueError, TypeError, OverflowError, IndexError)
_ANNOUNCE_TYPES = {t.value: t for t in AnnounceType}


def _unescape(text: str) -> str:
    """Undo HTML entities that survived one level of XML/JSON decoding (``&amp;amp;``)."""
    return html.unescape(text) if "&" in text else text


def is_tidy(text: str) -> bool:
    """Cheap C-level scans that let already-clean text (most of a feed) skip rebuilding."""
    return (
        text.isascii()
        and "  " not in text
        and "\n" not in text
        and "\t" not in text
        and "\r" not in text
        and "&" not in text
        and text[:1] != " "
        and text[-1:] != " "
    )


def clean_line(text: str | None) -> str:
    """Single-line text (titles, names, journal refs): unescape and collapse whitespace."""
    if not text:
        return ""
    if is_tidy(text):
        return text
    return " ".join(_unescape(text).split())


def clean_abstract(text: str | None) -> str:
    """Keep paragraphs (joined by a blank line) but undo hard wrapping inside them."""
    if not text:
        return ""
    if is_tidy(text):
        return text
    text = _unescape(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = (" ".join(part.split()) for part in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)


# TeX accents as arXiv keeps them in author lists: \"o, {\'e}, \c{c}, \v s, \ss, {\o}.
_TEX_ACCENT = re.compile(
    r"""\\(?P<sym>["'`^~=.])\s*\{?\s*(?P<l1>\\[ij](?![A-Za-z])|[A-Za-z])"""
    r"""|\\(?P<cmd>[cvuHkr])(?:\s+|\s*\{\s*)(?P<l2>\\[ij](?![A-Za-z])|[A-Za-z])"""
)
# \dh is written glued to the next letters in real listings ("Gu\dhmundur").
_TEX_LETTER = re.compile(
    r"\\(?:(?P<w>ss|aa|AA|ae|AE|oe|OE|th|TH|o|O|l|L|i|j)(?![A-Za-z])\s*|(?P<g>dh|DH))"
)
_COMBINING = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306",
    "H": "\u030b", "k": "\u0328", "r": "\u030a",
}
_LETTERS = {
    "ss": "ß", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "i": "i", "j": "j",
    "th": "þ", "TH": "Þ", "dh": "ð", "DH": "Ð",
}


def _accent(match: re.Match[str]) -> str:
    letter = (match["l1"] or match["l2"]).lstrip("\\")
    return letter + _COMBINING[match["sym"] or match["cmd"]]


def clean_name(text: str | None) -> str:
    """Names and affiliations: like ``clean_line``, plus TeX accents to Unicode (G\\"ung\\"or)."""
    line = clean_line(text)
    if "\\" not in line:
        return line
    line = _TEX_ACCENT.sub(_accent, line)
    line = _TEX_LETTER.sub(lambda m: _LETTERS[m["w"] or m["g"]], line)
    line = line.replace("{", "").replace("}", "").replace("\\&", "&")
    return unicodedata.normalize("NFC", line)


def dedupe(values: Iterable[str]) -> tuple[str, ...]:
    """Drop empty and repeated values, keeping first-seen order (primary category first)."""
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen[value] = None
    return tuple(seen)


def clean_doi(raw: str | None) -> str | None:
    """First DOI of a field, without resolver prefix; case kept (compare case-insensitively)."""
    if not raw:
        return None
    parts = raw.split()
    if not parts:
        return None
    doi = _DOI_PREFIX.sub("", parts[0])
    return doi or None


def arxiv_id_or_none(raw: str | None) -> tuple[str, int | None] | None:
    """``split_arxiv_id`` that returns None instead of raising on non-arXiv strings."""
    if not raw:
        return None
    try:
        return split_arxiv_id(raw)
    except ValueError:
        return None


def announce_type_or_none(raw: str | None) -> AnnounceType | None:
    """Map ``New``/``replace-cross``/... to the enum; unknown values give None."""
    if not raw:
        return None
    return _ANNOUNCE_TYPES.get(raw.strip().lower())


def announce_type_for(stated: AnnounceType | None, version: int | None) -> AnnounceType:
    """How an announced paper counts when its record may not say: as stated, else like a new
    arXiv paper, unless it names a version above 1 (then it is a replacement).

    Digests and topic previews read new and cross-listed papers only, so a record that leaves
    the type out must not be left without one: it would be stored and never shown.
    """
    if stated is not None:
        return stated
    return AnnounceType.REPLACE if version is not None and version > 1 else AnnounceType.NEW


@lru_cache(maxsize=64)
def rfc822_date(raw: str | None) -> date | None:
    """Announcement date of an RSS timestamp, as the US Eastern calendar day.

    Cached: a listing repeats one timestamp on every item.
    """
    if not raw:
        return None
    try:
        moment = parsedate_to_datetime(raw.strip())
    except _BAD_DATE_ERRORS:
        return None
    return _eastern_day(moment)


@lru_cache(maxsize=256)
def iso_date(raw: str | None, *, eastern: bool = False) -> date | None:
    """Date of an ISO 8601 timestamp or ``YYYY-MM-DD``; ``eastern`` converts aware times first."""
    if not raw:
        return None
    raw = raw.strip()
    try:
        moment = datetime.fromisoformat(raw)
    except _BAD_DATE_ERRORS:
        match = _DATE_PREFIX.match(raw)
        if not match:
            return None
        try:
            return date.fromisoformat(match.group())
        except _BAD_DATE_ERRORS:
            return None
    return _eastern_day(moment) if eastern else moment.date()


def _eastern_day(moment: datetime) -> date | None:
    if moment.tzinfo is None:
        return moment.date()
    try:
        return moment.astimezone(ARXIV_TZ).date()
    except _BAD_DATE_ERRORS:
        return moment.date()


def safe_int(raw: object) -> int | None:
    """Paging counters: an int, or None when absent or not a number."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        raw = raw.strip()
        if raw.isascii() and raw.isdigit() and len(raw) < 19:
            return int(raw)
    return None
