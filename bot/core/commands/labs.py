"""``/scoop labs``: which industry labs the bot watches, grouped by company.

Members need this to trust (or correct) a flag: if a lab is missing, the config can add it; if
one is noise for the lab's field, the config can ignore it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from bot.core.commands.context import CommandContext
from bot.core.commands.spec import ParsedCommand
from bot.messages import Text
from bot.ports import CommandResult


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
    """``/scoop labs``."""
    if ctx.services.labs is None:
        return CommandResult((Text("The lab registry is not loaded in this setup."),))
    return ctx.services.labs()
