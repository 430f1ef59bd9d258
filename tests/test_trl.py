"""TRL integration: the GRPO dataset, the async reward function, GRPO steps with the tiny offline VLM,
and the multi-turn tool env through `environment_factory` (tool calls forced, as TRL's own tests do).

CPU only, no network, no downloaded weights (the tiny Qwen3-VL is built in a temporary folder).
"""
from __future__ import annotations

import asyncio
import json

import pytest
import torch

from v2c.agents.forcing import forced_text_bias, tool_call_text
from v2c.agents.row_tasks import serialise_task
from v2c.agents.tiny_vlm import build_tiny_vlm
from v2c.agents.train import TrainConfig, build_trainer, run_train
from v2c.agents.trl_dataset import DatasetConfig, build_dataset
from v2c.agents.trl_env import VideoToCodeToolEnv, _Shared
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
def reward(pool):
    return VideoCodeReward(renderer=pool)


def _small(**overrides) -> dict:
    return {"num_tasks": 2, "per_device_train_batch_size": 4, "num_generations": 4, "max_steps": 2,
            "frame_size": (64, 48), "max_frames": 4, "save_model": False, **overrides}


def test_dataset_rows_carry_prompt_images_and_their_task(pool):
    dataset = build_dataset("builtin:animations", limit=2, config=DatasetConfig(max_frames=4, frame_size=(64, 48)),
                            renderer=pool)
    assert set(dataset.column_names) == {"prompt", "images", "task", "task_id", "task_source"}
    row = dataset[0]
    assert [m["role"] for m in row["prompt"]] == ["system", "user"]
    assert all(isinstance(m["content"], str) for m in row["prompt"])  # no PIL images inside messages
    assert 2 <= len(row["images"]) <= 4 and row["images"][0].size == (64, 48)
    assert f"{len(row['images'])} frames sampled at 2 fps" in row["prompt"][1]["content"]
    assert row["task_id"] == "anim-0-0" and row["task_source"] == "builtin:animations"
    assert json.loads(row["task"])["id"] == "anim-0-0"
    tools = build_dataset("template:pick", limit=1, config=DatasetConfig(tools=True), renderer=pool)
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


def test_grpo_runs_two_steps_with_the_tiny_vlm_and_changes_the_weights(tiny_vlm, pool):
    # A mild bias towards colour words gives the random policy answers that differ in reward, hence gradients.
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_vlm)
    colour_bias = [[tokenizer.encode(" " + c, add_special_tokens=False), 3.0] for c in COLOURS]
    config = TrainConfig(model=str(tiny_vlm), tasks="template:pick", **_small())
    trainer = build_trainer(config, renderer=pool, generation_kwargs={"sequence_bias": colour_bias})
    before = {n: p.detach().clone() for n, p in trainer.model.named_parameters() if n.startswith("model.language")}
    trainer.train()
    logs = [h for h in trainer.state.log_history if "reward" in h]
    assert len(logs) == 2 and all("v2c/has_page" in h and "rewards/v2c/mean" in h for h in logs)
    assert any(h["reward_std"] > 0 for h in logs)
    changed = [n for n, p in trainer.model.named_parameters() if n in before and not torch.equal(p, before[n])]
    assert changed


def test_grpo_rewards_from_built_in_animation_tasks_reach_the_trainer(tiny_vlm, pool, tmp_path):
    # The tiny model cannot write HTML: force a small page so the built-in tasks score above 0.
    from transformers import AutoTokenizer

    bias = forced_text_bias(AutoTokenizer.from_pretrained(tiny_vlm), BOX_PAGE + "<|im_end|>")
    config = TrainConfig(model=str(tiny_vlm), tasks="builtin:animations", max_completion_length=80, use_lora=True,
                         output_dir=str(tmp_path), **_small(save_model=True))
    result = run_train(config, renderer=pool, generation_kwargs={"sequence_bias": bias})
    assert len(result.rewards) == 2 and all(0 < r < 1 for r in result.rewards) and result.steps_per_s > 0
    last = [h for h in result.log_history if "reward" in h][-1]
    assert last["v2c/has_page"] == 1.0 and last["v2c/appearance"] > 0
    assert type(result.trainer.model).__name__ == "PeftModelForCausalLM"  # LoRA adapters, merged when saved
    saved = json.loads((result.model_dir / "config.json").read_text())
    assert saved["model_type"] == "qwen3_vl" and (tmp_path / "train_log.json").is_file()


