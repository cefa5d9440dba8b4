"""Find industry papers related in meaning to a topic that share none of its keywords.

A topic's centroid is the mean vector of the papers it matched (newest ``CENTROID_PAPERS``)
and, with equal weight, of the member's own papers (``/scoop topic seed``). For a digest, every
paper of the window is compared with each centroid; a candidate (an industry paper not already
shown or posted) is related when it shares no positive term of the topic and its similarity
stands out from the window's (``Z`` standard deviations above its mean: a fixed cut-off would
not fit both a broad and a narrow topic). Each topic gets at most ``PER_TOPIC`` papers.

Vectors come from the store's cache; only papers missing there (or whose text changed) are
embedded, once, and stored. ``embedded`` counts them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.models import Paper
from bot.semantic.model import Embedder, Vector, paper_text
from bot.semantic.scorer import SemanticScorer
from bot.semantic.vectors import centroid, from_bytes, stack, text_hash, to_bytes
from bot.store.papers import PaperStore
from bot.store.semantic import SemanticStore, StoredVector
from bot.store.topics import TopicLike
from bot.topics import Query, QueryError, TopicIndex, parse_query

PER_TOPIC = 3  # related papers shown per topic and digest
CENTROID_PAPERS = 200  # newest matched papers averaged into a topic's centroid
Z = 2.0  # how far above the window's mean similarity a related paper must be
EMBED_BATCH = 256  # papers embedded per worker-thread call


@dataclass(frozen=True, slots=True)
class RelatedHit:
    """A paper related to one or more topics, each with its similarity, best first."""

    paper: Paper
    topics: tuple[tuple[TopicLike, float], ...]


class RelatedPapers:
    """The related-papers use case: the embedding cache, centroids, the search, seeds."""

    def __init__(self, store: SemanticStore, papers: PaperStore, embedder: Embedder,
                 clock: Callable[[], datetime], *, per_topic: int = PER_TOPIC,
                 z: float = Z) -> None:
        self.store, self.papers, self.embedder, self.clock = store, papers, embedder, clock
        self.per_topic, self.z = per_topic, z
        self.embedded = 0  # papers embedded by this process (the rest came from the cache)

    async def vectors(self, papers: Sequence[Paper]) -> dict[str, Vector]:
        """Unit vectors of ``papers`` by key: cached ones read, the others embedded and saved."""
        model, dim = self.embedder.name, self.embedder.dim
        texts = {p.key: paper_text(p.title, p.abstract) for p in papers}
        hashes = {key: text_hash(text) for key, text in texts.items()}
        cached = await self.store.vectors(texts, model)
        found: dict[str, Vector] = {}
        missing: list[str] = []
        for key in texts:
            row = cached.get(key)
            if row is not None and row.text_hash == hashes[key] and row.dim == dim:
                found[key] = from_bytes(row.vector, dim)
            else:
                missing.append(key)
        for start in range(0, len(missing), EMBED_BATCH):
            keys = missing[start : start + EMBED_BATCH]
            rows = await asyncio.to_thread(self.embedder.embed, [texts[k] for k in keys])
            self.embedded += len(keys)
            fresh = [StoredVector(k, hashes[k], dim, to_bytes(row))
                     for k, row in zip(keys, rows, strict=True)]
            await self.store.save_vectors(model, fresh, self.clock())
            found.update(zip(keys, rows, strict=True))
        return found

    async def centroids(self, topics: Sequence[TopicLike]) -> dict[int, Vector]:
        """Each topic's centroid (topics without matched papers or seeds have none)."""
        ids = [t.id for t in topics]
        matched = await self.store.matched_keys(ids, CENTROID_PAPERS)
        seeds = await self.store.seeds(ids)
        wanted = {k for keys in (*matched.values(), *seeds.values()) for k in keys}
        papers = await self.papers.get_many(wanted)
        vectors = await self.vectors(list(papers.values()))
        found: dict[int, Vector] = {}
        for topic_id in ids:
            centre = centroid([vectors[k] for k in matched.get(topic_id, ()) if k in vectors],
                              [vectors[k] for k in seeds.get(topic_id, ()) if k in vectors])
            if centre is not None:
                found[topic_id] = centre
        return found

    async def find(self, topics: Sequence[TopicLike], window: Sequence[Paper],
                   candidates: Sequence[Paper]) -> list[RelatedHit]:
        """Related papers among ``candidates`` (industry papers of ``window`` not shown or
        posted), at most ``per_topic`` per topic; a paper related to several topics is one
        hit. Ordered by best similarity."""
        queries = _queries(topics)
        if not queries or not candidates:
            return []
        centres = await self.centroids([t for t in topics if t.id in queries])
        if not centres:
            return []
        vectors = await self.vectors(window)
        by_text = {text_hash(paper_text(p.title, p.abstract)): vectors[p.key] for p in window
                   if p.key in vectors}
        scorer = SemanticScorer(self.embedder, {queries[i]: c for i, c in centres.items()},
                                by_text)
        pool = stack(list(vectors.values()), self.embedder.dim)
        index = TopicIndex.build([(i, queries[i]) for i in centres])
        shared = {p.key: index.term_hits(p.title, p.abstract) for p in candidates}
        picked: dict[str, list[tuple[TopicLike, float]]] = {}
        for topic in topics:
            centre = centres.get(topic.id)
            if centre is None:
                continue
            query = queries[topic.id]
            sims = pool @ centre
            floor = float(sims.mean() + self.z * sims.std()) if len(sims) > 1 else 1.0
            own = {term.key for term in query.positive_terms}
            scored = [
                (scorer.score(query, (), title=p.title, abstract=p.abstract), p)
                for p in candidates if not own & shared[p.key]
            ]
            best = sorted((s for s in scored if s[0] >= floor), key=lambda s: (-s[0], s[1].key))
            for similarity, paper in best[: self.per_topic]:
                picked.setdefault(paper.key, []).append((topic, similarity))
        papers = {p.key: p for p in candidates}
        hits = [RelatedHit(papers[key], tuple(sorted(found, key=lambda f: -f[1])))
                for key, found in picked.items()]
        return sorted(hits, key=lambda h: (-h.topics[0][1], h.paper.key))

    async def seed(self, topic_id: int, papers: Sequence[Paper]) -> tuple[int, int]:
        """Add the member's own papers to a topic's centroid and embed them now; returns
        (new seeds, seeds in all)."""
        added = await self.store.add_seeds(topic_id, [p.key for p in papers], self.clock())
        await self.vectors(papers)
        return added, len((await self.store.seeds([topic_id]))[topic_id])


def _queries(topics: Sequence[TopicLike]) -> dict[int, Query]:
    """Each topic's parsed query (a stored query the matcher no longer reads is left out)."""
    found: dict[int, Query] = {}
    for topic in topics:
        try:
            found[topic.id] = parse_query(topic.query)
        except QueryError:
            continue
    return found
