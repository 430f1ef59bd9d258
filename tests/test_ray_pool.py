"""The Ray scoring pool on a local Ray (2 CPUs): the local scorer's totals to the last bit, one worker per
reference, a worker killed in the middle of a group, a crash-looping worker replaced, `v2c eval --backend
ray`, and async vector envs sharing the pool's browsers."""
from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time

import gymnasium as gym
import numpy as np
import psutil
import pytest

ray = pytest.importorskip("ray")

from v2c.agents.row_tasks import serialise_task  # noqa: E402
from v2c.cli import main  # noqa: E402
from v2c.envs.video_to_code import make_vector_env  # noqa: E402
from v2c.agents.trl_rewards import VideoCodeReward  # noqa: E402
from v2c.envs.tasks import load_tasks  # noqa: E402
from v2c.render import Page, RenderConfig  # noqa: E402
from v2c.render import pool as render_pool  # noqa: E402
from v2c.render.browser import chromium_processes  # noqa: E402
from v2c.video import Video  # noqa: E402
from v2c.rewards import RewardConfig, RewardScorer  # noqa: E402
from v2c.rewards.backend import make_backend  # noqa: E402
from v2c.rewards import ray_pool  # noqa: E402
from v2c.rewards.ray_pool import RayPoolConfig, RayScoringPool  # noqa: E402

# The same pixels as the session's `pool` fixture (conftest), so local and remote scores can match bit for bit.
RENDER = RenderConfig(load_timeout_s=15, frame_timeout_s=5, render_timeout_s=60)
BLANK = "<!doctype html><html><body style='background:#fff'></body></html>"


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    # Ray's raylet waits a fixed 15 s for its dashboard agent; with Jupyter's extras installed the agent's
    # `import jsonschema` builds rfc3987_syntax's grammar (5 s of CPU), which on a loaded 2-core machine
    # took past that wait. The Ray processes of this test skip that optional format checker.
    shim = tmp_path_factory.mktemp("ray_shim") / "rfc3987_syntax"
    shim.mkdir()
    (shim / "__init__.py").write_text("raise ImportError('skipped in the Ray test cluster')\n")
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shim.parent), saved]))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved


@pytest.fixture(scope="module")
def tasks():
    return load_tasks("builtin:animations").take(2)


def _candidates(tasks, task):
    other = next(t for t in tasks if t is not task)
    return [task.cheat().html, BLANK, other.cheat().html]


def test_same_totals_as_local_and_one_worker_per_reference(local_ray, pool, tasks):
    config = RewardConfig()
    references = [t.to_reference() for t in tasks]
    local = RewardScorer(config, renderer=pool)
    expected = [local.score_many(ref, _candidates(tasks, t)) for t, ref in zip(tasks, references)]

    with make_backend("ray", config, RENDER, workers=2) as ray_backend:
        remote = ray_backend.reward_scorer()

        async def both():
            return await asyncio.gather(*(remote.score_many(ref, _candidates(tasks, t))
                                          for t, ref in zip(tasks, references)))
        got = asyncio.run(both())
        stats = remote.worker_stats()
        # The TRL reward function scores on the same backend.
        reward = VideoCodeReward(backend=ray_backend)
        rows = [serialise_task(tasks[0])] * 2
        trl_totals = asyncio.run(reward(prompts=[None] * 2, completions=_candidates(tasks, tasks[0])[:2], task=rows))
        owners = [remote.route(ref.key())[0] for ref in references]

    for want_group, got_group in zip(expected, got):
        assert [b.total for b in got_group] == [b.total for b in want_group]  # exact float equality
        assert [b.scores for b in got_group] == [b.scores for b in want_group]
        assert [[g.name for g in b.gates] for b in got_group] == [[g.name for g in b.gates] for b in want_group]
    assert trl_totals == [b.total for b in expected[0][:2]]
    assert expected[0][0].total >= 0.9 and expected[0][1].total <= 0.2  # the oracle and a blank page
    # Each reference was prepared once, on its owner, and its other candidates hit that worker's cache.
    assert sum(s["reference_misses"] for s in stats) == len(references)
    assert sum(s["reference_hits"] for s in stats) == len(references) * 2
    for slot, worker in enumerate(stats):  # (taken before the reward function's requests)
        assert worker["scored"] == 3 * owners.count(slot)
        assert worker["reference_misses"] == owners.count(slot)


