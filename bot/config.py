"""Load scoopwatch's configuration: TOML file + environment secrets -> one frozen ``Config``.

This is the only module that reads the environment; everything else receives a ``Config``.

Where the file comes from, first match wins: the explicit path (``--config``),
``$SCOOPWATCH_CONFIG``, ``./scoopwatch.toml`` if it exists, else built-in defaults (console
adapter, ``scoopwatch.db``), which are enough to run.

Each installed chat platform (``bot/platforms.py``) adds its own table, secrets and start
requirements; this module names none of them.

Secrets never come from the TOML. For each one, first match wins:
``$SCOOPWATCH_<NAME>``, ``$SCOOPWATCH_<NAME>_FILE``, the ``<key>_file`` in the TOML (relative
paths are relative to the TOML file), then the conventional ``$<NAME>`` and ``$<NAME>_FILE``
(e.g. ``OPENALEX_API_KEY``) as fallbacks. Empty variables count as unset.

Every problem raises ``ConfigError`` with one line per problem:
``<file>: <dotted.key>: <what was expected>, got <value>``.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from bot.config_models import (
    KNOWN_KEYS,
    Config,
    ConfigFile,
    Secret,
    Secrets,
    file_model,
    secret_specs,
)
from bot.config_types import show
from bot.errors import ConfigError
from bot.platforms import SecretSpec, platform, platforms, token_owner

__all__ = ["CONFIG_ENV", "DEFAULT_CONFIG_NAME", "Config", "build_config", "load_config"]

logger = logging.getLogger(__name__)

CONFIG_ENV = "SCOOPWATCH_CONFIG"
DEFAULT_CONFIG_NAME = "scoopwatch.toml"
DEFAULTS_NAME = "built-in defaults"  # stands in for the file name when there is no file
_MAX_SECRET_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class _Owned:
    """A secret and the table it belongs to (its ``<key>_file`` lives there)."""

    section: str
    spec: SecretSpec

    @property
    def field(self) -> str:
        return self.spec.field(self.section)


def _owned() -> list[_Owned]:
    return [_Owned(section, spec) for section, spec in secret_specs()]


def load_config(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Find, parse and validate the configuration; raise ConfigError on any problem.

    ``env`` defaults to ``os.environ`` and ``cwd`` to the process's directory; tests pass both
    so they never depend on (or change) the real environment.
    """
    env = os.environ if env is None else env
    source = _find_config_file(path, env, cwd)
    data = _read_toml(source) if source is not None else {}
    config = build_config(data, source=source, env=env, cwd=cwd)
    logger.debug("configuration from %s", source or DEFAULTS_NAME)
    return config


def build_config(
    data: Mapping[str, Any],
    *,
    source: Path | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """Validate already-parsed TOML data (``source`` only names it in messages)."""
    env = os.environ if env is None else env
    where = str(source) if source is not None else DEFAULTS_NAME
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a table of settings, got {show(data)}")
    _refuse_secrets(data, where)
    model = file_model()
    try:
        parsed = model.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(_format_errors(exc, where)) from None
    secrets = _resolve_secrets(parsed, source, where, env, cwd)
    sections = {name: getattr(parsed, name) for name in model.model_fields}
    config = Config(**sections, secrets=secrets, source=source)
    _check_needs(config, where)
    return config


# --- finding and reading the file -----------------------------------------------------------


def _find_config_file(
    path: str | Path | None, env: Mapping[str, str], cwd: Path | None
) -> Path | None:
    if path is not None and str(path).strip():
        return _existing(_resolve(Path(path), cwd), "--config")
    from_env = env.get(CONFIG_ENV, "").strip()
    if from_env:
        return _existing(_resolve(Path(from_env), cwd), CONFIG_ENV)
    candidate = (cwd / DEFAULT_CONFIG_NAME) if cwd is not None else Path(DEFAULT_CONFIG_NAME)
    return candidate if candidate.is_file() else None


def _resolve(path: Path, base: Path | None) -> Path:
    with contextlib.suppress(RuntimeError):  # "~nobody/x": keep it literal, it won't exist
        path = path.expanduser()
    return path if path.is_absolute() or base is None else base / path


def _existing(path: Path, named_by: str) -> Path:
    try:
        if path.is_file():
            return path
        problem = "is a directory" if path.is_dir() else "not found"
    except (OSError, ValueError) as exc:
        problem = f"cannot be used ({exc})"
    raise ConfigError(f"{path}: config file {problem} (named by {named_by})")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")  # tolerate a BOM from Windows editors
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {_toml_position(str(exc), text)}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None


def _toml_position(message: str, text: str) -> str:
    """Turn tomllib's "msg (at line 3, column 5)" into "line 3, column 5: invalid TOML: msg"."""
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message, re.DOTALL)
    if match:
        line, column, what = match[2], match[3], match[1]
    else:
        what = message.removesuffix(" (at end of document)")
        lines = text.split("\n")
        line, column = str(len(lines)), str(len(lines[-1]) + 1)
    return f"line {line}, column {column}: invalid TOML: {what[:1].lower()}{what[1:]}"


