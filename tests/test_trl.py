"""TRL integration: the GRPO dataset, the async reward function, GRPO steps with the tiny offline VLM,
and the multi-turn tool env through `environment_factory` (tool calls forced, as TRL's own tests do).

CPU only, no network, no downloaded weights (the tiny Qwen3-VL is built in a temporary folder).
"""
from __future__ import annotations

import asyncio
import inspect
import json
import math
import subprocess
import sys
from dataclasses import fields
from typing import Any

import pytest
import torch

from .forcing import forced_text_bias, tool_call_text
from v2c.agents.row_tasks import serialise_task
from v2c.agents.tiny_vlm import build_tiny_vlm
from v2c.agents.train import TrainConfig, build_trainer, grpo_config, run_train
from v2c.agents.trl_dataset import DatasetConfig, build_dataset
from v2c.agents.trl_env import VideoToCodeToolEnv, _Shared, tool_methods
from v2c.agents.trl_rewards import VideoCodeReward
from v2c.envs.config import EnvConfig
from v2c.envs.tasks import take_tasks
from v2c.envs.tasks.pick import COLOURS

BOX_PAGE = ("<div style='width:60px;height:60px;background:#e74c3c;animation:a 1s infinite alternate'></div>"
            "<style>@keyframes a{to{transform:translateX(120px)}}</style>")


@pytest.fixture(scope="session")
def tiny_vlm(tmp_path_factory):
    # One folder per test session, shared by the agent and TRL tests: the second build finds it done.
    return build_tiny_vlm(tmp_path_factory.getbasetemp() / "tiny-vlm")


@pytest.fixture(scope="module")
def reward(backend, pool):
    return VideoCodeReward(backend=backend)


def small_run(**overrides) -> tuple[TrainConfig, Any]:
    """A two-step run's (TrainConfig, GRPOConfig): each override goes to the one that has the field."""
    settings = {"num_tasks": 2, "per_device_train_batch_size": 4, "num_generations": 4, "max_steps": 2,
                "frame_size": [64, 48], "max_frames": 4, "save_model": False, "save_strategy": "no", **overrides}
    ours = {f.name for f in fields(TrainConfig)}
    config = TrainConfig(**{k: v for k, v in settings.items() if k in ours})
    return config, grpo_config(config, **{k: v for k, v in settings.items() if k not in ours})


def test_dataset_rows_carry_prompt_images_and_their_task(backend, pool):
    dataset = build_dataset("builtin:animations", limit=2, config=DatasetConfig(max_frames=4, frame_size=(64, 48)),
                            backend=backend)
    assert set(dataset.column_names) == {"prompt", "images", "task", "task_id", "task_source"}
    row = dataset[0]
    assert [m["role"] for m in row["prompt"]] == ["system", "user"]
    assert all(isinstance(m["content"], str) for m in row["prompt"])  # no PIL images inside messages
    assert 2 <= len(row["images"]) <= 4 and row["images"][0].size == (64, 48)
    assert f"{len(row['images'])} frames sampled at 2 fps" in row["prompt"][1]["content"]
    assert row["task_id"] == "anim-0-0" and row["task_source"] == "builtin:animations"
    assert json.loads(row["task"])["id"] == "anim-0-0"
    tools = build_dataset("template:pick", limit=1, config=DatasetConfig(tools=True), backend=backend)
    assert "images" not in tools.column_names and "submit_code" in tools[0]["prompt"][1]["content"]


