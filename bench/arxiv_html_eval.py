"""Measure the arXiv HTML author-block parser and the flag it feeds on hand-labelled real pages.

On the announcement day the LaTeXML author block is the only source of affiliations, so this
measures what a member gets that day: the parser (``bot.sources.arxiv_html``) reads each page in
``tests/fixtures/arxiv_html/pages/`` and the industry detector runs on the parsed authors. The
labels (``truth.json``) were written by reading the printed blocks, never by running the parser.

Figures, summed over pages:

* authors found: labelled authors whose name the parser returned (names compared as normalised
  word sequences, so accents, case and punctuation don't matter); "extra" counts returned authors
  that are not on the page (invented authors, the worst error);
* exact affiliations: found authors whose affiliations are exactly the labelled ones. Labels name
  organisations; the parser may keep what follows an organisation on its printed line (city,
  postcode, country) and may split or join the lines of one organisation differently, so each
  labelled affiliation must appear, word for word, in the author's parsed affiliations (read in
  order, across line ends), and every other parsed word must be such a trailing address, or the
  author's own name when a team or company is the author. A person's name, a URL, a note ("Equal
  contribution") or another organisation left over makes the author wrong, and so does a missing
  organisation;
* e-mails: labelled (author, address) pairs credited to that author, and addresses credited to an
  author they don't belong to;
* the flag: paper-level precision and recall of "has an industry author" (the labels list every
  company among the affiliations and e-mail domains), and how many of the companies that the
  registry lists were found. The same detector run on the labelled authors gives the ceiling the
  parser can reach.

Run ``python bench/arxiv_html_eval.py`` (or ``bench/industry_eval.py``, which calls it).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository, for bot/ and tests/fixture_files.py

from bot.industry.detector import Flag, detect_authors  # noqa: E402
from bot.industry.registry import Registry  # noqa: E402
from bot.industry.text import has_org_word, normalize, words  # noqa: E402
from bot.models import Affiliation, AffiliationSource, Author  # noqa: E402
from bot.sources.arxiv_html import parse_author_block  # noqa: E402
from tests.fixture_files import fixture_bytes, fixture_path  # noqa: E402

TRUTH = "arxiv_html/truth.json"
PAGES = "arxiv_html/pages"
TARGET_FOUND, TARGET_PRECISION, TARGET_RECALL = 0.95, 0.97, 0.90

# Words that are never part of an address tail: notes, links and relations between people.
_NOTE_WORDS = words(
    "http https www com org github io code project page equal contribution contributed "
    "corresponding author authors email mail work done while during internship intern "
    "correspondence footnote version"
)
# Words a parsed affiliation may start with before a labelled one: a past affiliation.
_PAST_WORDS = words("work done performed while at during an internship intern as formerly")


@dataclass
class Totals:
    """Counts summed over the pages of one set."""

    pages: int = 0
    authors: int = 0
    found: int = 0
    extra: int = 0
    exact: int = 0
    emails: int = 0
    emails_right: int = 0
    emails_wrong: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    ceiling_tp: int = 0
    ceiling_fp: int = 0
    ceiling_fn: int = 0
    listed: int = 0
    listed_found: int = 0
    listed_papers: int = 0
    listed_papers_flagged: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Totals) -> None:
        for name, value in vars(other).items():
            if isinstance(value, int):
                setattr(self, name, getattr(self, name) + value)
        self.errors.extend(other.errors)


def ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def words_of(text: str) -> list[str]:
    """Normalised words; a free-standing "@" ("AI @ Meta") reads "at", as the parser reads it."""
    return normalize(re.sub(r"\s+@\s+", " at ", text)).split()


def exact_affiliations(parsed: Sequence[str], truth: Sequence[str], names: set[str]) -> bool:
    """Whether ``parsed`` says exactly ``truth`` (see the module docstring for the rule)."""
    lines = [words_of(text) for text in parsed]
    flat = [w for line in lines for w in line]
    covered = [False] * len(flat)
    for label in truth:  # every mention counts ("Google Research", "Work done at Google Research")
        wanted = words_of(label)
        hit = _find(flat, wanted, covered) if wanted else 0
        if hit < 0:
            return False
        while hit >= 0 and wanted:
            for k in range(hit, hit + len(wanted)):
                covered[k] = True
            hit = _find(flat, wanted, covered)
    start = 0
    for line in lines:
        marks = covered[start : start + len(line)]
        start += len(line)
        if all(marks) or " ".join(line) in names:  # a team or company author names itself
            continue
        if not any(marks):
            return False
        first = marks.index(True)
        if not set(line[:first]) <= _PAST_WORDS:  # "Work done at Google Research"
            return False
        tail = [w for w, mark in zip(line[first:], marks[first:], strict=True) if not mark]
        if has_org_word(" ".join(tail)) or set(tail) & (_NOTE_WORDS | names):
            return False
    return True


def _find(flat: list[str], wanted: list[str], covered: list[bool]) -> int:
    n = len(wanted)
    for start in range(len(flat) - n + 1):
        if flat[start : start + n] == wanted and not any(covered[start : start + n]):
            return start
    return -1


def _name_key(name: str) -> str:
    return " ".join(words_of(name))


def score_page(
    arxiv_id: str, label: dict[str, object], authors: Sequence[Author], registry: Registry
) -> Totals:
    t = Totals(pages=1)
    truth_authors: list[dict[str, object]] = list(label["authors"])  # type: ignore[call-overload]
    parsed = {_name_key(a.name): a for a in authors}
    truth_keys = {_name_key(str(a["name"])) for a in truth_authors}
    name_words = {w for key in truth_keys for w in key.split()}
    t.extra = sum(1 for key in parsed if key not in truth_keys)
    if t.extra:
        t.errors.append(f"{arxiv_id}: invented {sorted(set(parsed) - truth_keys)}")
    owners: dict[str, set[str]] = {}
    for entry in truth_authors:
        for address in entry["emails"]:  # type: ignore[attr-defined]
            owners.setdefault(str(address).lower(), set()).add(_name_key(str(entry["name"])))
    for entry in truth_authors:
        key = _name_key(str(entry["name"]))
        wanted_affs = [str(x) for x in entry["affiliations"]]  # type: ignore[attr-defined]
        wanted_mail = [str(x).lower() for x in entry["emails"]]  # type: ignore[attr-defined]
        t.authors += 1
        t.emails += len(wanted_mail)
        got = parsed.get(key)
        if got is None:
            t.errors.append(f"{arxiv_id}: missing author {entry['name']!r}")
            continue
        t.found += 1
        affs = [a.name for a in got.affiliations]
        if exact_affiliations(affs, wanted_affs, name_words | {key}):
            t.exact += 1
        else:
            t.errors.append(f"{arxiv_id}: {got.name}: got {affs} want {wanted_affs}")
        mails = {m.lower() for m in got.emails}
        t.emails_right += sum(1 for m in wanted_mail if m in mails)
        wrong = sorted(m for m in mails if m in owners and key not in owners[m])
        t.emails_wrong += len(wrong)
        if wrong:
            t.errors.append(f"{arxiv_id}: {got.name}: e-mails of others {wrong}")
    companies: list[dict[str, object]] = list(label["companies"])  # type: ignore[call-overload]
    industry = bool(companies)
    flags = detect_authors(authors, registry)
    ceiling = detect_authors(_labelled_authors(truth_authors), registry)
    t.tp, t.fp, t.fn = _confusion(bool(flags), industry)
    t.ceiling_tp, t.ceiling_fp, t.ceiling_fn = _confusion(bool(ceiling), industry)
    if bool(flags) != industry:
        kind = "FP" if flags else "FN"
        t.errors.append(f"{arxiv_id}: flag {kind}: {_describe(flags) or 'no flag'}")
    found = {normalize(f.company) for f in flags}
    if any(c.get("registry_company") for c in companies):
        t.listed_papers = 1
        t.listed_papers_flagged = int(bool(flags))
    for company in companies:
        listed = company.get("registry_company")
        if listed:
            t.listed += 1
            if normalize(str(listed)) in found:
                t.listed_found += 1
            else:
                t.errors.append(f"{arxiv_id}: listed company {listed} not found")
    return t


def _confusion(predicted: bool, truth: bool) -> tuple[int, int, int]:
    return int(predicted and truth), int(predicted and not truth), int(truth and not predicted)


def _describe(flags: Iterable[Flag]) -> str:
    return "; ".join(f"{f.company} via {f.via} [{f.evidence[:60]}]" for f in flags)


def _labelled_authors(entries: Iterable[dict[str, object]]) -> list[Author]:
    return [
        Author(
            name=str(e["name"]),
            affiliations=tuple(
                Affiliation(name=str(a), source=AffiliationSource.HTML)
                for a in e["affiliations"]  # type: ignore[attr-defined]
            ),
            emails=tuple(str(m) for m in e["emails"]),  # type: ignore[attr-defined]
        )
        for e in entries
    ]


def evaluate(registry: Registry | None = None) -> Totals:
    """Totals over every labelled page (the parser and the detector run on each)."""
    registry = registry or Registry.default()
    labels: dict[str, dict[str, object]] = json.loads(fixture_bytes(TRUTH))
    total = Totals()
    for arxiv_id, label in labels.items():
        data = fixture_bytes(f"{PAGES}/{arxiv_id}.html")
        total.add(score_page(arxiv_id, label, parse_author_block(data), registry))
    return total


def report(*, quiet: bool = False) -> bool:
    """Print the figures (and each error unless ``quiet``); True when the targets are met."""
    fixture_path(PAGES)
    t = evaluate()
    p, r = ratio(t.tp, t.tp + t.fp), ratio(t.tp, t.tp + t.fn)
    cp, cr = ratio(t.ceiling_tp, t.ceiling_tp + t.ceiling_fp), ratio(
        t.ceiling_tp, t.ceiling_tp + t.ceiling_fn
    )
    found = ratio(t.found, t.authors)
    print(f"\narXiv HTML author blocks: {t.pages} hand-labelled pages ({PAGES}/)")
    print(f"  authors found          {t.found}/{t.authors} = {found:.3f}   invented {t.extra}")
    print(f"  exact affiliations     {t.exact}/{t.authors} = {ratio(t.exact, t.authors):.3f}")
    print(
        f"  e-mails credited right {t.emails_right}/{t.emails} = "
        f"{ratio(t.emails_right, t.emails):.3f}   credited to another author {t.emails_wrong}"
    )
    print(
        f"  industry flag          P={p:.3f} R={r:.3f} (tp {t.tp}, fp {t.fp}, fn {t.fn})   "
        f"listed companies found {t.listed_found}/{t.listed}"
    )
    print(
        f"  recall on papers with a registry company: {t.listed_papers_flagged}/{t.listed_papers}"
        "; the other industry papers name only companies outside the registry"
    )
    print(
        f"  same detector on the labelled authors (ceiling): P={cp:.3f} R={cr:.3f} "
        f"(tp {t.ceiling_tp}, fp {t.ceiling_fp}, fn {t.ceiling_fn})"
    )
    met = (
        found >= TARGET_FOUND
        and p >= TARGET_PRECISION
        and r >= TARGET_RECALL
        and t.listed_found == t.listed
    )
    print(
        f"  targets (found>={TARGET_FOUND}, P>={TARGET_PRECISION}, R>={TARGET_RECALL}, "
        f"every listed company): {'met' if met else 'NOT met'}"
    )
    if not quiet and t.errors:
        print(f"  errors ({len(t.errors)}):")
        for line in t.errors:
            print("    " + line)
    return met


if __name__ == "__main__":
    sys.exit(0 if report(quiet="--quiet" in sys.argv) else 1)