# --- validation messages --------------------------------------------------------------------

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a list",
    "model_type": "a table",
    "dict_type": "a table",
    "model_attributes_type": "a table",
    "none_required": "nothing",
}


def _format_errors(exc: ValidationError, where: str, limit: int = 10) -> str:
    errors = exc.errors(include_url=False)
    lines = [f"{where}: {_dotted(e['loc'])}: {_describe(e)}" for e in errors[:limit]]
    if len(errors) > limit:
        lines.append(f"{where}: … and {len(errors) - limit} more problems")
    return "\n".join(lines)


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _describe(error: Mapping[str, Any]) -> str:
    kind, value = error["type"], error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key" + _suggestion(error["loc"])
    if kind == "missing":
        return "required key is missing"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", '"')
        return f"expected {expected}, got {show(value)}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {show(value)}"
    message = str(error.get("msg", "invalid value"))
    return f"{message[:1].lower()}{message[1:]}, got {show(value)}"


def _suggestion(loc: tuple[int | str, ...]) -> str:
    table = ".".join(str(p) for p in loc[:-1] if isinstance(p, str))
    close = difflib.get_close_matches(str(loc[-1]), KNOWN_KEYS.get(table, ()), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


# --- secrets ---------------------------------------------------------------------------------


def _refuse_secrets(data: Mapping[str, Any], where: str) -> None:
    """Secrets in a config file end up in backups and git: refuse them before anything else."""
    for owned in _owned():
        section, spec = owned.section, owned.spec
        table = data.get(section)
        if isinstance(table, Mapping) and spec.key in table:
            raise ConfigError(
                f"{where}: {section}.{spec.key}: secrets are not read from the config file;"
                f" set {spec.scoopwatch_env} or {section}.{spec.file_key} instead"
            )
    for key, value in _walk(data):
        owner = token_owner(value)
        if owner is not None:
            raise ConfigError(
                f"{where}: {key}: looks like a {owner.title} token; secrets are not read from"
                f" the config file: use the SCOOPWATCH_{owner.name.upper()}_* environment"
                f" variables or {owner.name}.*_file keys"
            )


def _walk(value: Any, key: str = "") -> list[tuple[str, Any]]:
    """(dotted key, leaf value) for every leaf of parsed TOML."""
    if isinstance(value, Mapping):
        return [
            leaf for k, v in value.items() for leaf in _walk(v, f"{key}.{k}" if key else str(k))
        ]
    if isinstance(value, list | tuple):
        return [leaf for i, v in enumerate(value) for leaf in _walk(v, f"{key}[{i}]")]
    return [(key, value)]


def _resolve_secrets(
    parsed: ConfigFile,
    source: Path | None,
    where: str,
    env: Mapping[str, str],
    cwd: Path | None,
) -> Secrets:
    found: dict[str, Secret] = {}
    for owned in _owned():
        secret = _find_secret(owned, parsed, source, where, env, cwd)
        if secret is not None:
            found[owned.field] = secret
    return Secrets(**found)


def _find_secret(
    owned: _Owned,
    parsed: ConfigFile,
    source: Path | None,
    where: str,
    env: Mapping[str, str],
    cwd: Path | None,
) -> Secret | None:
    """First of: $SCOOPWATCH_X, $SCOOPWATCH_X_FILE, <key>_file in TOML, $X, $X_FILE."""
    spec, ours, theirs = owned.spec, owned.spec.scoopwatch_env, owned.spec.env
    configured: Path | None = getattr(getattr(parsed, owned.section), spec.file_key)
    file_key = f"{owned.section}.{spec.file_key}"
    config_base = source.parent if source is not None else cwd
    # (name for messages, short name for masked(), value or file path)
    candidates: list[tuple[str, str, str | Path | None]] = [
        (ours, ours, env.get(ours, "").strip() or None),
        (f"{ours}_FILE", f"{ours}_FILE", _env_path(env, f"{ours}_FILE", cwd)),
        (
            f"{where}: {file_key}",
            file_key,
            _resolve(configured, config_base) if configured else None,
        ),
        (theirs, theirs, env.get(theirs, "").strip() or None),
        (f"{theirs}_FILE", f"{theirs}_FILE", _env_path(env, f"{theirs}_FILE", cwd)),
    ]
    for label, name, found in candidates:
        if found is None:
            continue
        if isinstance(found, Path):
            value, origin = _read_secret_file(found, label), f"{name} {found}"
        else:
            value, origin = found, name
        _check_secret(owned, value, label)
        return Secret(value=SecretStr(value), origin=origin)
    return None


def _env_path(env: Mapping[str, str], name: str, cwd: Path | None) -> Path | None:
    value = env.get(name, "").strip()
    return _resolve(Path(value), cwd) if value else None


def _read_secret_file(path: Path, label: str) -> str:
    if any(token_owner(part) for part in path.parts):
        raise ConfigError(f"{label}: expected a path to a file holding the secret, not the secret")
    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_SECRET_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{label}: secret file not found: {path}") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ConfigError(f"{label}: cannot read secret file {path}: {reason}") from None
    if len(raw) > _MAX_SECRET_BYTES:
        raise ConfigError(f"{label}: secret file {path} is too large to hold a secret")
    try:
        value = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: secret file {path} is not UTF-8 text") from None
    if not value:
        raise ConfigError(f"{label}: secret file {path} is empty")
    return value


def _check_secret(owned: _Owned, value: str, label: str) -> None:
    """Catch the usual paste mistakes without ever echoing the secret."""
    spec = owned.spec
    if any(ch.isspace() for ch in value):
        raise ConfigError(f"{label}: expected {spec.what} without spaces or line breaks")
    if spec.prefix and not value.startswith(spec.prefix):
        owner = platform(owned.section)
        kinds = owner.tokens.kinds if owner and owner.tokens else {}
        kind = next((k for k in kinds if value.startswith(k)), None)
        got = f"{kinds[kind]} ({kind}…)" if kind else "something else"
        raise ConfigError(f'{label}: expected {spec.what} starting with "{spec.prefix}", got {got}')


# --- platforms -------------------------------------------------------------------------------


def _check_needs(config: Config, where: str) -> None:
    """An enabled platform without its credentials would only fail later, less clearly."""
    for plugin in platforms():
        if not config.enabled(plugin.name):
            continue
        name = plugin.name
        for need in plugin.needs(config.section(name)):
            spec = need.secret
            if plugin.secret(config, spec) is None:
                raise ConfigError(
                    f"{where}: {name}.{need.key}: {need.who} needs {spec.what}: set"
                    f" {spec.scoopwatch_env} or {name}.{spec.file_key}, or set"
                    f" {name}.enabled = false"
                )


@contextlib.contextmanager
def environment_without(prefix: str) -> Iterator[None]:
    """Hide environment variables starting with ``prefix`` for the duration, then restore them.

    Some platform SDKs read their own fallbacks from the environment (one switches to OAuth
    when it finds a client id and secret there); while they are built they must see only what
    the config hands them. Kept here, with every other use of the environment.
    """
    hidden = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith(prefix)}
    try:
        yield
    finally:
        os.environ.update(hidden)
