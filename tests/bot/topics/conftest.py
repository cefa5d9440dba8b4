"""Fixtures for the topic tests: the real papers of the 2024-11-28 arXiv listing."""

from __future__ import annotations

import pytest
from topics_fixtures import real_papers

from bot.models import Paper


@pytest.fixture(scope="session")
def papers() -> tuple[Paper, ...]:
    return real_papers()
