"""Benchmark: one-pass topic matching vs one compiled regex per topic.

Papers come from the real 1,504-item arXiv listing, repeated and shuffled to 50,000; 1,000
topics of 3 to 8 terms are drawn from real title phrases (phrases, prefixes, acronyms, AND, OR,
NOT). One run prints:

(a) normalise + match 50,000 papers x 1,000 topics: target <= 5 s, peak RSS <= 300 MB;
(b) the same work on 1,000 papers x 200 topics, side by side with a loop of one compiled regex
    per topic (each topic translated to one equivalent regex, lookaheads for AND/NOT), and with
    the plain "any keyword" regex many paper bots use: target >= 100x.

    python bench/match.py [--papers 50000] [--topics 1000] [--seed 4]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.models import Paper  # noqa: E402
from bot.topics import (  # noqa: E402
    Query,
    QueryError,
    TopicIndex,
    parse_query,
    term_document_frequency,
)
from bot.topics.normalize import is_acronym, stem  # noqa: E402
from bot.topics.syntax import And, Node, Not, Or, Term  # noqa: E402
from tests.fixture_files import LISTING as LISTING_NAME  # noqa: E402
from tests.fixture_files import fixture_path  # noqa: E402

LISTING = fixture_path(LISTING_NAME)
# Title words nobody would use as a research topic term.
_STOP_WORDS = """a an and are as at be based beyond between by can do does for from how in into is
it its new not of on or our over than that the their this through to towards under using via we
what when which with without"""
_STOP = frozenset(_STOP_WORDS.split())


def load_papers(path: Path) -> tuple[list[Paper], str]:
    """Papers of the listing, through the project's RSS parser when it is available."""
    data = path.read_bytes()
    try:
        from bot.sources.arxiv_rss import parse_arxiv_rss

        return list(parse_arxiv_rss(data).papers), "bot.sources.arxiv_rss.parse_arxiv_rss"
    except Exception as exc:  # the parser is another engineer's work in progress
        print(f"(parse_arxiv_rss unavailable: {exc!r}; using minimal lxml extraction)")
    from lxml import etree

    papers = []
    for n, item in enumerate(etree.fromstring(data).iter("item")):
        abstract = re.sub(r"^.*?Abstract:\s*", "", item.findtext("description") or "", flags=re.S)
        papers.append(Paper(key=f"item{n}", title=item.findtext("title") or "", abstract=abstract))
    return papers, "minimal lxml extraction"


