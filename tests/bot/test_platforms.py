"""A new chat platform is one package: registered through the entry points, it gets its table,
its secrets, its start checks, its place in the connect hint and its adapter, with no core
change. Matrix here is such a package, registered for the duration of each test."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, Mapping, Sequence
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

import bot.platforms
from bot.app import connect_hint, load_adapter
from bot.config import load_config
from bot.config_models import Config, Secret, file_model
from bot.config_types import FilePath, NonEmptyStr, PlatformSection, show
from bot.errors import ConfigError, ScoopwatchError
from bot.platforms import (
    ENTRY_POINTS,
    AppIO,
    Need,
    Platform,
    SecretSpec,
    TokenShape,
    platforms,
)

TOKEN = SecretSpec("token", "MATRIX_TOKEN", "a Matrix access token", "mxt_")
ACCESS = "mxt_" + "a1b2c3d4" * 4


class MatrixSection(PlatformSection):
    room: NonEmptyStr = "#lab"
    token_file: FilePath | None = None


class MatrixAdapter:
    name = "matrix"

    def __init__(self, room: str) -> None:
        self.room = room

    @property
    def port(self) -> Any:
        raise NotImplementedError("no port in these tests")

    @classmethod
    def from_config(cls, config: Config, core: Any, io: AppIO) -> MatrixAdapter:
        return cls(MATRIX.settings(config).room)

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def run(self, stop: asyncio.Event) -> int:
        return 0


class Matrix(Platform[MatrixSection]):
    name = "matrix"
    title = "Matrix"
    order = 30
    secrets = (TOKEN,)
    tokens = TokenShape(re.compile(r"^mxt_"), {"mxt_": "an access token"})
    connect_hint = TOKEN.scoopwatch_env

    def settings_model(self) -> type[MatrixSection]:
        return MatrixSection

    def adapter(self) -> Any:
        return MatrixAdapter

    def wanted(self, settings: MatrixSection, found: Mapping[str, Secret]) -> bool:
        return TOKEN.key in found

    def needs(self, settings: MatrixSection) -> Sequence[Need]:
        return (Need(TOKEN, "enabled", "Matrix"),)


MATRIX = Matrix()


def register(monkeypatch: pytest.MonkeyPatch, *extra: EntryPoint) -> None:
    """Installed entry points plus ``extra``, as if another package were installed."""
    installed = bot.platforms.entry_points

    def with_extra(**selection: str) -> list[EntryPoint]:
        return [*installed(**selection), *extra]

    monkeypatch.setattr(bot.platforms, "entry_points", with_extra)
    platforms.cache_clear()
    file_model.cache_clear()


@pytest.fixture(autouse=True)
def forget_discovery() -> Iterator[None]:
    yield
    platforms.cache_clear()
    file_model.cache_clear()


@pytest.fixture
def matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    register(monkeypatch, EntryPoint("matrix", f"{__name__}:MATRIX", ENTRY_POINTS))


def load(tmp_path: Path, toml: str, env: dict[str, str] | None = None) -> Config:
    (tmp_path / "scoopwatch.toml").write_text(toml)
    return load_config(env=env or {}, cwd=tmp_path)


def error(tmp_path: Path, toml: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, toml, env)
    return str(info.value).removeprefix(f"{tmp_path / 'scoopwatch.toml'}: ")


@pytest.mark.usefixtures("matrix")
def test_its_table_secret_and_adapter_join_the_config(tmp_path: Path) -> None:
    config = load(tmp_path, '[matrix]\nroom = "#scoops"\n', {"SCOOPWATCH_MATRIX_TOKEN": ACCESS})
    assert MATRIX.settings(config).room == "#scoops"
    secret = MATRIX.secret(config, TOKEN)
    assert secret is not None and secret.get() == ACCESS
    # a token turns it on, and the console off
    assert [p.name for p in platforms() if config.enabled(p.name)] == ["matrix"]
    masked = config.masked()
    assert masked["matrix"]["token"] == "mxt_…c3d4 (from SCOOPWATCH_MATRIX_TOKEN)"
    assert masked["adapters"] == {"slack": False, "discord": False, "matrix": True,
                                  "console": False}
    assert ACCESS not in str(masked) + repr(config)
    assert load_adapter("matrix") is MatrixAdapter


@pytest.mark.usefixtures("matrix")
def test_its_table_is_validated_like_the_cores(tmp_path: Path) -> None:
    assert error(tmp_path, "[matrix]\nroom = 3\n") == "matrix.room: expected a string, got 3"
    assert error(tmp_path, "[matrix]\nrooms = 'x'\n").startswith("matrix.rooms: unknown key")
    assert load(tmp_path, "").section("matrix") == MatrixSection()


@pytest.mark.usefixtures("matrix")
def test_its_secret_and_token_shape_are_refused_in_the_toml(tmp_path: Path) -> None:
    assert error(tmp_path, "[matrix]\ntoken = 'x'\n") == (
        "matrix.token: secrets are not read from the config file; set SCOOPWATCH_MATRIX_TOKEN"
        " or matrix.token_file instead")
    message = error(tmp_path, f"[bot]\nadmins = ['{ACCESS}']\n")
    assert message == (
        "bot.admins[0]: looks like a Matrix token; secrets are not read from the config file:"
        " use the SCOOPWATCH_MATRIX_* environment variables or matrix.*_file keys")
    assert ACCESS not in message
    assert show(ACCESS) == "<a Matrix token, hidden>"  # never echoed by a validation message


@pytest.mark.usefixtures("matrix")
def test_what_it_needs_to_start_is_checked_at_load(tmp_path: Path) -> None:
    assert error(tmp_path, "[matrix]\nenabled = true\n") == (
        "matrix.enabled: Matrix needs a Matrix access token: set SCOOPWATCH_MATRIX_TOKEN or"
        " matrix.token_file, or set matrix.enabled = false")
    with pytest.raises(ConfigError, match='expected a Matrix access token starting with "mxt_"'):
        load(tmp_path, "", {"MATRIX_TOKEN": "xyz_" + "0" * 20})


@pytest.mark.usefixtures("matrix")
def test_the_connect_hint_names_it() -> None:
    assert connect_hint(None, "lab.db") == (
        "scoopwatch: no Slack, Discord or Matrix token configured; console chat on lab.db (type"
        " help). To connect Slack set SCOOPWATCH_SLACK_BOT_TOKEN and SCOOPWATCH_SLACK_APP_TOKEN;"
        " for Discord set SCOOPWATCH_DISCORD_TOKEN; for Matrix set SCOOPWATCH_MATRIX_TOKEN.")


def test_a_registration_that_does_not_load_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    register(monkeypatch, EntryPoint("gone", "no_such_scoopwatch_plugin:GONE", ENTRY_POINTS))
    with pytest.raises(ScoopwatchError, match=r"the gone platform cannot be loaded"):
        platforms()


def test_a_registration_under_another_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    register(monkeypatch, EntryPoint("irc", f"{__name__}:MATRIX", ENTRY_POINTS))
    with pytest.raises(ScoopwatchError, match=r"'irc' in scoopwatch.adapters is not the irc"):
        platforms()


def test_the_installed_platforms_in_start_order() -> None:
    assert [p.name for p in platforms()] == ["slack", "discord", "console"]
    assert [p.name for p in platforms() if p.fallback] == ["console"]