def test_worker_killed_mid_group_is_retried_elsewhere(local_ray, pool, tasks):
    task = tasks[0]
    reference = task.to_reference()
    pages = [task.cheat().html, BLANK, tasks[1].cheat().html,
             task.cheat().html.replace("</body>", "<p>x</p></body>"), BLANK.replace("#fff", "#000"),
             tasks[1].cheat().html.replace("</body>", "<i>y</i></body>")]
    expected = RewardScorer(RewardConfig(), renderer=pool).score_many(reference, pages)

    with RayScoringPool(RewardConfig(), RayPoolConfig(workers=2, render=RENDER)) as remote:
        owner, other = remote.route(reference.key())

        async def group():
            jobs = [asyncio.ensure_future(remote.score(reference, p)) for p in pages]
            await asyncio.wait(jobs, return_when=asyncio.FIRST_COMPLETED)
            victim = remote.worker_stats()[owner]
            assert remote.counts["completed"] < len(pages)  # the kill lands in the middle of the group
            ray.kill(remote.actor(owner))
            return await asyncio.gather(*jobs), victim

        got, victim = asyncio.run(group())
        counts = dict(remote.counts)
        survivor = remote.worker_stats()[other]

    assert [b.total for b in got] == [b.total for b in expected]
    assert counts["requests"] == counts["completed"] == len(pages)
    assert counts["replaced"] == 1 and counts["retries"] >= 1
    # Every retried request was scored once, on the other worker; nothing was scored twice there.
    assert survivor["scored"] == counts["retries"]
    # The killed actor's browsers went with it.
    deadline = time.monotonic() + 20
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
              for p in victim["browser_pids"] if p) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
                   for p in victim["browser_pids"] if p)


def _gone(pids) -> bool:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids if p):
            return True
        time.sleep(0.5)
    return False


def test_a_worker_whose_browser_keeps_crashing_is_replaced(local_ray, pool, tasks):
    # Every render of this worker's browser ends `crashed` (the browser is killed over its memory limit), as
    # a broken browser's would; the reference is a recorded video, so preparing it renders nothing.
    recorded = pool.render(tasks[0].cheat().html, 1.0, 5.0, (512, 384))
    reference = tasks[0].to_reference(video=Video(recorded.frames, recorded.timestamps, 5.0))
    broken = RenderConfig(load_timeout_s=15, frame_timeout_s=5, render_timeout_s=60, memory_limit_mb=1)
    with RayScoringPool(RewardConfig(), RayPoolConfig(workers=1, crash_loop_renders=2, render=broken)) as remote:
        first = remote.worker_stats()[0]
        again = [remote.score_many_sync(reference, [page])[0] for page in (BLANK, BLANK)]
        assert remote.counts["crash_loops"] == 0  # one page crashing twice may be the page's fault
        crashed = remote.score_many_sync(reference, [tasks[1].cheat().html])[0]
        counts = dict(remote.counts)
        second = remote.worker_stats()[0]
        after = remote.score_many_sync(reference, [BLANK.replace("#fff", "#000")])[0]
        final = dict(remote.counts)

    assert [b.render_status for b in [*again, crashed, after]] == ["crashed"] * 4
    assert counts["crash_loops"] == counts["replaced"] == 1 and counts["completed"] == 3
    assert second["pid"] != first["pid"] and second["scored"] == 0  # a fresh actor, with fresh browsers
    assert _gone([first["pid"], *first["browser_pids"]])
    assert final["completed"] == 4 and final["replaced"] == 1  # the replacement serves (its streak starts at 0)


def test_eval_cli_on_ray_gives_the_local_totals(local_ray, tmp_path):
    common = ["eval", "--agent", "oracle,blank", "--tasks", "builtin:animations", "--limit", "1", "--max-steps", "2",
              "--no-videos"]
    local_renders = render_pool._default_pool.stats()["renders"] if render_pool._default_pool else 0
    assert main([*common, "--out", str(tmp_path / "ray"), "--backend", "ray", "--workers", "1"]) == 0
    # The Ray run rendered nothing in this process: every page went to the pool's actor.
    assert (render_pool._default_pool.stats()["renders"] if render_pool._default_pool else 0) == local_renders
    assert main([*common, "--out", str(tmp_path / "local")]) == 0
    ray_rows, local_rows = (json.loads((tmp_path / run / "results.json").read_text()) for run in ("ray", "local"))
    assert [(r["agent"], r["total"], r["scores"]) for r in ray_rows] == \
        [(r["agent"], r["total"], r["scores"]) for r in local_rows]  # exact floats
    assert ray_rows[0]["total"] >= 0.9 and ray_rows[1]["total"] <= 0.2  # oracle, blank


