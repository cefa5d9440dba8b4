"""The industry-lab registry: which companies exist and how to recognise their affiliations.

The registry ships as ``labs.toml`` (package data) and is extended by the user's config. It
compiles every alias into one Aho-Corasick automaton (leftmost-longest, word-bounded), so an
affiliation string is scanned once; results are cached per distinct string because the same
affiliations recur across thousands of papers.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, TypeVar

import ahocorasick

from bot.industry.text import (
    domain_of,
    emails_in,
    haystack,
    normalize,
    parent_domains,
    segments,
    words,
)

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")
_MEMO_LIMIT = 1 << 16
_ENTRY_KEYS = ("company", "lab", "aliases", "email_domains", "openalex_ids", "ror_ids")
# Single words that mean something else outside an affiliation field, or inside one: they must be
# written as whole-segment aliases ("=Meta") or as longer phrases ("Meta AI").
_AMBIGUOUS_WORDS = words(
    "meta apple amazon anthropic intel fair brain sea line oracle snowflake runway "
    "cohere covariant perplexity uber tesla canon continental honda dyson bosch bloomberg "
    "minimax qwen baichuan didi upstage groq philips amd aws msr msra merl lg jd nec sap skt bmw "
    "reality labs research ai lab inc group"
)


@dataclass(frozen=True, slots=True)
class Lab:
    """One industry lab: a company and the names, domains and ids that identify it."""

    company: str
    lab: str
    aliases: tuple[str, ...] = ()
    email_domains: tuple[str, ...] = ()
    openalex_ids: tuple[str, ...] = ()
    ror_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NonIndustry:
    """A look-alike that must never be flagged (TTI Chicago, Los Alamos, Allen Institute...)."""

    name: str
    names: tuple[str, ...] = ()
    openalex_ids: tuple[str, ...] = ()
    ror_ids: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True, slots=True)
class TextHit:
    """A lab found in an affiliation string: by alias, whole-segment alias or embedded e-mail."""

    lab: Lab
    alias: str
    kind: Literal["alias", "segment", "email"] = "alias"


def short_openalex_id(value: str) -> str:
    """``https://openalex.org/I123`` or ``i123`` -> ``I123``."""
    short = value.strip().rstrip("/").rpartition("/")[2]
    return short[:1].upper() + short[1:]


def short_ror(value: str) -> str:
    """``https://ror.org/00njsd438`` -> ``00njsd438``."""
    return value.strip().rstrip("/").rpartition("/")[2].lower()