def test_reward_scores_a_batch_concurrently_and_logs_each_component(reward):
    task, pick = take_tasks("builtin:animations", 1)[0], take_tasks("template:pick", 1)[0]
    completions = [[{"role": "assistant", "content": "```html\n" + task.cheat().html + "\n```"}],
                   [{"role": "assistant", "content": "I cannot do that."}],
                   [{"role": "assistant", "content": task.cheat().html}],  # the same page again: scored once
                   [{"role": "assistant", "content": pick.metadata["answer"]}]]
    logged: dict[str, float] = {}
    extra: dict[str, list] = {}
    rewards = asyncio.run(reward(prompts=[None] * 4, completions=completions, completion_ids=None,
                                 task=[serialise_task(task)] * 3 + [serialise_task(pick)],
                                 log_metric=logged.__setitem__, log_extra=extra.__setitem__, trainer_state=None))
    assert rewards[0] > 0.9 and rewards[1] == 0.0 and rewards[2] == rewards[0] and rewards[3] > 0.99
    assert logged["v2c/has_page"] == 0.75 and logged["v2c/appearance"] > 0.9 and "v2c/temporal" in logged
    assert logged["v2c/cache_hit_rate"] > 0 and logged["v2c/static_rate"] == 0.0
    assert extra["appearance"][1] is None and len(extra["temporal"]) == 4
    by_id = asyncio.run(reward(prompts=[None], completions=[pick.page.html], task_id=[pick.id],
                               task_source=["template:pick"]))
    assert by_id[0] > 0.99  # the row names its task by id and source instead of carrying it


def test_grpo_runs_two_steps_with_the_tiny_vlm_and_changes_the_weights(backend, tiny_vlm, pool):
    # A mild bias towards colour words gives the random policy answers that differ in reward, hence gradients.
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_vlm)
    colour_bias = [[tokenizer.encode(" " + c, add_special_tokens=False), 3.0] for c in COLOURS]
    config, args = small_run(model=str(tiny_vlm), tasks="template:pick")
    trainer = build_trainer(config, args, backend=backend, generation_kwargs={"sequence_bias": colour_bias})
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters() if n.startswith("model.language")}
    trainer.train()
    logs = [h for h in trainer.state.log_history if "reward" in h]
    assert len(logs) == 2 and all("v2c/has_page" in h and "rewards/v2c/mean" in h for h in logs)
    assert any(h["reward_std"] > 0 for h in logs)
    changed = [n for n, p in trainer.model.named_parameters() if n in before and not torch.equal(p, before[n])]
    assert changed


def test_grpo_rewards_from_built_in_animation_tasks_reach_the_trainer(backend, tiny_vlm, pool, tmp_path):
    # The tiny model cannot write HTML: force a small page so the built-in tasks score above 0.
    from transformers import AutoTokenizer

    bias = forced_text_bias(AutoTokenizer.from_pretrained(tiny_vlm), BOX_PAGE + "<|im_end|>")
    config, args = small_run(model=str(tiny_vlm), tasks="builtin:animations", max_completion_length=80, use_lora=True,
                             output_dir=str(tmp_path), save_model=True)
    result = run_train(config, args, backend=backend, generation_kwargs={"sequence_bias": bias})
    assert len(result.rewards) == 2 and all(0 < r < 1 for r in result.rewards) and result.steps_per_s > 0
    last = [h for h in result.log_history if "reward" in h][-1]
    assert last["v2c/has_page"] == 1.0 and last["v2c/appearance"] > 0
    assert type(result.trainer.model).__name__ == "PeftModelForCausalLM"  # LoRA adapters, merged when saved
    saved = json.loads((result.model_dir / "config.json").read_text())
    assert saved["model_type"] == "qwen3_vl" and (tmp_path / "train_log.json").is_file()


def test_train_command_line_takes_v2c_and_grpo_flags_and_a_yaml_config(tmp_path):
    from v2c.agents.cli import parse_train_args

    config, args = parse_train_args(["--model", "Qwen/Qwen3-VL-2B-Instruct", "--use_lora", "--frame_size", "448",
                                     "336", "--max_steps", "300", "--multi_turn", "--tasks", "builtin:animations",
                                     "--loss_type", "dr_grpo", "--importance_sampling_level", "sequence",
                                     "--reward_weights", "1", "2", "--report_to", "tensorboard"])
    assert config.use_lora and config.multi_turn and config.frame_size == [448, 336] and args.max_steps == 300
    assert args.loss_type == "dr_grpo" and args.importance_sampling_level == "sequence"
    assert args.reward_weights == [1.0, 2.0] and args.report_to == ["tensorboard"]
    assert args.learning_rate == 1e-5 and args.max_completion_length == 4096  # LoRA's rate; not the tiny model's 6
    assert args.bf16 is torch.cuda.is_available() and args.use_vllm is False
    (tmp_path / "run.yaml").write_text("model: tiny\nlearning_rate: 0.003\nmax_steps: 7\nscale_rewards: batch\n")
    config, args = parse_train_args(["--config", str(tmp_path / "run.yaml"), "--max_steps", "9"])
    assert config.model == "tiny" and args.learning_rate == 0.003 and args.scale_rewards == "batch"
    assert args.max_steps == 9 and args.max_completion_length == 6  # the flag beats the file; tiny's length stays


