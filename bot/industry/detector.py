"""Pure industry detection: which companies a paper's authors work for, with evidence.

Only affiliation fields and e-mail addresses are read, never titles, abstracts, comments or
author names, so "Meta-Analysis", the "anthropic principle" or an author called Applebaum can
never raise a flag. Evidence, strongest first:

``institution-id``
    an OpenAlex institution id (or a parent in its lineage) listed in the registry;
``ror``
    a ROR id listed in the registry;
``email-domain``
    an e-mail address or domain of a registered lab (subdomains included);
``affiliation-alias``
    a registry alias in an affiliation string (whole words; ambiguous words only as a whole
    segment), or in the display name of a linked institution;
``company-type``, ``legal-form``, ``company-domain``
    a company the registry does not list (weak; shown as "company (not in the watched list)"):
    an OpenAlex institution typed ``company`` that no registry lab matched, an affiliation that
    names a firm by its legal form, or a bare name spelled by a commercial e-mail domain of the
    paper (see ``bot.industry.unlisted``). Never for known non-industry look-alikes. These flags
    have ``lab = None``; every registry flag names its lab.

OpenAlex sometimes links the wrong institution (AI21 Labs linked to "IBM Research - Haifa",
SenseTime to "Sensimetrics Corporation"). A linked institution is therefore checked against the
author's raw affiliation strings and e-mails from any source:

* a registry institution is *supported* when a raw string or e-mail of the same author names the
  same company (any of its aliases, as words anywhere) -> full confidence;
* it is *contradicted* when raw strings exist, none supports it, and they name another registry
  company or any organisation (a word such as University, Institute, Labs, Inc) -> dropped;
* otherwise (no raw strings, or only an address such as "Mountain View, CA") it is kept with
  lower confidence;
* a company-typed institution outside the registry needs a raw string that contains every
  distinctive word of its name and is not an academic or public body ("Unilever Centre ...,
  Department of Chemistry" is not Unilever); without raw strings it is kept at low confidence,
  with unsupportive raw strings it is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, Protocol, TypeVar

from bot.industry.registry import Lab, Registry
from bot.industry.text import LEGAL_SUFFIXES, NON_COMMERCIAL_WORDS, has_org_word, normalize
from bot.industry.unlisted import may_name_company, mentions, paper_domains, same_firm
from bot.models import Affiliation, Author, Paper

Via = Literal[
    "institution-id",
    "ror",
    "email-domain",
    "affiliation-alias",
    "company-type",
    "legal-form",
    "company-domain",
]
VIA_RANK: dict[str, int] = {
    "institution-id": 5,
    "ror": 4,
    "email-domain": 3,
    "affiliation-alias": 2,
    "company-type": 1,
    "legal-form": 1,
    "company-domain": 1,
}

# Confidence by evidence; unverified/unsupported links are discounted, company-type is weak.
CONF_ID = 0.95
CONF_LINEAGE = 0.9
CONF_EMAIL = 0.9
CONF_ALIAS = 0.85
CONF_SEGMENT = 0.8
CONF_UNVERIFIED_LINK = 0.6
CONF_COMPANY_TYPE = 0.5
CONF_COMPANY_TYPE_UNCHECKED = 0.4
CONF_PAST = 0.5  # "Work done while at X": the author was there, is perhaps no longer

# An affiliation string that states a past affiliation (arXiv HTML keeps such notes as printed).
PAST_AFFILIATION = re.compile(
    r"^\s*(?:(?:this )?work (?:was )?(?:done|performed|conducted|carried out)\b"
    r"|(?:done|performed) (?:while|during|when)\b|formerly\b|previously\b)",
    re.IGNORECASE,
)

_COUNTRY_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")
_GENERIC_NAME_WORDS = LEGAL_SUFFIXES | {"the", "and", "of", "group", "holdings", "international"}


class FlagView(Protocol):
    """What :func:`is_watched` reads: a detector flag or one read back from the store."""

    @property
    def lab(self) -> str | None: ...


_F = TypeVar("_F", bound=FlagView)


@dataclass(frozen=True, slots=True)
class Flag:
    """One company (and lab) found for a paper, with the exact string or institution behind it.

    ``lab`` is None exactly for companies the registry does not list (see :func:`is_watched`).
    """

    company: str
    lab: str | None
    evidence: str
    via: Via
    confidence: float
    author: str = ""

    @property
    def strength(self) -> tuple[int, float]:
        """Ordering key: evidence kind first, then confidence."""
        return VIA_RANK[self.via], self.confidence


def detect(paper: Paper, registry: Registry) -> tuple[Flag, ...]:
    """Flags for a paper, from its authors' affiliations and e-mails only."""
    return detect_authors(paper.authors, registry)