@dataclass(frozen=True)
class Registry:
    """Labs plus non-industry guards, compiled for fast matching. Build with the classmethods."""

    labs: tuple[Lab, ...]
    non_industry: tuple[NonIndustry, ...] = ()
    _index: _Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _Index(self.labs, self.non_industry))

    # ------------------------------------------------------------------ construction
    @classmethod
    def default(cls) -> Registry:
        """The registry shipped with scoopwatch (``bot/industry/labs.toml``), built once."""
        return _default_registry()

    @classmethod
    def from_toml(cls, text: str) -> Registry:
        """A registry from TOML text with ``[[lab]]`` and optional ``[[not_industry]]`` tables."""
        data = tomllib.loads(text)
        guards = tuple(_non_industry(entry) for entry in data.get("not_industry", []))
        return cls.from_entries(data.get("lab", []), non_industry=guards)

    @classmethod
    def from_entries(
        cls, entries: Iterable[Mapping[str, Any]], *, non_industry: Iterable[NonIndustry] = ()
    ) -> Registry:
        """A registry from plain dicts with the keys of :class:`Lab` (as config hands them over)."""
        return cls(tuple(lab_from_entry(e) for e in entries), tuple(non_industry))

    def extended(
        self, extra: Iterable[Mapping[str, Any]] = (), ignore: Iterable[str] = ()
    ) -> Registry:
        """This registry minus labs whose lab or company name is in ``ignore``, plus ``extra``.

        Ignoring a company drops all of its labs (names compare case-insensitively); ``extra``
        labs are always kept, so ignoring a lab and adding it back overrides its entry.
        """
        dropped = {name.strip().casefold() for name in ignore}
        kept = [
            lab
            for lab in self.labs
            if lab.lab.casefold() not in dropped and lab.company.casefold() not in dropped
        ]
        kept += [lab_from_entry(entry) for entry in extra]
        return Registry(tuple(kept), self.non_industry)

    # ------------------------------------------------------------------ lookups
    def match_text(self, text: str) -> tuple[TextHit, ...]:
        """Labs named in one affiliation string (cached per distinct string)."""
        return self._index.match_text(text)

    def lab_for_email(self, address: str) -> Lab | None:
        """The lab owning an e-mail address's domain or a parent domain of it (cached)."""
        return self._index.lab_for_email(address)

    def lab_for_openalex(self, openalex_id: str) -> Lab | None:
        """The lab an OpenAlex institution id (short or URL form) belongs to."""
        index = self._index
        return index.by_openalex.get(openalex_id) or index.by_openalex.get(
            short_openalex_id(openalex_id)
        )

    def lab_for_ror(self, ror: str) -> Lab | None:
        """The lab a ROR id (short or URL form) belongs to."""
        return self._index.by_ror.get(ror) or self._index.by_ror.get(short_ror(ror))

    def is_non_industry(self, *, openalex_id: str | None, ror: str | None, name: str) -> bool:
        """Whether an institution is a known non-industry look-alike."""
        index = self._index
        if openalex_id and short_openalex_id(openalex_id) in index.guard_ids:
            return True
        if ror and short_ror(ror) in index.guard_rors:
            return True
        padded = haystack(normalize(name))
        return any(phrase in padded for phrase in index.guard_phrases)

    def memo(self, function: Callable[[_K, Registry], _V], key: _K) -> _V:
        """``function(key, self)``, remembered per registry (for detector-side lookups)."""
        cache = self._index.memo.setdefault(function, {})
        try:
            return cache[key]
        except KeyError:
            if len(cache) >= _MEMO_LIMIT:
                cache.clear()
            value = cache[key] = function(key, self)
            return value

    def cached(self, function: Callable[[_K, Registry], _V]) -> Callable[[_K], _V]:
        """``function`` bound to this registry, remembered per key at C speed: for lookups made
        once per affiliation string of every paper, where :meth:`memo` would cost more than
        the lookup it saves."""
        table = self._index.bound
        bound: Callable[[_K], _V] | None = table.get(function)
        if bound is None:

            def call(key: _K) -> _V:
                return function(key, self)

            bound = table[function] = lru_cache(maxsize=_MEMO_LIMIT)(call)
        return bound

    def mentions_company(self, text: str, company: str) -> bool:
        """Loose check that ``text`` names ``company`` (any of its aliases, as words anywhere).

        Used only to confirm an OpenAlex institution link, never to raise a flag by itself.
        """
        padded = haystack(normalize(text))
        return any(word in padded for word in self._index.support_words.get(company, ()))


def lab_from_entry(entry: Mapping[str, Any]) -> Lab:
    """Validate one lab entry; raises ValueError naming the entry and the bad key."""
    unknown = set(entry) - set(_ENTRY_KEYS)
    company = entry.get("company")
    if not isinstance(company, str) or not company.strip():
        raise ValueError(f"lab entry {dict(entry)!r}: 'company' must be a non-empty string")
    if unknown:
        raise ValueError(f"lab entry {company!r}: unknown keys {sorted(unknown)}")
    lab_name = entry.get("lab") or company
    if not isinstance(lab_name, str):
        raise ValueError(f"lab entry {company!r}: 'lab' must be a string")
    lists = {key: _str_list(entry, key, company) for key in _ENTRY_KEYS[2:]}
    for alias in lists["aliases"]:
        _check_alias(alias, company)
    return Lab(
        company=company.strip(),
        lab=lab_name.strip(),
        aliases=lists["aliases"],
        email_domains=tuple(domain_of(d) for d in lists["email_domains"]),
        openalex_ids=tuple(short_openalex_id(i) for i in lists["openalex_ids"]),
        ror_ids=tuple(short_ror(r) for r in lists["ror_ids"]),
    )


