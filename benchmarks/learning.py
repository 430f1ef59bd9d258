"""Does GRPO learn? The tiny offline VLM, our reward, fixed seeds; four sections.

The tiny Qwen3-VL (`v2c.agents.tiny_vlm`, ~0.5 M parameters, random init) cannot write HTML, so on
code tasks every completion scores 0 and GRPO has nothing to follow. Sections 1, 2 and 4 use the
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

4. **Warm start, then the duration from the reward alone** (`warm_start`, `--only warm-start`; it runs only when
   named: 18 minutes measured on 2 shared CPU cores). Does our reward teach a VLM to read the video? SFT
   (`v2c.agents.sft.run_sft`) on pick prompts answered with the task's colour and a duration drawn at random
   (`answer_rows`: the colour is read from the frames, the duration is not), then the colour and duration match of
   answers sampled on fresh tasks (`sampled_matches`). Then GRPO from that checkpoint on the v2c reward alone (no
   labels; `colour_match`, `duration_match`, `duration_entropy` and `right_duration_sampled` log with weight 0),
   one fresh task per prompt, and the same run from the same checkpoint and seed as a control whose prompts show
   another task's frames (`shuffled_videos`). Goals: after SFT colour >= 0.9 and duration at chance (1/4); GRPO's
   last-window duration match >= 0.5 and >= chance + 3 standard errors with colour >= 0.8; the control's duration
   within 2 SE of chance. The tiny model reads these frames at 128x96 (`WarmStartConfig.image_pixels`: 12 vision
   tokens a frame); at its default 64x32 SFT did not learn the colour. Measured: README, "Does it learn?".

    python benchmarks/learning.py [--steps 40] [--video-steps 60] [--window 10] [--skip-template]
                                  [--sft-steps 250 | --sft-steps 0]
    python benchmarks/learning.py --only warm-start [--warm-sft-steps 200] [--warm-grpo-steps 40] ...

On a GPU with a real model (not run here: no hub access, no GPU), any section, e.g.

    python benchmarks/learning.py --only warm-start --device cuda --model Qwen/Qwen3-VL-2B-Instruct --use_lora \\
        --warm-sft-learning-rate 1e-4 --warm-grpo-learning-rate 1e-5 --warm-generations 8 --warm-prompts-per-step 8
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, ClassVar, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from v2c.agents.tiny_vlm import TinyVLMConfig, build_tiny_vlm, default_tiny_vlm_dir  # noqa: E402
from v2c.agents.train import TrainConfig, TrainResult, grpo_config, run_train  # noqa: E402

REAL_RUN = ("Qwen/Qwen3-VL-8B-Instruct (2B to start) with LoRA r 16-64, 8 prompts x 8 generations x 4 accumulation "
            "per step, max_completion_length 4096, lr 1e-5, bf16, vLLM colocate generation, 300-1000 steps on "
            "builtin:animations (difficulty 1 first), one 80 GB GPU plus CPU cores for the renderer pool")
PROMPTS_PER_STEP, GENERATIONS = 2, 8
"""Each step: 16 answers, 8 to each of 2 prompts (sections 1 and 2)."""
SECTIONS = ("template", "video", "sft", "warm-start")


def _train(model: str | Path, tasks: str, num_tasks: int, steps: int, learning_rate: float, seed: int,
           dataset: Any = None, extra_reward_funcs: Sequence[Callable[..., Any]] = (),
           reward_weights: list[float] | None = None, prompts_per_step: int = PROMPTS_PER_STEP,
           generations: int = GENERATIONS, device: "Device | None" = None, beta: float = 0.0) -> TrainResult:
    device = device or Device()
    with tempfile.TemporaryDirectory(prefix="v2c-learning-") as out:
        config = TrainConfig(model=str(model), tasks=tasks, num_tasks=num_tasks, save_model=False,
                             use_lora=device.use_lora)
        args = grpo_config(config, max_steps=steps, learning_rate=learning_rate,
                           per_device_train_batch_size=prompts_per_step * generations, num_generations=generations,
                           max_completion_length=6, seed=seed, output_dir=out, save_strategy="no", disable_tqdm=True,
                           reward_weights=reward_weights, beta=beta, **device.trainer_args())
        return run_train(config, args, dataset=dataset, extra_reward_funcs=extra_reward_funcs)


@dataclass(frozen=True)
class Device:
    """Where the sections train, and what (the tiny CPU model by default; a hub model with LoRA on a GPU)."""

    device: str = "cpu"
    """`cpu` or `cuda` (bf16 on cuda)."""
    model: str = "tiny"
    """`tiny` (built here, offline) or a hub id / folder, e.g. Qwen/Qwen3-VL-2B-Instruct."""
    use_lora: bool = False
    """Train LoRA adapters (`v2c.agents.train.TrainConfig.use_lora`) instead of all weights."""

    def trainer_args(self) -> dict[str, Any]:
        """TRL settings that follow the device (TRL's bf16 fails on CPU)."""
        cuda = self.device == "cuda"
        return {"use_cpu": not cuda, "bf16": cuda}


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


def template_family(model: str | Path, args: argparse.Namespace, device: Device) -> bool:
    """The reward curve on 8 reused pick tasks; True when it rises by `args.min_gain`."""
    result = _train(model, args.tasks, args.num_tasks, args.steps, args.learning_rate, args.seed, device=device)
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
        target = _metadata(task)
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


def video_family(model: str | Path, args: argparse.Namespace, device: Device) -> bool:
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
                        extra_reward_funcs=(colour_match, duration_match), reward_weights=weights,
                        device=device)
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


