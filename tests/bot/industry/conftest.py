"""Shared fixtures of the industry tests (helpers live in ``industry_fixtures``)."""

from __future__ import annotations

import pytest

from bot.industry.registry import Registry


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The registry shipped with scoopwatch."""
    return Registry.default()
