"""The console as the core sees it: the ``[console]`` table, no secrets, the fallback chat.

Registered as ``console`` in the ``scoopwatch.adapters`` entry points (``bot/platforms.py``
says what a platform declares).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.platforms import Platform

if TYPE_CHECKING:
    from adapters.console.config import ConsoleSection
    from bot.platforms import Adapter


class Console(Platform["ConsoleSection"]):
    name = "console"
    title = "console"
    order = 90
    fallback = True  # runs when neither a token nor [console] enabled says otherwise

    def settings_model(self) -> type[ConsoleSection]:
        from adapters.console.config import ConsoleSection

        return ConsoleSection

    def adapter(self) -> type[Adapter]:
        from adapters.console.chat import ConsoleAdapter

        return ConsoleAdapter


CONSOLE = Console()