# ----------------------------------------------------------------------------- 4. warm start, then the duration


@dataclass
class WarmStartConfig:
    """Sizes of the warm-start section (`warm_start`).

    Frames:
        image_pixels
    Tasks:
        sft_tasks, eval_tasks, task_seed
    SFT:
        sft_steps, sft_batch, sft_learning_rate, samples
    GRPO:
        grpo_steps, prompts_per_step, generations, grpo_learning_rate, grpo_beta, window
    Run:
        seed, diagnose, threads
    """

    image_pixels: int = 128 * 96
    """Most pixels a frame is resized to by the tiny model's processor (`TinyVLMConfig.image_pixels`): 128x96 gives
    12 vision tokens a frame. At the default 64x32 (2 tokens a frame, the square ~11 px) SFT does not learn to read
    the colour: after 200 steps the colour logits are the same for every video."""
    sft_tasks: int = 96
    """SFT rows (pick tasks; 24 distinct videos exist: 6 colours x 4 durations)."""
    eval_tasks: int = 48
    """Fresh tasks (another seed) the SFT checkpoint is sampled on."""
    task_seed: int = 2
    """Seed of the SFT tasks; the evaluation uses `task_seed + 1`, GRPO `task_seed + 2` (no task is reused)."""
    sft_steps: int = 200
    """SFT optimiser steps (the loss nears its floor, ln 4 nats of random duration over the answer's tokens)."""
    sft_batch: int = 8
    """Conversations per SFT step."""
    sft_learning_rate: float = 3e-3
    """SFT rate (the tiny model starts random; `TINY_SFT_DEFAULTS`)."""
    samples: int = 8
    """Answers sampled per evaluation task (temperature 1, as GRPO samples)."""
    grpo_steps: int = 40
    """GRPO steps of each run (main and control); one fresh task per prompt."""
    prompts_per_step: int = 4
    """Prompts (tasks) per GRPO step."""
    generations: int = 8
    """Answers per prompt (the GRPO group)."""
    grpo_learning_rate: float = 1e-3
    """GRPO rate from the SFT checkpoint: at 1e-2 the colour match fell from 1.0 to 0 in three steps, at 3e-3 to 0.69
    in four (the SFT checkpoint is easily undone)."""
    grpo_beta: float = 0.0
    """KL weight to the SFT checkpoint (`GRPOConfig.beta`; TRL's default 0). 0.1 keeps the sampled durations from
    collapsing as fast (entropy 1.06 bits after 40 steps instead of 0.58), which longer runs need."""
    window: int = 10
    """GRPO steps averaged at each end."""
    seed: int = 0
    """Seed of the SFT durations, both trainers and the sampling."""
    diagnose: bool = True
    """Also run the cheap diagnostics (seconds): `duration_probe` and `score_matrix`."""
    threads: int = 1
    """Torch threads: on 2 shared cores one thread is ~7x faster than two (SFT step of 8 rows: 0.5 s vs 3.5 s)."""


