"""Every ``scoopwatch ...`` form the README shows parses as written, and ``--config``/``--db``
work before and after the subcommand.

The forms are read from README.md itself (table cells, inline code, code blocks), so the README
and the command line cannot drift apart unnoticed. Commands are run through click for real,
with each command's body replaced by a recorder: parsing, option callbacks and the shared
state are exercised, nothing is fetched or written.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from bot.cli import CliState, main

README = Path(__file__).resolve().parents[2] / "README.md"
CONFIG, DB = "lab.toml", "lab.db"
PLACEHOLDERS = {"DATE": "2024-11-28", "YYYY-MM-DD": "2024-11-28", "T": "rlhf", "N": "8"}


def readme_forms() -> list[str]:
    """Each command line in the README that runs ``scoopwatch``, shell syntax removed."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL)
    prose = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.DOTALL)
    snippets = [line for block in blocks for line in block.splitlines()]
    # A table cell escapes its pipes: `auto\|jsonl` reads as auto|jsonl.
    snippets += [s.replace("\\|", "|") for s in re.findall(r"`([^`\n]+)`", prose)]
    forms = []
    for snippet in snippets:
        for part in snippet.split("&&"):
            words = part.split(" < ")[0].split()  # "< session.txt" is the shell's
            if words[:1] == ["scoopwatch"] and len(words) > 1:
                forms.append(" ".join(words))
    return list(dict.fromkeys(forms))


def expand(form: str) -> list[list[str]]:
    """Argument lists for a usage form: optional parts included, each alternative of an
    ``a|b|c`` choice tried, placeholders (``FILE...``, ``PATH``, ``DATE``) given values."""
    words = form.replace("[", " ").replace("]", " ").split()[1:]
    options: list[list[str]] = []
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        if "|" in word and not word.startswith("-"):
            options.append(word.split("|"))
        elif word == "PATH":
            options.append([CONFIG if before == "--config" else DB])
        elif word.rstrip(".") in PLACEHOLDERS:
            options.append([PLACEHOLDERS[word.rstrip(".")]])
        elif re.fullmatch(r"[A-Z][A-Z_-]*(\.\.\.)?", word):
            options.append([f"{word.rstrip('.').lower()}.txt"])
        else:
            options.append([word])
    return [list(combo) for combo in itertools.product(*options)]


def leaf_commands(group: click.Group = main, path: tuple[str, ...] = ()
                  ) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


class Recorder:
    """Stands in for every command body; keeps the state and parameters it was called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[CliState, dict[str, Any]]] = []

    def __call__(self, **params: Any) -> None:
        self.calls.append((click.get_current_context().find_object(CliState), params))


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    record = Recorder()
    for _path, command in leaf_commands():
        monkeypatch.setattr(command, "callback", record)
    return record


def run(args: list[str], recorder: Recorder) -> tuple[CliState, dict[str, Any]]:
    recorder.calls.clear()
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, f"scoopwatch {' '.join(args)}: {result.output}"
    assert len(recorder.calls) == 1
    return recorder.calls[0]


def command_of(args: list[str]) -> tuple[int, click.Command]:
    """How many words name the command in ``args``, and the command."""
    command: click.Command = main
    depth = 0
    while isinstance(command, click.Group):
        command = command.commands[args[depth]]
        depth += 1
    return depth, command


def takes_db(command: click.Command) -> bool:
    return any("--db" in p.opts for p in command.params)


def test_the_readme_shows_the_command_table_and_the_run_forms() -> None:
    forms = readme_forms()
    assert "scoopwatch run [--config PATH] [--db PATH]" in forms
    assert "scoopwatch run --db demo.db" in forms
    documented = {tuple(w for w in f.split()[1:3] if w.islower() and w.isalpha())
                  for f in forms}
    for path, _command in leaf_commands():
        assert path in documented, f"scoopwatch {' '.join(path)} is not in the README"


@pytest.mark.parametrize("form", readme_forms(), ids=str)
def test_every_readme_form_parses_as_written(form: str, recorder: Recorder) -> None:
    for args in expand(form):
        state, _params = run(args, recorder)
        if "--config" in args:
            assert state.config_path == CONFIG
        if "--db" in args:
            assert state.db_path() == args[args.index("--db") + 1]


@pytest.mark.parametrize("form", readme_forms(), ids=str)
def test_config_and_db_work_before_and_after_the_command(form: str, recorder: Recorder) -> None:
    args = expand(form)[0]
    depth, command = command_of(args)
    name, rest = args[:depth], args[depth:]
    for option in ("--config", "--db"):  # what the form gives is moved, not repeated
        if option in rest:
            i = rest.index(option)
            del rest[i:i + 2]
    ours = ["--config", CONFIG] + (["--db", DB] if takes_db(command) else [])
    placements = [ours + name + rest, name + rest + ours, ours[:2] + name + rest + ours[2:],
                  ours[2:] + name + ours[:2] + rest]
    for args in placements:
        state, params = run(args, recorder)
        assert state.config_path == CONFIG, args
        if takes_db(command):
            assert state.db_path() == DB, args
            assert params.get("db", DB) == DB, args  # what the command itself receives


def test_the_same_option_twice_must_agree(recorder: Recorder) -> None:
    run(["--config", CONFIG, "run", "--config", CONFIG], recorder)
    result = CliRunner().invoke(main, ["--db", "a.db", "run", "--db", "b.db"])
    assert result.exit_code == 2
    assert "--db given twice with different paths (a.db and b.db)" in result.output


def test_run_with_config_after_the_command_runs_the_bot_with_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The README's ``scoopwatch run --config PATH --db PATH``, all the way to ``run_bot``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCOOPWATCH_CONFIG", raising=False)
    Path(CONFIG).write_text('[digest]\nmax_papers = 3\n')
    seen: list[tuple[Any, str | None]] = []

    async def fake_run_bot(config: Any, *, db_path: str | None = None) -> int:
        seen.append((config, db_path))
        return 0

    monkeypatch.setattr("bot.app.run_bot", fake_run_bot)
    result = CliRunner().invoke(main, ["run", "--config", CONFIG, "--db", DB])
    assert result.exit_code == 0, result.output
    (config, db_path), = seen
    assert config.digest.max_papers == 3 and str(config.source).endswith(CONFIG)
    assert db_path == DB
