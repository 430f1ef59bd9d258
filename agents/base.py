"""The agent contract: observations in, one action string out."""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Agent(Protocol):
    """A policy for `VideoToCodeEnv`: `act` returns one action string (code, clip request, patch, finish)."""

    name: str

    def reset(self) -> None:
        """Forget the previous episode."""

    def act(self, observation: dict[str, Any], task: Any | None = None) -> str:
        """The next action. `task` is what the scripted oracle submits (`task.cheat()`); model-backed agents read
        only its kind, duration and answer format from it (never its solution)."""
