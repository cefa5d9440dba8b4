"""``scoopwatch db backup``: a verified copy of the database, taken while the bot runs.

Copying the file with ``cp`` while the bot writes can catch half a transaction (and misses
whatever still sits in the ``-wal`` file). SQLite's online backup API copies a consistent
snapshot instead, through an ordinary read transaction: in WAL mode the bot keeps writing
meanwhile. The copy is written next to its final name, checked (``PRAGMA quick_check``, foreign
same schema version) and only then renamed into place, so an existing backup is never
replaced by a broken one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StoreError
from bot.store.integrity import BUSY_TIMEOUT_S, check_file, damaged, is_damage


@dataclass(frozen=True, slots=True)
class Backup:
    """A finished, verified copy."""

    path: Path
    size: int
    schema_version: int
    seconds: float


def backup_file(source: str | Path, target: str | Path, *, force: bool = False) -> Backup:
    """Copy the database at ``source`` to ``target`` and verify the copy.

    An existing ``target`` is refused unless ``force``; even then it is replaced only once the
    new copy has passed its checks. A damaged ``source`` raises :class:`DatabaseDamaged` and
    leaves nothing behind.
    """
    started = time.monotonic()
    src, dst = Path(source), Path(target)
    if not src.is_file():
        raise StoreError(f"no database at {src}")
    if dst.is_dir():
        raise StoreError(f"{dst} is a folder; name the backup file, e.g. {dst / src.name}")
    if dst.exists():
        if dst.resolve() == src.resolve():
            raise StoreError(f"{dst} is the database itself; name another file")
        if not force:
            raise StoreError(f"{dst} already exists; pass --force to replace it")
    dst.parent.mkdir(parents=True, exist_ok=True)
    partial = dst.with_name(f".{dst.name}.partial")
    try:
        _copy(src, partial)
        copied = check_file(partial)
        if copied.damage:  # the pages were damaged in the database itself
            raise damaged(src, copied.damage[0])
        original = check_file(src).schema_version
        if copied.schema_version != original:  # the bot migrated it during the copy
            raise StoreError(f"{src} changed schema during the backup; run it again")
        os.replace(partial, dst)
    finally:
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    return Backup(dst, dst.stat().st_size, copied.schema_version, time.monotonic() - started)


def _copy(src: Path, partial: Path) -> None:
    """One backup step over every page: a consistent snapshot under one read transaction."""
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()  # left by a copy that was killed half-way
    source = sqlite3.connect(f"{src.absolute().as_uri()}?mode=ro", uri=True,
                             timeout=BUSY_TIMEOUT_S)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    except sqlite3.Error as exc:
        if is_damage(exc):
            raise damaged(src, exc) from exc
        raise StoreError(f"backup of {src} failed: {exc}") from exc
    finally:
        source.close()
