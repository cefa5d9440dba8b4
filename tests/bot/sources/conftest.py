"""Fixtures for the source parser tests: the real recorded responses in ``tests/fixtures/``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixture_files import FIXTURES_DIR, fixture_bytes


@pytest.fixture(scope="session")
def real() -> Callable[[str], bytes]:
    """``real("arxiv_rss/x.xml")`` -> the file's bytes (cached: some files are megabytes)."""
    return fixture_bytes


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The fixture directory itself, for tests that walk it."""
    return FIXTURES_DIR
