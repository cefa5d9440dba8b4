"""The in-loop web server under the fake Slack and Discord APIs: 127.0.0.1, a free port."""

from __future__ import annotations

from aiohttp import web


class LoopbackServer:
    """Serves an aiohttp app on 127.0.0.1:0; ``stop`` also closes open WebSockets."""

    base_url: str = ""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._sockets: list[web.WebSocketResponse] = []

    async def serve(self, app: web.Application) -> None:
        """Start serving ``app``; ``base_url`` is ``http://127.0.0.1:<port>`` afterwards."""
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
