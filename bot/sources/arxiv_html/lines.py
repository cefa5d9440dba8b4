"""What a line of an author block is: person names, an affiliation, an address, a note, noise.

Templates put names, affiliations, addresses, e-mails and remarks into one field separated only
by line breaks, so each line is read for its shape. The rules are deliberately conservative: a
line counts as person names only when every part looks like a person's name and none names an
organisation (a registry company, an organisation word such as University or Labs, a legal form);
anything unsure is kept as an affiliation, never turned into an author.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from bot.industry.detector import PAST_AFFILIATION
from bot.industry.registry import Registry
from bot.industry.text import normalize, words
from bot.sources.arxiv_html.dom import Token

# Words that make a name an organisation, a team or a place (compared lower-case, normalised).
_ORG_WORDS = words(
    """university universidad universidade universitat universite universita universiteit
    univ college institute institut instituto istituto school laboratory laboratories lab labs
    centre center academy hospital department dept faculty foundation ministry agency council
    inc incorporated corp corporation ltd limited llc gmbh company co plc ag sa bv nv kk pbc
    group research division program programme team teams collaboration consortium alliance
    ai ml technologies technology tech systems solutions enterprise enterprises intelligence
    labs studio studios network networks services service sciences science engineering
    global national international society association observatory clinic unit initiative
    corporate industries holdings ventures partners bank"""
)
_PARTICLES = words(
    "de da di do dos das del della der den van von vom zu la le du des bin binti al el ter ten "
    "y e und mac st"
)
_NAME_TOKEN = re.compile(r"^(?:[^\W\d_][\w'’.\-]*|\([^\W\d_][\w'’.\- ]*\))$")
_SPLIT_NAMES = re.compile(r"\s*(?:,|;|&|\band\b|\u2003|\u2002|\u00a0{2,}|\s{3,}|\n)\s*")
_NOISE = re.compile(
    r"^(?:equal(?:ly)? contribut\w*|\w+ authors? contributed equally|these authors"
    r"|joint first|co-?first|corresponding authors?|correspondence\b|project (?:page|lead|website)"
    r"|(?:code|homepage|website|github|data(?:set)?|demo|models?|paper|blog)\s*(?::|$)"
    r"|work in progress|preprint"
    r"|under review|accepted\b|to appear|version\b|\(version|listing order|author contributions"
    r"|see (?:the )?(?:contributions|acknowledg)|a detailed contributor|full author list"
    r"|contact\b|e-?mail\b|https?://|www\.|\*|†|‡|§|¶)",
    re.IGNORECASE,
)
_GLUED = re.compile(
    r"^(?:equal(?:ly)? contribut(?:ions?|ed|ors?)|corresponding authors?|project lead)\.?"
    r"(?=[^\W\d_])",
    re.IGNORECASE,
)
_CURRENT = re.compile(
    r"^(?:current(?:ly)?(?: (?:affiliation|address))?\s*(?:at|with|:)?|now (?:at|with)"
    r"|also (?:at|with)|present address:?|affiliations?:)\s*",
    re.IGNORECASE,
)
_SPACING = re.compile(r"^\s*\[\s*-?\d+(?:\.\d+)?\s*(?:pt|em|ex|mm|cm|in|bp)\s*\]\s*")
_FREE_AT = re.compile(r"\s+@\s+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_DIGITS = re.compile(r"\d")
_EDGE = " ,;:.·•*∗†‡§¶|"


@dataclass
class NamePart:
    """One name read from a names line, with its superscript markers and notes."""

    name: str
    markers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fnmarks: list[str] = field(default_factory=list)


def clean(text: str) -> str:
    """One line of text: LaTeX spacing artifacts (``[3pt]``) and edge punctuation removed."""
    text = _SPACING.sub("", " ".join(text.split()))
    text = _FREE_AT.sub(" at ", text)  # "AI @ Meta" is "AI at Meta", not an address
    text = re.sub(r"\s*,(?:\s*,)+", ",", text)  # acmart separators doubled by the source
    return text.strip(_EDGE + "\u00a0")


def is_noise(text: str) -> bool:
    """Remarks, links and labels that are no affiliation ("Equal contribution", a URL, "*")."""
    stripped = clean(text)
    return not _HAS_LETTER.search(stripped) or bool(_NOISE.match(stripped))


def noise_prefix(text: str) -> int | None:
    """Where a remark glued to the next sentence ends ("Equal contributionJohns Hopkins")."""
    match = _GLUED.match(text)
    return match.end() if match else None


def is_past(text: str) -> bool:
    """"Work done while at X": evidence of a past affiliation."""
    return PAST_AFFILIATION.match(clean(text)) is not None


def strip_current(text: str) -> str:
    """"current affiliation: X" / "now at X" -> "X" (a current affiliation after all)."""
    return clean(_CURRENT.sub("", clean(text), count=1))


def markers(value: str) -> list[str]:
    """``1,2`` -> [1, 2]; ``♠♣`` -> [♠, ♣]; ``𝑪`` -> [C] (compatibility forms folded)."""
    text = unicodedata.normalize("NFKC", value)
    out: list[str] = []
    for run in re.findall(r"\d+|[^\W\d_]+|[^\w\s,;]", text):
        out.extend([run] if run.isdigit() else list(run))
    return out


def known_company(text: str) -> bool:
    """Whether ``text`` names a company of the shipped registry (an organisation, no person)."""
    return any(hit.kind != "email" for hit in Registry.default().match_text(text))


def has_org_word(text: str) -> bool:
    return any(w in _ORG_WORDS for w in normalize(text).split())


def is_person_name(name: str) -> bool:
    """A person's name: 1-6 capitalised words or initials, no organisation, place code or digit."""
    words = name.split()
    if not 1 <= len(words) <= 6 or _DIGITS.search(name) or "@" in name:
        return False
    core = [w for w in words if w.lower() not in _PARTICLES]
    if not core or not all(_NAME_TOKEN.match(w) for w in core):
        return False
    if not all(w[0].isupper() or w[0] == "(" for w in core):
        return False
    caps = [w for w in core if len(w) > 1 and w.isupper() and w.isalpha()]
    if caps and (len(caps) == len(core) or len(core) < 2):
        return False  # "USA", "CA", "MIT", "FAIR": codes, not names; "Wei ZHANG" is a name
    return not has_org_word(name) and not known_company(name)