def test_train_help_lists_trl_options():
    result = subprocess.run([sys.executable, "-m", "v2c.cli", "train", "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    for flag in ("--loss_type", "--reward_weights", "--report_to", "--vllm_mode", "--reward_funcs", "--model"):
        assert flag in result.stdout


@pytest.mark.parametrize("source", ["file", "flag"])
def test_an_unknown_option_ends_train_in_one_line_naming_it(source, tmp_path, capsys):
    from v2c.cli import main

    (tmp_path / "run.yaml").write_text("model: tiny\nlearnig_rate: 0.003\nmax_steps: 2\n")
    argv, named = ((["--config", str(tmp_path / "run.yaml")], "learnig_rate") if source == "file" else
                   (["--model", "tiny", "--max_stepz", "2"], "--max_stepz 2"))
    with pytest.raises(SystemExit) as exit:
        main(["train", *argv])
    err = capsys.readouterr().err
    assert exit.value.code == 2 and "Traceback" not in err
    assert err.splitlines()[-1].startswith("v2c train: error: ") and named in err and "`v2c train --help`" in err


def test_tool_env_rollouts_over_two_grpo_steps_log_finite_env_metrics_and_their_reward(backend, tiny_vlm, pool):

    from transformers import AutoTokenizer

    task = take_tasks("template:pick", 1)[0]
    calls = tool_call_text([("request_clip", {"start": 0.5, "end": 1.0}), ("submit_code", {"html": task.page.html})])
    bias = forced_text_bias(AutoTokenizer.from_pretrained(tiny_vlm), calls)
    dataset = build_dataset([task], config=DatasetConfig(tools=True), backend=backend)
    config, args = small_run(model=str(tiny_vlm), multi_turn=True, max_completion_length=512,
                             max_tool_calling_iterations=1, per_device_train_batch_size=2, num_generations=2)
    trainer = build_trainer(config, args, backend=backend, dataset=dataset, generation_kwargs={"sequence_bias": bias})
    assert trainer.reward_weights.tolist() == [0.0, 1.0]  # env_steps only logs; the env's reward is the reward
    trainer.train()
    logs = [h for h in trainer.state.log_history if "reward" in h]
    assert len(logs) == 2
    for log in logs:
        assert log["tools/call_frequency"] == 2 and log["tools/failure_frequency"] == 0
        assert log["rewards/VideoToCodeToolEnv/mean"] > 0.99 and log["reward"] > 0.99
        assert log["rewards/env_steps/mean"] == 2.0  # one clip request + one submission, not NaN
        assert log["v2c/clip_calls"] == 1 and log["v2c/submissions"] == 1 and log["v2c/best_reward"] > 0.99
        env_metrics = {k: v for k, v in log.items() if k.startswith("v2c/") or k == "rewards/env_steps/mean"}
        assert {"v2c/appearance", "v2c/temporal"} <= set(env_metrics)
        assert all(math.isfinite(v) for v in env_metrics.values()), env_metrics
    summaries = [env._summary() for env in trainer._environment_pool[None]]
    assert summaries and all(s["calls"] == ["request_clip", "submit_code"] for s in summaries)


def test_tool_env_contract_by_hand(backend, pool):
    task = take_tasks("template:pick", 2)[1]
    env = VideoToCodeToolEnv(_Shared(EnvConfig(obs_size=(64, 48), clip_budget=1, max_frames=4), backend=backend))
    shown = env.reset(task=serialise_task(task), prompt=[], task_id=task.id)
    assert shown[0]["type"] == "text" and "Coarse pass" in shown[0]["text"]
    assert [b["type"] for b in shown[1:]] == ["image"] * 4 and shown[1]["image"].size == (64, 48)
    clip = env.request_clip(0.5, 1.0)
    assert "at 10 fps: 6 frames" in clip[0]["text"] and len(clip) == 7
    assert "budget spent" in env.request_clip(0, 1)[0]["text"]
    assert env.get_reward() == 0.0
    feedback = env.submit_code("<!doctype html><html><body></body></html>")
    assert "blank" in feedback[0]["text"] and env.get_reward() == 0.0
    env.submit_code(task.page.html)
    assert env.get_reward() > 0.99
    # TRL exposes public functions as tools (properties such as `episode` are not functions)
    public = {n for n, _ in inspect.getmembers(VideoToCodeToolEnv, inspect.isfunction) if not n.startswith("_")}
    assert public == {"reset", "request_clip", "submit_code", "get_reward"}
    assert [m.__name__ for m in tool_methods(env)] == ["request_clip", "submit_code"]
    assert env.episode is not None and [s.action_type for s in env.episode.steps][-1] == "code"


def test_tool_env_and_gym_env_share_one_episode_and_one_feedback(backend, pool):
    import gymnasium as gym

    import v2c.envs  # noqa: F401  (registers the ids)

    config = EnvConfig(obs_size=(64, 48), max_frames=4, clip_max_frames=5, max_steps=2, reveal_scores=True)
    task = take_tasks("builtin:interactions", 1)[0]
    tool = VideoToCodeToolEnv(_Shared(config, backend=backend))
    tool.reset(task=serialise_task(task))
    environment = gym.make("v2c/VideoToCode-v0", tasks=[task], backend=backend, config=config)
    environment.reset(options={"task_id": task.id})
    clip = tool.request_clip(0.0, 1.0)
    obs, *_ = environment.step('{"segments": [{"start": 0, "end": 1}]}')
    assert clip[0]["text"] == obs["feedback"] and len(clip) == 1 + 5  # the same clip, sampled to the same cap
    page = task.cheat().html.replace("</body>", "<img src='https://cdn.example.com/x.png'></body>")
    submitted = tool.submit_code(page)
    obs, *_ = environment.step(page)
    assert submitted[0]["text"] == obs["feedback"]
    assert "blocked request: https://cdn.example.com" in obs["feedback"] and "functional 1.000" in obs["feedback"]
    assert [b["type"] for b in submitted[1:]] == ["image"] * 4  # the candidate, sampled like the coarse pass
    # The blocked image draws a broken-image glyph the reference lacks, which appearance sees: high, not ~1.
    assert tool.get_reward() > 0.8 and tool.get_reward() == pytest.approx(environment.unwrapped.core.rollout_reward())
    assert "No actions left" in tool.submit_code(page)[0]["text"]  # max_steps holds for tool calls too


def test_component_reward_functions_share_one_render_and_skip_what_does_not_apply(backend, pool):
    from v2c.agents.trl_rewards import make_reward_funcs

    funcs = make_reward_funcs(backend=backend, components=("v2c", "appearance", "temporal", "functional", "format"))
    assert [f.__name__ for f in funcs] == ["v2c", "appearance", "temporal", "functional", "format"]
    animation, widget = take_tasks("builtin:animations", 1)[0], take_tasks("builtin:interactions", 1)[0]
    completions = [animation.cheat().html, "no page here", widget.cheat().html]
    columns = {"task": [serialise_task(animation), serialise_task(animation), serialise_task(widget)]}
    logged: dict[str, float] = {}

    async def batch() -> list[list]:
        return await asyncio.gather(*(f(prompts=[None] * 3, completions=completions, log_metric=logged.__setitem__,
                                        **columns) for f in funcs))

    total, appearance, temporal, functional, format_ = asyncio.run(batch())
    engine = funcs[0]
    assert engine.calls == 2, "five functions, two pages: each page scored once"
    assert total[0] > 0.9 and appearance[0] > 0.9 and temporal[0] > 0.9 and functional[0] is None
    assert total[1] == appearance[1] == temporal[1] == 0.0 and functional[1] is None and format_ == [1.0, 0.0, 1.0]
    assert functional[2] == 1.0 and logged["v2c/has_page"] == pytest.approx(2 / 3)


def test_two_grpo_steps_from_the_command_line_log_each_component_under_its_own_name(tiny_vlm, tmp_path):
    from v2c.cli import main

    assert main(["train", "--model", str(tiny_vlm), "--tasks", "template:pick", "--num_tasks", "2", "--max_steps", "2",
                 "--per_device_train_batch_size", "4", "--num_generations", "4", "--frame_size", "64", "48",
                 "--max_frames", "4", "--loss_type", "dr_grpo", "--reward_funcs", "v2c,appearance,temporal,format",
                 "--reward_weights", "1", "0.5", "0.5", "0.1", "--output_dir", str(tmp_path), "--save_model", "false",
                 "--save_strategy", "no", "--disable_tqdm", "true"]) == 0
    log = json.loads((tmp_path / "train_log.json").read_text())
    assert log["trainer"]["loss_type"] == "dr_grpo" and log["trainer"]["reward_weights"] == [1.0, 0.5, 0.5, 0.1]
    steps = [h for h in log["log_history"] if "reward" in h]
    assert len(steps) == 2
    for name in ("v2c", "appearance", "temporal", "format"):
        assert all(f"rewards/{name}/mean" in h and f"rewards/{name}/std" in h for h in steps), name


def test_to_hf_dataset_rows_feed_every_reward_function_as_they_are(backend, pool):
    from datasets import concatenate_datasets

    from v2c.agents.trl_rewards import make_reward_funcs
    from v2c.envs.tasks import load_tasks, task_from_row, to_hf_dataset

    components = ("v2c", "appearance", "temporal", "functional", "format", "overlong")
    funcs = make_reward_funcs(backend=backend, components=components, max_completion_length=64)
    dataset = concatenate_datasets([to_hf_dataset(load_tasks("template:pick?seed=3"), limit=1),
                                    to_hf_dataset(load_tasks("builtin:interactions"), limit=1)])
    dataset = dataset.map(lambda row: {"prompt": [{"role": "user", "content": f"Reproduce {row['id']}."}]})
    rows = [dataset[i] for i in range(len(dataset))]
    # As GRPOTrainer._calculate_rewards passes them: every column but the prompt, one list entry per completion.
    columns = {key: [row[key] for row in rows] for key in rows[0] if key != "prompt"}
    completions = [[{"role": "assistant", "content": task_from_row(row).cheat().html}] for row in rows]
    logged: dict[str, float] = {}

    async def batch() -> list[list]:
        calls = [f(prompts=[row["prompt"] for row in rows], completions=completions, completion_ids=[[1] * 8] * 2,
                   trainer_state=None, log_metric=logged.__setitem__, log_extra=lambda *_: None, **columns)
                 for f in funcs]
        return [await c if asyncio.iscoroutine(c) else c for c in calls]

    values = dict(zip(components, asyncio.run(batch())))
    assert values["v2c"][0] > 0.99 and values["v2c"][1] > 0.99  # the oracles, scored against their own references
    assert values["functional"] == [None, 1.0]  # the pick task has no interaction script
    assert values["format"] == [1.0, 1.0] and values["overlong"] == [0.0, 0.0]
    finite = [v for name in components for v in values[name] if v is not None]
    assert len(finite) == 11 and all(math.isfinite(v) for v in finite)


def test_each_scores_options_are_set_by_name_from_flags_and_yaml(tmp_path, capsys):
    from v2c.agents.cli import parse_train_args
    from v2c.cli import main

    config, _ = parse_train_args(["--reward_options", '{"appearance": {"alignment": "dtw"}, '
                                  '"functional": {"pass_threshold": 0.8}}'])
    reward = config.reward_config()
    assert reward.score_options("appearance").alignment == "dtw"
    assert reward.score_options("functional").pass_threshold == 0.8
    assert reward.score_options("temporal") == type(reward.score_options("temporal"))()  # the defaults
    (tmp_path / "run.yaml").write_text("reward: default\nreward_options:\n  appearance:\n    max_side: 112\n")
    config, _ = parse_train_args(["--config", str(tmp_path / "run.yaml")])
    assert config.reward_config().score_options("appearance").max_side == 112
    with pytest.raises(SystemExit) as exit:
        main(["train", "--reward_options", '{"appearance": {"alignmnt": "dtw"}}'])
    err = capsys.readouterr().err
    assert exit.value.code == 2 and "Traceback" not in err
    assert "unknown options of appearance (AppearanceConfig): alignmnt" in err and "alignment" in err
