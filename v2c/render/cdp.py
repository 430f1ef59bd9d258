"""A direct DevTools-protocol connection to one page, for the per-frame hot path.

Playwright relays CDP through its Node driver, which costs about as much as Chromium's own
encoding for every screenshot: on the keyframes page of `benchmarks/render.py`, a 512x384 PNG
frame took 25 ms through Playwright's CDP session and 11 ms on a direct socket to the same page,
a 1024x768 one 71 ms and 33 ms. So the frame loop (advancing the virtual clock, `beginFrame` and
its screenshot) talks to the page's own DevTools socket, while Playwright keeps everything else
(routing, input, events, crash detection).
"""
from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException


class CdpError(Exception):
    """A CDP call failed, or the connection to the page is gone."""


class PageConnection:
    """One websocket to `ws://HOST:PORT/devtools/page/TARGET`; calls may be cancelled (timeouts)."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._closed_reason: str | None = None
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def open(cls, browser_endpoint: str, target_id: str) -> "PageConnection":
        """Connect to a page of the browser whose endpoint is `ws://HOST:PORT/devtools/browser/...`."""
        host = browser_endpoint.split("/devtools/", 1)[0]
        try:
            # Screenshots are large, single messages: no size cap, and compression would only cost CPU on
            # localhost. proxy=None: a proxy from the environment must never see the browser's own socket.
            socket = await connect(f"{host}/devtools/page/{target_id}", max_size=None, compression=None,
                                   ping_interval=None, close_timeout=1, proxy=None)
        except (OSError, WebSocketException) as error:
            raise CdpError(f"cannot reach the page's DevTools socket: {error}") from error
        return cls(socket)

    async def _read(self) -> None:
        try:
            async for raw in self._socket:
                message = json.loads(raw)
                future = self._pending.pop(message.get("id", -1), None)
                if future is None or future.done():
                    continue  # an event, or the answer to a call that was cancelled
                if "error" in message:
                    future.set_exception(CdpError(message["error"].get("message", "CDP error")))
                else:
                    future.set_result(message.get("result", {}))
        except ConnectionClosed:
            pass
        finally:
            self._closed_reason = "the page's DevTools connection closed"
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(CdpError(self._closed_reason))
            self._pending.clear()

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._closed_reason:
            raise CdpError(self._closed_reason)
        call_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        try:
            await self._socket.send(json.dumps({"id": call_id, "method": method, "params": params or {}}))
            return await future
        except ConnectionClosed as closed:
            raise CdpError("the page's DevTools connection closed") from closed
        finally:
            self._pending.pop(call_id, None)
            if future.done() and not future.cancelled():
                future.exception()  # failed by the reader while send() raised: seen here, not logged at exit

    async def close(self) -> None:
        try:
            await self._socket.close()
        finally:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
