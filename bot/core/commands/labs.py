"""``/scoop labs``: which industry labs the bot watches, grouped by company, then this
workspace's local overrides (papers a member marked 🏢, with the evidence no longer trusted
here); and ``/scoop labs suggest``: the companies on recent papers that the watched list misses.

Members need this to trust (or correct) a flag: if a lab is missing, the config can add it; if
one is noise for the lab's field, the config can ignore it. ``labs suggest`` reads the stored
papers of the last weeks (``PaperStore.with_affiliations_since``), gathers the companies the
detector finds outside the registry (``bot.industry.candidates``) and prints the
``[industry] extra_labs`` entries that watch them, so an admin adds them in one step. Spellings
of a listed company ("JPMorganChase AI Research") are the registry's: never suggested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import CommandError, ParsedCommand
from bot.industry.candidates import UnlistedCompany, extra_labs_toml, unlisted_companies
from bot.industry.registry import Registry
from bot.messages import SPACE, Block, Code, Preformatted, Text, item, lab_label, line, shorten
from bot.models import Paper
from bot.ports import CommandResult
from bot.store.flag_corrections import CorrectionRecord

DEFAULT_WEEKS = 8
MAX_WEEKS = 52
CHAT_COMPANIES = 10  # a chat answer lists the most frequent; the command line lists them all
EXAMPLES = 3


class LabLike(Protocol):
    """What the view needs of ``bot.industry.registry.Lab``."""

    @property
    def company(self) -> str: ...
    @property
    def lab(self) -> str: ...


def labs_text(labs: Iterable[LabLike]) -> str:
    """Companies alphabetically, each with its labs in registry order."""
    by_company: dict[str, list[str]] = {}
    for lab in labs:
        names = by_company.setdefault(lab.company, [])
        if lab.lab and lab.lab not in names:
            names.append(lab.lab)
    count = sum(len(v) or 1 for v in by_company.values())
    lines = [f"Watched industry labs: {count} labs of {len(by_company)} companies. A paper is "
             "flagged when an author's affiliation names one (institution id, e-mail domain "
             "or affiliation text)."]
    companies = sorted(by_company, key=str.casefold)
    single = []
    for company in companies:
        others = [n for n in by_company[company] if n != company]
        if others:
            lines.append(f"  {company}: {', '.join(others)}")
        else:
            single.append(company)
    if single:
        lines.append(f"  Also: {', '.join(single)}")
    lines.append("Add or ignore labs in the config: [industry] extra_labs, ignore_labs.")
    return "\n".join(lines)


def labs_view(labs: Iterable[LabLike]) -> Callable[[], CommandResult]:
    """The ``labs`` callable ``Core`` takes (built once: the registry does not change)."""
    result = CommandResult((Text(labs_text(labs), title="Watched labs"),))
    return lambda: result


async def labs(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop labs``: the watched labs, then this workspace's corrections (a 🏢 on a card)."""
    if ctx.services.labs is None:
        watched = CommandResult((Text("The lab registry is not loaded in this setup."),))
    else:
        watched = ctx.services.labs()
    corrections = await ctx.services.stores.flag_corrections.for_workspace(ctx.platform,
                                                                           ctx.workspace)
    if not corrections:
        return watched
    return CommandResult((*watched.messages, Text(overrides_blocks(corrections),
                                                  title="Local overrides")), watched.public)


def overrides_blocks(corrections: Sequence[CorrectionRecord]) -> list[Block]:
    """Each correction: the paper, who marked it and when, and the evidence no longer trusted
    here (as the card showed it: the lab, how it was found, the exact string or id)."""
    blocks: list[Block] = [line(
        "Local overrides in this ", SPACE, ": papers a member marked 🏢 (not an industry "
        "paper). Their flags are hidden here, and the same evidence flags no other paper here:")]
    for c in corrections:
        blocks.append(item(f'"{shorten(c.paper_title, 90)}" ({c.paper_key}), marked by '
                           f"@{c.member_name} on {c.at.date().isoformat()}"))
        for flag in c.flags:
            blocks.append(item(f"not trusted: {lab_label(flag.company, flag.lab)} "
                               f"({flag.via}: {shorten(flag.evidence, 120)})", indent=1))
        if not c.flags:
            blocks.append(item("it carried no flag when marked; it stays unflagged here",
                               indent=1))
    blocks.append(line("Taking the 🏢 off the card undoes its override."))
    return blocks


