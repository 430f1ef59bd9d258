"""One scoring backend for every consumer: a toy backend of one class runs the Gym env, the TRL reward
functions and tool env, `v2c eval` and the task browser, and scores what the local backend scores."""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import gymnasium as gym
import pytest

import v2c.envs  # noqa: F401  (registers the env ids)
from v2c.agents.evaluate import EvalConfig, run_eval
from v2c.agents.row_tasks import serialise_task
from v2c.agents.trl_env import make_tool_env_factory
from v2c.agents.trl_rewards import make_reward_funcs
from v2c.envs.config import EnvConfig
from v2c.envs.tasks import load_tasks
from v2c.render import Page, RenderBackend
from v2c.rewards import RewardBreakdown, RewardConfig, RewardScorer
from v2c.rewards.backend import LocalBackend, make_backend, resolve_backend
from v2c.rewards.episode_scoring import EpisodeReference, LocalEpisodeScorer
from v2c.widgets import TaskBrowser


class ThreadBackend:
    """A toy backend: every reference and candidate is prepared and scored on its own thread pool (each job on a
    thread of its own, with its own event loop), and it counts the jobs it ran. A new backend is this one class."""

    def __init__(self, renderer: RenderBackend, reward_config: RewardConfig | None = None) -> None:
        self.reward_config = reward_config or RewardConfig()
        self._renderer = renderer
        self._scorer = RewardScorer(self.reward_config, renderer=renderer)
        self._executor = ThreadPoolExecutor(2, thread_name_prefix="toy-backend")
        self.jobs: list[str] = []
        """The thread each job ran on."""

    def _run(self, function: Any, *args: Any) -> Any:
        def job() -> Any:
            self.jobs.append(threading.current_thread().name)
            return function(*args)

        return self._executor.submit(job)

    # reward_scorer(): what TRL's reward functions call
    @property
    def scores(self) -> dict[str, Any]:
        return self._scorer.scores

    async def prepare_async(self, reference: Any) -> Any:
        return await asyncio.wrap_future(self._run(self._scorer.prepare, reference))

    async def score_async(self, reference: Any, candidate: Page | str) -> RewardBreakdown:
        return await asyncio.wrap_future(self._run(self._scorer.score, reference, candidate))

    async def score_many_async(self, reference: Any, candidates: Sequence[Page | str]) -> list[RewardBreakdown]:
        return list(await asyncio.gather(*(self.score_async(reference, c) for c in candidates)))

    # episode_scorer(): what an episode calls
    def prepare(self, task: Any, frame_size: tuple[int, int]) -> EpisodeReference:
        return self._run(LocalEpisodeScorer(self._scorer).prepare, task, frame_size).result()

    def evaluate(self, reference: EpisodeReference, page: Page, frame_size: tuple[int, int]) -> Any:
        return self._run(self._scorer.evaluate, reference.handle, page).result()

    def reward_scorer(self) -> "ThreadBackend":
        return self

    def episode_scorer(self) -> "ThreadBackend":
        return self

    def renderer(self) -> RenderBackend:
        return self._renderer

    def close(self) -> None:
        self._executor.shutdown()


@pytest.fixture(scope="module")
def toy(pool):
    backend = ThreadBackend(pool)
    yield backend
    backend.close()


TASK = load_tasks("template:pick?seed=3").take(1)[0]
SMALL = {"max_steps": 2, "max_frames": 4, "obs_size": (64, 48)}


def test_the_gym_env_scores_on_any_backend(toy, backend):
    def episode(on: Any) -> list[float]:
        env = gym.make("v2c/VideoToCode-v0", tasks=[TASK], backend=on, **SMALL)
        env.reset(seed=0)
        return [env.step(TASK.metadata["answer"])[1], env.step("red 0.5")[1]]

    jobs = len(toy.jobs)
    got, want = episode(toy), episode(backend)
    assert got == want and got[0] > 0.99 > got[1]
    assert len(toy.jobs) == jobs + 3 and all(name.startswith("toy-backend") for name in toy.jobs)  # prepare, 2 pages


def test_trl_reward_functions_and_the_tool_env_score_on_any_backend(toy, backend):
    completions, rows = [TASK.metadata["answer"], "blue 2"], [serialise_task(TASK)] * 2

    def rewards(on: Any) -> list[float]:
        total, appearance = make_reward_funcs(backend=on, components=("v2c", "appearance"))
        return asyncio.run(total(prompts=[None] * 2, completions=completions, task=rows))

    jobs = len(toy.jobs)
    assert rewards(toy) == rewards(backend) and len(toy.jobs) == jobs + 2
    tool = make_tool_env_factory(EnvConfig(**SMALL), backend=toy)()
    tool.reset(task=serialise_task(TASK))
    tool.submit_code(TASK.metadata["answer"])
    assert tool.get_reward() > 0.99 and len(toy.jobs) == jobs + 4


def test_eval_and_the_task_browser_score_on_any_backend(toy, tmp_path):
    jobs = len(toy.jobs)
    rows = run_eval(EvalConfig(agents=("oracle",), tasks=[TASK], out=str(tmp_path), videos=False, obs_size=(64, 48)),
                    backend=toy)
    assert rows[0]["total"] > 0.99 and len(toy.jobs) > jobs
    jobs = len(toy.jobs)
    card = TaskBrowser([TASK], backend=toy).cards[0]
    assert card["oracle"]["total"] > 0.99 and len(toy.jobs) == jobs + 1


def test_make_backend_builds_what_it_names_and_refuses_the_rest(pool):
    local = make_backend("local", RewardConfig(score_fps=5.0))
    assert isinstance(local, LocalBackend) and local.reward_scorer().config.score_fps == 5.0
    with pytest.raises(ValueError, match="backend must be one of local, ray, got 'gpu'"):
        make_backend("gpu")
    with pytest.raises(TypeError, match="max_in_flight: only for the ray backend"):
        make_backend("local", max_in_flight=4)
    with pytest.raises(TypeError, match="brings its own reward config"):
        resolve_backend(local, RewardConfig())
    with pytest.raises(TypeError, match="brings its own render config"):
        LocalBackend(renderer=pool, browsers=2)
    assert resolve_backend(None, RewardConfig(score_fps=4.0)).reward_config.score_fps == 4.0
