"""The FastAPI app (OpenEnv's `create_app` over `V2CEnvironment`), its token gate, and `serve`.

OpenEnv gives the routes (`/reset`, `/step`, `/state`, `/schema`, `/health`, `/ws`), one environment
per WebSocket session, the session limit (answered with a `CAPACITY_REACHED` error) and the idle
reaper; here are the parts that are ours: one renderer pool shared by every session, a bound on
message size, `/v2c/stats`, and a token that every request must carry off the loopback interface.
"""
from __future__ import annotations

import functools
import hmac
import ipaddress
import json
import os
from dataclasses import replace
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from openenv.core.env_server.http_server import create_app
from openenv.core.env_server.types import ConcurrencyConfig

from v2c.envs.tasks import TaskLoadError, load_tasks
from v2c.rewards.backend import ScoringBackend, make_backend

from .config import ServeConfig
from .environment import V2CEnvironment
from .models import V2CAction, V2CObservation

TOKEN_ENV = "V2C_SERVER_TOKEN"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TokenGate:
    """ASGI middleware: HTTP requests and WebSocket handshakes without the token are refused (401 / 1008)."""

    def __init__(self, app: Callable[..., Awaitable[None]], token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _allowed(self, scope: dict[str, Any]) -> bool:
        headers = dict(scope.get("headers") or [])
        bearer = headers.get(b"authorization", b"")
        given = bearer[7:] if bearer.lower().startswith(b"bearer ") else b""
        if not given:
            query = parse_qs(scope.get("query_string", b"").decode(errors="replace"))
            given = (query.get("token") or [""])[0].encode()
        return hmac.compare_digest(given, self.token)

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket") or self._allowed(scope):
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "missing or wrong token"})
            return
        body = json.dumps({"detail": "missing or wrong token"}).encode()
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def build_app(config: ServeConfig, backend: ScoringBackend) -> Any:
    """The ASGI app: OpenEnv's routes over `V2CEnvironment` sessions sharing `backend`."""
    factory = functools.partial(V2CEnvironment, tasks=config.tasks, backend=backend)
    app = create_app(factory, V2CAction, V2CObservation, env_name="v2c",
                     concurrency_config=ConcurrencyConfig(max_concurrent_envs=config.max_sessions,
                                                          session_timeout=config.idle_timeout_s))

    @app.get("/v2c/stats")
    def stats() -> dict[str, Any]:
        """Open sessions and the shared renderer's browsers (what the reaper frees shows here)."""
        renderer = backend.renderer()
        return {"open_sessions": V2CEnvironment.open_sessions, "max_sessions": config.max_sessions,
                "renderer": renderer.stats() if hasattr(renderer, "stats") else {}}

    return TokenGate(app, config.token) if config.token else app


def serve(config: ServeConfig) -> None:
    """Bind and serve until interrupted; refuses a non-loopback bind without a token."""
    token = config.token or os.environ.get(TOKEN_ENV) or None
    if not is_loopback(config.host) and not token:
        raise SystemExit(f"error: binding {config.host} exposes the env beyond this machine; pass --token or set "
                         f"${TOKEN_ENV} (clients then send it), or bind 127.0.0.1")
    try:  # a bad spec fails here, not as a closed socket in every session
        load_tasks(config.tasks)
    except (TaskLoadError, ValueError) as error:
        raise SystemExit(f"error: --tasks {config.tasks}: {error}")
    import uvicorn

    config = replace(config, token=token)
    with make_backend("local", browsers=config.browsers) as backend:
        uvicorn.run(build_app(config, backend), host=config.host, port=config.port, ws="websockets",
                    ws_max_size=config.max_message_bytes, log_level="warning")
