"""`V2CEnvironment`: one OpenEnv session's episode, a `VideoToCodeEnv` over the server's shared renderer."""
from __future__ import annotations

import base64
import threading
import uuid
from typing import Any, Sequence

import cv2
from openenv.core.env_server.interfaces import Environment
from openenv.core.env_server.types import State

from v2c.envs.tasks import Task
from v2c.envs.video_to_code import VideoToCodeEnv
from v2c.video import Video, evenly_spaced
from v2c.rewards import RewardConfig
from v2c.rewards.backend import ScoringBackend

from .models import V2CAction, V2CObservation

FRAMES_PER_OBSERVATION = 4
"""Frames sent with an observation, evenly spaced: enough to see motion, small on the wire (~5 KB each)."""


def encode_frames(video: Video | None, count: int = FRAMES_PER_OBSERVATION) -> list[str]:
    """A video's frames, at most `count` evenly spaced, as base64 JPEG."""
    if video is None:
        return []
    return [base64.b64encode(cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR))[1].tobytes()).decode()
            for f in video.frames[evenly_spaced(len(video.frames), count)]]


class V2CEnvironment(Environment[V2CAction, V2CObservation, State]):
    """A `VideoToCodeEnv` per session; every session scores on the one backend the server owns."""

    SUPPORTS_CONCURRENT_SESSIONS = True
    open_sessions = 0
    """Sessions open in this process (reported by `/v2c/stats`; the reaper's work shows here)."""
    _count_lock = threading.Lock()

    def __init__(self, tasks: str | Sequence[Task] = "builtin:animations", backend: ScoringBackend | None = None,
                 reward_config: RewardConfig | None = None, **env_fields: Any) -> None:
        super().__init__()
        self.env = VideoToCodeEnv(tasks=tasks, reward_config=reward_config, backend=backend, **env_fields)
        self._state = State(episode_id=None, step_count=0)
        self._closed = False
        with V2CEnvironment._count_lock:
            V2CEnvironment.open_sessions += 1

    def reset(self, seed: int | None = None, episode_id: str | None = None, task_id: str | None = None,
              **_: Any) -> V2CObservation:
        """A new episode: `task_id` picks the task (a GRPO group shares one), else `seed` draws one."""
        obs, info = self.env.reset(seed=seed, options={"task_id": task_id} if task_id else None)
        self._state = State(episode_id=episode_id or uuid.uuid4().hex, step_count=0, task_id=info["task_id"])
        return V2CObservation(feedback=obs["feedback"], frames=encode_frames(self.env.last_observation.video),
                              task_id=info["task_id"])

    def step(self, action: V2CAction, timeout_s: float | None = None, **_: Any) -> V2CObservation:
        if self.env.task is None:
            raise RuntimeError("send reset before step")
        obs, reward, terminated, truncated, info = self.env.step(action.text)
        self._state.step_count = int(obs["step"])
        breakdown = info.get("reward_breakdown")
        seen = self.env.last_observation
        if info["action_type"] == "clip":
            frames = encode_frames(seen.clip)
        else:
            frames = encode_frames(seen.candidate) if breakdown else []
        return V2CObservation(feedback=obs["feedback"], scores=breakdown["scores"] if breakdown else {},
                              total=breakdown["total"] if breakdown else None, frames=frames,
                              step=int(obs["step"]), task_id=info["task_id"], reward=reward,
                              done=terminated or truncated)

    @property
    def state(self) -> State:
        return self._state

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.env.close()
            with V2CEnvironment._count_lock:
                V2CEnvironment.open_sessions -= 1