def detect_authors(authors: Sequence[Author], registry: Registry) -> tuple[Flag, ...]:
    """One flag per (company, lab), keeping the strongest evidence; registry labs first, by
    strength, then companies the registry does not list (one flag per firm)."""
    best: dict[tuple[str, str | None], Flag] = {}
    unlisted: list[Flag] = []
    pending: list[tuple[str, str]] = []  # (affiliation, author) that may name an unlisted firm
    for author in authors:
        for flag in _author_flags(author, registry, pending):
            if flag.lab is None:
                unlisted.append(flag)
                continue
            key = (flag.company, flag.lab)
            kept = best.get(key)
            if kept is None or flag.strength > kept.strength:
                best[key] = flag
    if pending:  # rare: most papers name no candidate, and skip collecting their domains
        written = [aff.name for a in authors for aff in a.affiliations if "@" in aff.name]
        domains = paper_domains(written, (address for a in authors for address in a.emails))
        for text, who in pending:
            for m in mentions(text, domains, registry):
                unlisted.append(Flag(m.company, None, m.evidence, m.via, m.confidence, who))
    listed = sorted(best.values(), key=_order)
    return (*listed, *_one_per_firm(unlisted, listed))


def _order(flag: Flag) -> tuple[int, float, str]:
    return -flag.strength[0], -flag.strength[1], flag.company


def _one_per_firm(unlisted: list[Flag], listed: Sequence[Flag]) -> list[Flag]:
    """The strongest flag of each unlisted firm; spellings of one firm ("CiDi", "CIDI Intelligent
    Driving (Chengdu) Technology") and firms a registry flag already names are merged."""
    kept: list[Flag] = []
    for flag in sorted(unlisted, key=_order):
        if not any(same_firm(flag.company, other.company) for other in (*listed, *kept)):
            kept.append(flag)
    return kept


def is_watched(flag: FlagView) -> bool:
    """Whether a flag names a lab of the registry (the watched list) rather than a company it
    does not list; works on stored flags too."""
    return flag.lab is not None


def watched_only(flags: Iterable[_F]) -> list[_F]:
    """The flags of watched labs, for digests configured without unlisted companies."""
    return [flag for flag in flags if is_watched(flag)]


_TEXT_VIA: dict[str, tuple[Via, float]] = {
    "alias": ("affiliation-alias", CONF_ALIAS),
    "segment": ("affiliation-alias", CONF_SEGMENT),
    "email": ("email-domain", CONF_EMAIL),
}


def _author_flags(
    author: Author, registry: Registry, pending: list[tuple[str, str]]
) -> list[Flag]:
    """Registry flags of one author (and company-typed institutions); affiliation strings that
    may name an unlisted company go to ``pending``, to be read with the paper's e-mail domains."""
    flags: list[Flag] = []
    raw: list[str] = []
    linked: list[Affiliation] = []
    who = author.name
    for aff in author.affiliations:
        if aff.openalex_id or aff.ror:
            linked.append(aff)
            continue
        text = aff.name
        if not text:
            continue
        raw.append(text)
        past = PAST_AFFILIATION.match(text) is not None
        for hit in registry.match_text(text):
            via, confidence = _TEXT_VIA[hit.kind]
            confidence = min(confidence, CONF_PAST) if past else confidence
            flags.append(Flag(hit.lab.company, hit.lab.lab, text, via, confidence, who))
        if may_name_company(text, registry):
            pending.append((text, who))
    for address in author.emails:
        lab = registry.lab_for_email(address)
        if lab is not None:
            flags.append(Flag(lab.company, lab.lab, address, "email-domain", CONF_EMAIL, who))
    if linked:
        named = {f.company for f in flags}
        for inst in linked:
            flag = _institution_flag(inst, who, raw, named, registry)
            if flag is not None:
                flags.append(flag)
    return flags


