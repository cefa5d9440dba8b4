"""``run_bot``: console by default, scripted sessions to EOF, signals, adapter registry."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.app import (
    ADAPTER_NAMES,
    build_adapter,
    connect_hint,
    enabled_adapters,
    load_adapter,
    run_bot,
)
from bot.config import load_config
from bot.errors import ScoopwatchError
from bot.store.db import Database
from bot.store.topics import TopicStore


async def test_scripted_session_runs_to_end_of_input_and_closes_the_store(
    tmp_path: Path,
) -> None:
    out = io.StringIO()
    db_path = tmp_path / "new" / "bot.db"  # parent directories are created
    script = "/scoop topic add planning planning\nfrobnicate\n/scoop topic list\n"
    status = await run_bot(load_config(env={}, cwd=tmp_path), db_path=str(db_path),
                           stdin=io.StringIO(script), stdout=out, network=False)
    assert status == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == connect_hint(None, str(db_path))
    assert "SCOOPWATCH_SLACK_BOT_TOKEN and SCOOPWATCH_SLACK_APP_TOKEN" in lines[0]
    assert "SCOOPWATCH_DISCORD_TOKEN" in lines[0]
    assert "you> /scoop topic add planning planning" in lines
    assert '   ! unknown input "frobnicate": type help for what the console reads' in lines
    assert "#2 Your topics (1):" in lines
    async with await Database.open(db_path) as db:  # closed cleanly, reopens, data is there
        assert [t.name for t in await TopicStore(db).list_for_workspace("console", "console")] \
            == ["planning"]


async def test_console_member_comes_from_config(tmp_path: Path) -> None:
    (tmp_path / "scoopwatch.toml").write_text('[console]\nmember = "ana"\n')
    out = io.StringIO()
    await run_bot(load_config(env={}, cwd=tmp_path), db_path=str(tmp_path / "b.db"),
                  stdin=io.StringIO("/scoop topic list\n"), stdout=out, network=False)
    assert "ana> /scoop topic list" in out.getvalue()


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signal handlers need the main thread")
async def test_sigterm_stops_the_bot_cleanly(tmp_path: Path) -> None:
    read_fd, write_fd = os.pipe()  # a stdin that never ends on its own
    stdin = os.fdopen(read_fd, "r")
    out = io.StringIO()
    task = asyncio.create_task(run_bot(load_config(env={}, cwd=tmp_path),
                                       db_path=str(tmp_path / "b.db"), stdin=stdin, stdout=out,
                                       network=False))
    try:
        os.write(write_fd, b"/scoop topic add planning planning\n")
        for _ in range(100):
            await asyncio.sleep(0.05)
            if "#1 Topic" in out.getvalue():
                break
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(task, 10) == 0
    finally:
        os.close(write_fd)
    assert '#1 Topic "planning" saved' in out.getvalue()
    async with await Database.open(tmp_path / "b.db") as db:
        assert len(await TopicStore(db).list_for_workspace("console", "console")) == 1


def test_adapter_registry_and_selection(tmp_path: Path) -> None:
    assert set(ADAPTER_NAMES) == {"console", "slack", "discord"}
    assert enabled_adapters(load_config(env={}, cwd=tmp_path)) == ["console"]


def test_missing_platform_adapter_explains(tmp_path: Path) -> None:
    with pytest.raises(ScoopwatchError, match="no_such_platform adapter is not available"):
        load_adapter("no_such_platform")


def test_tokens_select_the_slack_adapter_instead_of_the_console(tmp_path: Path) -> None:
    pytest.importorskip("adapters.slack")
    env = {"SCOOPWATCH_SLACK_BOT_TOKEN": "xoxb-1234567890-abcdefghijklmnop",
           "SCOOPWATCH_SLACK_APP_TOKEN": "xapp-1-A111-222-abcdefabcdef"}
    config = load_config(env=env, cwd=tmp_path)
    assert enabled_adapters(config) == ["slack"]
    adapter = build_adapter("slack", config, None, None)  # type: ignore[arg-type]
    assert adapter.name == "slack" and adapter.port.platform == "slack"


def test_a_console_only_run_imports_no_platform_sdk(tmp_path: Path) -> None:
    """Platforms are discovered without their SDKs: the CLI, config loading and a console run
    import neither slack_bolt, slack_sdk nor discord (a fresh interpreter, so other tests'
    imports don't count)."""
    script = (
        "import asyncio, io, sys\n"
        "import bot.cli\n"
        "from bot.app import run_bot\n"
        "from bot.config import load_config\n"
        "status = asyncio.run(run_bot(load_config(), db_path=sys.argv[1],\n"
        "                             stdin=io.StringIO('/scoop help\\n'), stdout=io.StringIO(),\n"
        "                             network=False))\n"
        "sdks = sorted({m.split('.')[0] for m in sys.modules} & {'slack_bolt', 'slack_sdk',\n"
        "                                                         'discord'})\n"
        "print(status, sdks)\n"
    )
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SCOOPWATCH_", "SLACK_", "DISCORD_"))}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "b.db")], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip() == "0 []", done.stderr


def test_console_run_keeps_info_lines_out_of_the_chat(tmp_path: Path) -> None:
    """``scoopwatch run`` on the console: chat and log share a terminal, so the log goes to a
    file beside the database and only warnings show between the chat lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOOPWATCH_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--db", str(tmp_path / "lab.db")],
        cwd=tmp_path, env=env, input="/scoop status\nquit\n", capture_output=True, text=True,
        timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    shown = done.stdout + done.stderr
    assert "applied migration" not in shown and " INFO " not in shown
    assert "#1 scoopwatch status" in done.stdout
    assert f"the log is written to {tmp_path / 'lab.db.log'}" in done.stderr
    log = (tmp_path / "lab.db.log").read_text()
    assert "INFO bot.store.db: applied migration 001_papers" in log
