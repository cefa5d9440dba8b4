"""Kill points for the crash-point suite (this module holds no tests).

A ``KillSwitch`` numbers every point the bot passes (before and after each store method,
port call, HTTP request and source call) and kills the "process" at one chosen number: it
raises ``Crash`` (a ``BaseException``, so nothing in the bot swallows it) and, from then on,
raises it at every further point, so a task of the dead process that is still scheduled can
do nothing more. ``installed`` wraps the bot's classes once per test so every call passes
through the switch of the life that is running (none after the restart).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.bot.core.fakes_digest import Crash

PHASES = ("fetch", "enrichment", "digest", "notes", "reminders")


@dataclass
class Point:
    phase: str
    site: str
    when: str  # before or after the call


@dataclass
class KillSwitch:
    """Counts points and kills at ``kill_at`` (None: a dry run that only counts)."""

    kill_at: int | None = None
    phase: str = "setup"
    seen: list[Point] = field(default_factory=list)
    dead: bool = False

    def point(self, site: str, when: str) -> None:
        if self.dead:
            raise Crash("the process is dead")
        if self.phase not in PHASES:
            return  # setup and teardown are not kill points
        self.seen.append(Point(self.phase, site, when))
        if len(self.seen) - 1 == self.kill_at:
            self.dead = True
            raise Crash(f"killed {when} {site} ({self.phase}, point {self.kill_at})")

    @property
    def killed_at(self) -> Point | None:
        return self.seen[-1] if self.dead else None


class Switchboard:
    """Which switch the running life uses (None once the bot was restarted for good)."""

    switch: KillSwitch | None = None

    def point(self, site: str, when: str) -> None:
        if self.switch is not None:
            self.switch.point(site, when)

    def enter(self, phase: str) -> None:
        if self.switch is not None and not self.switch.dead:
            self.switch.phase = phase


BOARD = Switchboard()


def _wrap(site: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        BOARD.point(site, "before")
        result = await method(*args, **kwargs)
        BOARD.point(site, "after")
        return result

    return wrapper


def _phase(phase: str, method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        BOARD.enter(phase)
        return await method(*args, **kwargs)

    return wrapper


def coroutine_methods(cls: type) -> Iterator[str]:
    """The public coroutine methods ``cls`` defines or inherits (not async iterators)."""
    for name, member in inspect.getmembers(cls):
        if not name.startswith("_") and inspect.iscoroutinefunction(member):
            yield name


@contextmanager
def installed(monkeypatch: pytest.MonkeyPatch, classes: dict[str, type],
              methods: dict[str, tuple[type, str]],
              phases: dict[str, tuple[type, str]]) -> Iterator[Switchboard]:
    """Wrap every public coroutine method of ``classes`` (site ``label.method``), the single
    ``methods`` (site = their key), and make ``phases`` methods enter their phase."""
    for label, cls in classes.items():
        for name in coroutine_methods(cls):
            monkeypatch.setattr(cls, name, _wrap(f"{label}.{name}", getattr(cls, name)))
    for site, (cls, name) in methods.items():
        monkeypatch.setattr(cls, name, _wrap(site, getattr(cls, name)))
    for phase, (cls, name) in phases.items():
        monkeypatch.setattr(cls, name, _phase(phase, getattr(cls, name)))
    try:
        yield BOARD
    finally:
        BOARD.switch = None