def make_topics(papers: Sequence[Paper], count: int, rng: random.Random) -> list[str]:
    """Queries of 3 to 8 terms built from title words: phrases, prefixes, acronyms, OR, NOT."""
    titles: list[list[str]] = [re.findall(r"[A-Za-z][A-Za-z0-9-]*", p.title) for p in papers]
    titles = [[w for w in t if len(w) >= 3 and w.lower() not in _STOP] for t in titles]
    titles = [t for t in titles if len(t) >= 4]
    acronyms = sorted({w for t in titles for w in t if is_acronym(w) and len(w) <= 6})

    def term(words: list[str]) -> str:
        roll, i = rng.random(), rng.randrange(len(words))
        word = words[i]
        if roll < 0.30 and i + 1 < len(words):
            return f'"{word} {words[i + 1]}"'
        if roll < 0.45 and len(word) >= 7:
            return word[: rng.randint(5, len(word) - 1)].lower() + "*"
        if roll < 0.55:
            return rng.choice(acronyms)
        return word if is_acronym(word) else word.lower()

    queries: list[str] = []
    while len(queries) < count:
        n_terms = rng.randint(3, 8)
        groups = rng.randint(1, n_terms // 2)  # alternatives of 2+ terms, like real topics
        parts = []
        for g in range(groups):
            size = max(1, n_terms // groups + (g < n_terms % groups))
            words = rng.choice(titles)
            terms = [term(words) for _ in range(size)]
            if size >= 3 and rng.random() < 0.4:  # some topics exclude a word of another title
                terms[-1] = "-" + rng.choice(rng.choice(titles)).lower()
            parts.append(" ".join(terms))
        text = rng.choice([", ", " OR "]).join(parts)
        try:
            parse_query(text)
        except QueryError:
            continue
        queries.append(text)
    return queries


def _term_regex(term: Term) -> str:
    """One term as a regex: stems take an optional `s`, acronyms are case-sensitive."""
    parts = []
    for kind, value in term.pieces:
        if kind == "prefix":
            parts.append(re.escape(value) + r"\w*")
        elif kind == "acronym":
            parts.append(f"(?-i:{re.escape(value)}s?)")
        elif stem(value + "s") == value:
            parts.append(re.escape(value) + "s?")
        else:
            parts.append(re.escape(value))
    return r"\b" + r"[\W_]+".join(parts) + r"\b"


def _node_regex(node: Node) -> str:
    """A zero-width regex true at the start of the text exactly when the node holds."""
    if isinstance(node, Term):
        return f"(?=.*?{_term_regex(node)})"
    if isinstance(node, Not):
        return f"(?!{_node_regex(node.child)})"
    if isinstance(node, And):
        return "".join(_node_regex(c) for c in node.children)
    assert isinstance(node, Or)
    return "(?:" + "|".join(_node_regex(c) for c in node.children) + ")"


def boolean_regex(query: Query) -> re.Pattern[str]:
    """The whole topic as one regex (AND/NOT as lookaheads), as a careful regex bot would."""
    return re.compile(r"\A" + _node_regex(query.root), re.IGNORECASE | re.DOTALL)


def any_keyword_regex(query: Query) -> re.Pattern[str]:
    """The common shortcut: any positive term, one alternation (answers a weaker question)."""
    return re.compile("|".join(_term_regex(t) for t in query.positive_terms), re.IGNORECASE)


T = TypeVar("T")


def time_it(run: Callable[[], T]) -> tuple[float, T]:
    """Wall-clock seconds of one call, and its result."""
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=50_000)
    parser.add_argument("--topics", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--listing", type=Path, default=LISTING)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    base, how = load_papers(args.listing)
    papers = (base * (args.papers // len(base) + 1))[: args.papers]
    rng.shuffle(papers)
    texts = make_topics(base, args.topics, rng)
    queries = [parse_query(t) for t in texts]
    named = list(enumerate(queries))
    terms = sum(len(q.terms) for q in queries)
    distinct = len({t.key for q in queries for t in q.terms})
    print(f"papers: {len(base):,} from {args.listing.name} ({how}) -> {len(papers):,} shuffled")
    print(f"topics: {len(queries):,} with {terms:,} terms ({distinct:,} distinct)")
    print(f"    e.g. {texts[0]!r}")
    print(f"    and  {texts[1]!r}")
    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    stats_time, doc_freq = time_it(lambda: term_document_frequency(queries, base))
    build_time, index = time_it(lambda: TopicIndex.build(named, doc_freq=doc_freq))
    print(
        f"term statistics over {len(base):,} papers: {stats_time:.2f} s; "
        f"index build: {build_time:.2f} s"
    )

    def run_all(idx: TopicIndex, items: Sequence[Paper]) -> int:
        return sum(len(found) for _, found in idx.match_many(items))

    cpu_start = time.process_time()
    match_time, found = time_it(lambda: run_all(index, papers))
    cpu_time = time.process_time() - cpu_start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_paper = match_time / len(papers) * 1e6
    print(
        f"\n(a) normalise + match {len(papers):,} papers x {len(queries):,} topics: "
        f"{match_time:.2f} s   target <= 5 s"
    )
    print(f"    {per_paper:.0f} us/paper, CPU {cpu_time:.2f} s, {found:,} matches")
    print(f"    peak RSS: {rss_mb:.0f} MB   target <= 300 MB")
    plain = TopicIndex.build(named)
    plain_time, _ = time_it(lambda: run_all(plain, papers))
    print(f"    same without document frequencies (guessed triggers): {plain_time:.2f} s")

    sample, few = papers[:1_000], named[:200]
    small = TopicIndex.build(few, doc_freq=doc_freq)
    ours_time, ours_found = time_it(lambda: run_all(small, sample))
    regexes = [boolean_regex(q) for _, q in few]
    shortcut = [any_keyword_regex(q) for _, q in few]

    def regex_loop(patterns: list[re.Pattern[str]], method: str) -> int:
        hits = 0
        for paper in sample:
            text = f"{paper.title}\n{paper.abstract}"
            for pattern in patterns:
                hits += getattr(pattern, method)(text) is not None
        return hits

    regex_time, regex_found = time_it(lambda: regex_loop(regexes, "match"))
    shortcut_time, _ = time_it(lambda: regex_loop(shortcut, "search"))
    print(f"\n(b) {len(sample):,} papers x {len(few)} topics")
    print(f"    one-pass index:              {ours_time * 1e3:8.1f} ms ({ours_found:,} matches)")
    print(f"    one boolean regex per topic: {regex_time * 1e3:8.1f} ms ({regex_found:,} matches)")
    print(f"    one any-keyword regex/topic: {shortcut_time * 1e3:8.1f} ms (a weaker question)")
    print(f"    ratio vs boolean regex: {regex_time / ours_time:.0f}x   target >= 100x")
    print(f"    ratio vs any-keyword regex: {shortcut_time / ours_time:.0f}x")


if __name__ == "__main__":
    main()