def answer_rows(rows: Any, seed: int) -> Any:
    """SFT conversations from GRPO rows (`build_dataset`): the row's prompt and frames, then the answer `<the task's
    colour> <a duration drawn at random>`. The duration is independent of the video, so SFT teaches the format and
    the colour but nothing about timing: what GRPO then learns about the duration comes from the reward alone."""
    import random

    from datasets import Dataset, Features, Image, List, Value

    from v2c.envs.tasks.pick import DURATIONS

    rng = random.Random(seed)
    conversations = []
    for prompt, images, task in zip(rows["prompt"], rows["images"], rows["task"]):
        system, user = prompt
        colour = _metadata(task)["colour"]
        # The text GRPO's prompt becomes (TRL puts one image placeholder per frame before the user's text).
        conversations.append([
            {"role": "system", "content": [{"type": "text", "text": system["content"]}]},
            {"role": "user", "content": [{"type": "image", "text": None}] * len(images)
             + [{"type": "text", "text": user["content"]}]},
            {"role": "assistant", "content": [{"type": "text", "text": f"{colour} {rng.choice(DURATIONS):g}"}]}])
    block = {"type": Value("string"), "text": Value("string")}
    features = Features({"messages": List({"role": Value("string"), "content": List(block)}),
                         "images": List(Image()), "task": Value("string")})
    return Dataset.from_dict({"messages": conversations, "images": rows["images"], "task": rows["task"]},
                             features=features)


def _metadata(task: str) -> dict[str, Any]:
    """The pick metadata (colour, duration_s) of a serialised task."""
    return json.loads(json.loads(task)["metadata"])


def _entropy_bits(values: Sequence[Any]) -> float:
    _, counts = np.unique(np.asarray(values), return_counts=True)
    shares = counts / counts.sum()
    return float(-(shares * np.log2(shares)).sum())


def _groups(task: Sequence[str], values: Sequence[Any]) -> dict[str, list[Any]]:
    """`values` by prompt: every answer of a GRPO group carries its prompt's task (tasks are fresh, so unique)."""
    groups: dict[str, list[Any]] = {}
    for key, value in zip(task, values):
        groups.setdefault(key, []).append(value)
    return groups


def duration_entropy(prompts: Sequence[Any], completions: Sequence[Any], task: Sequence[str],
                     **_: Any) -> list[float]:
    """Metrics-only reward function (weight 0): the entropy in bits of the durations its group sampled (2: all four
    equally often; 0: one). GRPO can only reinforce the right duration when the group samples it."""
    from v2c.agents.trl_rewards import completion_text
    from v2c.envs.tasks.pick import parse_answer

    entropy = {key: _entropy_bits(durations) for key, durations in
               _groups(task, [parse_answer(completion_text(c))[1] for c in completions]).items()}
    return [entropy[key] for key in task]


def right_duration_sampled(prompts: Sequence[Any], completions: Sequence[Any], task: Sequence[str],
                           **_: Any) -> list[float]:
    """Metrics-only reward function (weight 0): 1.0 when some answer of its group matches the task's duration."""
    any_match = {key: max(matches) for key, matches in
                 _groups(task, _answer_matches(completions, task, "duration_s")).items()}
    return [any_match[key] for key in task]


