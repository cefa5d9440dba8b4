"""Suite-wide isolation: what one test does to process-wide state must not leak into the next."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """``scoopwatch run`` sets the root and APScheduler log levels from config and puts the
    secret-redacting filter on every log handler, as it should in a process of its own;
    tests that run it in-process get the levels and the handlers' filters back afterwards,
    so a later test's ``caplog`` still sees what it expects."""
    loggers = [logging.getLogger(), logging.getLogger("apscheduler")]
    levels = [logger.level for logger in loggers]
    handlers = [*logging.getLogger().handlers, logging.lastResort]
    filters = [list(handler.filters) if handler else [] for handler in handlers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)
    for handler, kept in zip(handlers, filters, strict=True):
        if handler is not None:
            handler.filters[:] = kept
