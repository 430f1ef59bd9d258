"""Does GRPO learn? The tiny offline VLM, our reward, fixed seeds; two sections.

The tiny Qwen3-VL (`v2c.agents.tiny_vlm`, ~0.5 M parameters, random init) cannot write HTML, so on
code tasks every completion scores 0 and GRPO has nothing to follow. Both sections use the
`template:pick` family (`v2c.envs.tasks.pick`): each task draws a colour (6) and a slide duration (4)
for a template page with one sliding square; the model answers with a few words (`teal 1.5`), and
the answer's page is rendered and scored against the task's video by the same `RewardScorer` as any
page (appearance sees the colour, temporal the duration). Every pick prompt has the same text: only
its frames tell one task from another.

1. **Template family** (`template_family`): 8 tasks, reused; the mean reward of the first
   `--window` steps against the last ones, passing when it rises by `--min-gain`. This shows the
   policy learns the answer format and a prior over durations.
2. **Reading the video** (`video_family`): a fresh task for every prompt (nothing to memorise), and
   two metrics-only reward functions (weight 0, logged by TRL as `rewards/colour_match/mean` and
   `rewards/duration_match/mean`): the share of answers whose colour, and whose duration, match the
   task's video, over all answers and over those that name a colour (have a page). A policy that
   answers but ignores the frames matches 1/6 and 1/4 of the latter (the task's colour and duration
   are uniform and independent of everything else in the prompt).
   The same run is repeated as a control whose prompts show the frames of another task (a cyclic
   shift of the rows) while the reward still scores the task's own video: there the frames carry
   nothing about the answer, so the control must stay at chance. The section passes when the last
   window's colour match (of answers with a page) beats chance by `--margin` standard errors and the
   control's does not. It reports and does not set the exit status.

What to expect on 2 CPU cores: see the README (the numbers of the last measured run). If the tiny
vision tower does not read the colour in this budget, that is what a real model and a real run are for:
e.g. Qwen3-VL-2B/8B with LoRA, batch 8 × 8 generations × 4 accumulation, a few hundred steps.

3. **SFT warm start, then GRPO** (`sft_section`, `benchmarks/sft.py`): on generated code tasks, SFT's
   loss, the share of sampled completions with a parseable clip call and page before and after SFT,
   and multi-turn GRPO from the SFT checkpoint. `--sft-steps 0` leaves it out. Measured (README, "SFT
   warm start"): loss 6.31 -> 0.01; clip calls 0% -> 44%, pages 0% -> 50%; GRPO rewards not all zero,
   but their mean does not rise in 8 steps.

    python benchmarks/learning.py [--steps 40] [--video-steps 60] [--window 10] [--skip-template]
                                  [--sft-steps 250 | --sft-steps 0]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from v2c.agents.tiny_vlm import build_tiny_vlm, default_tiny_vlm_dir  # noqa: E402
from v2c.agents.train import TrainConfig, TrainResult, grpo_config, run_train  # noqa: E402

REAL_RUN = ("Qwen/Qwen3-VL-8B-Instruct (2B to start) with LoRA r 16-64, 8 prompts x 8 generations x 4 accumulation "
            "per step, max_completion_length 4096, lr 1e-5, bf16, vLLM colocate generation, 300-1000 steps on "
            "builtin:animations (difficulty 1 first), one 80 GB GPU plus CPU cores for the renderer pool")
PROMPTS_PER_STEP, GENERATIONS = 2, 8
"""Each step: 16 answers, 8 to each of 2 prompts (both sections)."""


def _train(model: Path, tasks: str, num_tasks: int, steps: int, learning_rate: float, seed: int,
           dataset: Any = None, extra_reward_funcs: Sequence[Callable[..., Any]] = (),
           reward_weights: list[float] | None = None) -> TrainResult:
    with tempfile.TemporaryDirectory(prefix="v2c-learning-") as out:
        config = TrainConfig(model=str(model), tasks=tasks, num_tasks=num_tasks, save_model=False)
        args = grpo_config(config, max_steps=steps, learning_rate=learning_rate,
                           per_device_train_batch_size=PROMPTS_PER_STEP * GENERATIONS, num_generations=GENERATIONS,
                           max_completion_length=6, seed=seed, output_dir=out, save_strategy="no", disable_tqdm=True,
                           reward_weights=reward_weights)
        return run_train(config, args, dataset=dataset, extra_reward_funcs=extra_reward_funcs)


def _speed(result: TrainResult) -> str:
    logs = [h for h in result.log_history if "reward" in h]
    step_s = float(np.mean([h["step_time"] for h in logs if "step_time" in h] or [np.nan]))
    reward_s = float(np.mean([h["v2c/reward_time_s"] for h in logs if "v2c/reward_time_s" in h] or [np.nan]))
    return (f"speed: {result.steps_per_s:.2f} GRPO steps/s ({result.seconds:.0f} s in all); per step {step_s:.2f} s, "
            f"of which rendering + scoring the {PROMPTS_PER_STEP * GENERATIONS} answers {reward_s:.2f} s "
            "(memoised per distinct page)")


def _ends(values: Sequence[float], window: int) -> tuple[float, float]:
    return float(np.mean(values[:window])), float(np.mean(values[-window:]))


# ----------------------------------------------------------------------------- 1. the template family


def template_family(model: Path, args: argparse.Namespace) -> bool:
    """The reward curve on 8 reused pick tasks; True when it rises by `args.min_gain`."""
    result = _train(model, args.tasks, args.num_tasks, args.steps, args.learning_rate, args.seed)
    rewards = result.rewards
    window = max(1, min(args.window, len(rewards) // 2))
    first, last = _ends(rewards, window)
    print(f"\n## 1. Template family: GRPO, tiny Qwen3-VL on {args.tasks} ({args.num_tasks} tasks), {len(rewards)} "
          f"steps of {PROMPTS_PER_STEP} prompts x {GENERATIONS} generations, lr {args.learning_rate:g}, seed {args.seed}")
    print(_speed(result))
    print(f"mean reward, first {window} steps: {first:.3f}")
    print(f"mean reward, last {window} steps:  {last:.3f}")
    gain = last - first
    print(f"gain {gain:+.3f}: the reward {'rises clearly' if gain >= args.min_gain else f'does NOT rise by {args.min_gain}'}")
    return gain >= args.min_gain


# ----------------------------------------------------------------------------- 2. reading the video


def _answer_matches(completions: Sequence[Any], tasks: Sequence[str], slot: str) -> list[float]:
    """1.0 where the answer names a colour (it has a page) and its `slot` (`colour`, `duration_s`) is the task's."""
    from v2c.agents.trl_rewards import completion_text
    from v2c.envs.tasks.pick import parse_answer

    out = []
    for completion, task in zip(completions, tasks):
        colour, duration = parse_answer(completion_text(completion))
        target = json.loads(json.loads(task)["metadata"])
        picked = colour if slot == "colour" else duration
        out.append(float(colour is not None and picked == target[slot]))
    return out