def _str_list(entry: Mapping[str, Any], key: str, company: str) -> tuple[str, ...]:
    value = entry.get(key) or ()
    if isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"lab entry {company!r}: {key!r} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _check_alias(alias: str, company: str) -> None:
    """Refuse bare ambiguous aliases; they must be whole-segment ("=Meta") or longer phrases."""
    if alias.startswith("="):
        if not normalize(alias[1:]):
            raise ValueError(f"lab entry {company!r}: empty whole-segment alias {alias!r}")
        return
    tokens = normalize(alias).split()
    if not tokens:
        raise ValueError(f"lab entry {company!r}: alias {alias!r} has no letters or digits")
    if len(tokens) == 1 and (tokens[0] in _AMBIGUOUS_WORDS or len(tokens[0]) < 3):
        raise ValueError(
            f"lab entry {company!r}: alias {alias!r} is an ambiguous bare word; "
            f"write it as a whole-segment alias ('={alias}') or a longer phrase"
        )


def _non_industry(entry: Mapping[str, Any]) -> NonIndustry:
    name = str(entry.get("name", "")).strip() or "unnamed"
    return NonIndustry(
        name=name,
        names=_str_list(entry, "names", name),
        openalex_ids=tuple(short_openalex_id(i) for i in _str_list(entry, "openalex_ids", name)),
        ror_ids=tuple(short_ror(r) for r in _str_list(entry, "ror_ids", name)),
        why=str(entry.get("why", "")),
    )


@lru_cache(maxsize=1)
def _default_registry() -> Registry:
    text = resources.files("bot.industry").joinpath("labs.toml").read_text(encoding="utf-8")
    return Registry.from_toml(text)


