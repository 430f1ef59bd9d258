"""`VideoToCodeToolEnv`: multi-turn rollouts for TRL's `GRPOTrainer(environment_factory=...)`.

A thin adapter over the episode core (`v2c.envs.episode_core.EpisodeCore`), the same one the
Gymnasium env adapts: one `EnvConfig`, the same budgets, clips, scoring and feedback.

The contract (TRL 1.16 with transformers ≥ 5.2, read from `trl/trainer/grpo_trainer.py`): the
trainer calls the factory with no arguments and pools the instances (one per rollout, reused
across batches); before generation it calls `reset(**row)` with every column of the dataset row
and appends what `reset` returns (a string, or a list of content blocks) to the last user turn;
every public method other than `reset` and `get_reward` is a tool (its schema comes from the type
hints and the Google-style docstring); a tool may return content blocks with images, which the
model then sees; `get_reward()` is called once per finished rollout and added to the rewards as a
column named after the class.

Concurrency: TRL 1.16 runs tool calls one rollout after another (`_tool_call_loop` waits for each
rollout's calls before the next rollout's); only the async tool calls of one rollout's turn are
gathered together. So making these tools async would not overlap rollouts, and they stay
synchronous: keep them cheap (clips are slices of the prepared reference, memoised per task across
the factory's instances; a submission is one render).

Tools, after Video2Code's pipeline (each call is one of the episode's `max_steps` actions):
- `request_clip(start, end)` → the frames of that range at the reference's own rate (as images);
- `submit_code(html)` → renders the page (code, a patch to the last one, or a template answer) in
  virtual time, scores it, and returns the candidate's frames and the episode's feedback (render
  status, page errors, blocked requests, gates; every score only with `reveal_scores`).
`get_reward()` → `EpisodeCore.rollout_reward()`: the last submission's total (`reward_shaping="score"`)
or the best (`"improvement"`), 0 when none.

    factory = make_tool_env_factory(EnvConfig(max_frames=8, clip_max_frames=8), backend=make_backend("local"))
    # or make_backend("ray", workers=4): references and pages are scored on Ray actors
    GRPOTrainer(..., train_dataset=build_dataset(spec, n, DatasetConfig(tools=True)), environment_factory=factory)
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

import numpy as np

from v2c.envs.actions import ClipRequest, Segment
from v2c.envs.config import EnvConfig
from v2c.envs.episode import Episode
from v2c.envs.episode_core import EpisodeCore, Outcome
from v2c.envs.feedback import coarse_text
from v2c.envs.tasks.task import Task
from v2c.rewards import RewardConfig
from v2c.rewards.backend import ScoringBackend, resolve_backend

from .prompts import to_pil
from .row_tasks import RowTasks


class _Shared:
    """What every pooled env instance of one factory shares: the config, the episode scorer (its memo holds the
    prepared references, so a GRPO group's rollouts prepare their task's once) and the task lookup."""

    def __init__(self, config: EnvConfig | None = None, backend: ScoringBackend | None = None,
                 reward_config: RewardConfig | None = None) -> None:
        self.config = config or EnvConfig()
        self.backend = resolve_backend(backend, reward_config)
        self.scorer = self.backend.episode_scorer()
        self.rows = RowTasks()


class VideoToCodeToolEnv:
    """One rollout: an `EpisodeCore` driven by tool calls, answering in TRL content blocks."""

    def __init__(self, shared: _Shared | None = None) -> None:
        self._shared = shared or _Shared()
        self._core = EpisodeCore(self._shared.scorer, self._shared.config)
        self._calls: list[str] = []

    def reset(self, **row: Any) -> list[dict[str, Any]]:
        """Start a rollout on the row's task; returns the coarse pass (images) and a line about it."""
        rows = self._shared.rows
        task = rows.task(row.get("task"), row.get("task_id"), row.get("task_source"), row)
        self._core.reset(task)
        self._calls = []
        coarse = self._core.coarse(self._core.reference.frames)
        return [_text(coarse_text(coarse.timestamps, coarse.fps, task.duration_s))] + _images(coarse.frames)

    def request_clip(self, start: float, end: float) -> list:
        """
        Watch a time range of the reference video again, at its full frame rate.

        Args:
            start: Start of the range, in seconds from the beginning of the video.
            end: End of the range, in seconds.

        Returns:
            The frames of the range, as images, with their times.
        """
        self._calls.append("request_clip")
        outcome = self._core.request_clip(ClipRequest((Segment(float(start), float(end)),)))
        return [_text(outcome.feedback)] + (_images(outcome.clip.frames) if outcome.clip is not None else [])

    def submit_code(self, html: str) -> list:
        """
        Submit the complete web page; it is rendered the way the video was recorded and compared with it.

        Args:
            html: The complete HTML document (CSS and JavaScript inline).

        Returns:
            Frames of your rendered page and feedback (render errors, blank or static page).
        """
        self._calls.append("submit_code")
        outcome = self._core.submit(str(html))
        return [_text(outcome.feedback)] + self._candidate_images(outcome)

    def get_reward(self) -> float:
        """The rollout's reward: the last (or best) submitted page's total; 0 when nothing was submitted."""
        return float(self._core.rollout_reward()) if self._core.task is not None else 0.0

    @property
    def episode(self) -> Episode | None:
        """The rollout's record (for `EpisodeViewer`); a property, so TRL does not take it for a tool."""
        return self._core.episode if self._core.task is not None else None

    def _candidate_images(self, outcome: Outcome) -> list[dict[str, Any]]:
        if outcome.breakdown is None or self._core.last_candidate is None:
            return []
        return _images(self._core.coarse(self._core.last_candidate).frames)

    # Read by `env_steps` and tests; private so TRL does not expose it as a tool.
    def _summary(self) -> dict[str, Any]:
        core = self._core
        started = core.task is not None
        return {"calls": list(self._calls), "clips": core.clips_used if started else 0,
                "submissions": len(core.submission_totals) if started else 0,
                "steps": core.steps_taken if started else 0, "best": core.best_total if started else 0.0,
                "breakdown": core.last_breakdown if started else None, "reward": self.get_reward()}


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _images(frames: np.ndarray) -> list[dict[str, Any]]:
    return [{"type": "image", "image": image} for image in to_pil(frames)]


