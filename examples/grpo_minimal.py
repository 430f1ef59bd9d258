"""A researcher's own GRPO script: TRL's `GRPOTrainer`, v2c's dataset builder and reward functions, nothing else.

    python examples/grpo_minimal.py --model Qwen/Qwen3-VL-2B-Instruct --tasks builtin:animations --steps 100

With no `--model`, the tiny offline Qwen3-VL (random weights, built on first use) runs two CPU steps.
"""
from __future__ import annotations

import argparse

import torch

from v2c.agents import build_dataset, make_reward_funcs  # first: on a CPU-only torch it makes torchvision importable
from v2c.agents.tiny_vlm import resolve_model

from transformers import AutoModelForImageTextToText, AutoProcessor  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--model", default="tiny", help="hub id or local folder (default: the tiny offline model)")
parser.add_argument("--tasks", default="template:pick", help="a v2c task source")
parser.add_argument("--steps", type=int, default=2)
parser.add_argument("--output_dir", default="runs/grpo_minimal")
cli = parser.parse_args()

path = resolve_model(cli.model)
dataset = build_dataset(cli.tasks, 4)  # prompt + images (the coarse pass) + the task of each row
reward_funcs = make_reward_funcs(components=("v2c", "appearance", "temporal", "format"))  # one TRL column each
args = GRPOConfig(output_dir=cli.output_dir, max_steps=cli.steps, per_device_train_batch_size=4, num_generations=4,
                  max_completion_length=8 if cli.model == "tiny" else 4096, learning_rate=1e-2 if cli.model == "tiny"
                  else 1e-6, reward_weights=[1.0, 0.0, 0.0, 0.1], logging_steps=1, save_strategy="no",
                  bf16=torch.cuda.is_available(), use_cpu=not torch.cuda.is_available())
trainer = GRPOTrainer(model=AutoModelForImageTextToText.from_pretrained(path),
                      processing_class=AutoProcessor.from_pretrained(path),
                      reward_funcs=reward_funcs, args=args, train_dataset=dataset)
trainer.train()
last = [h for h in trainer.state.log_history if "reward" in h][-1]
print({k: round(v, 4) for k, v in last.items() if k.startswith("rewards/") and k.endswith("/mean")})