def _institution_flag(
    inst: Affiliation, who: str, raw: list[str], named: set[str], registry: Registry
) -> Flag | None:
    """Flag for an OpenAlex-linked institution, after checking the raw strings support it."""
    candidate = _registry_candidate(inst, registry)
    if candidate is None:
        return _company_type_flag(inst, who, raw, registry)
    lab, via, confidence, evidence = candidate
    supported = (
        not raw
        or lab.company in named
        or any(registry.mentions_company(text, lab.company) for text in raw)
    )
    if not supported:
        if named or any(has_org_word(normalize(text)) for text in raw):
            return None  # the raw strings name someone else: OpenAlex linked the wrong one
        confidence = min(confidence, CONF_UNVERIFIED_LINK)
    return Flag(lab.company, lab.lab, evidence, via, confidence, who)


_Candidate = tuple[Lab, Via, float, str]


def _registry_candidate(inst: Affiliation, registry: Registry) -> _Candidate | None:
    """The registry lab behind a linked institution (cached: institutions recur across papers)."""
    return registry.memo(_lookup_institution, inst)


def _lookup_institution(inst: Affiliation, registry: Registry) -> _Candidate | None:
    label = f"{inst.name} ({inst.openalex_id or 'ROR ' + str(inst.ror)})"
    if inst.openalex_id:
        lab = registry.lab_for_openalex(inst.openalex_id)
        if lab is not None:
            return lab, "institution-id", CONF_ID, label
        for parent in inst.lineage:
            lab = registry.lab_for_openalex(parent)
            if lab is not None:
                return lab, "institution-id", CONF_LINEAGE, f"{label}, part of {parent}"
    if inst.ror:
        lab = registry.lab_for_ror(inst.ror)
        if lab is not None:
            return lab, "ror", CONF_ID, f"{inst.name} (ROR {inst.ror})"
    hits = [h for h in registry.match_text(inst.name) if h.kind != "email"] if inst.name else []
    if hits:
        return hits[0].lab, "affiliation-alias", CONF_ALIAS, label
    return None


def _company_type_flag(
    inst: Affiliation, who: str, raw: list[str], registry: Registry
) -> Flag | None:
    if inst.type != "company" or not inst.name.strip():
        return None
    if registry.is_non_industry(openalex_id=inst.openalex_id, ror=inst.ror, name=inst.name):
        return None
    company = company_name(inst.name)
    if set(normalize(company).split()) & NON_COMMERCIAL_WORDS:
        return None  # "... 263 hospital" typed company is still a hospital
    evidence = f"{inst.name} ({inst.openalex_id or 'ROR ' + str(inst.ror)}, type company)"
    if not raw:
        return Flag(company, None, evidence, "company-type", CONF_COMPANY_TYPE_UNCHECKED, who)
    words = _distinctive_words(company)
    if words and any(_supports_company(text, words) for text in raw):
        return Flag(company, None, evidence, "company-type", CONF_COMPANY_TYPE, who)
    return None


def company_name(display_name: str) -> str:
    """OpenAlex display name without its country suffix: "Shell (Netherlands)" -> "Shell"."""
    return _COUNTRY_SUFFIX.sub("", display_name).strip() or display_name.strip()


@lru_cache(maxsize=4096)
def _distinctive_words(company: str) -> tuple[str, ...]:
    words = [w for w in normalize(company).split() if w not in _GENERIC_NAME_WORDS and len(w) > 1]
    return tuple(words)


def _supports_company(text: str, words: Iterable[str]) -> bool:
    """Every distinctive word present (plural-tolerant) and no academic or public body named."""
    norm = normalize(text)
    tokens = set(norm.split())
    if tokens & NON_COMMERCIAL_WORDS:
        return False
    return all(w in tokens or f"{w}s" in tokens or w.rstrip("s") in tokens for w in words)


def is_industry(flags: Sequence[Flag]) -> bool:
    """A paper is industry when any flag was raised."""
    return bool(flags)
