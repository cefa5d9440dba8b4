"""Fixtures for the source parser tests: the real recorded responses in shared/fixtures/real.

The fixtures live beside the repository (``REPO/../shared/fixtures/real``), in CI too, so the
path is resolved from this file, never hard-coded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

REAL_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "real"


@cache
def _read(relpath: str) -> bytes:
    return (REAL_DIR / relpath).read_bytes()


@pytest.fixture(scope="session")
def real() -> Callable[[str], bytes]:
    """``real("arxiv_rss/x.xml")`` -> the file's bytes (cached: some files are megabytes)."""
    if not REAL_DIR.is_dir():
        pytest.fail(f"real fixtures not found at {REAL_DIR} (shared/ must sit beside the repo)")
    return _read


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The fixture directory itself, for tests that walk it."""
    if not REAL_DIR.is_dir():
        pytest.fail(f"real fixtures not found at {REAL_DIR} (shared/ must sit beside the repo)")
    return REAL_DIR
