"""`VideoToCodeEnv`: the Gymnasium adapter over the episode core (`EpisodeCore`), task sources and rewards."""
from __future__ import annotations

import functools
import time
from itertools import islice
from typing import Any, Sequence

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from v2c.rewards import RewardConfig
from v2c.rewards.backend import ScoringBackend, resolve_backend
from v2c.rewards.episode_scoring import EpisodeReference, EpisodeScorer

from .config import EnvConfig
from .episode import Episode
from .episode_core import MAX_ACTION_CHARS, EpisodeCore, Observation
from .spaces import Unicode
from .tasks import Task, TaskSource, load_tasks

# Padded frames have timestamp -1, not NaN: NaN != NaN, which would make Gymnasium's seeded-determinism
# check (and any equality test on observations) fail for identical episodes.
PAD_TIME = -1.0
MAX_TIME = 86_400.0
# Prepared references the env's scorer keeps: one per episode is used, a few more serve a GRPO group
# or a small task set coming back. A prepared 2 s reference at 512x384 and 10 fps holds ~27 MB
# (measured), so the scorer's own default of 64 could hold 1.7 GB per env.
REFERENCE_CACHE_SIZE = 4


class VideoToCodeEnv(gym.Env):
    """
    ## Description
    Video-to-code as an episode. The agent watches a reference video of a web animation or of a
    user driving a page, may ask to re-watch time ranges at a higher frame rate (Video2Code's
    clipping tool), writes an HTML/CSS/JS page, sees its own page rendered, and may patch it. Each
    page is rendered in headless Chromium in virtual time and scored against the reference by
    appearance, motion and — for interactive tasks — behaviour under the replayed interactions.

    ## Action Space
    `Unicode`: one string, parsed by `v2c.envs.actions.parse_answer` (chatter around it is ignored):
    - a clip request `{"segments": [{"start": s, "end": e}], "fps": N}` (seconds; bare, in
      `<tool>…</tool>` or a fenced block): the ranges at N fps (default and maximum: the video's own rate);
    - code: an HTML document, in a ```html block or raw;
    - a patch to the current code: `<<<<<<< SEARCH / ======= / >>>>>>> REPLACE` blocks or a unified diff;
    - `finish`;
    - on word-answered tasks (`template:pick`), the answer itself (`teal 1.5`): the page it stands for.

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
    - `feedback` (Unicode): parse errors, render status, page errors, blocked requests, gates, budgets, and
      with `reveal_scores` every score and the total (`v2c.envs.feedback`);
    - `step` int: actions taken so far.

    ## Rewards
    A code or patch step renders the page and scores it with `RewardScorer` (`RewardConfig`: the
    embedded appearance and temporal scores, functional replay for interactive tasks, gates for
    failed/blank/static/oversized pages). With `reward_shaping="score"` the step's reward is the
    candidate's total in [0, 1]; with `"improvement"` it is the gain over the best total so far
    (so an episode's rewards sum to its best total). A clip request costs `clip_cost`; an
    unparseable action, a rejected patch or a clip over budget `-format_penalty`; finish 0.

    ## Starting State
    `reset` picks a task from the source (seeded by `np_random`, or `options={"task_id": ...}` so a
    GRPO group shares one task), renders and caches its reference, and shows it.

    ## Episode End
    Terminates on `finish`; truncates after `max_steps` actions (later actions are refused, reward 0).

    ## Arguments
    `tasks`: a task source spec (`"builtin:animations"`, `"builtin:interactions"`,
    `"builtin:animatecss"`, `"template:pick"`, a dataset path), a `TaskSource` or a list of `Task`s.
    `backend`: where pages are rendered and scored, a `ScoringBackend` (`v2c.rewards.backend.make_backend`;
    default: a `LocalBackend` on the process-wide browser pool). A Ray backend prepares references and
    renders and scores pages on its actors, and only frames at `obs_size` reach the env.
    `reward_config`: a `RewardConfig` for the default backend (a given backend brings its own).
    `config`: an `EnvConfig` (or its fields as keyword arguments; the same config drives the TRL tool
    env, `v2c.agents.trl_env`, over the same `EpisodeCore`). `render_mode`: `rgb_array`
    (reference | candidate side by side) or `ansi`.

    Under `AsyncVectorEnv` pass `shared_memory=False`: text observations cannot live in shared memory
    (`make_vector_env` does this).

    ## Version History
    - v0: initial version; template answers and clip sampling by the shared episode core.
    """

    metadata = {"render_modes": ["rgb_array", "ansi"], "render_fps": 2}

    def __init__(self, tasks: str | Sequence[Task] | TaskSource = "builtin:animations",
                 reward_config: RewardConfig | None = None, config: EnvConfig | None = None,
                 render_mode: str | None = None, backend: ScoringBackend | None = None,
                 **config_fields: Any) -> None:
        if config is not None and config_fields:
            raise TypeError("pass either config=EnvConfig(...) or its fields as keyword arguments, not both")
        self.config = config or EnvConfig(**config_fields)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.metadata = {**self.metadata, "render_fps": self.config.obs_fps}
        self.source = load_tasks(tasks)
        self.backend = resolve_backend(backend, reward_config, cache_size=REFERENCE_CACHE_SIZE)
        self.core = EpisodeCore(self.backend.episode_scorer(), self.config)
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
        self.render_t = 0.0
        self.last_observation: Observation | None = None
        """The latest observation before padding (`EpisodeCore.observation`): what the server sends."""

    # The episode's state lives in the core; these are the names tests, notebooks and agents read.
    @property
    def task(self) -> Task | None:
        return self.core.task

    @property
    def episode(self) -> Episode | None:
        return self.core.episode

    @property
    def reference(self) -> EpisodeReference | None:
        return self.core.reference

    @property
    def code(self) -> str:
        return self.core.code

    @property
    def scorer(self) -> EpisodeScorer:
        return self.core.scorer

    # ------------------------------------------------------------------ gym API

    def _pick_task(self, options: dict[str, Any] | None) -> Task:
        task_id = (options or {}).get("task_id")
        if task_id is not None:
            return self.source.get(str(task_id))
        if not self.source.bounded:  # generators are indexed by a seeded draw
            return self.source[int(self.np_random.integers(0, 2**31 - 1))]
        if len(self.source) == 0:
            raise ValueError(f"task source {self.source!r} has no tasks")
        return next(islice(iter(self.source), int(self.np_random.integers(0, len(self.source))), None))

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        feedback = self.core.reset(self._pick_task(options))
        self.render_t = 0.0
        return self._observation(feedback), {"task_id": self.task.id, "kind": self.task.kind}

    def step(self, action: str):
        if self.task is None:
            raise RuntimeError("call reset() before step()")
        started = time.perf_counter()
        outcome = self.core.act(action)
        info: dict[str, Any] = {"task_id": self.task.id, "action_type": outcome.action_type}
        if outcome.breakdown is not None:  # only steps that render; the others are deterministic down to their info
            info.update(reward_breakdown=outcome.breakdown.to_dict(), render_status=outcome.rendered.status.value,
                        timings_s={**outcome.breakdown.timings_s, "step": time.perf_counter() - started})
        truncated = not outcome.terminated and self.core.steps_left <= 0
        return self._observation(outcome.feedback), float(outcome.reward), outcome.terminated, truncated, info

    # ------------------------------------------------------------------ observations

    def _observation(self, feedback: str) -> dict[str, Any]:
        """The core's observation (kept unpadded in `last_observation`), padded into the observation space."""
        cfg = self.config
        seen = self.last_observation = self.core.observation(feedback)
        video, video_t = _pad_video(seen.video, cfg.max_frames, cfg.obs_size)
        candidate, candidate_t = _pad_video(seen.candidate, cfg.max_frames, cfg.obs_size)
        clip_frames, clip_t = _pad_video(seen.clip, cfg.clip_max_frames, cfg.obs_size)
        return {
            "video": video, "video_timestamps": video_t, "clip": clip_frames, "clip_timestamps": clip_t,
            "candidate": candidate, "candidate_timestamps": candidate_t, "feedback": feedback,
            "step": np.array(seen.step, dtype=np.int64),
        }

    # ------------------------------------------------------------------ rendering

    def render(self) -> np.ndarray | str | None:
        if self.render_mode is None or self.task is None:
            return None
        core = self.core
        if self.render_mode == "ansi":
            last = self.episode.steps[-1] if self.episode.steps else None
            return (f"task {self.task.id} ({self.task.kind}) step {core.steps_taken}/{self.config.max_steps} "
                    f"best {core.best_total:.3f}" + (f" last {last.action_type} reward {last.reward:.3f}: "
                                                     f"{last.feedback}" if last else ""))
        # rgb_array: reference | candidate at the current time, which advances one frame per call.
        k = int(round(self.render_t * core.frame_fps)) % len(self.reference.frames)
        self.render_t += 1.0 / self.metadata["render_fps"]
        reference = core.resize(self.reference.frames[k:k + 1])[0]
        candidate = (core.last_candidate[min(k, len(core.last_candidate) - 1)] if core.last_candidate is not None
                     and len(core.last_candidate) else np.zeros_like(reference))
        return np.concatenate([reference, np.full((reference.shape[0], 4, 3), 255, np.uint8), candidate], axis=1)


