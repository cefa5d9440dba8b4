"""``/scoop trends`` on the console: the real core on a store with known history; a terminal
cannot show a picture, so the chart is saved under ``[console] files_dir`` and its path
printed; a second chart of the same name never overwrites the first; without matplotlib the
console prints what to install."""

from __future__ import annotations

import io
import struct
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console.chat import ConsoleAdapter, ConsolePort, ConsoleSession
from bot.app import build_core
from bot.config import build_config
from bot.core.facade import Core
from bot.core.trends.chart import HEIGHT_PX, INSTALL_HINT, WIDTH_PX
from bot.messages import File
from bot.platforms import AppIO
from bot.store.db import Database
from bot.store.stores import Stores
from tests.bot.core.trends_lab import NOW, TIMEZONE, seed


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with await Database.open(tmp_path / "lab.db") as db:
        stores = Stores.on(db)
        await seed(stores, "console", "console")
        config = build_config({"bot": {"timezone": TIMEZONE}}, env={})
        built, _scheduler = build_core(config, stores, clock=lambda: NOW)
        yield built


def session(core: Core, files: Path) -> tuple[ConsoleSession, io.StringIO]:
    out = io.StringIO()
    port = ConsolePort(out, files_dir=files)
    core.register_port(port)
    return ConsoleSession(core, port, clock=lambda: NOW), out


async def test_the_chart_is_saved_and_its_path_printed(core: Core, tmp_path: Path) -> None:
    console, out = session(core, tmp_path / "charts")
    await console.handle_line("/scoop trends diffusion-planning 4")
    await console.handle_line("/scoop trends diffusion-planning 4")
    lines = out.getvalue().splitlines()
    saved = [line.split("saved to ", 1)[1] for line in lines if "saved to " in line]
    assert saved == [str(tmp_path / "charts" / "trends-diffusion-planning-2026-11-30.png"),
                     str(tmp_path / "charts" / "trends-diffusion-planning-2026-11-30-2.png")]
    png = Path(saved[0]).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (WIDTH_PX, HEIGHT_PX)
    assert any(line.startswith("#2 [file trends-diffusion-planning-2026-11-30.png, ")
               and line.endswith("Industry papers on diffusion-planning - Industry papers on "
                                 "diffusion-planning, last 4 weeks: 5 papers (Google 2, Meta 1, "
                                 "Microsoft 1); 2 lab notes.") for line in lines), lines


async def test_without_matplotlib_the_console_says_what_to_install(
        core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    console, out = session(core, tmp_path / "charts")
    await console.handle_line("/scoop trends")
    assert out.getvalue().splitlines()[-1] == f"#1 {INSTALL_HINT}"
    assert not (tmp_path / "charts").exists()


async def test_a_file_name_cannot_leave_the_folder(tmp_path: Path) -> None:
    port = ConsolePort(io.StringIO(), files_dir=tmp_path / "charts")
    path = port.save(File("../../escape.png", b"\x89PNG", "image/png", "t"))
    assert path == (tmp_path / "charts" / "escape.png").resolve()


def test_files_dir_comes_from_the_console_table(tmp_path: Path) -> None:
    config = build_config({"console": {"files_dir": str(tmp_path / "mine")}}, env={})
    io_ = AppIO(stdin=io.StringIO(), stdout=io.StringIO(), clock=lambda: NOW)
    adapter = ConsoleAdapter.from_config(config, core=None, io=io_)  # type: ignore[arg-type]
    assert adapter.port.files_dir == tmp_path / "mine"
    default = ConsoleAdapter.from_config(build_config({}, env={}), core=None,  # type: ignore[arg-type]
                                         io=io_)
    assert default.port.files_dir.name == "scoopwatch"
