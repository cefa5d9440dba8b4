"""The real recorded responses the tests and benchmarks read, kept in ``tests/fixtures/``.

Everything goes through this module so that a fresh clone carries all it needs: no test or
benchmark builds a path of its own, and a missing file is an error that names the file (never a
skip). Each folder's README says where every file came from.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"

# The whole arXiv announcement of 2024-11-28 (1,504 items): scenarios, matcher and benchmarks.
LISTING = "arxiv_rss/aioarxiv_2024-11-28_rss_mock_feed.xml"


class MissingFixtureError(FileNotFoundError):
    """A recorded file the suite needs is not in ``tests/fixtures/``."""


def fixture_path(relpath: str) -> Path:
    """The path of ``tests/fixtures/<relpath>``; raises if the file or folder is missing."""
    path = FIXTURES_DIR / relpath
    if not path.exists():
        raise MissingFixtureError(
            f"recorded fixture {relpath!r} is missing from {FIXTURES_DIR} "
            "(every recorded file the tests use is committed there; see its README)"
        )
    return path


@cache
def fixture_bytes(relpath: str) -> bytes:
    """The file's bytes, read once per run (some recordings are megabytes)."""
    return fixture_path(relpath).read_bytes()