def test_async_vector_envs_share_the_pools_browsers(local_ray, tasks):
    task = tasks[0]
    settings = {"max_steps": 4, "max_frames": 8, "obs_size": (128, 96)}
    with make_backend("ray", render_config=RENDER, workers=1) as ray_backend:
        remote = ray_backend.reward_scorer()
        counts, pids = {}, set()
        for n in (1, 3):
            vector = make_vector_env("v2c/Animation-v0", n, asynchronous=True, backend=ray_backend, **settings)
            try:
                vector.reset(seed=list(range(n)), options={"task_id": task.id})
                _, rewards, *_ = vector.step([task.cheat().html] * n)
                browsers = chromium_processes()  # every descendant: env workers, Ray's actors, fixtures
                counts[n], pids = len(browsers), pids | {b.pid for b in browsers}
            finally:
                vector.close()
            assert min(rewards) >= 0.9
        rendered = remote.worker_stats()[0]
    assert counts[1] == counts[3]  # three envs, no more browsers than one
    assert rendered["browser_starts"] == 1 and set(rendered["browser_pids"]) <= pids  # the actor's were counted


def _arrays(value):
    """Every numpy array inside a result that came back from Ray (dataclasses, tuples, dicts, lists)."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _arrays(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _arrays(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _arrays(getattr(value, item.name))


def test_env_on_the_pools_episode_scorer_gives_the_local_episode_with_obs_size_frames(backend, local_ray, pool, monkeypatch):
    settings = {"max_steps": 4, "max_frames": 8, "clip_max_frames": 8, "obs_size": (128, 96)}
    actions = ['{"segments": [{"start": 0.2, "end": 1.2}]}', None, BLANK, "finish"]
    tasks = [load_tasks("builtin:animations").take(1)[0], load_tasks("builtin:interactions").take(1)[0]]

    def play(env, task):
        obs, _ = env.reset(seed=0, options={"task_id": task.id})
        seen = [obs]
        for action in actions:
            obs, reward, _, _, info = env.step(task.cheat().html if action is None else action)
            seen.append((obs, reward, info.get("reward_breakdown")))
        return seen

    local = [play(gym.make("v2c/VideoToCode-v0", tasks=tasks, backend=backend, **settings), t) for t in tasks]
    received = []
    real_route = ray_pool.route

    async def recording_route(*args, **kwargs):  # what reaches this process from the actors
        slot, actor, result = await real_route(*args, **kwargs)
        received.append(result)
        return slot, actor, result

    with make_backend("ray", render_config=RENDER, workers=2) as ray_backend:
        remote = ray_backend.reward_scorer()
        monkeypatch.setattr(ray_pool, "route", recording_route)
        env = gym.make("v2c/VideoToCode-v0", tasks=tasks, backend=ray_backend, **settings)
        remote_runs = [play(env, t) for t in tasks]
        monkeypatch.setattr(ray_pool, "route", real_route)
        stats = remote.worker_stats()
        # A worker killed between an episode's reset and its page: the page is scored on the other worker.
        env.reset(seed=0, options={"task_id": tasks[0].id})
        owner, other = remote.route(env.unwrapped.reference.handle[1])
        ray.kill(remote.actor(owner))
        *_, info = env.step(tasks[0].cheat().html)
        survivor = ray.get(remote.actor(other).stats.remote())

    for want, got in zip(local, remote_runs):
        assert_same_observation(want[0], got[0])
        for (want_obs, want_reward, want_breakdown), (got_obs, got_reward, got_breakdown) in zip(want[1:], got[1:]):
            assert got_reward == want_reward  # exact floats
            assert_same_observation(want_obs, got_obs)
            if want_breakdown is not None:
                assert got_breakdown["scores"] == want_breakdown["scores"]
                assert got_breakdown["gates"] == want_breakdown["gates"]
    assert local[0][2][1] >= 0.9 and local[0][3][1] <= 0.2  # the oracle, then a blank page
    assert info["reward_breakdown"]["total"] == local[0][2][2]["total"]
    # Only frames at obs_size reached this process: no full-size render crossed over.
    frames = [a for a in _arrays(received) if a.ndim >= 3]
    assert frames and all(a.shape[-3:-1] == (96, 128) for a in frames), {a.shape for a in frames}
    # Each task's reference was prepared once, on one worker, and both pages of its episode hit that cache.
    assert sum(s["reference_misses"] for s in stats) == len(tasks)
    assert sum(s["reference_hits"] for s in stats) == sum(s["scored"] for s in stats) == 2 * len(tasks)
    assert survivor["scored"] == stats[other]["scored"] + 1  # the retried page, scored once


def assert_same_observation(want, got):
    assert want.keys() == got.keys()
    for key in want:
        assert np.array_equal(want[key], got[key]), key


def test_tool_env_on_the_pools_episode_scorer_gives_the_local_rollout(backend, local_ray, pool):
    from v2c.agents.trl_env import make_tool_env_factory
    from v2c.envs.config import EnvConfig

    config = EnvConfig(obs_size=(64, 48), max_frames=4, clip_max_frames=5, max_steps=3, reveal_scores=True)
    task = load_tasks("builtin:interactions").take(1)[0]

    def rollout(factory):
        env = factory()
        shown = env.reset(task=serialise_task(task))
        clip = env.request_clip(0.0, 1.0)
        submitted = env.submit_code(task.cheat().html)
        texts = [b["text"] for b in [*shown, *clip, *submitted] if b["type"] == "text"]
        images = [np.asarray(b["image"]) for b in [*shown, *clip, *submitted] if b["type"] == "image"]
        return texts, images, env.get_reward()

    want = rollout(make_tool_env_factory(config, backend=backend))
    with make_backend("ray", render_config=RENDER, workers=1) as ray_backend:
        got = rollout(make_tool_env_factory(config, backend=ray_backend))
    assert got[0] == want[0] and got[2] == want[2] >= 0.9  # the same feedback and reward, to the last bit
    assert len(got[1]) == len(want[1]) and all(np.array_equal(a, b) for a, b in zip(got[1], want[1]))


def test_train_with_the_ray_backend_scores_on_the_pool(local_ray, tmp_path):
    from transformers import AutoTokenizer

    from v2c.agents.cli import parse_train_args
    from .forcing import forced_text_bias
    from v2c.agents.tiny_vlm import build_tiny_vlm
    from v2c.agents.train import run_train
    from v2c.envs.tasks import take_tasks

    tiny = build_tiny_vlm(tmp_path / "tiny-vlm")
    # The random tiny model is forced to a template answer, so every completion holds a page to score.
    answer = take_tasks("template:pick", 1)[0].metadata["answer"]
    bias = forced_text_bias(AutoTokenizer.from_pretrained(tiny), answer + "<|im_end|>")
    config, args = parse_train_args([
        "--model", str(tiny), "--tasks", "template:pick", "--num_tasks", "2", "--frame_size", "64", "48",
        "--max_frames", "4", "--save_model", "false", "--backend", "ray", "--workers", "1",
        "--per_device_train_batch_size", "4", "--num_generations", "4", "--max_steps", "1", "--save_strategy", "no",
        "--max_completion_length", "16", "--output_dir", str(tmp_path / "run")])
    assert (config.backend, config.workers) == ("ray", 1)
    result = run_train(config, args, generation_kwargs={"sequence_bias": bias})
    scorer = result.trainer.reward_funcs[0].scorer
    assert isinstance(scorer, RayScoringPool)
    assert scorer.counts["completed"] == scorer.counts["requests"] > 0  # the completions were scored on the pool
    assert len(result.rewards) == 1 and result.log_history[0]["v2c/has_page"] == 1.0 and result.rewards[0] > 0


def test_local_and_ray_backends_prepare_byte_identical_references(backend, local_ray, tmp_path, monkeypatch):
    # This process renders the page's source afresh (an empty disk cache), so equal frames come from one path.
    monkeypatch.setenv("V2C_CACHE_DIR", str(tmp_path))
    from v2c.rewards.backend import LocalBackend

    fresh = LocalBackend(renderer=backend.renderer())
    page_task = load_tasks("builtin:animations").take(1)[0]
    recorded = dataclasses.replace(page_task, id="recorded", page=None, oracle=page_task.page,
                                   video=tmp_path / "recorded.mp4")
    frames = backend.renderer().render(page_task.page, page_task.duration_s, page_task.fps, page_task.viewport).frames
    from v2c.video import write_video

    write_video(recorded.video, frames, page_task.fps)
    size = RENDER.frame_size(page_task.viewport)  # full size: nothing is resized on the way back
    local = [fresh.episode_scorer().prepare(t, size) for t in (page_task, recorded)]
    with make_backend("ray", render_config=RENDER, workers=1) as ray_backend:
        remote = [ray_backend.episode_scorer().prepare(t, size) for t in (page_task, recorded)]
    for want, got in zip(local, remote):
        assert want.fps == got.fps and want.applies == got.applies
        assert want.frames.shape == got.frames.shape and np.array_equal(want.frames, got.frames)
        assert np.array_equal(want.source.frames, got.source.frames)
        assert np.array_equal(want.source.timestamps, got.source.timestamps)
