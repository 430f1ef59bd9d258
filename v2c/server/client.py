"""`V2CEnv`: an OpenEnv `EnvClient` for `v2c serve` (async; `.sync()` for plain code).

    with V2CEnv("http://127.0.0.1:8000").sync() as env:
        result = env.reset(task_id="anim-0-3", seed=0)
        result = env.step(V2CAction(text="<html>...</html>"))
        result.observation.total
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from websockets.exceptions import ConnectionClosed

from openenv.core import EnvClient
from openenv.core.client_types import StepResult
from openenv.core.env_server.types import State

from .models import V2CAction, V2CObservation


class V2CEnv(EnvClient[V2CAction, V2CObservation, State]):
    """One WebSocket session (one episode at a time) on a v2c server; `token` for a server that requires one."""

    def __init__(self, base_url: str, token: str | None = None, **options: Any) -> None:
        super().__init__(base_url, **options)
        if token:  # EnvClient opens its socket without custom headers: the token rides in the query
            self._ws_url += f"?token={quote(token)}"

    async def _send_and_receive(self, message: dict[str, Any]) -> dict[str, Any]:
        try:
            return await super()._send_and_receive(message)
        except ConnectionClosed:
            # A server at capacity refuses the session right after the handshake, before our first message
            # arrives: its error is still queued on the closed socket. Raise that, not "connection closed".
            try:
                queued = json.loads(await self._ws.recv())
            except (ConnectionClosed, ValueError):
                raise
            finally:
                self._ws = None
            error = queued.get("data", {})
            raise RuntimeError(f"Server error: {error.get('message', queued)} (code: {error.get('code', 'UNKNOWN')})") from None

    def _step_payload(self, action: V2CAction) -> dict[str, Any]:
        return {"text": action.text}

    def _parse_result(self, payload: dict[str, Any]) -> StepResult[V2CObservation]:
        observation = V2CObservation(**{**payload.get("observation", {}), "done": payload.get("done", False),
                                        "reward": payload.get("reward")})
        return StepResult(observation=observation, reward=payload.get("reward"), done=payload.get("done", False))

    def _parse_state(self, payload: dict[str, Any]) -> State:
        return State(**payload)
