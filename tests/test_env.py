"""The Gymnasium env: registration, the action grammar end to end, rewards, clips, recording, vectorising."""
from __future__ import annotations

import asyncio
import time

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import v2c.envs  # noqa: F401  (registers the ids)
from v2c.envs.episode import Episode
from v2c.envs.video_to_code import make_vector_env
from v2c.video import evenly_spaced
from v2c.rewards.backend import LocalBackend

SMALL = {"max_steps": 4, "max_frames": 8, "clip_max_frames": 24, "obs_size": (128, 96)}


@pytest.fixture(scope="module")
def env(backend, pool):
    environment = gym.make("v2c/Animation-v0", backend=backend, **SMALL)
    yield environment
    environment.close()


@pytest.mark.parametrize("env_id", ["v2c/Animation-v0", "v2c/Interaction-v0", "v2c/VideoToCode-v0"])
def test_check_env_passes_on_every_registered_id(backend, env_id, pool):
    environment = gym.make(env_id, backend=backend, **SMALL)
    check_env(environment.unwrapped, skip_render_check=True)


def test_oracle_scores_about_one_and_blank_about_zero(env):
    obs, info = env.reset(seed=3)
    task = env.unwrapped.task
    assert obs["video"].shape == (8, 96, 128, 3) and obs["video"].any()
    _, reward, terminated, truncated, info = env.step("Here it is:\n```html\n" + task.cheat().html + "\n```")
    assert info["action_type"] == "code" and reward > 0.9 and info["reward_breakdown"]["total"] == reward
    assert info["render_status"] == "ok" and not terminated and not truncated
    _, reward, *_ = env.step("<!doctype html><html><body></body></html>")
    assert reward == 0.0
    obs, reward, terminated, *_ = env.step("finish")
    assert terminated and reward == 0.0 and obs["candidate"].shape == (8, 96, 128, 3)


