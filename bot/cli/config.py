"""``scoopwatch config check``: the effective configuration, secrets masked."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import click

from bot.cli import CliState, fail_cleanly, main


@main.group("config")
def config_group() -> None:
    """Configuration."""


@config_group.command("check")
@click.pass_obj
@fail_cleanly
def config_check(state: CliState) -> None:
    """Validate the configuration and print it with secrets masked."""
    config = state.config
    click.echo(f"# configuration from {config.source or 'built-in defaults'}")
    click.echo(render_masked_config(config.masked()))


def render_masked_config(data: Mapping[str, Any]) -> str:
    """TOML-looking text of the effective config; secrets arrive already masked."""
    lines: list[str] = []
    scalars = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    for key, value in scalars.items():
        lines.append(_toml_line(key, value))
    for key, value in data.items():
        if isinstance(value, Mapping):
            lines.append(f"\n[{key}]")
            lines.extend(_toml_line(k, v) for k, v in value.items())
    return "\n".join(lines).lstrip("\n")


def _toml_line(key: str, value: Any) -> str:
    """``key = value``; unset optional keys are shown commented out, as TOML has no null."""
    return f"# {key} = (not set)" if value is None else f"{key} = {_toml_value(value)}"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    if isinstance(value, Iterable) and not isinstance(value, str):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)
