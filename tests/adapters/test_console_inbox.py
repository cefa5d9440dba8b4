"""The console goes through the same inbox as Slack and Discord, and processes each reply at
once to print its outcome; a reply the store cannot take is one plain line asking to send it
again, never an exception name."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from adapters.console.chat import CHANNEL, PLATFORM, WORKSPACE, ConsolePort, ConsoleSession
from bot.core.facade import Core
from bot.messages import Text
from bot.store.db import Database
from bot.store.notes import NoteStore
from bot.store.stores import Stores
from tests.adapters.paper_thread import seed_paper_thread

NOW = datetime(2024, 11, 28, 15, 0, tzinfo=UTC)


async def test_a_reply_the_store_cannot_take_asks_to_be_sent_again(tmp_path: Path) -> None:
    out = io.StringIO()
    async with await Database.open(tmp_path / "console.db") as db:
        core = Core(Stores.on(db), clock=lambda: NOW)
        port = ConsolePort(out)
        core.register_port(port)
        card = await port.post(CHANNEL, Text("A paper card"))
        await seed_paper_thread(db, PLATFORM, WORKSPACE, CHANNEL, card.message_id)
        session = ConsoleSession(core, port, member="ben", clock=lambda: NOW)
        core.inbox.patience = 0.0
        await db.conn.execute("PRAGMA query_only = ON")  # the store refuses every write
        await session.handle_line("reply 1 Ours plans whole-body trajectories.")
        await db.conn.execute("PRAGMA query_only = OFF")
        await session.handle_line("reply 1 Ours plans whole-body trajectories, again.")
        lines = out.getvalue().splitlines()
        assert "   ! Not saved: the bot could not store it just now. Please send it again." \
            in lines
        assert not any("Error" in line for line in lines)
        assert lines[-1] == "   ✓ note stored (#3)"
        notes = await NoteStore(db).recent(PLATFORM, WORKSPACE)
        assert [n.text for n in notes] == ["Ours plans whole-body trajectories, again."]
