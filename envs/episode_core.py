"""`EpisodeCore`: the state and rules of one video-to-code episode, behind every adapter.

The Gymnasium env (`VideoToCodeEnv`: one string action per step, array observations) and the TRL
tool env (`v2c.agents.trl_env.VideoToCodeToolEnv`: `request_clip` / `submit_code` tool calls,
image content blocks) are thin adapters over it, so budgets, clips, scoring and feedback mean the
same in both. One episode is: the task, its prepared reference, the step and clip budgets, the
current code, the totals of the pages submitted, and the `Episode` record. The core renders and scores
through an `EpisodeScorer` (`v2c.rewards.episode_scoring`), a backend's `episode_scorer()`: local, in
this process, or on Ray actors, which get HTML and send back scores and `obs_size` frames.

    core = EpisodeCore(make_backend("local").episode_scorer(), EnvConfig())   # or make_backend("ray")
    core.reset(task)
    core.request_clip(ClipRequest((Segment(0.5, 1.0),)))      # or core.act('{"segments": [...]}')
    outcome = core.submit(task.cheat_html())                  # code, a patch, or a template answer
    outcome.reward, outcome.feedback, outcome.breakdown
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from v2c.rewards import RewardBreakdown
from v2c.rewards.episode_scoring import EpisodeReference, EpisodeScorer
from v2c.heap import return_freed_memory
from v2c.render import Page, RenderResult
from v2c.video import Video, clip_sample, resample, resize_frames, subsample

from . import feedback
from .actions import Action, ClipRequest, Code, Finish, Invalid, Patch, action_type, apply_patch, parse_answer
from .config import EnvConfig
from .episode import Episode, EpisodeStep
from .tasks import Task

MAX_ACTION_CHARS = 400_000
"""Longest action text kept in the record (and the Gym action space's bound)."""


@dataclass
class Outcome:
    """What one action did."""

    action_type: str
    """clip, code, patch, finish, invalid, or refused (no actions left)."""
    reward: float
    feedback: str
    terminated: bool = False
    """True after `finish`."""
    breakdown: RewardBreakdown | None = None
    """The scores of the page a code or patch step rendered."""
    rendered: RenderResult | None = None
    clip: Video | None = None
    """A clip step's frames (resized to `obs_size`) and their times on the reference's timeline."""


@dataclass
class Observation:
    """What the agent is shown after an action: unpadded videos at `EnvConfig.obs_size` (the Gym adapter pads
    them into fixed-size arrays; the server and the tool env send them as they are)."""

    video: Video
    """The reference as the coarse pass: `obs_fps`, at most `max_frames`."""
    clip: Video | None
    """The latest clip request's frames at their times on the reference's timeline; None before any."""
    candidate: Video | None
    """The last rendered candidate, sampled like `video`; None before any."""
    feedback: str
    step: int
    """Actions taken so far."""


class EpisodeCore:
    """One episode at a time: `reset(task)`, then `act(text)` or `request_clip` / `submit` / `finish`."""

    def __init__(self, scorer: EpisodeScorer, config: EnvConfig | None = None) -> None:
        self.scorer = scorer
        self.config = config or EnvConfig()
        self.task: Task | None = None
        self.reference: EpisodeReference | None = None
        self.episode: Episode | None = None

    # ------------------------------------------------------------------ state

    def reset(self, task: Task, reference: EpisodeReference | None = None) -> str:
        """Start an episode on `task` (its reference prepared by the scorer unless `reference` is given);
        returns the opening feedback."""
        if reference is None:
            reference = self.scorer.prepare(task, self.config.obs_size)
        self.task, self.reference = task, reference
        # Clips come at the source rate: the recording, or the reference rendered at the task's fps. The
        # prepared frames are at the scorer's comparison rate (`RewardConfig.score_fps`), which may be lower.
        self.source_video = reference.source
        self.code = ""
        self.best_total = 0.0
        self.submission_totals: list[float] = []
        self.steps_taken = 0
        self.clips_used = 0
        self.clip_frames_used = 0
        self.last_candidate: np.ndarray | None = None
        """The last rendered candidate's frames at the comparison rate (`frame_fps`), resized to `obs_size`."""
        self.last_clip: Video | None = None
        self._last_breakdown: RewardBreakdown | None = None
        self.episode = Episode(task=task.to_dict(), reference_frames=self.resize(reference.frames),
                               fps=reference.fps)
        # The last episode's frame stacks are free now; without this, RSS keeps their pages (`v2c.heap`).
        return_freed_memory()
        return feedback.intro_text(task, self.config.clip_budget)

    @property
    def steps_left(self) -> int:
        return self.config.max_steps - self.steps_taken

    @property
    def last_breakdown(self) -> RewardBreakdown | None:
        """The scores of the last submission (`render_status="no_page"` when it had no page); None before one."""
        return self._last_breakdown

    def rollout_reward(self) -> float:
        """One number for the whole episode: the last submission's total (`reward_shaping="score"`) or the best
        (`"improvement"`: the sum of its step rewards); 0 when nothing was submitted."""
        if not self.submission_totals:
            return 0.0
        return self.submission_totals[-1] if self.config.reward_shaping == "score" else max(self.submission_totals)

    # ------------------------------------------------------------------ actions

    def act(self, text: Any) -> Outcome:
        """One model answer, read by the action grammar (and the task's answer format), then carried out."""
        action = parse_answer(text, self._require_task())
        if isinstance(action, Finish):
            return self.finish(text)
        if isinstance(action, ClipRequest):
            return self.request_clip(action, text)
        return self.submit(action, text)

    def finish(self, text: Any = "finish") -> Outcome:
        self._require_task()
        if self.steps_left <= 0:
            return self._refused()
        return self._record(text, Outcome("finish", 0.0, f"Finished. Best total {self.best_total:.3f}.", terminated=True))

    def request_clip(self, request: ClipRequest, text: Any = None) -> Outcome:
        """The request's ranges at its fps (default: the source's), capped by `clip_max_frames` and the frame budget."""
        task, cfg = self._require_task(), self.config
        text = text if text is not None else _request_text(request)
        if self.steps_left <= 0:
            return self._refused()
        if any(not 0 <= s.start <= s.end for s in request.segments) or not request.segments:
            return self._record(text, Outcome("invalid", -cfg.format_penalty,
                                              "A clip needs 0 <= start <= end (seconds) for every segment."))
        if self.clips_used >= cfg.clip_budget:
            return self._record(text, Outcome("clip", -cfg.format_penalty,
                                              f"Clip budget spent ({cfg.clip_budget} per episode)."))
        room = min(cfg.clip_max_frames, cfg.clip_frame_budget - self.clip_frames_used)
        if room <= 0:
            return self._record(text, Outcome("clip", -cfg.format_penalty,
                                              f"Clip frame budget spent ({cfg.clip_frame_budget} frames per episode)."))
        # Clamped before any frame is touched, so a request costs what its answer holds whatever its numbers:
        # the rate is at most the source's own (above it sample-and-hold only repeats frames), ranges end
        # where the video does, and only the frames of the even sample are gathered (`clip_sample`).
        source = self.source_video
        fps = min(request.fps or source.fps, source.fps)
        ranges = [(s.start, s.end) for s in request.segments]
        picked, available = clip_sample(source, ranges, fps, room)
        self.clips_used += 1
        segments = ranges[:feedback.MAX_LISTED_RANGES]
        if available == 0:
            return self._record(text, Outcome("clip", -cfg.clip_cost, (
                f"No frames in {feedback.ranges_text(ranges)} (the video lasts {task.duration_s:g} s). "
                f"{cfg.clip_budget - self.clips_used} clip requests left.")), clip_segments=segments)
        self.clip_frames_used += len(picked)
        self.last_clip = Video(self.resize(picked.frames), picked.timestamps, fps)
        words = feedback.clip_text(ranges, fps, picked.timestamps, available, cfg.clip_budget - self.clips_used,
                                   asked_fps=request.fps)
        return self._record(text, Outcome("clip", -cfg.clip_cost, words, clip=self.last_clip), clip_segments=segments)

    def submit(self, submission: Code | Patch | Action | str, text: Any = None) -> Outcome:
        """Render and score a page: code, a patch to the current code, or a template answer (read from a string)."""
        task, cfg = self._require_task(), self.config
        text = text if text is not None else submission
        if self.steps_left <= 0:
            return self._refused()
        action = parse_answer(submission, task) if isinstance(submission, str) else submission
        if not isinstance(action, (Code, Patch)):
            reason = action.reason if isinstance(action, Invalid) else f"a {action_type(action)} is not a page"
            return self._rejected(text, "invalid", f"Invalid action: {reason}")
        if isinstance(action, Patch):
            if not self.code:
                return self._rejected(text, "patch", "Patch rejected: there is no code yet; send a full HTML page.")
            patched = apply_patch(self.code, action)
            if patched.error:
                return self._rejected(text, "patch", f"Patch rejected: {patched.error}")
            self.code = patched.code
        else:
            self.code = action.html
        breakdown, rendered = self.scorer.evaluate(self.reference, Page(self.code), cfg.obs_size)
        total = float(breakdown.total)
        reward = total if cfg.reward_shaping == "score" else max(0.0, total - self.best_total)
        self.best_total = max(self.best_total, total)
        self.submission_totals.append(total)
        self._last_breakdown = breakdown
        self.last_candidate = self.resize(rendered.frames) if len(rendered.frames) else None
        words = feedback.submission_text(breakdown, rendered, cfg.reveal_scores)
        outcome = Outcome(action_type(action), reward, words, breakdown=breakdown, rendered=rendered)
        return self._record(text, outcome, code=self.code, breakdown=breakdown,
                            candidate_frames=self.last_candidate)

    # ------------------------------------------------------------------ frames

    def observation(self, feedback: str) -> Observation:
        """What the agent sees now, with `feedback` (the last action's)."""
        if self.reference is None:
            raise RuntimeError("no episode: call reset(task) first")
        candidate = self.coarse(self.last_candidate) if self.last_candidate is not None else None
        return Observation(self.coarse(self.reference.frames), self.last_clip, candidate, feedback, self.steps_taken)

    @property
    def frame_fps(self) -> float:
        """The rate of the prepared reference's frames and of every candidate render (`RewardScorer.compare_fps`)."""
        if self.reference is None:
            raise RuntimeError("no episode: call reset(task) first")
        return self.reference.fps

    def resize(self, frames: np.ndarray) -> np.ndarray:
        """Frames at `obs_size` (area-averaged)."""
        return resize_frames(frames, self.config.obs_size)

    def coarse(self, frames: np.ndarray) -> Video:
        """Frames at the comparison rate (the reference's and the renders') as the coarse pass: `obs_fps`, at
        most `max_frames` (evenly spaced), resized."""
        cfg, fps = self.config, self.frame_fps
        coarse = subsample(resample(Video(frames, np.arange(len(frames)) / fps, fps), cfg.obs_fps), cfg.max_frames)
        return Video(self.resize(coarse.frames), coarse.timestamps, coarse.fps)

    # ------------------------------------------------------------------ bookkeeping

    def _require_task(self) -> Task:
        if self.task is None:
            raise RuntimeError("call reset() before acting")
        return self.task

    def _rejected(self, text: Any, kind: str, words: str) -> Outcome:
        """A submission with no page: penalised, and it counts as a submission of total 0 for the rollout reward."""
        self.submission_totals.append(0.0)
        self._last_breakdown = RewardBreakdown(render_status="no_page")
        return self._record(text, Outcome(kind, -self.config.format_penalty, words))

    def _refused(self) -> Outcome:
        return Outcome("refused", 0.0, f"No actions left ({self.config.max_steps} per episode).")

    def _record(self, text: Any, outcome: Outcome, **fields: Any) -> Outcome:
        if outcome.clip is not None:
            fields.update(clip_frames=outcome.clip.frames, clip_timestamps=outcome.clip.timestamps)
        else:
            # Earlier renders' frame stacks are free by now (clips allocate little, so they skip this).
            return_freed_memory()
        self.episode.steps.append(EpisodeStep(index=self.steps_taken, action=str(text)[:MAX_ACTION_CHARS],
                                              action_type=outcome.action_type, reward=float(outcome.reward),
                                              feedback=outcome.feedback, **fields))
        self.steps_taken += 1
        return outcome


def _request_text(request: ClipRequest) -> str:
    """A clip request as the JSON action that asks for it (what the record keeps for a tool call)."""
    segments = [{"start": s.start, "end": s.end} for s in request.segments]
    return json.dumps({"segments": segments, **({"fps": request.fps} if request.fps else {})})


__all__ = ["EpisodeCore", "MAX_ACTION_CHARS", "Observation", "Outcome"]