def is_address(text: str) -> bool:
    """A line that only continues an affiliation: a city, a postcode, a country."""
    if has_org_word(text) or known_company(text) or "@" in text:
        return False
    parts = [p.strip() for p in re.split(r"[,;]", clean(text)) if p.strip()]
    return bool(parts) and all(len(p.split()) <= 4 for p in parts) and (
        bool(_DIGITS.search(text)) or len(parts) <= 3
    )


def is_continuation(text: str) -> bool:
    """A wrapped line of the affiliation above: starts lower-case or with a joining word."""
    stripped = clean(text)
    return bool(stripped) and (stripped[0].islower() or stripped.split()[0] in ("and", "&"))


def split_names(line: list[Token]) -> list[NamePart]:
    """Names on one line with the markers, notes and footnote marks that follow each."""
    parts: list[NamePart] = [NamePart("")]
    for kind, value in line:
        if kind == "text":
            pieces = _SPLIT_NAMES.split(value)
            parts[-1].name += pieces[0]
            parts.extend(NamePart(piece) for piece in pieces[1:])
        elif kind == "sup":
            _last_named(parts).markers.extend(markers(value))
        elif kind == "note":
            _last_named(parts).notes.append(value)
        elif kind == "fnmark":
            _last_named(parts).fnmarks.append(value)
    out: list[NamePart] = []
    for part in parts:
        part.name = clean(re.sub(r"\s+\d+$", "", part.name))
        if part.name:
            out.append(part)
        elif out:  # a marker after a separator still belongs to the previous name
            out[-1].markers += part.markers
            out[-1].notes += part.notes
            out[-1].fnmarks += part.fnmarks
    return out


def _last_named(parts: list[NamePart]) -> NamePart:
    for part in reversed(parts):
        if part.name.strip():
            return part
    return parts[-1]


def starts_with_marker(line: list[Token]) -> bool:
    """Whether the line opens with a marker (LaTeX spacing such as ``[3pt]`` before it ignored)."""
    for kind, value in line:
        if kind == "sup":
            return bool(markers(value))
        if kind == "text" and clean(value):
            return False
    return False


def keyed(line: list[Token]) -> list[tuple[list[str], str]]:
    """``<sup>1</sup>Google <sup>2</sup>MIT`` -> [([1], Google), ([2], MIT)]."""
    pieces: list[tuple[list[str], list[str]]] = []
    for kind, value in line:
        if kind == "sup":
            pieces.append((markers(value), []))
        elif kind == "text" and pieces:
            pieces[-1][1].append(value)
    return [(keys, clean("".join(texts))) for keys, texts in pieces if clean("".join(texts))]