class RecentAffiliations(Protocol):
    """``bot.store.papers.PaperStore.with_affiliations_since``."""

    async def with_affiliations_since(self, since: date) -> list[Paper]: ...


@dataclass(frozen=True, slots=True)
class Suggestions:
    """The companies outside the watched list on the papers of ``weeks`` weeks."""

    weeks: int
    since: date
    papers: dict[str, Paper]  # every paper read, by key
    companies: tuple[UnlistedCompany, ...]


async def find_suggestions(papers: RecentAffiliations, registry: Registry, today: date,
                           weeks: int = DEFAULT_WEEKS) -> Suggestions:
    """Read the stored papers of the last ``weeks`` weeks and gather the companies the
    registry does not list, most papers first."""
    since = today - timedelta(weeks=weeks)
    found = await papers.with_affiliations_since(since)
    return Suggestions(weeks, since, {p.key: p for p in found},
                       unlisted_companies(found, registry))


def suggestion_blocks(found: Suggestions, limit: int | None = None) -> list[Block]:
    """The answer: each company with its count, evidence and example papers (title and link),
    then the TOML that watches them; ``limit`` companies at most (the rest are counted)."""
    span = f"the last {found.weeks} weeks (since {found.since.isoformat()})"
    if not found.companies:
        return [line(f"No company outside the watched labs on the {len(found.papers)} papers "
                     f"with affiliations of {span}.")]
    shown = found.companies[:limit] if limit is not None else found.companies
    noun = "company" if len(found.companies) == 1 else "companies"
    blocks: list[Block] = [line(
        f"{len(found.companies)} {noun} outside the watched labs on papers of {span}, most "
        "papers first:")]
    for company in shown:
        papers = "paper" if company.count == 1 else "papers"
        blocks.append(item(f"{company.company}: {company.count} {papers} "
                           f"(evidence: {'; '.join(company.evidence[:2])})"))
        for key in company.papers[:EXAMPLES]:
            paper = found.papers.get(key)
            if paper is not None:
                link = paper.abs_url or ""
                blocks.append(item(" ".join(paper.title.split()), f" {link}" if link else "",
                                   indent=1))
    blocks.append(line("To watch them, add these lines to the config (in place of ",
                       Code("extra_labs = []"), " under ", Code("[industry]"),
                       " if it has that line) and restart:"))
    blocks.append(Preformatted(extra_labs_toml(shown).rstrip("\n")))
    if len(shown) < len(found.companies):
        blocks.append(line(f"{len(found.companies) - len(shown)} more: ",
                           Code(f"scoopwatch labs suggest --weeks {found.weeks}"),
                           " lists them all."))
    return blocks


def check_weeks(weeks: int) -> int:
    """``weeks`` if it is a sensible look-back, else the sentence saying what is."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise CommandError(f"WEEKS must be from 1 to {MAX_WEEKS} (got {weeks}). "
                           "Usage: /scoop labs suggest [weeks]")
    return weeks


async def suggest(ctx: CommandContext, cmd: ParsedCommand) -> CommandResult:
    """``/scoop labs suggest [weeks]``."""
    registry = ctx.services.registry
    if registry is None:
        return CommandResult((Text("The lab registry is not loaded in this setup."),))
    weeks = check_weeks(cmd.get("weeks", DEFAULT_WEEKS))
    found = await find_suggestions(ctx.services.stores.papers, registry,
                                   ctx.services.clock().date(), weeks)
    return CommandResult((Text(suggestion_blocks(found, CHAT_COMPANIES),
                               title="Companies the watched labs miss"),))