def colour_match(prompts: Sequence[Any], completions: Sequence[Any], task: Sequence[str], **_: Any) -> list[float]:
    """Metrics-only reward function (weight 0): does the answer's colour match the task's video?"""
    return _answer_matches(completions, task, "colour")


def duration_match(prompts: Sequence[Any], completions: Sequence[Any], task: Sequence[str], **_: Any) -> list[float]:
    """Metrics-only reward function (weight 0): does the answer's duration match the task's video?"""
    return _answer_matches(completions, task, "duration_s")


def shuffled_videos(dataset: Any) -> Any:
    """The control's rows: each shows the frames of the next row's task (a cyclic shift); the rest is unchanged.

    Tasks are drawn independently, so the frames shown say nothing about the task that is scored."""
    from datasets import Dataset

    columns = {name: dataset[name] for name in dataset.column_names}
    images = columns["images"]
    columns["images"] = images[1:] + images[:1]
    return Dataset.from_dict(columns, features=dataset.features)


@dataclass
class MatchCurve:
    """Per-step shares of one run (over all its answers), and the run."""

    colour: list[float]
    duration: list[float]
    has_page: list[float]
    """Answers that name a colour (and so have a page): the only ones that can match."""
    result: TrainResult

    @classmethod
    def of(cls, result: TrainResult) -> "MatchCurve":
        logs = [h for h in result.log_history if "rewards/colour_match/mean" in h]
        return cls([h["rewards/colour_match/mean"] for h in logs], [h["rewards/duration_match/mean"] for h in logs],
                   [h["v2c/has_page"] for h in logs], result)


def _share_line(name: str, values: list[float], has_page: list[float], window: int, chance: float,
                margin: float) -> tuple[str, bool]:
    """The share of matching answers, first vs last window, over all answers and over those with a page;
    the verdict compares the latter with chance (every step has the same number of answers)."""
    first, last = _ends(values, window)
    answers = window * PROMPTS_PER_STEP * GENERATIONS
    paged = float(np.sum(has_page[-window:])) * PROMPTS_PER_STEP * GENERATIONS
    conditional = float(np.sum(values[-window:]) / max(np.sum(has_page[-window:]), 1e-9))
    # The binomial standard error of a share at chance; answers to one prompt are not independent, so this
    # is optimistic: `margin` of them is a low bar, not a significance test.
    se = float(np.sqrt(chance * (1 - chance) / max(paged, 1.0)))
    above = paged > 0 and conditional > chance + margin * se
    return (f"{name:<9} all answers: first {first:.3f}, last {last:.3f} | last window, of the {paged:.0f}/{answers} "
            f"answers with a page: {conditional:.3f} vs chance {chance:.3f} ± {se:.3f}: "
            f"{'ABOVE chance' if above else 'not above chance'}", above)


