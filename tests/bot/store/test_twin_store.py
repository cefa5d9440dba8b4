"""The store's side of twins: title keys written with every paper and filled for older rows,
and ``find_twins`` over the real 2024-11-28 listing plus the real ChemCrow pair."""

from __future__ import annotations

import json

from bot.models import Paper
from bot.sources.arxiv_rss import parse_arxiv_rss
from bot.sources.openalex import parse_openalex_value
from bot.store.db import Database
from bot.store.papers import PaperStore
from tests.fixture_files import LISTING, fixture_bytes

CHEMCROW = "industry/cassettes/paperqa_2025-09_title_search_chemcrow_openalex.body.json"


def chemcrow() -> dict[str, Paper]:
    page = parse_openalex_value(json.loads(fixture_bytes(CHEMCROW)))
    return {p.key: p for p in page.papers}


async def test_twins_are_found_among_a_whole_listing(db: Database) -> None:
    papers = PaperStore(db)
    listing = parse_arxiv_rss(fixture_bytes(LISTING)).papers
    pair = chemcrow()
    await papers.upsert_papers([*listing, pair["2304.05376"]])
    journal = pair["openalex:W4396723768"]
    assert await papers.find_twins([journal]) == {journal.key: [("2304.05376", "title")]}
    # A whole listing against itself: every paper is only its own version.
    assert await papers.find_twins(listing[:500]) == {}


async def test_rows_written_before_title_keys_get_theirs(db: Database) -> None:
    papers = PaperStore(db)
    pair = chemcrow()
    await papers.upsert_papers([pair["2304.05376"]])
    async with db.transaction() as conn:  # as migration 009 leaves an older row
        await conn.execute("UPDATE papers SET title_key = NULL")
    journal = pair["openalex:W4396723768"]
    assert await papers.find_twins([journal]) == {}
    assert await papers.fill_title_keys() == 1 and await papers.fill_title_keys() == 0
    assert await papers.find_twins([journal]) == {journal.key: [("2304.05376", "title")]}


async def test_stored_twins_match_find_twins_whatever_the_page(db: Database) -> None:
    """The digest window's twin search reads identities only and takes papers in title-key
    order a page at a time: it must find what ``find_twins`` finds on the full papers."""
    papers = PaperStore(db)
    listing = list(parse_arxiv_rss(fixture_bytes(LISTING)).papers[:60])
    # Re-announced copies under other keys: same title and authors, so each is a title twin.
    copies = [Paper(key=f"copy-{n}", title=p.title, authors=p.authors)
              for n, p in enumerate(listing[:20])]
    pair = chemcrow()
    await papers.upsert_papers([*listing, *copies, *pair.values()])
    keys = [p.key for p in [*listing, *copies, *pair.values()]]
    expected = await papers.find_twins(list((await papers.get_many(keys)).values()))
    assert len(expected) == 42  # 20 copies, their 20 originals, the ChemCrow pair
    for size in (1, 7, 500):
        found: dict[str, list[tuple[str, str]]] = {}
        async for page in papers.stored_twins(reversed(keys), size=size):
            assert not found.keys() & page.keys()
            found.update(page)
        assert found == expected