class _Index:
    """Compiled lookup structures: one automaton, set/dict lookups, per-string caches."""

    def __init__(self, labs: Sequence[Lab], guards: Sequence[NonIndustry]) -> None:
        self.by_openalex: dict[str, Lab] = {}
        self.by_ror: dict[str, Lab] = {}
        self.by_domain: dict[str, Lab] = {}
        self.segment_alias: dict[str, tuple[Lab, str]] = {}
        self.support_words: dict[str, set[str]] = {}
        self.automaton = ahocorasick.Automaton()
        phrases: dict[str, tuple[Lab, str] | None] = {}
        for lab in labs:
            self._add_ids(lab)
            support = self.support_words.setdefault(lab.company, set())
            support.add(haystack(normalize(lab.company)))
            for alias in lab.aliases:
                segment_only = alias.startswith("=")
                norm = normalize(alias.removeprefix("="))
                support.add(haystack(norm))
                table = self.segment_alias if segment_only else phrases
                owner = table.get(norm)
                if owner is not None and owner[0] != lab:
                    raise ValueError(
                        f"alias {alias!r} of {lab.lab!r} is already an alias of {owner[0].lab!r}"
                    )
                table[norm] = (lab, alias.removeprefix("="))
        self.run_together = _run_together(phrases, self.segment_alias)
        for norm, (owner, spaced) in self.run_together.items():
            if spaced:  # "JPMorganChase" for the alias "JPMorgan Chase"; "Amazon" stays "=Amazon"
                phrases.setdefault(norm, owner)
                self.support_words.setdefault(owner[0].company, set()).add(haystack(norm))
        guard_norms = {normalize(n) for g in guards for n in g.names} - {""}
        for norm in guard_norms:
            phrases.setdefault(norm, None)  # an alias spelled like a guard stays an alias
        for norm, value in phrases.items():
            self.automaton.add_word(haystack(norm), value)
        if phrases:
            self.automaton.make_automaton()
        self.has_phrases = bool(phrases)
        self.guard_phrases = tuple(haystack(norm) for norm in guard_norms)
        self.guard_ids = {i for g in guards for i in g.openalex_ids}
        self.guard_rors = {r for g in guards for r in g.ror_ids}
        self.memo: dict[Callable[..., Any], dict[Any, Any]] = {}
        self.bound: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.match_text = lru_cache(maxsize=1 << 16)(self._match_text)
        self.lab_for_email = lru_cache(maxsize=1 << 14)(self._lab_for_email)

    def _add_ids(self, lab: Lab) -> None:
        for table, keys in (
            (self.by_openalex, lab.openalex_ids),
            (self.by_ror, lab.ror_ids),
            (self.by_domain, lab.email_domains),
        ):
            for key in keys:
                if key in table and table[key] != lab:
                    owner = table[key].lab
                    raise ValueError(f"{key!r} of {lab.lab!r} already belongs to {owner!r}")
                table[key] = lab

    def _match_text(self, text: str) -> tuple[TextHit, ...]:
        hits: list[TextHit] = []
        if self.has_phrases:
            for _end, value in self.automaton.iter_long(haystack(normalize(text))):
                if value is not None:  # None marks a non-industry guard phrase
                    hits.append(TextHit(value[0], value[1]))
        parts = segments(text)
        for segment in parts:
            found = self.segment_alias.get(segment)
            if found is not None:
                hits.append(TextHit(found[0], found[1], "segment"))
        if not hits:  # "Deep Mind", "J P Morgan": a whole segment spelling an alias run together
            for segment in parts:
                run = segment.replace(" ", "")
                spelled = self.run_together.get(run) if run != segment else None
                if spelled is not None:
                    hits.append(TextHit(spelled[0][0], spelled[0][1], "segment"))
        for address in emails_in(text):  # "Google Research, ... karansinghal@google.com"
            lab = self.lab_for_email(address)
            if lab is not None:
                hits.append(TextHit(lab, address, "email"))
        return tuple(hits)

    def _lab_for_email(self, address: str) -> Lab | None:
        for candidate in parent_domains(domain_of(address)):
            lab = self.by_domain.get(candidate)
            if lab is not None:
                return lab
        return None


_RUN_TOGETHER_MIN = 6


def _run_together(
    phrases: Mapping[str, tuple[Lab, str] | None], segment_alias: Mapping[str, tuple[Lab, str]]
) -> dict[str, tuple[tuple[Lab, str], bool]]:
    """Every alias with its words run together ("jpmorganchase", "googledeepmind", "deepmind"),
    and whether the alias had several words, so near-miss spellings of a listed company
    ("JPMorganChase AI Research", "Deep Mind") are caught without listing every one. Only forms
    of at least six letters; a form that two companies' aliases share is left out."""
    out: dict[str, tuple[Lab, str]] = {}
    spaced: set[str] = set()
    shared: set[str] = set()
    for table in (phrases, segment_alias):
        for norm, value in table.items():
            compact = norm.replace(" ", "")
            if value is None or len(compact) < _RUN_TOGETHER_MIN:
                continue
            owner = out.setdefault(compact, value)
            if owner[0].company != value[0].company:
                shared.add(compact)
            if " " in norm:
                spaced.add(compact)
    return {k: (v, k in spaced) for k, v in out.items() if k not in shared}


def registry_from_config(industry: Any) -> Registry:
    """The shipped registry with config's ``[industry]`` extra labs added and ignored labs
    removed (``industry`` is ``Config.industry``; duck-typed so this module needs no config)."""
    extra = [{k: v for k, v in lab.model_dump().items() if v is not None}
             for lab in industry.extra_labs]
    return Registry.default().extended(extra, industry.ignore_labs)
