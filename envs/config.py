"""`EnvConfig`: everything a `VideoToCodeEnv` can be told, with the papers' defaults."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EnvConfig:
    """Settings of `VideoToCodeEnv`.

    Observation:
        obs_fps, obs_size, max_frames, clip_max_frames
    Episode:
        max_steps, clip_budget, clip_frame_budget
    Reward:
        reward_shaping, format_penalty, clip_cost, reveal_scores
    """

    obs_fps: float = 2.0
    """Frame rate of the `video` and `candidate` observations: the papers' coarse pass is 2 fps."""
    obs_size: tuple[int, int] = (256, 192)
    """Width × height every observed frame is resized to."""
    max_frames: int = 16
    """Cap on observed frames; longer videos are sampled evenly, shorter ones zero-padded."""
    clip_max_frames: int = 48
    """Cap on the frames one clip request returns (the rest are dropped, and feedback says so)."""
    max_steps: int = 6
    """Actions per episode before truncation."""
    clip_budget: int = 3
    """Clip requests allowed per episode."""
    clip_frame_budget: int = 120
    """Frames all clip requests of an episode may return together."""
    reward_shaping: str = "score"
    """`score`: each code step earns the candidate's total; `improvement`: its gain over the best so far."""
    format_penalty: float = 0.05
    """Reward of an action that cannot be parsed (negated)."""
    clip_cost: float = 0.0
    """Reward of a clip request (negated): a price on looking again, 0 by default as in Video2Code."""
    reveal_scores: bool = False
    """Put the reward breakdown into `feedback` (the model sees its scores); otherwise only render errors."""

    def __post_init__(self) -> None:
        if self.reward_shaping not in ("score", "improvement"):
            raise ValueError(f"reward_shaping must be 'score' or 'improvement', got {self.reward_shaping!r}")
        if self.max_frames < 1 or self.clip_max_frames < 1 or self.max_steps < 1:
            raise ValueError("max_frames, clip_max_frames and max_steps must be at least 1")
        self.obs_size = (int(self.obs_size[0]), int(self.obs_size[1]))