def sampled_matches(model_dir: str | Path, rows: Any, samples: int, seed: int, device: Device) -> dict[str, float]:
    """Shares of answers sampled at temperature 1 (as GRPO samples) from `model_dir` on the SFT-format `rows`
    (their answer turns left out) whose colour and duration match the task's video, and the mean entropy (bits) of
    the durations sampled per task."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from v2c.agents.sft import fill_frames
    from v2c.envs.tasks.pick import parse_answer

    torch.manual_seed(seed)
    model = AutoModelForImageTextToText.from_pretrained(model_dir).to(device.device).eval()
    processor = AutoProcessor.from_pretrained(model_dir)
    answers, tasks = [], []
    for row in rows:
        inputs = processor.apply_chat_template(fill_frames(row)["messages"][:-1], add_generation_prompt=True,
                                               tokenize=True, return_dict=True, return_tensors="pt").to(model.device)
        with torch.no_grad():
            output = model.generate(**inputs, do_sample=True, temperature=1.0, max_new_tokens=6,
                                    num_return_sequences=samples)
        answers += processor.tokenizer.batch_decode(output[:, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
        tasks += [row["task"]] * samples
    entropy = [_entropy_bits(group) for group in _groups(tasks, [parse_answer(a)[1] for a in answers]).values()]
    return {"colour": float(np.mean(_answer_matches(answers, tasks, "colour"))),
            "duration": float(np.mean(_answer_matches(answers, tasks, "duration_s"))),
            "entropy": float(np.mean(entropy)), "answers": float(len(answers))}


@dataclass
class GRPORun:
    """Per-step logs of one GRPO run of the warm-start section."""

    columns: dict[str, list[float]]
    """Per-step means: reward, colour, duration, appearance, temporal, has_page, entropy, sampled."""
    result: TrainResult

    LOGGED: ClassVar[dict[str, str]] = {"reward": "reward",
                                         "colour": "rewards/colour_match/mean",
                                         "duration": "rewards/duration_match/mean",
                                         "appearance": "v2c/appearance", "temporal": "v2c/temporal",
                                         "has_page": "v2c/has_page", "entropy": "rewards/duration_entropy/mean",
                                         "sampled": "rewards/right_duration_sampled/mean"}
    """Each column's key in TRL's log history."""
    COLUMNS: ClassVar[tuple[str, ...]] = ("colour", "duration", "reward", "appearance", "temporal", "has_page",
                                          "entropy", "sampled")
    """The table's columns, in order."""

    @classmethod
    def of(cls, result: TrainResult) -> "GRPORun":
        logs = [h for h in result.log_history if "rewards/colour_match/mean" in h]
        return cls({name: [float(h.get(key, np.nan)) for h in logs] for name, key in cls.LOGGED.items()}, result)

    def window(self, name: str, last: bool, size: int) -> tuple[float, float]:
        """Mean and standard error of a column over the first / last `size` steps. The SE is over steps (each the
        mean of one step's prompts): answers to one prompt are not independent, steps nearly are."""
        values = np.asarray(self.columns[name][-size:] if last else self.columns[name][:size])
        se = float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")
        return float(np.mean(values)), se


def score_matrix(colour: str = "teal") -> np.ndarray:
    """Diagnosis (b): the v2c reward (`RewardScorer`, default config) of an answer of each duration (columns) on a
    task of each duration (rows), both of `colour`: how far the reward separates the right duration from the rest."""
    from v2c.envs.tasks.pick import DURATIONS, PickTaskSource, template_page
    from v2c.rewards.scorer import RewardScorer

    scorer, task = RewardScorer(), PickTaskSource(0)[0]
    matrix = np.zeros((len(DURATIONS), len(DURATIONS)))
    for row, duration in enumerate(DURATIONS):
        prepared = scorer.prepare(replace(task, page=template_page(colour, duration, task.viewport)).to_reference())
        for column, answer in enumerate(DURATIONS):
            matrix[row, column] = scorer.score(prepared, template_page(colour, answer, task.viewport)).total
    return matrix


