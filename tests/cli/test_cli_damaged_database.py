"""A damaged database, or a file that is no database, through every command that reads one:
one line on stderr and exit status 2, never a traceback and never "ok"; and ``db backup``,
the verified copy a lab keeps. The damage is real: pages of a real store overwritten, a text
file named ``.db``, a store cut short."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import respx
from click.testing import CliRunner

from bot.cli import main
from bot.store.integrity import check_file
from tests.fixture_files import LISTING as LISTING_NAME
from tests.fixture_files import fixture_path

LISTING = str(fixture_path(LISTING_NAME))


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner in an empty directory with no scoopwatch or Slack/Discord env set."""
    monkeypatch.chdir(tmp_path)
    for name in ("SCOOPWATCH_CONFIG", "SCOOPWATCH_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN",
                 "SCOOPWATCH_DISCORD_TOKEN", "DISCORD_TOKEN", "SCOOPWATCH_OPENALEX_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store: arXiv's 2024-11-28 listing ingested by the CLI (1,504 papers)."""
    path = tmp_path_factory.mktemp("store") / "real.db"
    result = CliRunner().invoke(main, ["ingest", "--db", str(path), LISTING],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return path


def overwrite_pages(source: Path, target: Path) -> Path:
    """Ten pages in the middle of the file (paper rows, far from the schema) overwritten, as a
    stray write or a bad disk sector would: the file still opens and lists its tables."""
    shutil.copy(source, target)
    page_size = 4096
    pages = target.stat().st_size // page_size
    with target.open("r+b") as handle:
        for page in range(pages // 2, pages // 2 + 10):
            handle.seek(page * page_size)
            handle.write(b"\xaa" * page_size)
    conn = sqlite3.connect(target)
    try:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 10
    finally:
        conn.close()
    return target


def damaged_file(kind: str, store: Path, where: Path) -> Path:
    target = where / f"{kind}.db"
    if kind == "pages":
        return overwrite_pages(store, target)
    if kind == "text":
        target.write_text("topic,notes\nrlhf,our notes are in the other file\n" * 200)
    else:  # truncated: a copy cut short, as a full disk or an interrupted scp leaves it
        data = store.read_bytes()
        target.write_bytes(data[: len(data) // 3])
    return target


COMMANDS = [
    ["papers"], ["papers", "--json"], ["ingest", LISTING], ["notes", "export"],
    ["notes", "export", "--format", "csv"], ["db", "upgrade"], ["db", "check"], ["run"],
    ["fetch"], ["backfill", "--from", "2024-11-25", "--to", "2024-11-26"],
    ["db", "backup", "copy.db"],
]


@pytest.mark.parametrize("kind", ["pages", "text", "truncated"])
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_says_one_line_and_exits_2(
        runner: CliRunner, store: Path, tmp_path: Path, kind: str, command: list[str]) -> None:
    path = damaged_file(kind, store, tmp_path)
    before = path.read_bytes()
    with respx.mock:  # fetch and backfill must stop before any request
        result = runner.invoke(main, [*command, "--db", str(path)], input="",
                               catch_exceptions=False)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and str(path) in line
    assert "is damaged" in line or "is not an SQLite database" in line, line
    assert "Traceback" not in result.output and result.stdout == ""
    assert not Path("copy.db").exists()
    assert path.read_bytes() == before  # nothing was written to it


def test_db_check_reads_every_page_and_says_ok_only_when_intact(
        runner: CliRunner, store: Path, tmp_path: Path) -> None:
    result = runner.invoke(main, ["db", "check", "--db", str(store)], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout.startswith(f"ok: {store}")
    damaged = overwrite_pages(store, tmp_path / "damaged.db")
    result = runner.invoke(main, ["db", "check", "--db", str(damaged)], catch_exceptions=False)
    assert result.exit_code == 2 and "database disk image is malformed" in result.stderr


def test_a_demo_refuses_an_existing_file_with_one_line(runner: CliRunner, store: Path,
                                                       tmp_path: Path) -> None:
    path = damaged_file("text", store, tmp_path)
    result = runner.invoke(main, ["demo", "--db", str(path)], catch_exceptions=False)
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1


def test_backup_copies_the_store_and_verifies_the_copy(runner: CliRunner, store: Path) -> None:
    result = runner.invoke(main, ["db", "backup", "--db", str(store), "backups/copy.db"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "verified intact" in result.stdout
    copy = Path("backups/copy.db")
    assert check_file(copy).ok and check_file(copy).schema_version == \
        check_file(store).schema_version
    assert count_papers(copy) == count_papers(store) == 1504
    assert [p.name for p in copy.parent.iterdir()] == ["copy.db"]  # no partial files left


def test_backup_never_overwrites_without_force(runner: CliRunner, store: Path) -> None:
    Path("copy.db").write_bytes(b"last week's backup")
    result = runner.invoke(main, ["db", "backup", "--db", str(store), "copy.db"],
                           catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr == "error: copy.db already exists; pass --force to replace it\n"
    assert Path("copy.db").read_bytes() == b"last week's backup"
    result = runner.invoke(main, ["db", "backup", "--db", str(store), "copy.db", "--force"],
                           catch_exceptions=False)
    assert result.exit_code == 0 and count_papers(Path("copy.db")) == 1504
    result = runner.invoke(main, ["db", "backup", "--db", str(store), str(store), "--force"],
                           catch_exceptions=False)
    assert result.exit_code == 2 and "is the database itself" in result.stderr


def test_a_damaged_store_never_replaces_a_good_backup(runner: CliRunner, store: Path,
                                                      tmp_path: Path) -> None:
    (tmp_path / "live").mkdir()
    damaged = overwrite_pages(store, tmp_path / "live" / "damaged.db")
    backups = tmp_path / "backups"
    backups.mkdir()
    shutil.copy(store, backups / "copy.db")
    result = runner.invoke(main, ["db", "backup", "--db", str(damaged), "backups/copy.db",
                                  "--force"], catch_exceptions=False)
    assert result.exit_code == 2 and "is damaged" in result.stderr
    assert (backups / "copy.db").read_bytes() == store.read_bytes()
    assert [p.name for p in backups.iterdir()] == ["copy.db"]  # no partial copy left


def test_backup_works_while_the_bot_writes(runner: CliRunner, store: Path,
                                          tmp_path: Path) -> None:
    """The bot's connection keeps its write lock and uncheckpointed WAL pages during the copy:
    the backup waits for neither and holds what was committed, not what was in flight."""
    live = tmp_path / "live.db"
    shutil.copy(store, live)
    bot = sqlite3.connect(live, isolation_level=None)
    try:
        bot.execute("PRAGMA journal_mode = WAL")
        bot.execute("PRAGMA wal_autocheckpoint = 0")  # committed rows stay in the -wal file
        bot.execute("INSERT INTO source_state VALUES ('test', 'committed', '1', '2024-11-28')")
        bot.execute("BEGIN IMMEDIATE")
        bot.execute("INSERT INTO source_state VALUES ('test', 'in-flight', '2', '2024-11-28')")
        result = runner.invoke(main, ["db", "backup", "--db", str(live), "copy.db"],
                               catch_exceptions=False)
        bot.execute("COMMIT")
    finally:
        bot.close()
    assert result.exit_code == 0, result.stderr
    conn = sqlite3.connect("copy.db")
    try:
        keys = [k for (k,) in conn.execute("SELECT key FROM source_state WHERE source='test'")]
    finally:
        conn.close()
    assert keys == ["committed"]


def count_papers(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])
    finally:
        conn.close()
