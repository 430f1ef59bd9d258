"""`EnvConfig`: everything an episode can be told, with the papers' defaults.

One config for both adapters of the episode core (`v2c.envs.episode_core`): the Gymnasium env
`VideoToCodeEnv` and the TRL tool env `v2c.agents.trl_env.VideoToCodeToolEnv`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class EnvConfig:
    """Settings of one episode (`VideoToCodeEnv`, `VideoToCodeToolEnv`).

    Observation:
        obs_fps, obs_size, max_frames, clip_max_frames
    Episode:
        max_steps, clip_budget, clip_frame_budget
    Reward:
        reward_shaping, format_penalty, clip_cost, reveal_scores
    """

    obs_fps: float = 2.0
    """Frame rate of the reference and candidate frames shown (the coarse pass): the papers' 2 fps."""
    obs_size: tuple[int, int] = (256, 192)
    """Width × height every frame shown is resized to."""
    max_frames: int = 16
    """Cap on the coarse pass's frames; longer videos are sampled evenly (the Gym observation zero-pads shorter ones)."""
    clip_max_frames: int = 48
    """Cap on the frames one clip request returns; a longer range is sampled evenly, and feedback says so."""
    max_steps: int = 6
    """Actions (tool calls, for the tool env) per episode; then the Gym env truncates and the tool env refuses."""
    clip_budget: int = 3
    """Clip requests allowed per episode."""
    clip_frame_budget: int = 120
    """Frames all clip requests of an episode may return together."""
    reward_shaping: str = "score"
    """`score`: each code step earns the candidate's total (the tool env's rollout reward: the last page's);
    `improvement`: its gain over the best so far (the tool env's: the best page's, the sum of the gains)."""
    format_penalty: float = 0.05
    """Reward of an action that cannot be parsed (negated)."""
    clip_cost: float = 0.0
    """Reward of a clip request (negated): a price on looking again, 0 by default as in Video2Code."""
    reveal_scores: bool = False
    """Put the reward breakdown into `feedback` (the model sees its scores); otherwise only render errors."""

    @classmethod
    def for_frames(cls, fps: float, max_frames: int, frame_size: tuple[int, int]) -> "EnvConfig":
        """A training run's episodes: coarse pass at `fps`, it and every clip at most `max_frames` frames of
        `frame_size` (`v2c train --multi_turn` and `v2c data sft` alike, so SFT and RL show the same frames)."""
        return cls(obs_fps=fps, max_frames=max_frames, clip_max_frames=max_frames, obs_size=tuple(frame_size))

    def __post_init__(self) -> None:
        if self.reward_shaping not in ("score", "improvement"):
            raise ValueError(f"reward_shaping must be 'score' or 'improvement', got {self.reward_shaping!r}")
        if self.max_frames < 1 or self.clip_max_frames < 1 or self.max_steps < 1:
            raise ValueError("max_frames, clip_max_frames and max_steps must be at least 1")
        self.obs_size = (int(self.obs_size[0]), int(self.obs_size[1]))