def test_train_command_line_maps_flags_to_the_config():
    from dataclasses import fields

    from v2c.cli import build_parser

    args = build_parser().parse_args(["train", "--model", "Qwen/Qwen3-VL-2B-Instruct", "--use-lora", "--frame-size",
                                      "448x336", "--bf16", "true", "--learning-rate", "none", "--max-steps", "300",
                                      "--multi-turn", "--tasks", "builtin:animations"])
    config = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)})
    assert config.use_lora and config.multi_turn and config.bf16 is True and config.max_steps == 300
    assert config.frame_size == (448, 336) and config.resolved("learning_rate") == 1e-5
    assert config.resolved("max_completion_length") == 4096  # not the tiny model's 6


def test_tool_env_rollout_calls_request_clip_and_submit_code_and_its_reward_reaches_the_trainer(tiny_vlm, pool):
    from transformers import AutoTokenizer

    from v2c.agents.trl_env import log_env_metrics, make_tool_env_factory

    task = take_tasks("template:pick", 1)[0]
    calls = tool_call_text([("request_clip", {"start": 0.5, "end": 1.0}), ("submit_code", {"html": task.page.html})])
    bias = forced_text_bias(AutoTokenizer.from_pretrained(tiny_vlm), calls)
    dataset = build_dataset([task], config=DatasetConfig(tools=True), renderer=pool)
    config = TrainConfig(model=str(tiny_vlm), multi_turn=True, max_completion_length=512,
                         max_tool_calling_iterations=1, **_small(per_device_train_batch_size=2, num_generations=2,
                                                                 max_steps=1))
    trainer = build_trainer(config, renderer=pool, dataset=dataset, generation_kwargs={"sequence_bias": bias})
    trainer.train()
    log = [h for h in trainer.state.log_history if "reward" in h][-1]
    assert log["tools/call_frequency"] == 2 and log["tools/failure_frequency"] == 0
    assert log["rewards/VideoToCodeToolEnv/mean"] > 0.99 and log["reward"] > 0.99
    assert log["v2c/clip_calls"] == 1 and log["v2c/submissions"] == 1
    summaries = [env._summary() for env in trainer._environment_pool[None]]
    assert summaries and all(s["calls"] == ["request_clip", "submit_code"] for s in summaries)
    assert callable(log_env_metrics) and callable(make_tool_env_factory)


def test_tool_env_contract_by_hand(pool):
    task = take_tasks("template:pick", 2)[1]
    env = VideoToCodeToolEnv(_Shared(EnvConfig(obs_size=(64, 48), clip_budget=1, max_frames=4), renderer=pool))
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
    public = {n for n in dir(VideoToCodeToolEnv) if not n.startswith("_")}
    assert public == {"reset", "request_clip", "submit_code", "get_reward"}  # TRL exposes public methods as tools


def test_tool_env_and_gym_env_share_one_episode_and_one_feedback(pool):
    import gymnasium as gym

    import v2c.envs  # noqa: F401  (registers the ids)

    config = EnvConfig(obs_size=(64, 48), max_frames=4, clip_max_frames=5, max_steps=2, reveal_scores=True)
    task = take_tasks("builtin:interactions", 1)[0]
    tool = VideoToCodeToolEnv(_Shared(config, renderer=pool))
    tool.reset(task=serialise_task(task))
    environment = gym.make("v2c/VideoToCode-v0", tasks=[task], renderer=pool, config=config)
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
    assert tool.get_reward() > 0.9 and tool.get_reward() == pytest.approx(environment.unwrapped.core.rollout_reward())
    assert "No actions left" in tool.submit_code(page)[0]["text"]  # max_steps holds for tool calls too