def test_clip_request_returns_the_range_at_the_requested_rate(env):
    env.reset(seed=1)
    obs, reward, *_ , info = env.step('<tool>{"segments": [{"start": 0.5, "end": 1.0}], "fps": 10}</tool>')
    assert info["action_type"] == "clip" and reward == 0
    stamps = obs["clip_timestamps"][obs["clip_timestamps"] >= 0]
    assert stamps == pytest.approx([0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    assert obs["clip"][: len(stamps)].any() and not obs["clip"][len(stamps):].any()
    assert "clip requests left" in obs["feedback"]


HOSTILE_CLIPS = {
    "a range of 1e12 s at 1000 fps": '{"segments": [{"start": 0, "end": 1e12}], "fps": 1000}',
    "infinite range and rate": '{"segments": [{"start": 0, "end": Infinity}], "fps": Infinity}',
    "a range past the end": '{"segments": [{"start": 1e300, "end": 1e308}], "fps": 1e308}',
    "fifteen thousand ranges": '{"segments": [' + ", ".join(['{"start": 0, "end": 1e12}'] * 15_000) + '], "fps": 1e9}',
    "NaN": '{"segments": [{"start": NaN, "end": 1}]}',
    "negative": '{"segments": [{"start": -5, "end": 1}]}',
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CLIPS))
def test_a_clip_request_costs_what_its_answer_holds_whatever_its_numbers(env, name):
    env.reset(seed=1)
    started = time.perf_counter()
    obs, reward, *_, info = env.step(HOSTILE_CLIPS[name])
    elapsed = time.perf_counter() - started
    # A bound, not a benchmark: a step is a few ms; "1e12 s at 1000 fps" used to gather 3000 frames (7.7 s).
    assert elapsed < 2.0, (name, elapsed)
    stamps = obs["clip_timestamps"][obs["clip_timestamps"] >= 0]
    assert len(stamps) <= SMALL["clip_max_frames"]
    if name in ("NaN", "negative"):
        assert info["action_type"] == "invalid" and "0 <= start <= end" in obs["feedback"]
        return
    assert info["action_type"] == "clip", obs["feedback"]
    source = env.unwrapped.core.source_video
    assert len(obs["feedback"]) < 500
    if name == "a range past the end":
        assert len(stamps) == 0 and "No frames in" in obs["feedback"]
    else:
        assert f"at {source.fps:g} fps" in obs["feedback"]  # each range is the whole video at its own rate; the cap takes an even sample, gathered alone
        ranges = 15_000 if name == "fifteen thousand ranges" else 1
        whole = np.arange(len(source)) / source.fps
        keep = evenly_spaced(ranges * len(whole), SMALL["clip_max_frames"])
        assert stamps == pytest.approx(np.tile(whole, ranges)[keep])
        assert ("an even sample" in obs["feedback"]) == (ranges * len(whole) > SMALL["clip_max_frames"])


def test_patch_edits_the_current_code_and_bad_patches_are_explained(env):
    env.reset(seed=2)
    base = env.unwrapped.task.cheat().html
    env.step(base)
    marker = "<!-- patched -->"
    obs, _, _, _, info = env.step(f"<<<<<<< SEARCH\n</body>\n=======\n{marker}</body>\n>>>>>>> REPLACE")
    assert info["action_type"] == "patch" and marker in env.unwrapped.code
    obs, reward, *_ = env.step("<<<<<<< SEARCH\nnot in the page\n=======\nx\n>>>>>>> REPLACE")
    assert reward < 0 and "Patch rejected" in obs["feedback"]


def test_garbage_actions_give_feedback_not_exceptions(env):
    env.reset(seed=4)
    for garbage in ["", "hello?", "{\"segments\": 5}", "\x00\x01", "<" * 1000]:
        obs, reward, terminated, truncated, info = env.step(garbage)
        assert info["action_type"] == "invalid" and reward == pytest.approx(-0.05) and obs["feedback"]
        if truncated:
            env.reset(seed=4)


def test_the_same_seed_gives_the_same_episode(backend, pool):
    def episode() -> tuple[str, list[float], np.ndarray]:
        environment = gym.make("v2c/Animation-v0", backend=backend, **SMALL)
        obs, info = environment.reset(seed=11)
        rewards = [environment.step(environment.unwrapped.task.cheat().html)[1], environment.step("finish")[1]]
        return info["task_id"], rewards, obs["video"]

    first, second = episode(), episode()
    assert first[0] == second[0] and first[1] == second[1] and np.array_equal(first[2], second[2])


def test_task_id_option_shares_one_task_across_envs(backend, env, pool):
    _, info = env.reset(seed=5)
    other = gym.make("v2c/Animation-v0", backend=backend, **SMALL)
    _, other_info = other.reset(seed=99, options={"task_id": info["task_id"]})
    assert other_info["task_id"] == info["task_id"]


def test_env_runs_inside_a_running_event_loop(env):
    async def notebook_cell():
        env.reset(seed=6)
        return env.step(env.unwrapped.task.cheat().html)[1]

    assert asyncio.run(notebook_cell()) > 0.9


def test_episode_is_recorded_and_round_trips_through_disk(env, tmp_path):
    env.reset(seed=7)
    env.step('{"segments": [{"start": 0, "end": 0.5}]}')
    env.step(env.unwrapped.task.cheat().html)
    env.step("nonsense")
    episode = env.unwrapped.episode
    loaded = Episode.load(episode.save(tmp_path / "ep"))
    assert [s.action_type for s in loaded.steps] == ["clip", "code", "invalid"]
    assert np.array_equal(loaded.reference_frames, episode.reference_frames)
    assert np.array_equal(loaded.steps[1].candidate_frames, episode.steps[1].candidate_frames)
    assert loaded.steps[0].clip_segments == [(0.0, 0.5)] and loaded.best_total > 0.9
    with pytest.raises(FileNotFoundError, match="episode.json"):
        Episode.load(tmp_path)


def test_render_modes_and_improvement_shaping(backend, pool):
    environment = gym.make("v2c/Animation-v0", backend=backend, render_mode="rgb_array",
                           reward_shaping="improvement", **SMALL)
    environment.reset(seed=8)
    frame = environment.render()
    assert frame.shape == (96, 128 * 2 + 4, 3) and frame.dtype == np.uint8
    oracle = environment.unwrapped.task.cheat().html
    first = environment.step(oracle)[1]
    again = environment.step(oracle)[1]
    assert first > 0.9 and again == 0.0
    text = gym.make("v2c/Animation-v0", backend=backend, render_mode="ansi", **SMALL)
    text.reset(seed=8)
    assert "task anim" in text.render()


def test_a_folder_of_pages_uses_file_stems_as_task_ids(backend, pool, tmp_path):
    from .technique_pages import TECHNIQUES

    (tmp_path / "slide.html").write_text(TECHNIQUES["waapi"])
    environment = gym.make("v2c/VideoToCode-v0", tasks=str(tmp_path), backend=backend, **SMALL)
    _, info = environment.reset(seed=0)
    assert info["task_id"] == "slide"
    assert environment.step(TECHNIQUES["css_keyframes"])[1] > 0.9


@pytest.mark.parametrize("asynchronous", [False, True])
def test_vector_envs(asynchronous, backend):
    # Asynchronous copies get the backend's settings pickled into spawned workers, each with its own browsers.
    kwargs = {**SMALL, "backend": LocalBackend() if asynchronous else backend}
    vector = make_vector_env("v2c/Animation-v0", 2, asynchronous=asynchronous, **kwargs)
    try:
        obs, infos = vector.reset(seed=[0, 1])
        assert obs["video"].shape == (2, 8, 96, 128, 3) and list(obs["feedback"]) and obs["feedback"][0]
        obs, rewards, *_ = vector.step(["finish", "garbage"])
        assert rewards.tolist() == pytest.approx([0.0, -0.05])
        assert "Finished" in obs["feedback"][0] and "Invalid" in obs["feedback"][1]
    finally:
        vector.close()


def test_template_tasks_work_in_gym_make(backend, pool):
    environment = gym.make("v2c/VideoToCode-v0", tasks="template:pick", backend=backend, **SMALL)
    _, info = environment.reset(options={"task_id": "pick-0-7"})
    task = environment.unwrapped.task
    assert info["task_id"] == "pick-0-7" and task.metadata["answer_format"] == "pick"
    _, reward, _, _, info = environment.step(task.metadata["answer"])  # the answer in words, e.g. `teal 1.5`
    assert info["action_type"] == "code" and reward > 0.99
    obs, reward, *_ = environment.step("no colour here")
    assert reward == pytest.approx(-0.05) and "Invalid action" in obs["feedback"]


def test_feedback_names_blocked_requests_page_errors_and_every_score(backend, pool):
    environment = gym.make("v2c/Interaction-v0", backend=backend, reveal_scores=True, **SMALL)
    environment.reset(seed=0)
    oracle = environment.unwrapped.task.cheat().html
    broken = oracle.replace("</body>", "<img src='https://cdn.example.com/x.png'><script>undefinedCall()</script></body>")
    obs, _, _, _, info = environment.step(broken)
    feedback = obs["feedback"]
    assert "blocked request: https://cdn.example.com/x.png" in feedback and "page error:" in feedback
    breakdown = info["reward_breakdown"]
    assert set(breakdown["scores"]) == {"appearance", "temporal", "functional"}
    for name, value in {**breakdown["scores"], "total": breakdown["total"]}.items():
        assert f"{name} {value:.3f}" in feedback


def test_clips_over_the_frame_cap_are_sampled_evenly_and_budgets_hold(backend, pool):
    environment = gym.make("v2c/Animation-v0", backend=backend, **{**SMALL, "clip_max_frames": 5, "clip_budget": 2})
    environment.reset(seed=1)
    obs, *_ = environment.step('{"segments": [{"start": 0, "end": 1}], "fps": 10}')
    assert obs["clip_timestamps"][:5] == pytest.approx([0.0, 0.2, 0.5, 0.8, 1.0])  # 11 frames in range, 5 shown
    assert "an even sample of the 11 frames" in obs["feedback"]
    environment.step('{"segments": [{"start": 0, "end": 0.2}]}')
    obs, reward, *_ = environment.step('{"segments": [{"start": 0, "end": 0.2}]}')
    assert reward == pytest.approx(-0.05) and "Clip budget spent" in obs["feedback"]
    obs, reward, _, truncated, info = environment.step("finish")
    assert not truncated and info["action_type"] == "finish"
    environment.reset(seed=1)
    for _ in range(SMALL["max_steps"]):
        *_, truncated, _ = environment.step("nonsense")
    obs, reward, _, truncated, info = environment.step("nonsense")  # past the budget: refused, not counted
    assert truncated and info["action_type"] == "refused" and reward == 0.0 and int(obs["step"]) == SMALL["max_steps"]


def test_scripted_baselines_rank_as_expected(env):
    from v2c.agents import make_baseline
    from v2c.agents.rollout import run_episode

    task_id = env.reset(seed=12)[1]["task_id"]
    best = {name: run_episode(env, make_baseline(name), seed=0, options={"task_id": task_id}).best_total
            for name in ("oracle", "first-frame", "blank")}
    assert best["oracle"] > 0.9 > best["first-frame"] >= best["blank"] == 0.0
