"""The topic report with the real matcher (bot.topics) on the real 2024-11-28 listing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.commands.labs import labs_text, labs_view
from bot.core.facade import Core
from bot.core.notes.service import ThreadLookup
from bot.ports import Actor, CommandEvent
from bot.sources.formats import parse_document
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.stores import Stores
from bot.store.topics import TopicStore
from tests.fixture_files import LISTING as LISTING_NAME
from tests.fixture_files import fixture_path

LISTING = fixture_path(LISTING_NAME)


class NoThreads:
    async def find_by_thread(self, platform: str, channel_id: str, root: str) -> None:
        return None

    async def find_by_message(self, platform: str, message_id: str) -> None:
        return None


@pytest.fixture(scope="module")
def listing() -> bytes:
    return LISTING.read_bytes()


@pytest.fixture
async def core(tmp_path: Path, listing: bytes) -> AsyncIterator[Core]:
    db = await Database.open(tmp_path / "real.db")
    await PaperStore(db).upsert_papers(list(parse_document(listing).papers))
    threads: ThreadLookup = NoThreads()  # type: ignore[assignment]
    yield Core(Stores.on(db), threads=threads, clock=lambda: datetime(2026, 1, 5, tzinfo=UTC))
    await db.close()


def ask(text: str) -> CommandEvent:
    return CommandEvent("slack", "T1", "C1", Actor("U1", "ana"), text)


async def test_add_echoes_canonical_query_counts_examples_and_warnings(core: Core) -> None:
    result = await core.handle_command(ask(
        'topic add diffusion-planning diffusion model* AND (planning OR "trajectory '
        'optimization") NOT "image generation"'))
    text = result.messages[0].body  # type: ignore[union-attr]
    assert text.splitlines()[:2] == [
        'Query: diffusion AND model* AND (planning OR "trajectory optimization") '
        'AND NOT "image generation"',
        # Counted back from the newest stored announcement, not from the (later) clock.
        "Last 7 days (2024-11-22 to 2024-11-28): would have matched 1 of 935 papers.",
    ]
    assert "DexDiffuser: Interaction-aware Diffusion Planning" in text
    assert "Warning: `model*` appears in 52% of papers" in text


async def test_broad_single_term_is_warned_about(core: Core) -> None:
    result = await core.handle_command(ask("preview model*"))
    assert "Warning: `model*`" in result.messages[0].body  # type: ignore[union-attr]


async def test_real_parse_errors_point_at_the_column_and_save_nothing(core: Core) -> None:
    result = await core.handle_command(ask("topic add broken diffusion (planning"))
    assert not result.ok
    assert result.messages[0].body == (  # type: ignore[union-attr]
        "Bad query: unbalanced parenthesis at column 11\n"
        "  diffusion (planning\n"
        "            ^")
    for bad in ("NOT", "()", "a AND"):
        reply = await core.handle_command(ask(f"topic add broken {bad}"))
        assert not reply.ok and reply.messages[0].body.startswith("Bad query: ")  # type: ignore[union-attr]
    assert await TopicStore(core.stores.db).list_for_workspace("slack", "T1") == []


def test_labs_view_groups_the_real_registry_by_company() -> None:
    from bot.industry.registry import Registry

    text = labs_text(Registry.default().labs)
    lines = text.splitlines()
    assert lines[0].startswith("Watched industry labs: ")
    google = next(line for line in lines if line.startswith("  Google:"))
    assert "Google DeepMind" in google and "Google Research" in google
    also = next(line for line in lines if line.startswith("  Also: "))
    assert "Anthropic" in also and "OpenAI" in also
    assert lines[-1] == "Add or ignore labs in the config: [industry] extra_labs, ignore_labs."
    result = labs_view(Registry.default().labs)()
    assert result.messages[0].title == "Watched labs"  # type: ignore[union-attr]