def duration_probe(model_dir: str | Path, seed: int, ridge: float = 10.0) -> float:
    """Diagnosis (a): does the frozen vision tower carry the duration? A ridge classifier on the tower's output
    tokens of one prompt's frames (all concatenated) predicts the task's duration; trained on 5 colours' videos and
    tested on the sixth's (every colour in turn), so it must read the motion, not recognise the video. Accuracy
    (chance 1/4)."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    from v2c.agents.trl_dataset import build_dataset
    from v2c.envs.tasks.pick import COLOURS, DURATIONS, PickTaskSource

    videos: dict[tuple[str, float], Any] = {}  # one task per (colour, duration): the 24 distinct videos
    for task in PickTaskSource(seed):
        videos.setdefault((task.metadata["colour"], task.metadata["duration_s"]), task)
        if len(videos) == len(COLOURS) * len(DURATIONS):
            break
    keys = sorted(videos)
    rows = build_dataset([videos[k] for k in keys])
    model = AutoModelForImageTextToText.from_pretrained(model_dir).eval()
    processor = AutoProcessor.from_pretrained(model_dir)
    features = []
    with torch.no_grad():
        for images in rows["images"]:
            inputs = processor.image_processor(images, return_tensors="pt")
            tokens = model.model.get_image_features(inputs["pixel_values"], inputs["image_grid_thw"]).pooler_output
            features.append(torch.cat(list(tokens)).flatten().numpy())
    x, labels = np.stack(features), np.array([DURATIONS.index(d) for _, d in keys])
    colours = np.array([c for c, _ in keys])
    hits = []
    for held_out in COLOURS:
        train, test = colours != held_out, colours == held_out
        mean, std = x[train].mean(0), x[train].std(0) + 1e-6
        a = (x - mean) / std
        # Dual form: fewer videos than features.
        weights = a[train].T @ np.linalg.solve(a[train] @ a[train].T + ridge * np.eye(int(train.sum())),
                                               np.eye(len(DURATIONS))[labels[train]])
        hits += list(np.argmax(a[test] @ weights, 1) == labels[test])
    return float(np.mean(hits))


@dataclass
class WarmStartResult:
    """What `warm_start` measured."""

    config: WarmStartConfig
    model: str
    after_sft: dict[str, float]
    """`sampled_matches` of the SFT checkpoint on fresh tasks."""
    sft: TrainResult
    runs: dict[str, GRPORun]
    """`video` (the task's own frames) and `control` (another task's frames)."""
    probes: dict[str, float]
    """`duration_probe` accuracy of the starting model's vision tower and of the SFT checkpoint's."""
    scores: np.ndarray | None
    """`score_matrix` (None without `diagnose`): the reward of each answer duration (columns) on each task duration
    (rows)."""
    seconds: float

    @property
    def window(self) -> int:
        return max(1, min(self.config.window, self.config.grpo_steps // 2))

    def goals(self) -> dict[str, bool]:
        """Each goal of the section, worded with its figures, and whether it holds."""
        from v2c.envs.tasks.pick import DURATIONS

        chance, w, sft = 1 / len(DURATIONS), self.window, self.after_sft
        duration, duration_se = self.runs["video"].window("duration", True, w)
        colour = self.runs["video"].window("colour", True, w)[0]
        control, control_se = self.runs["control"].window("duration", True, w)
        return {
            f"SFT: colour match {sft['colour']:.3f} >= 0.9": sft["colour"] >= 0.9,
            f"SFT: duration match {sft['duration']:.3f} at chance {chance:.2f} (within 2 SE, "
            f"{_binomial_se(chance, sft['answers']):.3f})":
                abs(sft["duration"] - chance) <= 2 * _binomial_se(chance, sft["answers"]),
            f"GRPO: last-window duration match {duration:.3f} >= 0.5 and >= chance + 3 SE "
            f"({chance + 3 * duration_se:.3f})": duration >= 0.5 and duration >= chance + 3 * duration_se,
            f"GRPO: last-window colour match {colour:.3f} >= 0.8": colour >= 0.8,
            f"control: last-window duration match {control:.3f} within 2 SE of chance "
            f"({chance - 2 * control_se:.3f}..{chance + 2 * control_se:.3f})": abs(control - chance) <= 2 * control_se,
        }

    def lines(self) -> list[str]:
        """The report: settings, the table (SFT; first and last GRPO windows of both runs), the curves, the goals."""
        from v2c.envs.tasks.pick import COLOURS, DURATIONS

        cfg, w, sft, runs = self.config, self.window, self.after_sft, self.runs
        out = [f"\n## 4. Warm start, then GRPO on the reward alone: {self.model} on template:pick; SFT {cfg.sft_steps} "
               f"steps x {cfg.sft_batch} rows ({cfg.sft_tasks} tasks; answer = the task's colour + a random duration), "
               f"lr {cfg.sft_learning_rate:g}; GRPO {cfg.grpo_steps} steps x {cfg.prompts_per_step} fresh tasks x "
               f"{cfg.generations} answers, lr {cfg.grpo_learning_rate:g}"
               + (f", KL beta {cfg.grpo_beta:g}" if cfg.grpo_beta else "") + f", seed {cfg.seed}; control: the same rows "
               f"showing another task's frames; {self.seconds:.0f} s in all (SFT {self.sft.seconds:.0f} s, GRPO "
               f"{runs['video'].result.seconds:.0f} + {runs['control'].result.seconds:.0f} s)",
               f"SFT loss {np.mean(self.sft.losses[:5]):.2f} (first 5 steps) -> {np.mean(self.sft.losses[-5:]):.2f} "
               "(last 5)", "",
               "| run | colour match | duration match | reward | appearance | temporal | has page | duration entropy "
               "(bits) | group samples the right duration |", "|" + "---|" * 9,
               f"| after SFT ({sft['answers']:.0f} answers sampled at T=1, {cfg.eval_tasks} fresh tasks) | "
               f"{sft['colour']:.3f} | {sft['duration']:.3f} | | | | | {sft['entropy']:.2f} | |"]
        for name, run in runs.items():
            for last in (False, True):
                cells = [run.window(column, last, w) for column in GRPORun.COLUMNS]
                out.append(f"| GRPO {name}, {'last' if last else 'first'} {w} steps | "
                           + " | ".join(f"{m:.3f} ± {se:.3f}" for m, se in cells) + " |")
        out.append(f"(± one standard error over steps; chance: colour {1 / len(COLOURS):.3f}, duration "
                   f"{1 / len(DURATIONS):.3f})")
        out += [f"curve {column:<8} {name:<7}: " + " ".join(f"{v:.2f}" for v in run.columns[column])
                for column in ("duration", "colour", "reward", "entropy", "sampled") for name, run in runs.items()]
        if self.scores is not None:
            out += ["", "diagnosis: (a) duration from the frozen vision tower's tokens of a prompt's frames, ridge "
                    "classifier, leave-one-colour-out over the 24 videos (chance 0.25): "
                    + ", ".join(f"{name} {accuracy:.3f}" for name, accuracy in self.probes.items()),
                    "(b) v2c reward of answer duration (columns) on task duration (rows), same colour: "
                    + "; ".join(f"{d:g} s: " + " ".join(f"{v:.3f}" for v in row)
                                for d, row in zip(DURATIONS, self.scores)),
                    "(c) duration entropy per step and the share of groups that sample the right duration: the "
                    "curves `entropy` and `sampled` above, and the table's last two columns"]
        return out + [f"{'holds' if held else 'FAILS'}: {goal}" for goal, held in self.goals().items()]


def _binomial_se(share: float, count: float) -> float:
    return float(np.sqrt(share * (1 - share) / max(count, 1.0)))


def warm_start_model(cfg: WarmStartConfig, device: Device) -> str | Path:
    """The model the section starts from: the tiny model built with `cfg.image_pixels` (its own folder beside the
    default one), or `device.model` as given."""
    if device.model != "tiny":
        return device.model
    default = TinyVLMConfig()
    config = replace(default, image_pixels=(default.image_pixels[0], cfg.image_pixels))
    return build_tiny_vlm(default_tiny_vlm_dir().parent / f"tiny-vlm-{cfg.image_pixels}px", config)


def warm_start(model: str | Path, cfg: WarmStartConfig, device: Device) -> WarmStartResult:
    """SFT on the task's colour + a random duration, then GRPO on the reward alone from that checkpoint, on the
    task's own frames and (the control) on another task's."""
    import time

    import torch

    from v2c.agents.sft import run_sft, sft_config
    from v2c.agents.trl_dataset import DatasetConfig, build_dataset

    torch.set_num_threads(cfg.threads)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="v2c-warm-start-") as out:
        train = TrainConfig(method="sft", model=str(model), use_lora=device.use_lora)
        rows = answer_rows(build_dataset(f"template:pick?seed={cfg.task_seed}", cfg.sft_tasks), cfg.seed)
        sft = run_sft(train, sft_config(train, max_steps=cfg.sft_steps, per_device_train_batch_size=cfg.sft_batch,
                                        learning_rate=cfg.sft_learning_rate, seed=cfg.seed, output_dir=f"{out}/sft",
                                        save_strategy="no", disable_tqdm=True, report_to="none",
                                        **device.trainer_args()), dataset=rows)
        fresh = answer_rows(build_dataset(f"template:pick?seed={cfg.task_seed + 1}", cfg.eval_tasks), cfg.seed)
        after_sft = sampled_matches(sft.model_dir, fresh, cfg.samples, cfg.seed, device)
        probes = {name: duration_probe(path, cfg.task_seed) for name, path in
                  (("initial", model), ("after SFT", sft.model_dir))} if cfg.diagnose else {}

        spec = f"template:pick?seed={cfg.task_seed + 2}"
        num_tasks = cfg.grpo_steps * cfg.prompts_per_step  # one fresh task per prompt
        dataset = build_dataset(spec, num_tasks, DatasetConfig())
        metrics = (colour_match, duration_match, duration_entropy, right_duration_sampled)
        runs = {name: GRPORun.of(_train(sft.model_dir, spec, num_tasks, cfg.grpo_steps, cfg.grpo_learning_rate,
                                        cfg.seed, dataset=prompts, extra_reward_funcs=metrics,
                                        reward_weights=[1.0] + [0.0] * len(metrics),  # the v2c reward alone
                                        prompts_per_step=cfg.prompts_per_step, generations=cfg.generations,
                                        device=device, beta=cfg.grpo_beta))
                for name, prompts in (("video", dataset), ("control", shuffled_videos(dataset)))}
    return WarmStartResult(cfg, device.model, after_sft, sft, runs, probes,
                           score_matrix() if cfg.diagnose else None, time.perf_counter() - started)


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
    parser.add_argument("--only", choices=SECTIONS, help="run this section alone (without it: template, video, sft; "
                                                         "warm-start runs only when named: it takes ~30 minutes)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="where to train (default cpu)")
    parser.add_argument("--model", default="tiny", help="tiny (default, built offline) or a hub id / folder")
    parser.add_argument("--use_lora", action="store_true", help="train LoRA adapters instead of all weights")
    for name, default in asdict(WarmStartConfig()).items():
        kind = {"action": argparse.BooleanOptionalAction} if isinstance(default, bool) else {"type": type(default)}
        parser.add_argument(f"--warm-{name.replace('_', '-')}", default=default, **kind,
                            help=f"warm-start section: WarmStartConfig.{name} (default {default})")
    args = parser.parse_args()

    device = Device(args.device, args.model, args.use_lora)
    sections = [args.only] if args.only else ["template", "video", "sft"]
    model = build_tiny_vlm(default_tiny_vlm_dir()) if args.model == "tiny" else args.model
    ok = True
    if "template" in sections:
        ok = args.skip_template or template_family(model, args, device)
    if "video" in sections:
        video_family(model, args, device)  # reports; it does not gate (a tiny random tower may not read the frames)
        print(f"\na real run instead: {REAL_RUN}")
    if "sft" in sections and args.sft_steps:
        sft_section(args.sft_steps, args.sft_grpo_steps, args.seed)  # reports, like the video section
    if "warm-start" in sections:
        config = WarmStartConfig(**{name: getattr(args, f"warm_{name}") for name in asdict(WarmStartConfig())})
        warm = warm_start(warm_start_model(config, device), config, device)
        print("\n".join(warm.lines()))
        ok = all(warm.goals().values())
    return 0 if ok else 1


def sft_section(sft_steps: int, grpo_steps: int, seed: int) -> None:
    """The SFT warm start (`benchmarks/sft.py`), printed as its own section."""
    from sft import SFTBenchmarkConfig, run_sft_benchmark

    print("\n== SFT warm start, then GRPO: tiny Qwen3-VL on generated code tasks (benchmarks/sft.py) ==")
    result = run_sft_benchmark(SFTBenchmarkConfig(sft_steps=sft_steps, grpo_steps=grpo_steps, seed=seed))
    print("\n".join(result.lines()))


if __name__ == "__main__":
    sys.exit(main())
