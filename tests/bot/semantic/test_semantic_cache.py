"""Each paper is embedded once: vectors are cached in the store (migration 014), read back by
the next digest and the next process, and embedded again only when the paper's text changed.
Seeds are kept per topic and go with it. The real model and real listing papers throughout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np

from bot.core.related.service import RelatedPapers
from bot.models import Paper
from bot.semantic.model import MODEL_NAME, Matrix, WordLlamaEmbedder
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.store.db import Database
from bot.store.stores import Stores
from tests.fixture_files import LISTING, fixture_bytes

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)


class CountingEmbedder:
    """The real embedder, counting every text it is asked to embed."""

    def __init__(self) -> None:
        self.inner = WordLlamaEmbedder()
        self.name, self.dim = self.inner.name, self.inner.dim
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> Matrix:
        self.texts += len(texts)
        return self.inner.embed(texts)


def listing(count: int) -> list[Paper]:
    return list(parse_arxiv_rss(fixture_bytes(LISTING)).papers)[:count]


async def test_each_paper_is_embedded_once_across_digests_and_restarts(db: Database) -> None:
    stores = Stores.on(db)
    papers = listing(300)
    await stores.papers.upsert_papers(papers)
    counting = CountingEmbedder()
    related = RelatedPapers(stores.semantic, stores.papers, counting, lambda: NOW)

    first = await related.vectors(papers)
    assert len(first) == 300 and counting.texts == 300 == related.embedded
    assert await stores.semantic.count(MODEL_NAME) == 300

    again = await related.vectors(papers[:200])  # the next digest: all from the cache
    assert counting.texts == 300 and related.embedded == 300
    assert all(np.array_equal(again[p.key], first[p.key]) for p in papers[:200])

    restarted = RelatedPapers(stores.semantic, stores.papers, counting, lambda: NOW)
    await restarted.vectors(papers)  # a new process reads the same cache
    assert counting.texts == 300 and restarted.embedded == 0

    # A new version with a changed abstract is embedded again, and only it.
    changed = replace(papers[0], abstract=papers[0].abstract + " We also release code.")
    await stores.papers.upsert_papers([changed])
    fresh = await restarted.vectors([changed, *papers[1:5]])
    assert counting.texts == 301 and restarted.embedded == 1
    assert not np.array_equal(fresh[changed.key], first[changed.key])
    assert await stores.semantic.count(MODEL_NAME) == 300  # replaced, not added


async def test_vectors_of_papers_not_stored_are_not_kept(db: Database) -> None:
    stores = Stores.on(db)
    related = RelatedPapers(stores.semantic, stores.papers, CountingEmbedder(), lambda: NOW)
    assert len(await related.vectors(listing(3))) == 3  # usable now...
    assert await stores.semantic.count() == 0  # ...but only stored papers are cached


async def test_seeds_are_kept_per_topic_once_and_go_with_the_topic(db: Database) -> None:
    stores = Stores.on(db)
    papers = listing(5)
    await stores.papers.upsert_papers(papers)
    await stores.members.upsert("console", "lab", "ana", "ana", NOW)
    topic = await stores.topics.add("console", "lab", "ana", "robots", "robot*", NOW)
    counting = CountingEmbedder()
    related = RelatedPapers(stores.semantic, stores.papers, counting, lambda: NOW)

    assert await related.seed(topic.id, papers[:2]) == (2, 2)
    assert await related.seed(topic.id, papers[1:3]) == (1, 3)  # one already there
    assert (await stores.semantic.seeds([topic.id]))[topic.id] == [p.key for p in papers[:3]]
    assert counting.texts == 3  # seeds are embedded when given, each once
    centres = await related.centroids([topic])
    assert set(centres) == {topic.id} and counting.texts == 3

    await stores.topics.remove("console", "lab", "ana", "robots")
    assert (await stores.semantic.seeds([topic.id]))[topic.id] == []
