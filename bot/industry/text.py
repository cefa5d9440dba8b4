"""Text normalisation shared by the registry and the detector.

Affiliation strings arrive in every shape (accents, ``&``, superscript markers glued to words,
``Noah’s`` with a curly apostrophe, mathematical letters such as ``𝑎``); aliases are normalised
the same way so that matching is a plain word-sequence comparison.
"""

from __future__ import annotations

import re
import unicodedata


def words(text: str) -> frozenset[str]:
    """A set of space-separated words (keeps long word lists readable)."""
    return frozenset(text.split())


_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_NON_WORD = re.compile(r"[\W_]+")
_APOSTROPHES = str.maketrans("", "", "'’‘`´")
# Segment separators: punctuation that separates organisations inside one affiliation field.
_SEGMENT_SPLIT = re.compile(r"[,;()\[\]{}|/+·•:\n\t]|&|\s[-–—]\s|\band\b", re.IGNORECASE)
# Legal-form words dropped at the end of a segment ("Apple Inc." -> "apple").
LEGAL_SUFFIXES = words(
    "inc incorporated llc ltd limited corp corporation co company gmbh ag se sa plc bv nv kk "
    "pbc lp llp spa srl"
)
_ORG_WORDS = words(
    "university universidad universidade universitat universite universita universiteit "
    "college institute institut instituto istituto school laboratory laboratories lab labs "
    "centre center academy hospital department dept faculty foundation ministry agency council "
    "inc corp corporation ltd llc gmbh company group research division program programme "
    "consultants clinic observatory society association"
)
# Words that make a supporting string non-commercial for OpenAlex company-typed institutions.
NON_COMMERCIAL_WORDS = words(
    "university universidad universidade universitat universite universita universiteit "
    "college school department dept faculty hospital county ministry government"
)


def normalize(text: str) -> str:
    """Lower-case, accent-free, punctuation-free words separated by single spaces."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.casefold().translate(_APOSTROPHES).replace("&", " and ")
    folded = _DIGIT_LETTER.sub(" ", folded)
    return _NON_WORD.sub(" ", folded).strip()


def haystack(normalized: str) -> str:
    """Pad every word with its own spaces so adjacent matches never share a boundary."""
    return "".join(f" {word} " for word in normalized.split())


def segments(text: str) -> list[str]:
    """Normalised segments of an affiliation, legal suffixes and leading markers removed."""
    out = []
    for part in _SEGMENT_SPLIT.split(text):
        words = normalize(part).split()
        while words and (words[0].isdigit() or len(words[0]) == 1 or words[0] == "the"):
            words.pop(0)
        while words and words[-1] in LEGAL_SUFFIXES:
            words.pop()
        if words:
            out.append(" ".join(words))
    return out


def has_org_word(normalized: str) -> bool:
    """Whether a normalised string names some organisation (not just a place or a person)."""
    return any(word in _ORG_WORDS for word in normalized.split())


_EMAIL_DOMAIN = re.compile(r"@([\w-]+(?:\.[\w-]+)+)")


def emails_in(text: str) -> list[str]:
    """Domains of e-mail addresses written inside a string ("..., CA, USA. natviv@google.com")."""
    return _EMAIL_DOMAIN.findall(text) if "@" in text else []


def domain_of(address: str) -> str:
    """The lower-case domain of an e-mail address or bare domain (``mailto:`` tolerated)."""
    text = address.strip().lower().removeprefix("mailto:")
    text = text.rpartition("@")[2]
    return text.strip(" .<>()[]{}\"',;")


def parent_domains(domain: str) -> list[str]:
    """``a.b.example.com`` -> ``[a.b.example.com, b.example.com, example.com]`` (no bare TLD)."""
    labels = [label for label in domain.split(".") if label]
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]
