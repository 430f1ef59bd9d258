"""Run an agent for one episode of a `VideoToCodeEnv`."""
from __future__ import annotations

from typing import Any

from v2c.envs.episode import Episode


def run_episode(env: Any, agent: Any, seed: int | None = None, options: dict[str, Any] | None = None) -> Episode:
    """Reset `env`, let `agent` act until the episode ends, and return the recorded `Episode`."""
    observation, _ = env.reset(seed=seed, options=options)
    agent.reset()
    task = env.unwrapped.task
    done = False
    while not done:
        observation, _, terminated, truncated, _ = env.step(agent.act(observation, task))
        done = terminated or truncated
    return env.unwrapped.episode
