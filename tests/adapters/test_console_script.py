"""The console's opening script (``scoopwatch demo``): run first, shown as typed even on a
terminal, numbered like any input so the person can reply to what it posted."""

from __future__ import annotations

import asyncio
import io

from adapters.console.chat import HELP, ConsoleAdapter
from bot.ports import ThreadReply
from tests.adapters.test_console_adapter import NOW, FakeCore

SCRIPT = ("/scoop topic list", "@ana /scoop digest now")


async def test_script_runs_before_a_terminals_input_and_is_shown_as_typed() -> None:
    out = io.StringIO()
    core = FakeCore()
    adapter = ConsoleAdapter(core, stdin=io.StringIO("reply 2 ours is offline\nquit\n"),
                             stdout=out, interactive=True, clock=lambda: NOW, script=SCRIPT)
    core.port = adapter.port
    assert await asyncio.wait_for(adapter.run(asyncio.Event()), 5) == 0
    lines = out.getvalue().splitlines()
    assert lines[:5] == [
        "you> /scoop topic list", "#1 ok: /scoop topic list from you",
        "ana> /scoop digest now", "#2 Planning with diffusion",
        "  https://arxiv.org/abs/2411.17700",
    ]
    # Then the terminal session proper: help, the prompt, and a reply to the scripted card.
    typed = "\n".join(lines)
    assert HELP in typed
    assert "you> #5 [thread #2] @you: ours is offline" in typed
    replies = [e for e in core.events if isinstance(e, ThreadReply)]
    assert [(r.thread.root_message_id, r.text) for r in replies] == [
        (adapter.port.message_id(2), "ours is offline")]


async def test_a_scripted_quit_ends_the_session_before_reading_input() -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(FakeCore(), stdin=io.StringIO("/scoop help\n"), stdout=out,
                             interactive=False, script=("quit",))
    assert await asyncio.wait_for(adapter.run(asyncio.Event()), 5) == 0
    assert out.getvalue() == "you> quit\n"
