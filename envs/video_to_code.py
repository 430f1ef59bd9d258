"""`VideoToCodeEnv`: the Gymnasium adapter over task sources, the renderer and the rewards."""
from __future__ import annotations

import time
from typing import Any, Sequence

import cv2
import gymnasium as gym
import numpy as np
from gymnasium import spaces

from v2c.rewards import RewardConfig, RewardScorer
from v2c.rewards.scorer import PreparedReference
from v2c.render import Page, RenderBackend
from v2c.video import Video, clip, clip_length, resample

from .actions import ClipRequest, Code, Finish, Patch, action_type, apply_patch, parse_action
from .config import EnvConfig
from .episode import Episode, EpisodeStep
from .spaces import Unicode
from .tasks import Task, load_tasks, render_reference
from .tasks.source import GeneratedSource

MAX_ACTION_CHARS = 400_000
# Padded frames have timestamp -1, not NaN: NaN != NaN, which would make Gymnasium's seeded-determinism
# check (and any equality test on observations) fail for identical episodes.
PAD_TIME = -1.0
MAX_TIME = 86_400.0
# Prepared references the env's scorer keeps: one per episode is used, a few more serve a GRPO group
# or a small task set coming back. A prepared 2 s reference at 512x384 and 10 fps holds ~27 MB
# (measured), so the scorer's own default of 64 could hold 1.7 GB per env.
REFERENCE_CACHE_SIZE = 4
# Ranges of a clip request named in its feedback and episode record (a request may hold thousands).
_LISTED_SEGMENTS = 8


