"""``/scoop topic seed NAME ARXIV_ID...`` through the real core: ids checked before anything is
written, one clear sentence for a bad id, an unknown topic, papers not in the store or a bot
without the semantic extra; any member text gives a reply, never an exception."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_core_support import body, cmd, paper

from bot.core.commands.seeds import INSTALL, MAX_IDS, parse_ids
from bot.core.commands.spec import CommandError
from bot.core.facade import Core
from bot.core.related.service import RelatedPapers
from bot.messages import Text
from bot.models import split_arxiv_id
from bot.semantic.model import WordLlamaEmbedder
from bot.store.db import Database
from bot.store.stores import Stores

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)
STORED = ("2411.18562", "2411.18623", "hep-th/9901001")
PAPERS = [paper("2411.18562", "Diffusion planning for dexterous hands", "We plan contact."),
          paper("2411.18623", "Lifting 2D models for 3D robot manipulation", "Robots."),
          paper("hep-th/9901001", "An old string theory paper", "Strings.")]
EMBEDDER = WordLlamaEmbedder()


async def open_core(path: Path, *, semantic: bool = True) -> tuple[Database, Core]:
    db = await Database.open(path)
    stores = Stores.on(db)
    await stores.papers.upsert_papers(PAPERS)
    related = (RelatedPapers(stores.semantic, stores.papers, EMBEDDER, lambda: NOW)
               if semantic else None)
    core = Core(stores, clock=lambda: NOW, related=related)
    await core.handle_command(cmd("topic add diffusion-planning diffusion planning"))
    return db, core


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[tuple[Database, Core]]:
    db, core = await open_core(tmp_path / "core.db")
    yield db, core
    await db.close()


async def seeds(db: Database) -> list[str]:
    stores = Stores.on(db)
    [topic] = await stores.topics.find_by_name("slack", "T1", "diffusion-planning")
    return (await stores.semantic.seeds([topic.id]))[topic.id]


async def test_seed_stores_the_papers_and_says_what_digests_will_show(
        core: tuple[Database, Core]) -> None:
    db, bot = core
    result = await bot.handle_command(
        cmd("topic seed diffusion-planning 2411.18562v2, arXiv:2411.18623 2411.18562"))
    assert result.ok, body(result)
    text = body(result)
    assert text.startswith('Topic "diffusion-planning" has 2 seed papers (2 new):\n')
    assert "- Diffusion planning for dexterous hands (`2411.18562`)" in text
    assert '"Related, no shared keywords"' in text
    assert await seeds(db) == ["2411.18562", "2411.18623"]
    again = await bot.handle_command(cmd("topic seed diffusion-planning 2411.18623"))
    assert body(again).startswith('Topic "diffusion-planning" has 2 seed papers (0 new):')


@pytest.mark.parametrize(("text", "answer"), [
    ("topic seed nope 2411.18562",
     'You have no topic named "nope". See /scoop topic list.'),
    ("topic seed diffusion-planning 2411.18562 hello",
     '"hello" is not an arXiv id (e.g. 2411.18562, 2411.18562v2 or hep-th/9901001).'),
    ("topic seed diffusion-planning 2411.18562 2401.00001 2401.00002",
     "These papers are not in the store yet: 2401.00001, 2401.00002. The bot reads arXiv's "
     "daily listing and cannot fetch single papers: load them with scoopwatch ingest FILE (an "
     "arXiv API response for those ids, or one JSON Lines record per paper), then seed again. "
     "Nothing was seeded."),
    ("topic seed diffusion-planning " + " ".join(["2411.18562"] * (MAX_IDS + 1)),
     f"At most {MAX_IDS} papers at a time ({MAX_IDS + 1} given)."),
])
async def test_bad_seeds_get_one_sentence_and_nothing_is_written(
        core: tuple[Database, Core], text: str, answer: str) -> None:
    db, bot = core
    result = await bot.handle_command(cmd(text))
    assert not result.ok and body(result) == answer
    assert await seeds(db) == []


async def test_another_members_topic_is_not_theirs_to_seed(core: tuple[Database, Core]) -> None:
    db, bot = core
    result = await bot.handle_command(cmd("topic seed diffusion-planning 2411.18562",
                                          member="U2", name="bo"))
    assert body(result) == 'You have no topic named "diffusion-planning". See /scoop topic list.'
    assert await seeds(db) == []


async def test_without_the_semantic_extra_the_bot_says_how_to_install_it(
        tmp_path: Path) -> None:
    db, bot = await open_core(tmp_path / "plain.db", semantic=False)
    try:
        result = await bot.handle_command(cmd("topic seed diffusion-planning 2411.18562"))
        assert not result.ok and body(result) == INSTALL
        assert "pip install 'scoopwatch[semantic]'" in INSTALL
    finally:
        await db.close()


ID_WORDS = st.one_of(st.sampled_from(STORED), st.sampled_from(["2411.18562v3", "2411.1856"]),
                     st.text(max_size=30))


@given(st.text(max_size=300) | st.lists(ID_WORDS, max_size=25).map(" ".join))
@settings(max_examples=300, deadline=None)
def test_parse_ids_gives_arxiv_ids_or_one_short_sentence(text: str) -> None:
    try:
        keys = parse_ids(text)
    except CommandError as exc:
        message = str(exc)
        assert "\n" not in message and len(message) <= 200
        return
    assert 1 <= len(keys) <= MAX_IDS and len(set(keys)) == len(keys)
    assert all(split_arxiv_id(key) == (key, None) for key in keys)


@given(st.text(max_size=200) | st.lists(ID_WORDS, max_size=6).map(" ".join))
@settings(max_examples=40, deadline=None)
def test_any_seed_text_gets_a_reply_and_seeds_only_stored_papers(text: str) -> None:
    async def run() -> None:
        with tempfile.TemporaryDirectory() as folder:
            db, bot = await open_core(Path(folder) / "core.db")
            try:
                result = await bot.handle_command(cmd(f"topic seed diffusion-planning {text}"))
                [message] = result.messages
                assert isinstance(message, Text) and message.body
                assert "Traceback" not in message.body and "Error" not in message.body
                stored = await seeds(db)
                assert set(stored) <= set(STORED)
                assert bool(stored) == result.ok
            finally:
                await db.close()

    asyncio.run(run())
