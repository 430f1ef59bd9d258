"""`VideoToCodeToolEnv`: multi-turn rollouts for TRL's `GRPOTrainer(environment_factory=...)`.

The contract (TRL 1.16 with transformers ≥ 5.2, read from `trl/trainer/grpo_trainer.py`): the
trainer calls the factory with no arguments and pools the instances (one per rollout, reused
across batches); before generation it calls `reset(**row)` with every column of the dataset row
and appends what `reset` returns (a string, or a list of content blocks) to the last user turn;
every public method other than `reset` and `get_reward` is a tool (its schema comes from the type
hints and the Google-style docstring); a tool may return content blocks with images, which the
model then sees; `get_reward()` is called once per finished rollout and added to the rewards as a
column named after the class. Tool calls run one rollout after another: keep them cheap.

Tools, after Video2Code's pipeline:
- `request_clip(start, end)` → the frames of that range at the reference's own rate (as images);
- `submit_code(html)` → renders the page in virtual time, scores it, and returns the candidate's
  frames and feedback (render errors, gates; scores only with `reveal_scores`).
`get_reward()` → the total of the last submitted page (or the best: `reward="best"`), 0 when none.

    factory = make_tool_env_factory(ToolEnvConfig(), renderer=pool)
    GRPOTrainer(..., train_dataset=build_dataset(spec, n, DatasetConfig(tools=True)), environment_factory=factory)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from v2c.envs.tasks.cache import render_reference
from v2c.rewards import RewardBreakdown, RewardConfig, RewardScorer, format_scores
from v2c.rewards.scorer import run_sync
from v2c.render import RenderBackend
from v2c.video import Video, clip

from .answers import page_for_answer
from .prompts import to_pil
from .row_tasks import RowTasks
from .trl_dataset import coarse_frames


@dataclass
class ToolEnvConfig:
    """Settings of `VideoToCodeToolEnv`.

    Observations:
        fps, max_frames, frame_size, clip_max_frames, candidate_frames
    Budgets:
        clip_budget, submit_budget
    Reward:
        reward_config, reward, reveal_scores
    """

    fps: float = 2.0
    """Rate of the coarse pass `reset` shows."""
    max_frames: int = 8
    """Frames `reset` shows at most (evenly sampled)."""
    frame_size: tuple[int, int] = (256, 192)
    """(width, height) of every image returned to the model."""
    clip_max_frames: int = 8
    """Frames one clip returns at most (evenly sampled from the range at the source rate)."""
    candidate_frames: int = 4
    """Frames of the rendered candidate `submit_code` shows (0: feedback text only)."""
    clip_budget: int = 3
    """`request_clip` calls per rollout; later ones are refused with a message."""
    submit_budget: int = 3
    """`submit_code` calls per rollout; later ones are refused with a message."""
    reward_config: RewardConfig = field(default_factory=RewardConfig)
    """Scores, weights and gates of the reward."""
    reward: str = "last"
    """`last`: the final submitted page's total (Video2Code scores the final page); `best`: the best total."""
    reveal_scores: bool = False
    """Put the scores into `submit_code`'s feedback (the model sees its reward)."""

    def __post_init__(self) -> None:
        if self.reward not in ("last", "best"):
            raise ValueError(f"reward must be 'last' or 'best', got {self.reward!r}")


class _Shared:
    """What every pooled env instance of one factory shares: the scorer (and its caches) and the task lookup."""

    def __init__(self, config: ToolEnvConfig, renderer: RenderBackend | None) -> None:
        self.config = config
        self.scorer = RewardScorer(config.reward_config, renderer=renderer)
        self.rows = RowTasks(self.scorer)