class VideoToCodeEnv(gym.Env):
    """
    ## Description
    Video-to-code as an episode. The agent watches a reference video of a web animation or of a
    user driving a page, may ask to re-watch time ranges at a higher frame rate (Video2Code's
    clipping tool), writes an HTML/CSS/JS page, sees its own page rendered, and may patch it. Each
    page is rendered in headless Chromium in virtual time and scored against the reference by
    appearance, motion and — for interactive tasks — behaviour under the replayed interactions.

    ## Action Space
    `Unicode`: one string, parsed by `v2c.envs.actions.parse_action` (chatter around it is ignored):
    - a clip request `{"segments": [{"start": s, "end": e}], "fps": N}` (seconds; bare, in
      `<tool>…</tool>` or a fenced block): the ranges at N fps (default and maximum: the video's own rate);
    - code: an HTML document, in a ```html block or raw;
    - a patch to the current code: `<<<<<<< SEARCH / ======= / >>>>>>> REPLACE` blocks or a unified diff;
    - `finish`.

    ## Observation Space
    `Dict`:
    - `video` uint8 (max_frames, H, W, 3): the reference at `obs_fps` (2 fps: the papers' coarse
      pass), evenly subsampled to `max_frames`, zero-padded; `video_timestamps` float seconds, −1 where padded
      (not NaN: NaN != NaN would make identical observations compare unequal, failing Gymnasium's
      determinism checks);
    - `clip` uint8 (clip_max_frames, H, W, 3) and `clip_timestamps` (−1 where padded): the latest clip
      request's frames. Ranges are cut to the video and the rate to the video's own (above it frames
      would only repeat), so a request costs at most `clip_max_frames` frames whatever its numbers;
    - `candidate` and `candidate_timestamps`: the last rendered candidate, sampled like `video`;
    - `feedback` (Unicode): parse and render errors, budgets, and with `reveal_scores` the reward breakdown;
    - `step` int: actions taken so far.

    ## Rewards
    A code or patch step renders the page and scores it with `RewardScorer` (`RewardConfig`: the
    embedded appearance and temporal scores, functional replay for interactive tasks, gates for
    failed/blank/static/oversized pages). With `reward_shaping="score"` the step's reward is the
    candidate's total in [0, 1]; with `"improvement"` it is the gain over the best total so far
    (so an episode's rewards sum to its best total). A clip request costs `clip_cost`; an
    unparseable action `-format_penalty`; finish 0.

    ## Starting State
    `reset` picks a task from the source (seeded by `np_random`, or `options={"task_id": ...}` so a
    GRPO group shares one task), renders and caches its reference, and shows it.

    ## Episode End
    Terminates on `finish`; truncates after `max_steps` actions.

    ## Arguments
    `tasks`: a task source spec (`"builtin:animations"`, `"builtin:interactions"`,
    `"builtin:animatecss"`, a dataset path) or a list of `Task`s. `reward_config`: a `RewardConfig`.
    `config`: an `EnvConfig` (or its fields as keyword arguments). `render_mode`: `rgb_array`
    (reference | candidate side by side) or `ansi`. `renderer`: a `RenderBackend` (default: the
    process-wide pool, shared by every env in the process).

    Under `AsyncVectorEnv` pass `shared_memory=False`: text observations cannot live in shared memory
    (`make_vector_env` does this).

    ## Version History
    - v0: initial version.
    """

    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": 2}

    def __init__(self, tasks: str | Sequence[Task] = "builtin:animations", reward_config: RewardConfig | None = None,
                 config: EnvConfig | None = None, render_mode: str | None = None,
                 renderer: RenderBackend | None = None, **config_fields: Any) -> None:
        if config is not None and config_fields:
            raise TypeError("pass either config=EnvConfig(...) or its fields as keyword arguments, not both")
        self.config = config or EnvConfig(**config_fields)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "render_fps": self.config.obs_fps}
        self.source = load_tasks(tasks) if not isinstance(tasks, list) else load_tasks(list(tasks))
        self.scorer = RewardScorer(reward_config or RewardConfig(), renderer=renderer, cache_size=REFERENCE_CACHE_SIZE)
        self._renderer = renderer
        width, height = self.config.obs_size
        frames = (self.config.max_frames, height, width, 3)
        clip_frames = (self.config.clip_max_frames, height, width, 3)
        self.observation_space = spaces.Dict({
            "video": spaces.Box(0, 255, frames, np.uint8),
            "video_timestamps": spaces.Box(PAD_TIME, MAX_TIME, (self.config.max_frames,), np.float64),
            "clip": spaces.Box(0, 255, clip_frames, np.uint8),
            "clip_timestamps": spaces.Box(PAD_TIME, MAX_TIME, (self.config.clip_max_frames,), np.float64),
            "candidate": spaces.Box(0, 255, frames, np.uint8),
            "candidate_timestamps": spaces.Box(PAD_TIME, MAX_TIME, (self.config.max_frames,), np.float64),
            "feedback": Unicode(),
            "step": spaces.Box(0, self.config.max_steps, (), np.int64),
        })
        self.action_space = Unicode(MAX_ACTION_CHARS)
        self.task: Task | None = None
        self.episode: Episode | None = None

    # ------------------------------------------------------------------ task choice

    def _pick_task(self, options: dict[str, Any] | None) -> Task:
        task_id = (options or {}).get("task_id")
        if task_id is not None:
            return self._task_by_id(str(task_id))
        if isinstance(self.source, GeneratedSource):
            return self.source[int(self.np_random.integers(0, 2**31 - 1))]
        tasks = list(self.source)
        if not tasks:
            raise ValueError(f"task source {self.source!r} has no tasks")
        return tasks[int(self.np_random.integers(0, len(tasks)))]

    def _task_by_id(self, task_id: str) -> Task:
        if isinstance(self.source, GeneratedSource):
            # Generated ids end in their index: `<generator>-<seed>-<index>`.
            index = task_id.rsplit("-", 1)[-1]
            if index.isdigit() and self.source[int(index)].id == task_id:
                return self.source[int(index)]
        else:
            for task in self.source:
                if task.id == task_id:
                    return task
        raise KeyError(f"no task {task_id!r} in {self.source!r}")

    # ------------------------------------------------------------------ gym API

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.task = self._pick_task(options)
        reference_video = render_reference(self.task, self._renderer)
        self.prepared: PreparedReference = self.scorer.prepare(self.task.to_reference(video=reference_video))
        # Clips come from the recording at its own rate when there is one, else the rendered reference.
        self.source_video = reference_video if self.task.video is not None else Video(
            self.prepared.frames, np.arange(len(self.prepared.frames)) / self.task.fps, self.task.fps)
        self.code = ""
        self.best_total = 0.0
        self.steps_taken = 0
        self.clips_used = 0
        self.clip_frames_used = 0
        self.render_t = 0.0
        self.last_candidate: np.ndarray | None = None
        self.last_clip: tuple[np.ndarray, np.ndarray] | None = None
        self.episode = Episode(task=self.task.to_dict(), reference_frames=self._resize(self.prepared.frames),
                               fps=self.task.fps)
        feedback = (f"Task {self.task.id}: reproduce this {self.task.kind} ({self.task.duration_s:g} s, "
                    f"{self.task.viewport[0]}x{self.task.viewport[1]}). You may request clips "
                    f"({self.config.clip_budget} left), write HTML, patch it, or finish.")
        return self._observation(feedback), {"task_id": self.task.id, "kind": self.task.kind}

    def step(self, action: str):
        if self.task is None:
            raise RuntimeError("call reset() before step()")
        started = time.perf_counter()
        parsed = parse_action(action)
        self.steps_taken += 1
        info: dict[str, Any] = {"task_id": self.task.id, "action_type": action_type(parsed)}
        record = EpisodeStep(index=self.steps_taken - 1, action=str(action)[:MAX_ACTION_CHARS],
                             action_type=action_type(parsed), reward=0.0)
        terminated = False
        if isinstance(parsed, Finish):
            terminated, reward, feedback = True, 0.0, f"Finished. Best total {self.best_total:.3f}."
        elif isinstance(parsed, ClipRequest):
            reward, feedback = self._clip(parsed, record)
        elif isinstance(parsed, (Code, Patch)):
            reward, feedback = self._code(parsed, record, info)
        else:
            reward, feedback = -self.config.format_penalty, f"Invalid action: {parsed.reason}"
        truncated = not terminated and self.steps_taken >= self.config.max_steps
        if "timings_s" in info:  # only steps that render; the others are deterministic down to their info
            info["timings_s"]["step"] = time.perf_counter() - started
        record.reward, record.feedback = float(reward), feedback
        self.episode.steps.append(record)
        return self._observation(feedback), float(reward), terminated, truncated, info

    def _clip(self, request: ClipRequest, record: EpisodeStep) -> tuple[float, str]:
        cfg = self.config
        if self.clips_used >= cfg.clip_budget:
            return -cfg.format_penalty, f"Clip budget spent ({cfg.clip_budget} per episode)."
        source = self.source_video
        # Clamped before any frame is touched, so a request costs what its answer holds whatever its
        # numbers: ranges end where the video does (clip_length is arithmetic), and the rate is at
        # most the recording's own, above which sample-and-hold would only repeat frames.
        fps = min(request.fps or source.fps, source.fps)
        room = min(cfg.clip_max_frames, cfg.clip_frame_budget - self.clip_frames_used)
        parts, requested, taken = [], 0, 0
        for segment in request.segments:
            requested += clip_length(source, segment.start, segment.end, fps)
            if taken < room:
                part = clip(source, segment.start, segment.end, fps=fps, max_frames=room - taken)
                parts.append(part)
                taken += len(part)
        frames_all = np.concatenate([p.frames for p in parts]) if taken else np.zeros((0, 1, 1, 3), np.uint8)
        stamps_all = np.concatenate([p.timestamps for p in parts]) if taken else np.zeros(0)
        self.clips_used += 1
        self.clip_frames_used += taken
        self.last_clip = (self._resize(frames_all), stamps_all)
        record.clip_frames, record.clip_timestamps = self.last_clip
        record.clip_segments = [(s.start, s.end) for s in request.segments[:_LISTED_SEGMENTS]]
        ranges = ", ".join(f"{s.start:g}-{s.end:g}s" for s in request.segments[:_LISTED_SEGMENTS])
        if len(request.segments) > _LISTED_SEGMENTS:
            ranges += f" and {len(request.segments) - _LISTED_SEGMENTS} more ranges"
        rate = f"{fps:g} fps" + (f" (asked {request.fps:g}; clips come at most at the video's own rate)"
                                 if request.fps and request.fps > fps else "")
        note = f" ({requested - taken} frames over the cap were dropped)" if requested > taken else ""
        return -cfg.clip_cost, (f"Clip: {taken} frames of {ranges} at {rate}{note}. "
                                f"{cfg.clip_budget - self.clips_used} clip requests left.")

    def _code(self, parsed: Code | Patch, record: EpisodeStep, info: dict[str, Any]) -> tuple[float, str]:
        if isinstance(parsed, Patch):
            if not self.code:
                return -self.config.format_penalty, "Patch rejected: there is no code yet; send a full HTML page."
            patched = apply_patch(self.code, parsed)
            if patched.error:
                return -self.config.format_penalty, f"Patch rejected: {patched.error}"
            self.code = patched.code
        else:
            self.code = parsed.html
        breakdown, rendered = self.scorer.evaluate(self.prepared, Page(self.code))
        total = breakdown.total
        reward = total if self.config.reward_shaping == "score" else max(0.0, total - self.best_total)
        self.best_total = max(self.best_total, total)
        self.last_candidate = self._resize(rendered.frames) if len(rendered.frames) else None
        info.update(reward_breakdown=breakdown.to_dict(), render_status=rendered.status.value,
                    timings_s=dict(breakdown.timings_s))
        record.code, record.breakdown, record.candidate_frames = self.code, breakdown.to_dict(), self.last_candidate
        problems = [f"render {rendered.status.value}: {rendered.reason}"] if not rendered.ok else []
        problems += [f"page error: {e}" for e in rendered.page_errors[:3]]
        problems += [f"blocked request: {u}" for u in rendered.blocked_requests[:3]]
        problems += [f"text repaired: {note}" for note in rendered.repairs]
        problems += [f"{g.name}: {g.reason}" for g in breakdown.gates]
        scores = (f" Scores: appearance {breakdown.appearance:.3f}, temporal {breakdown.temporal:.3f}"
                  + (f", functional {breakdown.functional:.3f}" if breakdown.functional is not None else "")
                  + f", total {total:.3f}.") if self.config.reveal_scores else ""
        return reward, "Rendered your page." + scores + ("" if not problems else " Problems: " + "; ".join(problems))

    # ------------------------------------------------------------------ observations

    def _resize(self, frames: np.ndarray) -> np.ndarray:
        width, height = self.config.obs_size
        if len(frames) == 0:
            return np.zeros((0, height, width, 3), np.uint8)
        if frames.shape[1:3] == (height, width):
            return frames.copy()
        return np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in frames])

    def _coarse(self, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frames at `obs_fps`, at most `max_frames` of them (evenly spaced), padded."""
        cfg = self.config
        coarse = resample(Video(frames, np.arange(len(frames)) / self.task.fps, self.task.fps), cfg.obs_fps)
        keep = np.unique(np.linspace(0, len(coarse.frames) - 1, min(cfg.max_frames, len(coarse.frames))).round().astype(int))
        return _pad(self._resize(coarse.frames[keep]), coarse.timestamps[keep], cfg.max_frames, cfg.obs_size)

    def _observation(self, feedback: str) -> dict[str, Any]:
        cfg = self.config
        video, video_t = self._coarse(self.prepared.frames)
        if self.last_candidate is not None:
            candidate, candidate_t = self._coarse(self.last_candidate)
        else:
            candidate, candidate_t = _pad(None, None, cfg.max_frames, cfg.obs_size)
        clip_frames, clip_t = self.last_clip if self.last_clip is not None else (None, None)
        clip_frames, clip_t = _pad(clip_frames, clip_t, cfg.clip_max_frames, cfg.obs_size)
        return {
            "video": video, "video_timestamps": video_t, "clip": clip_frames, "clip_timestamps": clip_t,
            "candidate": candidate, "candidate_timestamps": candidate_t, "feedback": feedback,
            "step": np.array(self.steps_taken, dtype=np.int64),
        }

    # ------------------------------------------------------------------ rendering

    def render(self) -> np.ndarray | str | None:
        if self.render_mode is None or self.task is None:
            return None
        if self.render_mode == "ansi":
            last = self.episode.steps[-1] if self.episode.steps else None
            return (f"task {self.task.id} ({self.task.kind}) step {self.steps_taken}/{self.config.max_steps} "
                    f"best {self.best_total:.3f}" + (f" last {last.action_type} reward {last.reward:.3f}: "
                                                     f"{last.feedback}" if last else ""))
        # rgb_array: reference | candidate at the current time, which advances one frame per call.
        k = int(round(self.render_t * self.task.fps)) % len(self.prepared.frames)
        self.render_t += 1.0 / self.metadata["render_fps"]
        reference = self._resize(self.prepared.frames[k:k + 1])[0]
        candidate = (self.last_candidate[min(k, len(self.last_candidate) - 1)] if self.last_candidate is not None
                     and len(self.last_candidate) else np.zeros_like(reference))
        return np.concatenate([reference, np.full((reference.shape[0], 4, 3), 255, np.uint8), candidate], axis=1)


def _pad(frames: np.ndarray | None, stamps: np.ndarray | None, cap: int,
         size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    width, height = size
    out = np.zeros((cap, height, width, 3), np.uint8)
    times = np.full(cap, PAD_TIME)
    if frames is not None and len(frames):
        n = min(cap, len(frames))
        out[:n], times[:n] = frames[:n], stamps[:n]
    return out, times


def make_vector_env(env_id: str, num_envs: int, asynchronous: bool = False, **kwargs: Any) -> gym.vector.VectorEnv:
    """`num_envs` copies of a v2c env; async ones use `shared_memory=False` (text observations)."""
    fns = [lambda: gym.make(env_id, **kwargs) for _ in range(num_envs)]
    if asynchronous:
        return gym.vector.AsyncVectorEnv(fns, shared_memory=False)
    return gym.vector.SyncVectorEnv(fns)
