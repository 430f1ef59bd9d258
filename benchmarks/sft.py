"""Does the SFT warm start work? The tiny offline VLM, `v2c data sft` conversations, then GRPO from it.

Three measurements, on CPU, on generated code tasks (`builtin:animations` at difficulty 1 whose oracle
pages use CSS keyframes: the shortest pages the generator writes, ~700 characters):

1. SFT (`v2c.agents.sft`) lowers the training loss (first vs last logged steps);
2. sampled completions (temperature 1, as GRPO samples) before and after SFT: the share of first turns
   with a clip call that `parse_action` reads and whose ranges lie inside the video, and the share of
   code turns (after the conversation's own clips) with a `submit_code` page that holds a whole document;
3. multi-turn GRPO (the TRL tool env) from the SFT checkpoint on the same tasks: the rewards are not all
   zero, and the mean of the last steps vs the first.

    python benchmarks/sft.py [--tasks 4] [--sft-steps 250] [--grpo-steps 8] [--samples 4]

Measured with the defaults (2 shared CPU cores, ~7 minutes): loss 6.31 -> 0.01; clip calls 0% -> 44%;
pages 0% -> 50%; GRPO rewards 0, 0.089, 0, 0.018, 0, 0, 0, 0 (not all zero; the mean does not rise).

`run_sft_benchmark` returns the figures; `benchmarks/learning.py` prints them as its second section.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from v2c.agents.train import TrainConfig, grpo_config, run_train  # noqa: E402  (first: torchvision is fixed up)
from v2c.agents.sft import fill_frames, run_sft, sft_config  # noqa: E402
from v2c.agents.sft_data import SFTDataConfig, build_sft_dataset  # noqa: E402
from v2c.agents.tiny_vlm import build_tiny_vlm, default_tiny_vlm_dir  # noqa: E402
from v2c.agents.trl_dataset import DatasetConfig, build_dataset  # noqa: E402
from v2c.envs.actions import ClipRequest, Code, parse_action  # noqa: E402
from v2c.envs.tasks.generator_animations import AnimationConfig, AnimationTaskSource  # noqa: E402
from v2c.rewards.backend import make_backend  # noqa: E402


@dataclass
class SFTBenchmarkConfig:
    """Sizes of the run.

    Tasks:
        tasks, seed
    SFT:
        sft_steps, sft_batch, sft_learning_rate
    Sampling:
        samples, temperature, threads
    GRPO:
        grpo_steps, grpo_generations, grpo_learning_rate, window
    """

    tasks: int = 4
    """Generated code tasks (SFT rows, sampling prompts and GRPO rows alike)."""
    seed: int = 0
    """Seed of the task generator, the data, the trainers and the sampling."""
    sft_steps: int = 250
    """SFT optimiser steps."""
    sft_batch: int = 2
    """Conversations per SFT step."""
    sft_learning_rate: float = 3e-3
    """SFT rate (the tiny model starts random)."""
    samples: int = 4
    """Sampled completions per task and turn, before and after SFT."""
    threads: int = 1
    """Torch threads: on a small machine shared with other jobs one thread is several times faster than two."""
    temperature: float = 1.0
    """Sampling temperature (GRPO's default)."""
    grpo_steps: int = 8
    """GRPO steps from the SFT checkpoint."""
    grpo_generations: int = 8
    """Rollouts per prompt (one prompt per step)."""
    grpo_learning_rate: float = 1e-5
    """GRPO rate from the warm start: low enough not to undo what SFT taught (at 1e-4 one step did: the rewards
    went 0.04, then 0 for five steps)."""
    window: int = 3
    """GRPO steps averaged at each end."""


@dataclass
class SFTBenchmarkResult:
    losses: list[float]
    before: dict[str, float]
    after: dict[str, float]
    grpo_rewards: list[float]
    seconds: dict[str, float] = field(default_factory=dict)
    window: int = 3
    examples: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        first, last = float(np.mean(self.losses[:5])), float(np.mean(self.losses[-5:]))
        rewards = self.grpo_rewards
        w = min(self.window, max(1, len(rewards) // 2))
        out = [f"SFT loss: {first:.2f} (first 5 steps) -> {last:.2f} (last 5), {len(self.losses)} steps, "
               f"{self.seconds.get('sft', 0):.0f} s",
               f"sampled first turns with a parseable clip call inside the video: {self.before['clip']:.0%} before SFT, "
               f"{self.after['clip']:.0%} after",
               f"sampled code turns with a parseable submit_code page (whole document): {self.before['page']:.0%} "
               f"before SFT, {self.after['page']:.0%} after"]
        if rewards:
            out += [f"GRPO (multi-turn tool env) from the SFT checkpoint, {len(rewards)} steps "
                    f"({self.seconds.get('grpo', 0):.0f} s): rewards {', '.join(f'{r:.3f}' for r in rewards)}",
                    f"  not all zero: {any(r > 0 for r in rewards)}; mean of first {w} {np.mean(rewards[:w]):.3f}, "
                    f"of last {w} {np.mean(rewards[-w:]):.3f}"]
        return out


def code_tasks(count: int, seed: int) -> list:
    """Generated code tasks with short oracle pages: difficulty 1, oracle in CSS keyframes."""
    source = AnimationTaskSource(seed, AnimationConfig(difficulties=(1,), cheat_techniques=("css_keyframes",)))
    return list(islice(iter(source), count))


def _generate(model: Any, processor: Any, messages: list, tools: list, samples: int, temperature: float,
              max_new_tokens: int) -> list[str]:
    import torch

    inputs = processor.apply_chat_template(messages, tools=tools, add_generation_prompt=True, tokenize=True,
                                           return_dict=True, return_tensors="pt")
    with torch.no_grad():
        output = model.generate(**inputs, do_sample=True, temperature=temperature, max_new_tokens=max_new_tokens,
                                num_return_sequences=samples)
    return processor.tokenizer.batch_decode(output[:, inputs["input_ids"].shape[1]:], skip_special_tokens=True)


def _clip_ok(text: str, duration_s: float) -> bool:
    action = parse_action(text)
    return isinstance(action, ClipRequest) and all(0 <= s.start < s.end <= duration_s for s in action.segments)


def _page_ok(text: str) -> bool:
    action = parse_action(text)
    html = action.html.lower() if isinstance(action, Code) else ""
    return "submit_code" in text and "<html" in html and "</html>" in html


def sampled_shares(model_dir: str | Path, dataset: Any, config: SFTBenchmarkConfig) -> tuple[dict[str, float], dict]:
    """Shares of sampled first turns with a good clip call and of code turns with a whole page (see the module doc)."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    torch.manual_seed(config.seed)
    model = AutoModelForImageTextToText.from_pretrained(model_dir).eval()
    processor = AutoProcessor.from_pretrained(model_dir)
    clips, pages, example = [], [], {}
    for row in dataset:
        messages = fill_frames(row)["messages"]
        tools = json.loads(row["tools"])
        duration = json.loads(row["task"])["duration_s"]
        page_tokens = len(processor.tokenizer.encode(messages[-1]["tool_calls"][0]["function"]["arguments"]))
        first = _generate(model, processor, messages[:2], tools, config.samples, config.temperature, 96)
        code = _generate(model, processor, messages[:-1], tools, config.samples, config.temperature,
                         int(page_tokens * 1.3) + 32)
        clips += [_clip_ok(t, duration) for t in first]
        pages += [_page_ok(t) for t in code]
        example = example or {"first_turn": first[0][:400], "code_turn": code[0][:600]}
    return {"clip": float(np.mean(clips)), "page": float(np.mean(pages))}, example


def run_sft_benchmark(config: SFTBenchmarkConfig | None = None, out: str | Path | None = None) -> SFTBenchmarkResult:
    """SFT the tiny model on generated code tasks, sample before and after, then GRPO from the checkpoint."""
    import torch

    cfg = config or SFTBenchmarkConfig()
    torch.set_num_threads(cfg.threads)
    tasks = code_tasks(cfg.tasks, cfg.seed)
    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="v2c-sft-bench-") as tmp, make_backend("local", browsers=2) as backend:
        root = Path(out or tmp)
        base = build_tiny_vlm(default_tiny_vlm_dir())
        started = time.perf_counter()
        dataset = build_sft_dataset(tasks, SFTDataConfig(limit=None, seed=cfg.seed), backend=backend)
        seconds["data"] = time.perf_counter() - started
        before, _ = sampled_shares(base, dataset, cfg)
        train = TrainConfig(method="sft", model=str(base))
        sft = run_sft(train, sft_config(train, max_steps=cfg.sft_steps, per_device_train_batch_size=cfg.sft_batch,
                                        learning_rate=cfg.sft_learning_rate, seed=cfg.seed, output_dir=str(root / "sft"),
                                        save_strategy="no", disable_tqdm=True, report_to="none"), dataset=dataset)
        seconds["sft"] = sft.seconds
        after, examples = sampled_shares(sft.model_dir, dataset, cfg)
        grpo_rewards: list[float] = []
        if cfg.grpo_steps:
            rl = TrainConfig(model=str(sft.model_dir), multi_turn=True, num_tasks=cfg.tasks, save_model=False)
            rows = build_dataset(tasks, config=DatasetConfig(tools=True), backend=backend)
            page_tokens = max(len(json.dumps(t.cheat().html)) for t in tasks)  # characters bound the tokens
            result = run_train(rl, grpo_config(rl, max_steps=cfg.grpo_steps, learning_rate=cfg.grpo_learning_rate,
                                               per_device_train_batch_size=cfg.grpo_generations,
                                               num_generations=cfg.grpo_generations, seed=cfg.seed,
                                               max_completion_length=page_tokens + 1024, max_tool_calling_iterations=4,
                                               temperature=cfg.temperature, output_dir=str(root / "grpo"),
                                               save_strategy="no", disable_tqdm=True, report_to="none"),
                               backend=backend, dataset=rows)
            grpo_rewards, seconds["grpo"] = result.rewards, result.seconds
    return SFTBenchmarkResult(losses=sft.losses, before=before, after=after, grpo_rewards=grpo_rewards,
                              seconds=seconds, window=cfg.window, examples=examples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = SFTBenchmarkConfig()
    for name in ("tasks", "sft_steps", "sft_batch", "samples", "threads", "grpo_steps", "grpo_generations", "seed"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    for name in ("sft_learning_rate", "grpo_learning_rate", "temperature"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    args = parser.parse_args()
    result = run_sft_benchmark(SFTBenchmarkConfig(**{k: v for k, v in vars(args).items()}))
    print("\n".join(result.lines()))
    print("example after SFT:", json.dumps(result.examples)[:1200])
    return 0


if __name__ == "__main__":
    sys.exit(main())
