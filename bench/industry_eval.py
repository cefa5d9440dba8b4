"""Measure industry detection on hand-labelled real records, and its speed.

Labels live in ``bench/industry_labels.tsv`` (one line per record: source file, record id,
is_industry, companies, and the affiliation text the label relied on). They were written by
reading the affiliation fields, not by running the detector. This script

* converts each labelled record into a Paper (paper lists via ``bot.industry.paperlists``, OpenAlex
  works and arXiv API entries via the real source parsers),
* prints precision/recall of ``is_industry`` and of company names, per split (``industry/`` is the
  developer set the registry was tuned on, ``industry-eval/`` the second set) and overall; a
  company the registry does not list counts as found when its name and the label's are one
  firm's spellings (``same_firm``: "Furiosa AI" = "FuriosaAI", "CiDi" = "CIDI Intelligent
  Driving(Chengdu) Technology"),
* prints how many flags name companies outside the registry, and their precision,
* lists every error with the detector's evidence,
* checks that no flag comes from titles or abstracts (affiliations removed -> zero flags),
* times detection over 10,000 synthetic papers x 10 authors built from real affiliations,
* measures the arXiv HTML author-block parser and the flag it feeds (``bench/arxiv_html_eval.py``).

Run: ``python bench/industry_eval.py [--fixtures PATH] [--quiet]``. Exit status 1 when a flag
came from a title or abstract.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository, for bot/ and tests/fixture_files.py

from bot.industry.detector import Flag, detect  # noqa: E402
from bot.industry.paperlists import paperlist_paper  # noqa: E402
from bot.industry.registry import Registry  # noqa: E402
from bot.industry.text import normalize  # noqa: E402
from bot.industry.unlisted import same_firm  # noqa: E402
from bot.models import Author, Paper  # noqa: E402
from tests.fixture_files import FIXTURES_DIR  # noqa: E402

LABELS = HERE / "industry_labels.tsv"
DEFAULT_FIXTURES = FIXTURES_DIR
TARGET_PRECISION, TARGET_RECALL = 0.97, 0.90


@dataclass(frozen=True, slots=True)
class Label:
    source: str
    record_id: str
    is_industry: bool
    companies: frozenset[str]
    why: str

    @property
    def split(self) -> str:
        if self.source.startswith("industry/"):
            return "dev (industry/)"
        if self.source.startswith("industry-eval/"):
            return "second set (industry-eval/)"
        return "other fixtures"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    ctp: int = 0
    cfp: int = 0
    cfn: int = 0
    unlisted_tp: int = 0  # records with an unlisted-company flag that are labelled industry
    unlisted_fp: int = 0
    records: int = 0
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def ratio(num: int, den: int) -> float:
        return num / den if den else 1.0

    def line(self, name: str) -> str:
        p, r = self.ratio(self.tp, self.tp + self.fp), self.ratio(self.tp, self.tp + self.fn)
        cp = self.ratio(self.ctp, self.ctp + self.cfp)
        cr = self.ratio(self.ctp, self.ctp + self.cfn)
        return (
            f"{name:<30} {self.records:>5} {self.tp + self.fn:>5}   "
            f"P={p:.3f} R={r:.3f} (tp {self.tp}, fp {self.fp}, fn {self.fn})   "
            f"P={cp:.3f} R={cr:.3f} (tp {self.ctp}, fp {self.cfp}, fn {self.cfn})   "
            f"{self.unlisted_tp + self.unlisted_fp} (fp {self.unlisted_fp})"
        )


def load_labels(path: Path = LABELS) -> list[Label]:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if not line.startswith("#")]
    labels = []
    for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
        companies = frozenset(c.strip() for c in row["companies"].split(";") if c.strip())
        labels.append(
            Label(row["source"], row["record_id"], row["is_industry"] == "1", companies, row["why"])
        )
    return labels


def load_papers(fixtures: Path, sources: Iterable[str]) -> dict[tuple[str, str], Paper]:
    """Papers of every labelled source file, keyed by (source, record id)."""
    out: dict[tuple[str, str], Paper] = {}
    for source in sorted(set(sources)):
        data = (fixtures / source).read_bytes()
        if "/paperlists/" in source:
            for record in json.loads(data):
                out[source, str(record["id"])] = paperlist_paper(record)
        elif source.endswith(".xml"):
            from bot.sources.arxiv_api import parse_arxiv_api

            for paper in parse_arxiv_api(data).papers:
                out[source, paper.key] = paper
        else:
            from bot.sources.openalex import parse_openalex_value

            for paper in parse_openalex_value(json.loads(data)).papers:
                out[source, paper.openalex_id or paper.key] = paper
    return out


def companies_of(flags: Iterable[Flag], labelled: Iterable[str] = ()) -> frozenset[str]:
    """Normalised company names of flags; an unlisted company takes the labelled name of the
    same firm, so "Furiosa AI" found for a record labelled "FuriosaAI" is a hit."""
    truth = sorted(labelled)
    names = set()
    for flag in flags:
        match = next((t for t in truth if same_firm(flag.company, t)), None)
        names.add(normalize(match if flag.lab is None and match else flag.company))
    return frozenset(names)


def evaluate(
    labels: list[Label], papers: dict[tuple[str, str], Paper], registry: Registry
) -> dict[str, Score]:
    scores: dict[str, Score] = {}
    for label in labels:
        flags = detect(papers[label.source, label.record_id], registry)
        for name in (label.split, "all"):
            _score(scores.setdefault(name, Score()), label, flags)
    return scores


def _score(score: Score, label: Label, flags: tuple[Flag, ...]) -> None:
    score.records += 1
    predicted = bool(flags)
    truth = {normalize(c) for c in label.companies}
    found = companies_of(flags, label.companies)
    if any(f.lab is None for f in flags):
        score.unlisted_tp += label.is_industry
        score.unlisted_fp += not label.is_industry
    score.tp += predicted and label.is_industry
    score.fp += predicted and not label.is_industry
    score.fn += label.is_industry and not predicted
    score.tn += not predicted and not label.is_industry
    score.ctp += len(found & truth)
    score.cfp += len(found - truth)
    score.cfn += len(truth - found)
    if predicted != label.is_industry or found != truth:
        kind = "company"
        if predicted != label.is_industry:
            kind = "FP" if predicted else "FN"
        evidence = "; ".join(f"{f.company}/{f.lab} via {f.via} [{f.evidence[:70]}]" for f in flags)
        score.errors.append(
            f"{kind:<7} {label.source.rsplit('/', 1)[-1]} {label.record_id}: "
            f"labelled {sorted(label.companies) or 'none'} | found {sorted(found) or 'none'}\n"
            f"        why: {label.why[:110]}\n        evidence: {evidence[:300] or '-'}"
        )


def abstract_only_flags(papers: Iterable[Paper], registry: Registry) -> int:
    """Flags raised with every affiliation and e-mail removed (titles, abstracts, names kept)."""
    total = 0
    for paper in papers:
        bare = tuple(Author(name=a.name) for a in paper.authors)
        total += len(detect(replace(paper, authors=bare), registry))
    return total


def speed(
    papers: Iterable[Paper], n_papers: int = 10_000, n_authors: int = 10
) -> tuple[float, float, int]:
    """CPU seconds to detect on synthetic papers (cold cache, warm cache) and distinct strings."""
    pool = [a for p in papers for a in p.authors if a.affiliations or a.emails]
    rng = random.Random(3)
    synthetic = [
        Paper(key=f"synthetic:{i}", title="", authors=tuple(rng.choices(pool, k=n_authors)))
        for i in range(n_papers)
    ]
    distinct = len({aff.name for a in pool for aff in a.affiliations})
    registry = Registry.from_toml(_labs_toml())  # fresh caches
    timings = []
    for _ in range(2):
        start = time.process_time()  # CPU seconds: other processes on a shared machine don't count
        for paper in synthetic:
            detect(paper, registry)
        timings.append(time.process_time() - start)
    return timings[0], timings[1], distinct


def _labs_toml() -> str:
    from importlib import resources

    return resources.files("bot.industry").joinpath("labs.toml").read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--quiet", action="store_true", help="figures only, no error list")
    args = parser.parse_args(argv)
    registry = Registry.default()
    labels = load_labels()
    papers = load_papers(args.fixtures, (label.source for label in labels))
    scores = evaluate(labels, papers, registry)
    positives = sum(label.is_industry for label in labels)
    print(f"Industry detection on {len(labels)} hand-labelled records ({positives} industry)\n")
    print(
        f"{'split':<30} {'recs':>5} {'ind':>5}   is_industry{'':<32}company names{'':<33}"
        "records with an unlisted company"
    )
    for name in ("dev (industry/)", "second set (industry-eval/)", "other fixtures", "all"):
        if name in scores:
            print(scores[name].line(name))
    overall = scores["all"]
    precision = Score.ratio(overall.tp, overall.tp + overall.fp)
    recall = Score.ratio(overall.tp, overall.tp + overall.fn)
    met = precision >= TARGET_PRECISION and recall >= TARGET_RECALL
    verdict = "met" if met else "NOT met"
    print(f"\ntargets is_industry P>={TARGET_PRECISION} R>={TARGET_RECALL}: {verdict}")
    if not args.quiet:
        print(f"\nErrors ({len(overall.errors)}):")
        for error in overall.errors:
            print("  " + error)
    all_papers = list(load_papers(args.fixtures, _abstract_sources(args.fixtures)).values())
    leaked = abstract_only_flags(all_papers, registry)
    print(
        "\nflags from titles/abstracts/author names "
        f"(affiliations removed, {len(all_papers)} records): {leaked}"
    )
    cold, warm, distinct = speed(papers.values())
    print(
        f"speed: 10,000 papers x 10 authors from {distinct} distinct real affiliation strings: "
        f"{cold:.3f} s CPU cold cache, {warm:.3f} s warm"
    )
    from bench.arxiv_html_eval import report as arxiv_html_report

    arxiv_html_report(quiet=args.quiet)
    return 1 if leaked else 0


def _abstract_sources(fixtures: Path) -> list[str]:
    """Every record with a title/abstract the check can use: all paper lists, OpenAlex, arXiv."""
    sources = [str(p.relative_to(fixtures)) for p in fixtures.glob("industry*/paperlists/*.json")]
    sources += [
        "industry-eval/openalex/openalexrag_works_sample.json",
        "industry-eval/openalex/researchhub_openalex_sample_response.json",
        "openalex/openalexpro_works_cursor_chunk4_page1.json",
        "openalex/"
        "openalexpro_vcr_2026-03_works_title_and_abstract_search_cursor_page1_excerpt23.body.json",
        "arxiv_api/arxivpy_2026_q_testing_s0_m100_cfe7536492ca.body.xml",
    ]
    return sources


if __name__ == "__main__":
    sys.exit(main())