class VideoToCodeToolEnv:
    """One rollout's state: the task, its reference, the clips asked for and the pages submitted."""

    def __init__(self, shared: _Shared | None = None) -> None:
        self._shared = shared or _Shared(ToolEnvConfig(), None)
        self._cfg = self._shared.config
        self._task = None
        self._source: Video | None = None
        self._prepared = None
        self._breakdowns: list[RewardBreakdown] = []
        self._clips = 0
        self._calls: list[str] = []

    def reset(self, **row: Any) -> list[dict[str, Any]]:
        """Start a rollout on the row's task; returns the coarse pass (images) and a line about it."""
        cfg = self._cfg
        self._task = self._shared.rows.task(row.get("task"), row.get("task_id"), row.get("task_source"))
        self._source = render_reference(self._task, self._shared.scorer.renderer)
        self._prepared = run_sync(self._shared.rows.prepare(self._task))
        self._breakdowns, self._clips, self._calls = [], 0, []
        frames, times = coarse_frames(self._source, cfg.fps, cfg.max_frames)
        text = (f"Coarse pass: {len(frames)} frames at {cfg.fps:g} fps, at "
                + ", ".join(f"{t:.1f} s" for t in times) + f" (the video lasts {self._task.duration_s:g} s).")
        return [{"type": "text", "text": text}] + _images(frames, cfg.frame_size)

    def request_clip(self, start: float, end: float) -> list:
        """
        Watch a time range of the reference video again, at its full frame rate.

        Args:
            start: Start of the range, in seconds from the beginning of the video.
            end: End of the range, in seconds.

        Returns:
            The frames of the range, as images, with their times.
        """
        cfg = self._cfg
        self._calls.append("request_clip")
        if self._task is None:
            raise RuntimeError("request_clip before reset")
        if self._clips >= cfg.clip_budget:
            return [{"type": "text", "text": f"Clip budget spent ({cfg.clip_budget} per task)."}]
        start, end = float(start), float(end)
        if not 0 <= start <= end:
            return [{"type": "text", "text": "A clip needs 0 <= start <= end (seconds)."}]
        self._clips += 1
        part = clip(self._source, start, end)
        if len(part.frames) == 0:
            return [{"type": "text", "text": f"No frames between {start:g} s and {end:g} s "
                                             f"(the video lasts {self._task.duration_s:g} s)."}]
        keep = np.unique(np.linspace(0, len(part.frames) - 1, min(cfg.clip_max_frames, len(part.frames)))
                         .round().astype(int))
        times = part.timestamps[keep]
        text = (f"Clip {start:g}-{end:g} s at {part.fps:g} fps: {len(keep)} frames at "
                + ", ".join(f"{t:.2f} s" for t in times) + ".")
        return [{"type": "text", "text": text}] + _images(part.frames[keep], cfg.frame_size)

    def submit_code(self, html: str) -> list:
        """
        Submit the complete web page; it is rendered the way the video was recorded and compared with it.

        Args:
            html: The complete HTML document (CSS and JavaScript inline).

        Returns:
            Frames of your rendered page and feedback (render errors, blank or static page).
        """
        cfg = self._cfg
        self._calls.append("submit_code")
        if self._task is None:
            raise RuntimeError("submit_code before reset")
        if len(self._breakdowns) >= cfg.submit_budget:
            return [{"type": "text", "text": f"Submission budget spent ({cfg.submit_budget} per task)."}]
        page = page_for_answer(self._task, str(html))
        if page is None:
            self._breakdowns.append(RewardBreakdown(render_status="no_page"))
            return [{"type": "text", "text": "No page found in your submission: send one complete HTML document."}]
        breakdown, rendered = self._shared.scorer.evaluate(self._prepared, page)
        self._breakdowns.append(breakdown)
        problems = [f"render {rendered.status.value}: {rendered.reason}"] if not rendered.ok else []
        problems += [f"page error: {e}" for e in rendered.page_errors[:3]]
        problems += [f"{g.name}: {g.reason}" for g in breakdown.gates]
        text = "Rendered your page." + ((" Problems: " + "; ".join(problems)) if problems else "")
        if cfg.reveal_scores:
            text += f" Scores: {format_scores(breakdown.scores, breakdown.total)}."
        blocks: list[dict[str, Any]] = [{"type": "text", "text": text}]
        if cfg.candidate_frames and len(rendered.frames):
            video = Video(rendered.frames, np.arange(len(rendered.frames)) / self._task.fps, self._task.fps)
            frames, _ = coarse_frames(video, cfg.fps, cfg.candidate_frames)
            blocks += _images(frames, cfg.frame_size)
        return blocks

    def get_reward(self) -> float:
        """The rollout's reward: the last (or best) submitted page's total; 0 when nothing was submitted."""
        if not self._breakdowns:
            return 0.0
        totals = [b.total for b in self._breakdowns]
        return float(totals[-1] if self._cfg.reward == "last" else max(totals))

    # Read by `log_env_metrics` and tests; private so TRL does not expose it as a tool.
    def _summary(self) -> dict[str, Any]:
        last = self._breakdowns[-1] if self._breakdowns else None
        return {"calls": list(self._calls), "clips": self._clips, "submissions": len(self._breakdowns),
                "breakdown": last, "reward": self.get_reward()}


def _images(frames: np.ndarray, size: tuple[int, int]) -> list[dict[str, Any]]:
    return [{"type": "image", "image": image} for image in to_pil(frames, size)]


def make_tool_env_factory(config: ToolEnvConfig | None = None,
                          renderer: RenderBackend | None = None) -> Callable[[], VideoToCodeToolEnv]:
    """The `environment_factory` for `GRPOTrainer`: instances share one scorer, renderer and caches."""
    shared = _Shared(config or ToolEnvConfig(), renderer)
    factory = functools.partial(VideoToCodeToolEnv, shared)
    return factory


def log_env_metrics(prompts: list, completions: list, environments: list | None = None,
                    log_metric: Callable[[str, float], None] | None = None, **_: Any) -> list[None]:
    """A logging-only reward function for the tool env: logs tool use and the components of the final pages.

    Returns None for every rollout (TRL ignores None rewards), so it never changes the reward;
    pass it in `reward_funcs` beside the env's own `get_reward`.
    """
    summaries = [env._summary() for env in environments or []]
    if log_metric is not None and summaries:
        n = len(summaries)
        log_metric("v2c/clip_calls", sum(s["clips"] for s in summaries) / n)
        log_metric("v2c/submissions", sum(s["submissions"] for s in summaries) / n)
        scored = [s["breakdown"] for s in summaries if s["breakdown"] is not None]
        for name in dict.fromkeys(name for b in scored for name in b.scores):
            values = [b.scores[name] for b in scored if b.scores.get(name) is not None]
            if values:
                log_metric(f"v2c/{name}", float(np.mean(values)))
    return [None] * len(completions)
