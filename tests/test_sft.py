"""The SFT warm start: `v2c data sft` conversations, `v2c train --method sft` on TRL's SFTTrainer, GRPO from its
checkpoint, and one episode of the checkpoint through the tool env.

CPU only, tiny sizes (small frames, a few tasks, a few steps); real Chromium, real TRL trainers, the tiny VLM.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from .forcing import tool_call_text
from v2c.agents.sft import ToolFramesCollator, fill_frames, run_sft, sft_config
from v2c.agents.sft_data import SFTDataConfig, build_sft_dataset, card, merge_ranges, save_sft_dataset
from v2c.agents.tiny_vlm import build_tiny_vlm
from v2c.agents.train import TrainConfig, grpo_config, run_train
from v2c.envs.actions import ClipRequest, Code, parse_action
from v2c.envs.tasks import take_tasks
from v2c.envs.tasks.hf import task_from_row
from v2c.rewards import RewardConfig
from v2c.rewards.gates import moving_intervals

SMALL = SFTDataConfig(limit=2, max_frames=3, frame_size=(64, 48))


@pytest.fixture(scope="module")
def tiny_vlm(tmp_path_factory):
    return build_tiny_vlm(tmp_path_factory.getbasetemp() / "tiny-vlm")


@pytest.fixture(scope="module")
def data(backend, pool):
    """Two animations and one interaction."""
    from datasets import concatenate_datasets

    parts = [build_sft_dataset("template:pick", SMALL, backend=backend),
             build_sft_dataset("builtin:interactions", SFTDataConfig(**{**vars(SMALL), "limit": 1}), backend=backend)]
    return concatenate_datasets(parts)


def test_moving_intervals_follow_the_static_gate_rule():
    frames = np.zeros((10, 32, 32, 3), np.uint8)
    frames[3:6, :8, :8] = 255  # appears at frame 3, gone at frame 6
    # the change from frame 2 to 3 and from 5 to 6, nothing else
    assert moving_intervals(frames, 10.0, RewardConfig()) == [pytest.approx((0.2, 0.3)), pytest.approx((0.5, 0.6))]
    assert moving_intervals(np.zeros((5, 8, 8, 3), np.uint8), 10.0, RewardConfig()) == []


def test_ranges_merge_stay_inside_the_video_and_respect_the_budget():
    assert merge_ranges([(-0.3, 0.5), (0.4, 1.0), (2.0, 9.0)], 3.0, 3) == [(0.0, 1.0), (2.0, 3.0)]
    assert merge_ranges([(0, 0.2), (0.5, 0.7), (1.0, 1.1), (2.5, 2.9)], 3.0, 2) == [(0.0, 1.1), (2.5, 2.9)]


def test_tool_env_calls_are_actions_of_the_gym_grammar():
    clip = parse_action(tool_call_text([("request_clip", {"start": 0.5, "end": 1.25})]))
    assert isinstance(clip, ClipRequest) and clip.segments[0].start == 0.5 and clip.segments[0].end == 1.25
    page = parse_action(tool_call_text([("submit_code", {"html": "<div style=\"color:red\">hi</div>"})]))
    assert page == Code('<div style="color:red">hi</div>')


def test_conversations_follow_the_two_stages_and_every_call_parses_inside_its_video(data):
    kinds = sorted(data["kind"])
    assert kinds == ["animation", "animation", "interaction"] and set(data["range_rule"]) == {"motion", "steps"}
    for row in data:
        task = task_from_row(json.loads(row["task"]))
        roles = [m["role"] for m in row["messages"]]
        ranges = row["ranges"]
        assert roles == ["system", "user", "assistant"] + ["tool"] * len(ranges) + ["assistant"]
        placeholders = sum(b["type"] == "image" for m in row["messages"] for b in m["content"])
        assert placeholders == len(row["images"]) > 0
        calls = [c["function"] for m in row["messages"] if m["tool_calls"] for c in m["tool_calls"]]
        assert [c["name"] for c in calls] == ["request_clip"] * len(ranges) + ["submit_code"]
        for call in calls:
            action = parse_action(tool_call_text([(call["name"], json.loads(call["arguments"]))]))
            if call["name"] == "request_clip":
                (segment,) = action.segments
                assert 0 <= segment.start < segment.end <= task.duration_s
            else:
                assert isinstance(action, Code) and "</html>" in action.html
        if row["kind"] == "interaction":  # every step of the script falls in a clip
            steps = [s.t for s in task.interactions]
            assert all(any(s <= t <= e for s, e in ranges) for t in steps)
        assert "No language model" not in row["messages"][2]["content"][0]["text"]


def test_dataset_is_deterministic_per_seed_and_loads_from_disk_with_its_card(backend, data, pool, tmp_path):
    from datasets import load_from_disk

    again = build_sft_dataset("template:pick", SMALL, backend=backend)
    assert again["messages"] == data.select(range(2))["messages"] and again["ranges"] == data["ranges"][:2]
    other = build_sft_dataset("template:pick", SFTDataConfig(**{**vars(SMALL), "seed": 1}), backend=backend)
    assert other["task_id"] != again["task_id"]  # another seed, other tasks
    saved = save_sft_dataset(again, tmp_path / "sft")
    loaded = load_from_disk(str(saved))
    assert loaded["messages"] == again["messages"] and len(loaded[0]["images"]) == len(again[0]["images"])
    text = (saved / "README.md").read_text()
    assert "| animation | 2 |" in text and "median length" in text and "No language model" in text
    assert "motion" in card(again)


def test_collator_fills_tool_frames_and_trains_only_assistant_turns(data, tiny_vlm):
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_vlm)
    row = data[2]
    filled = fill_frames(row)["messages"]
    assert sum("image" in b for m in filled if m["role"] == "tool" for b in m["content"]) > 0
    config = TrainConfig(method="sft", model=str(tiny_vlm))
    batch = ToolFramesCollator(processor, json.loads(row["tools"]), sft_config(config, output_dir="unused"))([row])
    assert batch["image_grid_thw"].shape[0] == len(row["images"])
    text = processor.tokenizer.decode(batch["input_ids"][0])
    trained = processor.tokenizer.decode(batch["input_ids"][0][batch["labels"][0] != -100])
    assert "<tools>" in text and "Coarse pass" in text and "<tool_response>" in text
    assert "request_clip" in trained and "submit_code" in trained and "Coarse pass" not in trained


def test_sft_lowers_the_loss_and_grpo_continues_from_its_checkpoint(backend, data, tiny_vlm, pool, tmp_path):
    from transformers import AutoModelForImageTextToText

    config = TrainConfig(method="sft", model=str(tiny_vlm))
    sft = run_sft(config, sft_config(config, max_steps=6, per_device_train_batch_size=2, learning_rate=1e-2,
                                     output_dir=str(tmp_path / "sft"), save_strategy="no", disable_tqdm=True,
                                     report_to="none"), dataset=data.select([0, 1]))
    assert len(sft.losses) == 6 and np.mean(sft.losses[-2:]) < np.mean(sft.losses[:2]) - 0.3
    saved = AutoModelForImageTextToText.from_pretrained(sft.model_dir)
    rl = TrainConfig(model=str(sft.model_dir), tasks="template:pick", num_tasks=2, frame_size=[64, 48], max_frames=3,
                     save_model=False)
    args = grpo_config(rl, max_steps=1, per_device_train_batch_size=2, num_generations=2, max_completion_length=8,
                       output_dir=str(tmp_path / "grpo"), save_strategy="no", learning_rate=0.0)
    grpo = run_train(rl, args, backend=backend)
    start = dict(saved.named_parameters())
    assert all(torch.equal(p, start[n]) for n, p in grpo.trainer.model.named_parameters())  # lr 0: the checkpoint's
    assert len(grpo.rewards) == 1


def test_train_command_line_parses_sft_config_for_method_sft():
    from trl import GRPOConfig, SFTConfig

    from v2c.agents.cli import parse_train_args

    config, args = parse_train_args(["--method", "sft", "--tasks", "runs/data", "--max_steps", "7",
                                     "--assistant_only_loss", "false"])
    assert isinstance(args, SFTConfig) and config.method == "sft" and args.max_steps == 7
    assert not args.assistant_only_loss and args.output_dir == "runs/sft" and args.max_length is None
    config, args = parse_train_args(["--model", "runs/sft/model", "--multi_turn"])
    assert isinstance(args, GRPOConfig) and config.method == "grpo" and config.model == "runs/sft/model"


def test_data_command_writes_a_dataset_and_its_card(tmp_path, capsys):
    from datasets import load_from_disk

    from v2c.cli import main

    assert main(["data", "sft", "template:pick", "--out", str(tmp_path / "d"), "--limit", "1", "--max-frames", "2"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["conversations"] == 1 and printed["by_kind"] == {"animation": 1}
    assert len(load_from_disk(str(tmp_path / "d"))) == 1 and (tmp_path / "d" / "README.md").is_file()


def test_an_episode_of_a_model_through_the_tool_env_is_recorded(backend, tiny_vlm, pool):
    from transformers import AutoModelForImageTextToText, AutoProcessor, AutoTokenizer

    from .forcing import forced_text_bias
    from v2c.agents.tool_rollout import play_tool_episode
    from v2c.envs.config import EnvConfig

    task = take_tasks("template:pick", 1)[0]
    model = AutoModelForImageTextToText.from_pretrained(tiny_vlm)
    calls = tool_call_text([("request_clip", {"start": 0.0, "end": 1.0}), ("submit_code", {"html": task.page.html})])
    model.generation_config.sequence_bias = {tuple(k): v for k, v in
                                             forced_text_bias(AutoTokenizer.from_pretrained(tiny_vlm), calls)}
    episode = play_tool_episode(model, AutoProcessor.from_pretrained(tiny_vlm), task,
                                EnvConfig.for_frames(2.0, 3, (64, 48)), backend=backend, max_turns=1, max_new_tokens=400)
    assert [s.action_type for s in episode.steps] == ["clip", "code"]
    assert episode.steps[-1].breakdown.total > 0.9
