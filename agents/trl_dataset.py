"""GRPO datasets from any task source: `prompt` + `images` columns, and the task of each row.

    dataset = build_dataset("builtin:animations", limit=64)              # single turn: frames as images
    dataset = build_dataset("template:pick", limit=16, DatasetConfig(tools=True))   # for the tool env

Columns:
- `prompt`: conversational, string contents (a system turn and a user turn). TRL inserts one
  `{"type": "image"}` placeholder per entry of `images` at the start of the first user turn.
  (PIL images inside message content do not survive a `datasets.Dataset`: Arrow stores them as
  dicts and adds keys the chat template then miscounts.)
- `images`: the reference video's coarse pass (2 fps, at most `max_frames`, resized to
  `frame_size`), as images — TRL's training pass ignores video inputs, so frames go as images.
  Left out with `tools=True`: the tool env's `reset` shows the frames instead.
- `task` (the serialised task), `task_id`, `task_source`: what reward functions and the tool env
  read to find the reference.
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("train", "datasets")

from v2c.rewards.model_weights import ensure_torchvision_importable  # noqa: E402

# Rows are built for TRL, whose import goes through transformers' trainer and torchvision: fix a CUDA
# torchvision wheel beside a CPU torch before the caller imports trl (a no-op on a matching pair).
ensure_torchvision_importable()

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from v2c.envs.tasks import TaskSource, instructions_for, take_tasks
from v2c.envs.tasks.cache import render_reference
from v2c.envs.tasks.task import Task
from v2c.render import RenderBackend
from v2c.rewards.backend import ScoringBackend
from v2c.video import resample, subsample

from .prompts import PROMPTS, build_prompt, task_text
from .row_tasks import serialise_task


@dataclass
class DatasetConfig:
    """How task rows are turned into prompts.

    Frames:
        fps, max_frames, frame_size
    Prompt:
        mode, tools
    """

    fps: float = 2.0
    """Rate of the coarse pass shown to the model (the papers' 2 fps)."""
    max_frames: int = 8
    """Cap on frames per prompt; longer videos are sampled evenly."""
    frame_size: tuple[int, int] = (256, 192)
    """(width, height) frames are resized to; the model's processor may resize again."""
    mode: str = "frames"
    """Prompt wording (`frames`; `video` is sent as frames too: TRL trains on images only)."""
    tools: bool = False
    """Rows for the multi-turn tool env: no `images` column (reset shows the frames), tool instructions in the text."""


def task_row(task: Task, config: DatasetConfig | None = None, renderer: RenderBackend | None = None,
             spec: str | None = None) -> dict[str, Any]:
    """One dataset row for `task` (renders its reference once; cached on disk)."""
    cfg = config or DatasetConfig()
    coarse = subsample(resample(render_reference(task, renderer), cfg.fps), cfg.max_frames)
    frames, times = coarse.frames, coarse.timestamps - coarse.timestamps[0]
    row = {"task": serialise_task(task), "task_id": task.id, "task_source": spec or task.source}
    if cfg.tools:
        text = f"{task_text(task.kind, instructions_for(task))}\n\n{PROMPTS['tools']}"
        row["prompt"] = [{"role": "system", "content": PROMPTS["system"]}, {"role": "user", "content": text}]
        return row
    prompt = build_prompt("frames", task.kind, frames, times, fps=cfg.fps, instructions=instructions_for(task),
                          frame_size=cfg.frame_size, duration_s=task.duration_s)
    row["prompt"] = prompt.messages(placeholders=False)
    row["images"] = prompt.images
    return row


def build_dataset(tasks: str | Path | Sequence[Task] | TaskSource, limit: int | None = None, config: DatasetConfig | None = None,
                  backend: ScoringBackend | None = None):
    """A `datasets.Dataset` of the first `limit` tasks of `tasks` (a spec, a path, a source, or a list of `Task`s);
    the prompts' frames are rendered by `backend`'s renderer (default: the process-wide pool)."""
    from datasets import Dataset, Features, Image, Sequence as Seq, Value

    cfg = config or DatasetConfig()
    spec = str(tasks) if isinstance(tasks, (str, Path)) else None
    renderer = backend.renderer() if backend is not None else None
    rows = [task_row(t, cfg, renderer, spec) for t in take_tasks(tasks, limit)]
    if not rows:
        raise ValueError(f"no tasks in {tasks!r}")
    message = {"role": Value("string"), "content": Value("string")}
    features = {"prompt": [message], "task": Value("string"), "task_id": Value("string"),
                "task_source": Value("string")}
    if not cfg.tools:
        features["images"] = Seq(Image())
    columns = {name: [row[name] for row in rows] for name in features}
    return Dataset.from_dict(columns, features=Features(features))
