"""The reliability suites drive the adapters through the same wire-level fakes as the adapter
tests (``tests/adapters/slack``, ``tests/adapters/discord``); those modules import each other by
bare name, so their folders go on ``sys.path`` here, as pytest does for their own conftests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
for folder in (TESTS / "adapters" / "slack", TESTS / "adapters" / "discord"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


from tests.reliability.labs import Loop  # noqa: E402  (after the fakes' folders are on the path)


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    """One event loop per suite module, shared by its platform labs."""
    running = Loop()
    yield running
    running.close()
