"""`PromptedAgent`: the turn logic shared by model-backed agents (HF transformers, OpenAI-compatible APIs).

A subclass only implements `generate(prompt) -> str`; this class decides what each turn asks for,
from the env's observation and the papers' setting (`PromptSettings.mode`):
`frames`/`video` — one turn that writes the page, then `finish`; `revisit` — a coarse turn that asks
for clips, a turn that writes the page from the coarse frames and the clips, then `finish`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from v2c.envs.actions import ClipRequest, parse_action
from v2c.envs.tasks import instructions_for

from .prompts import MODES, Prompt, build_prompt, valid_frames


@dataclass
class PromptSettings:
    """How a model-backed agent prompts (the base of its config).

    Fields:
        mode, use_video, frame_size, max_segments, clip_fps
    """

    mode: str = "frames"
    """`video`, `frames` or `revisit` (see `v2c.agents.prompts`)."""
    use_video: bool | None = None
    """In `video` mode, pass a video input (True) or frames as images (False); None: whatever the backend takes."""
    frame_size: tuple[int, int] | None = None
    """Resize frames to (width, height) before sending them; None keeps the env's observation size."""
    max_segments: int = 3
    """Segments a revisit clip request may name (told to the model)."""
    clip_fps: float | None = None
    """Frame rate put into clip requests that name none (None: the reference's own rate)."""

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")


class PromptedAgent:
    """Turn logic over an abstract `generate`; `transcript` keeps each turn's prompt text and answer."""

    name = "prompted"
    config: PromptSettings

    def __init__(self) -> None:
        self.turn = 0
        self.transcript: list[dict[str, Any]] = []

    def generate(self, prompt: Prompt) -> str:
        raise NotImplementedError

    @property
    def takes_video(self) -> bool:
        return bool(self.config.use_video)

    def reset(self) -> None:
        self.turn = 0
        self.transcript = []

    def prompt_for(self, observation: dict[str, Any], task: Any | None = None) -> Prompt | None:
        """The prompt of the next turn (None: the agent is done and finishes)."""
        cfg = self.config
        frames, times = valid_frames(observation["video"], observation["video_timestamps"])
        kind = getattr(task, "kind", "animation")
        common = dict(instructions=instructions_for(task) if task is not None else None, frame_size=cfg.frame_size,
                      max_segments=cfg.max_segments, duration_s=getattr(task, "duration_s", None))
        if cfg.mode == "revisit":
            if self.turn == 0:
                return build_prompt("revisit", kind, frames, times, stage="coarse", **common)
            if self.turn == 1:
                clip, clip_times = valid_frames(observation["clip"], observation["clip_timestamps"])
                clip_fps = 1.0 / float(np.median(np.diff(clip_times))) if len(clip_times) > 1 else 10.0
                return build_prompt("revisit", kind, frames, times, stage="code", clip=clip, clip_times=clip_times,
                                    clip_fps=clip_fps, **common)
            return None
        if self.turn == 0:
            return build_prompt(cfg.mode, kind, frames, times, as_video=cfg.mode == "video" and self.takes_video,
                                **common)
        return None

    def act(self, observation: dict[str, Any], task: Any | None = None) -> str:
        prompt = self.prompt_for(observation, task)
        if prompt is None:
            return "finish"
        answer = self.generate(prompt)
        self.transcript.append({"turn": self.turn, "prompt": prompt.text, "images": len(prompt.images),
                                "answer": answer})
        if self.config.mode == "revisit" and self.turn == 0 and self.config.clip_fps is not None:
            request = parse_action(answer)
            if isinstance(request, ClipRequest) and request.fps is None:
                answer = json.dumps({"segments": [{"start": s.start, "end": s.end} for s in request.segments],
                                     "fps": self.config.clip_fps})
        self.turn += 1
        return answer
