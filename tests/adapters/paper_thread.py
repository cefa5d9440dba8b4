"""A paper card's thread as the store knows it once the card is out, for the adapter tests
that send replies into it through the real platform libraries (this module holds no tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.models import AnnounceType, Author, Paper
from bot.store.db import Database
from bot.store.papers import PaperStore
from bot.store.posts import NewPost, PostStore

PAPER = Paper(key="2411.17700", title="Planning with diffusion", abstract="abstract",
              arxiv_id="2411.17700", version=1, authors=(Author("Ana García"),),
              categories=("cs.LG",), primary_category="cs.LG", announced=date(2024, 11, 28),
              announce_type=AnnounceType.NEW, url="https://arxiv.org/abs/2411.17700")
POSTED = datetime(2024, 11, 28, 14, 0, tzinfo=UTC)


async def seed_paper_thread(db: Database, platform: str, workspace: str, channel_id: str,
                            root: str, prompt: str = "prompt-1") -> None:
    """A card posted in ``channel_id`` whose thread hangs off message ``root``."""
    posts = PostStore(db)
    await PaperStore(db).upsert_papers([PAPER])
    async with db.transaction() as conn:
        [post_id] = await posts.insert_intents(
            conn, platform, workspace, channel_id,
            [NewPost(PAPER.key, f"sw:{PAPER.key}", ("diffusion-planning",), (), "{}", "{}")],
            POSTED)
    await posts.advance(post_id, "intent", "done", POSTED, card_message_id=root,
                        thread_root_id=root, prompt_message_id=prompt)
