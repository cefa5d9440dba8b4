"""Detection results as records (``scoopwatch detect --json``) and as a readable table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.industry.detector import Flag
from bot.messages import UNLISTED_COMPANY
from bot.models import Paper, record_id


def detection_record(paper: Paper, flags: Sequence[Flag]) -> dict[str, Any]:
    """``{"id", "title", "is_industry", "flags": [...], "authors": [...]}``.

    Each flag names its company, lab, evidence, kind of evidence, confidence and author; the
    authors (name, affiliations, e-mails) show what the detector read.
    """
    return {
        "id": record_id(paper),
        "title": paper.title,
        "is_industry": bool(flags),
        "flags": [
            {
                "company": f.company,
                "lab": f.lab,
                "evidence": f.evidence,
                "via": f.via,
                "confidence": round(f.confidence, 2),
                "author": f.author,
            }
            for f in flags
        ],
        "authors": [
            {
                "name": a.name,
                "affiliations": [aff.name for aff in a.affiliations],
                "emails": list(a.emails),
            }
            for a in paper.authors
        ],
    }


def format_table(records: Iterable[Mapping[str, Any]], *, width: int = 48) -> str:
    """One line per paper (id, industry or "-", title), then one line per flag with evidence.

    Companies outside the registry (flags without a lab) say "company (not in the watched
    list)", as on a digest card.
    """
    lines = []
    for record in records:
        verdict = "industry" if record.get("is_industry") else "-"
        title = _cut(str(record.get("title", "")), 70)
        lines.append(f"{record.get('id', '')!s:<16} {verdict:<9} {title}")
        for flag in record.get("flags") or []:
            lines.append(f"{'':<26} {_flag_line(flag, width)}")
    return "\n".join(lines)


def _flag_line(flag: Mapping[str, Any], width: int) -> str:
    company, lab = str(flag.get("company", "")), flag.get("lab")
    if not lab:  # the note is never cut off: the company name is
        who = f"{_cut(company, _WHO - len(UNLISTED_COMPANY) - 3)} — {UNLISTED_COMPANY}"
    else:
        who = company if lab == company else f"{company} / {lab}"
    confidence = float(flag.get("confidence", 0))
    evidence = _cut(str(flag.get("evidence", "")), width)
    return f"{_cut(who, _WHO):<{_WHO}} {flag.get('via', ''):<17} {confidence:.2f}  {evidence}"


_WHO = 56


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