def _pad_video(video: Any, cap: int, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """A `Video`'s frames and times in a fixed-size array (zero frames, `PAD_TIME` stamps after them)."""
    width, height = size
    out = np.zeros((cap, height, width, 3), np.uint8)
    times = np.full(cap, PAD_TIME)
    if video is not None and len(video.frames):
        n = min(cap, len(video.frames))
        out[:n], times[:n] = video.frames[:n], video.timestamps[:n]
    return out, times


def make_vector_env(env_id: str, num_envs: int, asynchronous: bool = False, **kwargs: Any) -> gym.vector.VectorEnv:
    """`num_envs` copies of a v2c env (`kwargs` go to each `gym.make`), sharing one render backend.

    Synchronous copies live in this process and share `backend=` (default: each its own `LocalBackend` on
    the process-wide pool). Asynchronous copies run in worker processes (`shared_memory=False`: text
    observations); given `backend=make_backend("ray", ...)`, every worker prepares, renders and scores on
    the backend's actors and receives only `obs_size` frames, so memory grows with the actors, not with
    `num_envs`. A local backend is rebuilt in each worker from its settings: each worker process starts
    its own pool (up to 3 browsers per copy)."""
    fns = [functools.partial(_make, env_id, kwargs) for _ in range(num_envs)]
    if asynchronous:
        # A shared backend is pickled into spawned workers; a forked one would inherit this process's Ray
        # connection (or a pool's loop thread) in a state it cannot use.
        context = "spawn" if kwargs.get("backend") is not None else None
        return gym.vector.AsyncVectorEnv(fns, shared_memory=False, context=context)
    return gym.vector.SyncVectorEnv(fns)


def _make(env_id: str, kwargs: dict[str, Any]) -> gym.Env:
    """One copy (a module-level function, so a spawned worker imports `v2c.envs` and its env ids with it)."""
    return gym.make(env_id, **kwargs)