def tool_methods(env: VideoToCodeToolEnv) -> list[Callable[..., Any]]:
    """The env's tools as TRL lists them: its public methods other than `reset` and `get_reward`, by name."""
    return [getattr(env, name) for name, _ in inspect.getmembers(type(env), predicate=inspect.isfunction)
            if name not in ("reset", "get_reward") and not name.startswith("_")]


def tool_schemas(env: VideoToCodeToolEnv) -> list[dict[str, Any]]:
    """The JSON schemas the chat template shows for the env's tools (what TRL renders into the prompt)."""
    from transformers.utils import get_json_schema

    return [get_json_schema(method) for method in tool_methods(env)]


def make_tool_env_factory(config: EnvConfig | None = None, backend: ScoringBackend | None = None,
                          reward_config: RewardConfig | None = None) -> Callable[[], VideoToCodeToolEnv]:
    """The `environment_factory` for `GRPOTrainer`: instances share one config, episode scorer and caches.
    `backend` (`v2c.rewards.backend.make_backend`; default a `LocalBackend` with `reward_config`): a Ray
    backend scores on its actors and sends back frames at the config's `obs_size`."""
    return functools.partial(VideoToCodeToolEnv, _Shared(config, backend, reward_config))


def env_steps(prompts: list, completions: list, environments: list | None = None,
              log_metric: Callable[[str, float], None] | None = None, **_: Any) -> list[float]:
    """A metrics-only reward function for the tool env, meant for weight 0 (`build_trainer` sets it).

    Returns each rollout's actions used (clip requests + submissions), so TRL logs a real
    `rewards/env_steps/mean`; a function returning None would log NaN there. Through `log_metric` it
    logs `v2c/clip_calls`, `v2c/submissions`, `v2c/best_reward` (the best submission's total) and each
    score of the final pages. Pass it in `reward_funcs` beside the env's own `get_reward`, with
    `reward_weights` giving it 0 (the env's column, appended by TRL, keeps weight 1).
    """
    summaries = [env._summary() for env in environments or []]
    if log_metric is not None and summaries:
        n = len(summaries)
        log_metric("v2c/clip_calls", sum(s["clips"] for s in summaries) / n)
        log_metric("v2c/submissions", sum(s["submissions"] for s in summaries) / n)
        log_metric("v2c/best_reward", sum(s["best"] for s in summaries) / n)
        scored = [s["breakdown"] for s in summaries if s["breakdown"] is not None]
        for name in dict.fromkeys(name for b in scored for name in b.scores):
            values = [b.scores[name] for b in scored if b.scores.get(name) is not None]
            if values:
                log_metric(f"v2c/{name}", float(np.mean(values)))
    if not summaries:  # no environments (a single-turn batch): nothing to count, which TRL skips
        return [None] * len(completions)  # type: ignore[list-item]
    return [float(s["steps"]) for s in summaries]