def video_family(model: Path, args: argparse.Namespace) -> bool:
    """Colour and duration match, main run vs shuffled-video control; True when the main run's colour match
    rises above chance and the control's does not."""
    from v2c.agents.trl_dataset import DatasetConfig, build_dataset
    from v2c.envs.tasks.pick import COLOURS, DURATIONS

    steps = args.video_steps
    spec = f"template:pick?seed={args.video_seed}"
    num_tasks = steps * PROMPTS_PER_STEP  # one fresh task per prompt
    dataset = build_dataset(spec, num_tasks, DatasetConfig())
    weights = [1.0, 0.0, 0.0]  # v2c, colour_match, duration_match: the matches only log
    runs = {}
    for name, rows in (("video", dataset), ("control", shuffled_videos(dataset))):
        result = _train(model, spec, num_tasks, steps, args.learning_rate, args.seed, dataset=rows,
                        extra_reward_funcs=(colour_match, duration_match), reward_weights=weights)
        runs[name] = MatchCurve.of(result)
    window = max(1, min(args.window, steps // 2))
    print(f"\n## 2. Reading the video: {spec}, a fresh task per prompt ({num_tasks} tasks), {steps} steps of "
          f"{PROMPTS_PER_STEP} prompts x {GENERATIONS} generations, lr {args.learning_rate:g}, seed {args.seed}; "
          f"control: the same rows showing another task's frames")
    print(_speed(runs["video"].result))
    verdicts = {}
    for name, curve in runs.items():
        first, last = _ends(curve.result.rewards, window)
        print(f"{name}: mean reward first {window} steps {first:.3f}, last {window} steps {last:.3f}")
        for slot, values, chance in (("colour", curve.colour, 1 / len(COLOURS)),
                                     ("duration", curve.duration, 1 / len(DURATIONS))):
            line, above = _share_line(slot, values, curve.has_page, window, chance, args.margin)
            print(f"  {line}")
            verdicts[name, slot] = above
    print("reward curve (mean reward per step), video:  " + " ".join(f"{r:.2f}" for r in runs["video"].result.rewards))
    print("reward curve (mean reward per step), control: " + " ".join(f"{r:.2f}" for r in runs["control"].result.rewards))
    same = sum(a == b for a, b in zip(runs["video"].result.rewards, runs["control"].result.rewards))
    # The same seed and rows but other frames: equal rewards mean the frames changed no sampled answer.
    print(f"steps whose mean reward is identical in both runs (the frames changed no answer): {same}/{steps}")
    passed = verdicts["video", "colour"] and not verdicts["control", "colour"]
    print("verdict: " + ("the policy reads the colour from the frames (control at chance)" if passed else
                         "the tiny policy does NOT read the colour from the frames in this budget"
                         + (" (and the control rose too: the rise is not from the frames)"
                            if verdicts["control", "colour"] else "")))
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40, help="GRPO steps of the template section (default 40)")
    parser.add_argument("--window", type=int, default=10, help="steps averaged at each end (default 10)")
    parser.add_argument("--tasks", default="template:pick?seed=0", help="template section's tasks (default "
                                                                        "template:pick?seed=0)")
    parser.add_argument("--num-tasks", type=int, default=8, help="tasks of the template section (default 8)")
    parser.add_argument("--learning-rate", type=float, default=1e-2, help="learning rate (default 1e-2)")
    parser.add_argument("--seed", type=int, default=0, help="trainer seed (default 0)")
    parser.add_argument("--min-gain", type=float, default=0.2, help="required rise of the mean reward (default 0.2)")
    parser.add_argument("--video-steps", type=int, default=60, help="GRPO steps of each video-section run (default 60)")
    parser.add_argument("--video-seed", type=int, default=1, help="seed of the video section's tasks (default 1)")
    parser.add_argument("--margin", type=float, default=2.0,
                        help="standard errors above chance that count as above (default 2)")
    parser.add_argument("--skip-template", action="store_true", help="run the video section only")
    parser.add_argument("--sft-steps", type=int, default=250, help="SFT steps of the third section (0: leave it out)")
    parser.add_argument("--sft-grpo-steps", type=int, default=8, help="GRPO steps from the SFT checkpoint (default 8)")
    args = parser.parse_args()

    model = build_tiny_vlm(default_tiny_vlm_dir())
    ok = True if args.skip_template else template_family(model, args)
    video_family(model, args)  # reports; it does not gate (a tiny random vision tower may not read the frames)
    print(f"\na real run instead: {REAL_RUN}")
    if args.sft_steps:
        sft_section(args.sft_steps, args.sft_grpo_steps, args.seed)  # reports, like the video section
    return 0 if ok else 1


def sft_section(sft_steps: int, grpo_steps: int, seed: int) -> None:
    """The SFT warm start (`benchmarks/sft.py`), printed as its own section."""
    from sft import SFTBenchmarkConfig, run_sft_benchmark

    print("\n== SFT warm start, then GRPO: tiny Qwen3-VL on generated code tasks (benchmarks/sft.py) ==")
    result = run_sft_benchmark(SFTBenchmarkConfig(sft_steps=sft_steps, grpo_steps=grpo_steps, seed=seed))
    print("\n".join(result.lines()))


if __name__ == "__main__":
    sys.exit(main())
