"""Notes export: Markdown grouped by topic then paper, CSV and JSON with the same fields."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from test_core_support import NOW, Env, FakePost, body, cmd, make_env, paper, reply

from bot.core.notes.export import FIELDS, ExportError, export_notes
from bot.messages import File
from bot.ports import Actor, CommandEvent, ThreadRef, ThreadReplyDeleted
from bot.store.stores import Stores


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    env = await make_env(tmp_path, papers=[
        paper("2411.00001", "Diffusion [planning] for robots"),
        paper("2411.00002", "World models at scale"),
    ])
    env.threads.add(FakePost("2411.00001", ("diffusion-planning",), "c1", "c1", "p1"))
    env.threads.add(FakePost("2411.00002", ("diffusion-planning", "world-models"), "c2", "c2",
                             "p2"))
    async with env.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO paper_flags (paper_key, company, lab, evidence, via, confidence,"
            " computed_at) VALUES (?, ?, ?, ?, 'openalex', ?, '2024-11-28T00:00:00+00:00')",
            [("2411.00001", "Google", "Google DeepMind", "Google DeepMind, London", 0.9),
             ("2411.00001", "Meta", "FAIR", "FAIR, Meta", 0.8),
             ("2411.00001", "Google", "Google DeepMind", "deepmind.com", 0.7)])
    core = env.core
    await core.handle_thread_reply(reply("We plan in latent space.", "m1", root="c1",
                                         member="U1", name="ana"))
    await core.handle_thread_reply(reply("Different robots:\nwe use arms.", "m2", root="c1",
                                         at=NOW + timedelta(hours=1)))
    await core.handle_thread_reply(reply("Ours is offline.", "m3", root="c2",
                                         at=NOW + timedelta(hours=2)))
    await core.handle_thread_reply(reply("Ours is offline RL.", "m3", root="c2", edited=True,
                                         at=NOW + timedelta(hours=3)))
    await core.handle_thread_reply(reply("deleted one", "m4", root="c2"))
    await core.handle_reply_deleted(
        ThreadReplyDeleted("slack", "T1", ThreadRef("slack", "C1", "c2"), "m4", NOW))
    yield env
    await env.db.close()


EXPECTED_MD = """\
# Differentiation notes

3 notes on 2 papers.

## diffusion-planning

### [Diffusion \\[planning\\] for robots](https://arxiv.org/abs/2411.00001)

Labs: Google DeepMind, Meta (FAIR) · Paper: 2411.00001

- **ana** (2024-11-28): We plan in latent space.
- **bo** (2024-11-28): Different robots:
  we use arms.

### [World models at scale](https://arxiv.org/abs/2411.00002)

Labs: none recorded · Paper: 2411.00002

- **bo** (2024-11-28, edited 2024-11-28): Ours is offline RL.

## world-models

### [World models at scale](https://arxiv.org/abs/2411.00002)

Labs: none recorded · Paper: 2411.00002

- **bo** (2024-11-28, edited 2024-11-28): Ours is offline RL.
"""


async def test_markdown_groups_by_topic_then_paper(env: Env) -> None:
    assert (await export_notes(Stores.on(env.db))).decode() == EXPECTED_MD


async def test_markdown_for_one_topic(env: Env) -> None:
    text = (await export_notes(Stores.on(env.db), "slack", "T1", topic="world-models")).decode()
    assert text.startswith("# Differentiation notes on world-models\n\n1 note on 1 paper.\n")
    assert "## diffusion-planning" not in text


async def test_csv_and_json_carry_the_same_fields(env: Env) -> None:
    csv_text = (await export_notes(Stores.on(env.db), fmt="csv")).decode()
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    items = json.loads(await export_notes(Stores.on(env.db), fmt="json"))
    assert len(rows) == len(items) == 4  # the world-models note appears under both topics
    assert tuple(rows[0]) == FIELDS and tuple(items[0]) == FIELDS
    assert rows[0] == {
        "topic": "diffusion-planning", "paper_key": "2411.00001",
        "paper_title": "Diffusion [planning] for robots",
        "paper_url": "https://arxiv.org/abs/2411.00001",
        "labs": "Google DeepMind; Meta (FAIR)", "author": "ana", "author_id": "U1",
        "written_at": "2024-11-28 15:00 UTC", "edited_at": "", "text": "We plan in latent space.",
        "note_id": "1",
    }
    assert items[0]["labs"] == ["Google DeepMind", "Meta (FAIR)"]
    assert items[2]["edited_at"] == "2024-11-28 18:00 UTC"
    assert items[1]["text"] == "Different robots:\nwe use arms."
    for row, item in zip(rows, items, strict=True):
        assert row["text"] == item["text"] and row["topic"] == item["topic"]


async def test_notes_export_command_returns_a_file(env: Env) -> None:
    result = await env.core.handle_command(cmd("notes export world-models json"))
    (file,) = result.messages
    assert isinstance(file, File)
    assert (file.filename, file.mime_type) == ("scoopwatch-notes-world-models.json",
                                               "application/json")
    assert json.loads(file.content)[0]["topic"] == "world-models"
    default = (await env.core.handle_command(cmd("notes export"))).messages[0]
    assert isinstance(default, File) and default.filename == "scoopwatch-notes.md"
    assert default.content.decode() == EXPECTED_MD
    assert default.comment == "3 notes."


async def test_export_with_nothing_to_export_and_bad_format(env: Env) -> None:
    other_workspace = CommandEvent("slack", "OTHER", "C1", Actor("U1", "ana"), "notes export")
    other = await env.core.handle_command(other_workspace)
    assert body(other) == "No differentiation notes to export yet."
    with pytest.raises(ExportError, match="expected md, csv or json"):
        await export_notes(Stores.on(env.db), fmt="pdf")
