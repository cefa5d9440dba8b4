"""Companies the registry does not list, gathered over many papers: what an admin needs to
decide whether to watch them (``labs suggest``).

Per firm (spellings of one firm merged, as on a paper): its name, the papers naming it, the
affiliation strings or institutions behind those flags, the commercial e-mail domains spelling
its name, and the ``[[industry.extra_labs]]`` entry that adds it to the watched list in one step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from bot.industry.detector import detect
from bot.industry.registry import Registry
from bot.industry.unlisted import name_matches_domain, paper_domains, same_firm
from bot.models import Paper


@dataclass(frozen=True, slots=True)
class UnlistedCompany:
    """One company outside the watched list, with the evidence of every paper that names it."""

    company: str
    papers: tuple[str, ...]  # paper keys, first seen first
    evidence: tuple[str, ...]  # distinct affiliation strings / institutions
    domains: tuple[str, ...]  # commercial e-mail domains spelling its name
    vias: tuple[str, ...]  # legal-form, company-domain, company-type
    names: tuple[str, ...]  # every spelling seen, the displayed one first

    @property
    def count(self) -> int:
        """How many papers name the company."""
        return len(self.papers)

    def lab_entry(self) -> dict[str, Any]:
        """An ``[[industry.extra_labs]]`` entry that watches this company: its spellings as
        aliases (a one-word name only as a whole affiliation segment, "=Rasa", so that it never
        matches inside another organisation's name) and its e-mail domains."""
        aliases = [name if len(name.split()) > 1 else f"={name}" for name in self.names]
        entry: dict[str, Any] = {"company": self.company, "aliases": aliases}
        if self.domains:
            entry["email_domains"] = list(self.domains)
        return entry


@dataclass
class _Gathered:
    company: str
    papers: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    vias: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def frozen(self) -> UnlistedCompany:
        return UnlistedCompany(
            self.company, *(tuple(dict.fromkeys(v)) for v in (
                self.papers, self.evidence, self.domains, self.vias, self.names))
        )  # fmt: skip


def unlisted_companies(
    papers: Iterable[Paper], registry: Registry
) -> tuple[UnlistedCompany, ...]:
    """Every company outside ``registry`` flagged on ``papers``, most papers first."""
    firms: list[_Gathered] = []
    for paper in papers:
        flags = [f for f in detect(paper, registry) if f.lab is None]
        if not flags:
            continue
        raw = [aff.name for a in paper.authors for aff in a.affiliations]
        domains = paper_domains(raw, (e for a in paper.authors for e in a.emails))
        for flag in flags:
            firm = next((g for g in firms if same_firm(g.company, flag.company)), None)
            if firm is None:
                firm = _Gathered(flag.company)
                firms.append(firm)
            firm.papers.append(paper.key)
            firm.evidence.append(flag.evidence)
            firm.vias.append(flag.via)
            firm.names.extend((firm.company, flag.company))
            firm.domains.extend(d for d in domains if name_matches_domain(flag.company, d))
    found = [firm.frozen() for firm in firms]
    return tuple(sorted(found, key=lambda c: (-c.count, c.company.casefold())))


def extra_labs_toml(companies: Sequence[UnlistedCompany]) -> str:
    """The ``[[industry.extra_labs]]`` tables that watch ``companies``, as TOML a config
    accepts (tomli-w writes it, so names with quotes or control characters stay valid)."""
    return tomli_w.dumps({"industry": {"extra_labs": [c.lab_entry() for c in companies]}})
