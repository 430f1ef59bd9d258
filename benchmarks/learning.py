"""Does GRPO learn? The tiny offline VLM, our reward, the easiest family, fixed seeds.

The tiny Qwen3-VL (`v2c.agents.tiny_vlm`, ~0.5 M parameters, random init) cannot write HTML, so on
code tasks every completion scores 0 and GRPO has nothing to follow. The benchmark therefore uses
the `template:pick` family (`v2c.envs.tasks.pick`): the page is a template with two slots (a colour
and a slide duration) and the model answers with a few words; the answer is rendered and scored by
the same `RewardScorer` as any page. The mean reward of the first `--window` steps is compared
with that of the last ones; the run passes when the last window beats the first by `--min-gain`.

What to expect on 2 CPU cores (defaults): ~1 minute; the reward rises from ~0.05 (a random model
rarely names a colour) to ~0.7: the policy learns to answer in the format and a good prior over
durations. It does not learn to read the duration from the frames in this budget (the tiny vision
tower starts random and the colour barely moves the appearance score) — that is what a real model
and a real run are for: e.g. Qwen3-VL-2B/8B with LoRA, batch 8 × 8 generations × 4 accumulation,
a few hundred steps on `builtin:animations` (see `v2c.agents.train`).

    python benchmarks/learning.py [--steps 40] [--window 10] [--sft-steps 250 | --sft-steps 0]

A second section (`sft_section`, `benchmarks/sft.py`): the SFT warm start on generated code tasks —
SFT's loss, the share of sampled completions with a parseable clip call and page before and after
SFT, and multi-turn GRPO from the SFT checkpoint. `--sft-steps 0` leaves it out. Measured (README, "SFT
warm start"): loss 6.31 -> 0.01; clip calls 0% -> 44%, pages 0% -> 50%; GRPO rewards not all zero, but their
mean does not rise in 8 steps.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from v2c.agents.tiny_vlm import build_tiny_vlm, default_tiny_vlm_dir  # noqa: E402
from v2c.agents.train import TrainConfig, grpo_config, run_train  # noqa: E402


REAL_RUN = ("Qwen/Qwen3-VL-8B-Instruct (2B to start) with LoRA r 16-64, 8 prompts x 8 generations x 4 accumulation "
            "per step, max_completion_length 4096, lr 1e-5, bf16, vLLM colocate generation, 300-1000 steps on "
            "builtin:animations (difficulty 1 first), one 80 GB GPU plus CPU cores for the renderer pool")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="GRPO steps (default 40)")
    parser.add_argument("--window", type=int, default=10, help="steps averaged at each end (default 10)")
    parser.add_argument("--tasks", default="template:pick?seed=0", help="task source (default template:pick?seed=0)")
    parser.add_argument("--num-tasks", type=int, default=8, help="tasks in the dataset (default 8)")
    parser.add_argument("--learning-rate", type=float, default=1e-2, help="learning rate (default 1e-2)")
    parser.add_argument("--seed", type=int, default=0, help="trainer seed (default 0)")
    parser.add_argument("--min-gain", type=float, default=0.2, help="required rise of the mean reward (default 0.2)")
    parser.add_argument("--sft-steps", type=int, default=250, help="SFT steps of the second section (0: leave it out)")
    parser.add_argument("--sft-grpo-steps", type=int, default=8, help="GRPO steps from the SFT checkpoint (default 8)")
    args = parser.parse_args()

    model = build_tiny_vlm(default_tiny_vlm_dir())
    with tempfile.TemporaryDirectory(prefix="v2c-learning-") as out:
        config = TrainConfig(model=str(model), tasks=args.tasks, num_tasks=args.num_tasks, save_model=False)
        result = run_train(config, grpo_config(config, max_steps=args.steps, learning_rate=args.learning_rate,
                                               per_device_train_batch_size=16, num_generations=8,
                                               max_completion_length=6, seed=args.seed, output_dir=out,
                                               save_strategy="no", disable_tqdm=True))
    rewards = result.rewards
    window = min(args.window, len(rewards) // 2)
    first, last = float(np.mean(rewards[:window])), float(np.mean(rewards[-window:]))
    print(f"\nGRPO, tiny Qwen3-VL on {args.tasks} ({args.num_tasks} tasks), {len(rewards)} steps of 2 prompts x 8 "
          f"generations, lr {args.learning_rate:g}, seed {args.seed}")
    logs = [h for h in result.log_history if "reward" in h]
    step_s = float(np.mean([h["step_time"] for h in logs if "step_time" in h] or [np.nan]))
    reward_s = float(np.mean([h["v2c/reward_time_s"] for h in logs if "v2c/reward_time_s" in h] or [np.nan]))
    print(f"speed: {result.steps_per_s:.2f} GRPO steps/s ({result.seconds:.0f} s in all); per step {step_s:.2f} s, "
          f"of which rendering + scoring the 16 answers {reward_s:.2f} s (memoised per distinct page)")
    print(f"mean reward, first {window} steps: {first:.3f}")
    print(f"mean reward, last {window} steps:  {last:.3f}")
    gain = last - first
    verdict = "rises clearly" if gain >= args.min_gain else f"does NOT rise by {args.min_gain}"
    print(f"gain {gain:+.3f}: the reward {verdict}")
    print(f"a real run instead: {REAL_RUN}")
    if args.sft_steps:
        sft_section(args.sft_steps, args.sft_grpo_steps, args.seed)
    return 0 if gain >= args.min_gain else 1


def sft_section(sft_steps: int, grpo_steps: int, seed: int) -> None:
    """The SFT warm start (`benchmarks/sft.py`), printed as its own section."""
    from sft import SFTBenchmarkConfig, run_sft_benchmark

    print("\n== SFT warm start, then GRPO: tiny Qwen3-VL on generated code tasks (benchmarks/sft.py) ==")
    result = run_sft_benchmark(SFTBenchmarkConfig(sft_steps=sft_steps, grpo_steps=grpo_steps, seed=seed))
    print("\n".join(result.lines()))


if __name__ == "__main__":
    sys.exit(main())
