"""`Episode`: the record of one env episode, for widgets, evaluation and debugging.

Everything needed to replay an episode without an env: the task, the reference frames, and for each
step the action, the code it produced, the candidate's frames, the clip it returned, the reward and
its breakdown. Saved as a folder: `episode.json` (text) + `frames.npz` (pixels).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from v2c.rewards import RewardBreakdown


@dataclass
class EpisodeStep:
    """One action and what came back."""

    index: int
    action: str
    """The raw action text."""
    action_type: str
    """clip, code, patch, finish or invalid."""
    reward: float
    feedback: str = ""
    code: str | None = None
    """The page after this step (code and patch steps)."""
    breakdown: RewardBreakdown | None = None
    """The scores of the candidate rendered at this step (a dict only in `episode.json`)."""
    candidate_frames: np.ndarray | None = None
    """The candidate's frames at the comparison rate (`Episode.fps`), resized like the observation."""
    clip_frames: np.ndarray | None = None
    clip_timestamps: np.ndarray | None = None
    clip_segments: list[tuple[float, float]] | None = None


@dataclass
class Episode:
    """A whole episode: the task, the reference, and every step."""

    task: dict[str, Any]
    """`Task.to_dict()`."""
    reference_frames: np.ndarray
    """The prepared reference at the comparison rate (`fps`), resized like the observation."""
    fps: float
    """The comparison rate (`RewardScorer.compare_fps`: the task's, at most `RewardConfig.score_fps`)."""
    steps: list[EpisodeStep] = field(default_factory=list)

    @property
    def task_id(self) -> str:
        return str(self.task.get("id", ""))

    @property
    def total_reward(self) -> float:
        return float(sum(s.reward for s in self.steps))

    @property
    def best_total(self) -> float:
        totals = [s.breakdown.total for s in self.steps if s.breakdown is not None]
        return max(totals, default=0.0)

    def code_steps(self) -> list[EpisodeStep]:
        return [s for s in self.steps if s.candidate_frames is not None]

    def save(self, path: str | Path) -> Path:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"reference_frames": self.reference_frames}
        steps = []
        for step in self.steps:
            record = asdict(step)
            record["breakdown"] = step.breakdown.to_dict() if step.breakdown is not None else None
            for name in ("candidate_frames", "clip_frames", "clip_timestamps"):
                value = record.pop(name)
                if value is not None:
                    arrays[f"step{step.index}_{name}"] = value
            steps.append(record)
        np.savez_compressed(folder / "frames.npz", **arrays)
        (folder / "episode.json").write_text(json.dumps({"task": self.task, "fps": self.fps, "steps": steps},
                                                        indent=1, default=_jsonable))
        return folder

    @classmethod
    def load(cls, path: str | Path) -> "Episode":
        folder = Path(path)
        meta_path, frames_path = folder / "episode.json", folder / "frames.npz"
        for needed in (meta_path, frames_path):
            if not needed.is_file():
                raise FileNotFoundError(f"{needed}: not an episode folder (expected episode.json and frames.npz)")
        meta = json.loads(meta_path.read_text())
        with np.load(frames_path) as arrays:
            data = {k: arrays[k] for k in arrays.files}
        steps = []
        for record in meta["steps"]:
            i = record["index"]
            if record.get("clip_segments") is not None:
                record["clip_segments"] = [tuple(s) for s in record["clip_segments"]]
            if record.get("breakdown") is not None:
                record["breakdown"] = RewardBreakdown.from_dict(record["breakdown"])
            steps.append(EpisodeStep(**record, **{n: data.get(f"step{i}_{n}") for n in
                                                  ("candidate_frames", "clip_frames", "clip_timestamps")}))
        return cls(task=meta["task"], reference_frames=data["reference_frames"], fps=meta["fps"], steps=steps)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
