"""Benchmark: the semantic extra on a 2,000-paper day, and a sanity figure for its neighbours.

(a) Embedding a day: 2,000 papers made from the real 2024-11-28 listing (real titles and
    abstracts, fresh ids, ``bench.inputs``) are stored in a fresh SQLite file and embedded
    through the same path a digest takes (``RelatedPapers.vectors``: cache lookup, WordLlama,
    vectors written to ``paper_embeddings``). Prints the model load time, papers per second on
    a cold cache, the time of the same call on a warm cache (nothing embedded), and the peak
    RSS of the whole run. Target: >= 300 papers/s (a day in under 7 s), peak RSS <= 400 MB.
(b) Sanity: on the real listing (1,504 papers), for each of a dozen topic queries, half of its
    keyword-matched papers (a seeded random half) make a centroid; the other half's recall among
    the top-k neighbours of that centroid (k = twice the held-out count, at least 10; the
    centroid's own papers left out) is printed next to chance (k over the papers ranked).

    python bench/semantic.py [--papers 2000] [--seed 4]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from bench.inputs import write_rss  # noqa: E402
from bot.core.related.service import RelatedPapers  # noqa: E402
from bot.semantic.model import WordLlamaEmbedder, _model, paper_text  # noqa: E402
from bot.sources.arxiv_rss import parse_arxiv_rss  # noqa: E402
from bot.store.db import Database  # noqa: E402
from bot.store.stores import Stores  # noqa: E402
from bot.topics import TopicIndex, parse_query  # noqa: E402
from tests.fixture_files import LISTING, fixture_bytes  # noqa: E402

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
TOPICS = {  # queries a lab might register, over the areas of that day's listing
    "rlhf": 'RLHF OR "preference optimization" OR "human feedback"',
    "diffusion-models": "diffusion model*",
    "llm-agents": "LLM agent*",
    "robotics": "robot*",
    "quantum": "quantum",
    "graph-learning": '"graph neural network*" OR GNN*',
    "segmentation": "segmentation",
    "federated": "federated",
    "cosmology": "galax* OR cosmolog*",
    "proteins": "protein*",
    "speech": "speech",
    "clinical": "medical OR clinical",
    "reinforcement": '"reinforcement learning"',
}


async def embed_day(count: int) -> tuple[float, float, float, int]:
    """(model load s, cold s, warm s, papers) for ``count`` papers through the store cache."""
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "day.xml"
        write_rss(listing, papers=count, day=date(2024, 11, 28))
        papers = list(parse_arxiv_rss(listing.read_bytes()).papers)
        async with await Database.open(Path(folder) / "bench.db") as db:
            stores = Stores.on(db)
            await stores.papers.upsert_papers(papers)
            started = time.perf_counter()
            _model()
            load = time.perf_counter() - started
            related = RelatedPapers(stores.semantic, stores.papers, WordLlamaEmbedder(),
                                    lambda: NOW)
            started = time.perf_counter()
            await related.vectors(papers)
            cold = time.perf_counter() - started
            assert related.embedded == len(papers)
            started = time.perf_counter()
            await related.vectors(papers)
            warm = time.perf_counter() - started
            assert related.embedded == len(papers)  # the second pass embedded nothing
    return load, cold, warm, len(papers)


def recall(seed: int) -> list[tuple[str, int, float, float]]:
    """(topic, matched papers, recall@k of the held-out half, chance) per topic."""
    papers = list(parse_arxiv_rss(fixture_bytes(LISTING)).papers)
    vectors = WordLlamaEmbedder().embed([paper_text(p.title, p.abstract) for p in papers])
    rows = []
    for name, text in TOPICS.items():
        index = TopicIndex.build([(0, parse_query(text))])
        matched = [i for i, p in enumerate(papers) if index.match_paper(p, explain=False)]
        random.Random(seed).shuffle(matched)
        train, test = matched[: len(matched) // 2], set(matched[len(matched) // 2 :])
        if not train:
            continue
        centre = vectors[train].mean(axis=0)
        ranked = [i for i in np.argsort(-(vectors @ centre)) if i not in set(train)]
        k = max(2 * len(test), 10)
        found = len(test.intersection(ranked[:k]))
        rows.append((name, len(matched), found / len(test), k / len(ranked)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()

    load, cold, warm, count = asyncio.run(embed_day(args.papers))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(a) embed a {count:,}-paper day through the store cache (WordLlama 256-d)")
    print(f"    model load: {load * 1000:.0f} ms")
    print(f"    cold cache: {cold:.2f} s = {count / cold:,.0f} papers/s   target >= 300")
    print(f"    warm cache: {warm:.2f} s (nothing embedded)")
    print(f"    peak RSS of the run: {rss_mb:.0f} MB   target <= 400 MB")

    rows = recall(args.seed)
    print("(b) held-out keyword matches among the top-k neighbours of a half-built centroid")
    for name, matched, found, chance in rows:
        print(f"    {name:<17} {matched:>4} matched   recall {found:.2f}   chance {chance:.2f}")
    mean = sum(r[2] for r in rows) / len(rows)
    chance = sum(r[3] for r in rows) / len(rows)
    print(f"    mean recall {mean:.2f} over {len(rows)} topics (chance {chance:.2f})")


if __name__ == "__main__":
    main()
