"""`v2c train` and `v2c eval`: argument parsing only; the work is in `v2c.agents.train` and `v2c.agents.evaluate`.

`v2c train` takes every `TrainConfig` field and every `trl.GRPOConfig` field as `--field_name`
(`trl.TrlParser`; `--config run.yaml` for a file of them). `v2c eval --agent NAME [--agent NAME ...]
--tasks SOURCE [--limit N] --out DIR [--backend ray --workers N --ray-address ADDRESS]`.
"""
from __future__ import annotations

import argparse
import json
from typing import Any, Sequence

from v2c.render.config import parse_raster_scale


def parse_train_args(argv: Sequence[str]) -> tuple[Any, Any]:
    """`v2c train` flags (and `--config run.yaml`) → (`TrainConfig`, `trl.GRPOConfig`), through `trl.TrlParser`.

    Parsed twice: the defaults v2c sets for TRL (`trainer_defaults`) depend on the model (the tiny one,
    LoRA), which the first pass reads; flags and the YAML file override them either way."""
    from v2c.rewards.model_weights import ensure_torchvision_importable

    ensure_torchvision_importable()  # trl imports transformers' trainer, which imports torchvision
    from trl import GRPOConfig, TrlParser

    from .train import TrainConfig, trainer_defaults

    def parser(defaults: dict[str, Any]) -> Any:
        made = TrlParser((TrainConfig, GRPOConfig), prog="v2c train",
                         description="GRPO-train a VLM on a task source with the v2c rewards. v2c's settings come "
                                     "first, then every trl.GRPOConfig option.")
        made.set_defaults(**defaults)
        return made

    first, _ = parser(trainer_defaults()).parse_args_and_config(list(argv))
    return tuple(parser(trainer_defaults(first)).parse_args_and_config(list(argv)))


def cmd_train(args: argparse.Namespace) -> int:
    from .train import run_train

    config, grpo = parse_train_args(args.trainer_args)
    result = run_train(config, grpo)
    first, last = (result.rewards[:1] or [0.0])[0], (result.rewards[-1:] or [0.0])[0]
    print(json.dumps({"output_dir": str(result.output_dir), "model_dir": str(result.model_dir) if result.model_dir
                      else None, "steps": len(result.rewards), "seconds": round(result.seconds, 1),
                      "steps_per_s": round(result.steps_per_s, 3), "first_reward": round(first, 4),
                      "last_reward": round(last, 4)}))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import EvalConfig, run_eval, summarise, summary_table

    agents = tuple(name for value in args.agent for name in value.split(",") if name)
    config = EvalConfig(agents=agents, tasks=args.tasks, limit=args.limit, out=args.out, mode=args.mode,
                        max_new_tokens=args.max_new_tokens, temperature=args.temperature, max_steps=args.max_steps,
                        reward=args.reward, seed=args.seed, videos=not args.no_videos, raster_scale=args.raster_scale,
                        backend=args.backend, workers=args.workers, ray_address=args.ray_address)
    rows = run_eval(config)
    print(summary_table(summarise(rows)))
    print(f"results.json, results.csv and report.html are in {config.out}/")
    return 0


def add_agent_parsers(sub: Any) -> None:
    """Register `train` and `eval` on the `v2c` subparsers."""
    # Its flags are TrlParser's (TrainConfig + GRPOConfig): everything after `train` goes there, --help too.
    train = sub.add_parser("train", add_help=False, help="GRPO-train a VLM on a task source with the v2c rewards "
                                                         "(TRL; `v2c train --help` lists every GRPOConfig option)")
    train.set_defaults(func=cmd_train, takes_trainer_args=True)

    evaluate = sub.add_parser("eval", help="run agents on a task source; write results.json/.csv and report.html")
    evaluate.add_argument("--agent", action="append", required=True,
                          help="oracle, blank, first-frame, random, tiny, hf:MODEL, openai:MODEL "
                               "(repeat the flag or comma-separate)")
    evaluate.add_argument("--tasks", required=True, help="task source: builtin:animations, template:pick, a path, ...")
    evaluate.add_argument("--limit", type=int, default=8, help="tasks taken from the source (default 8)")
    evaluate.add_argument("--out", required=True, help="output folder")
    evaluate.add_argument("--mode", choices=("frames", "video", "revisit"), help="prompt setting of model agents")
    evaluate.add_argument("--max-new-tokens", type=int, help="tokens per model turn")
    evaluate.add_argument("--temperature", type=float, help="sampling temperature of model agents (default greedy)")
    evaluate.add_argument("--max-steps", type=int, default=4, help="actions per episode (default 4)")
    evaluate.add_argument("--reward", choices=("default", "paper"), default="default", help="reward config")
    evaluate.add_argument("--seed", type=int, default=0, help="episode seed")
    evaluate.add_argument("--no-videos", action="store_true", help="skip the mp4s (the report then has no videos)")
    evaluate.add_argument("--raster-scale", type=parse_raster_scale, default=None,
                          help="device pixels per CSS pixel of every render (default auto: longer side at most 512)")
    evaluate.add_argument("--backend", choices=("local", "ray"), default="local",
                          help="where pages render: local browsers, or a Ray scoring pool's actors (default local)")
    evaluate.add_argument("--workers", type=int, default=2, help="Ray scoring actors with --backend ray (default 2)")
    evaluate.add_argument("--ray-address", default=None,
                          help="Ray cluster to join with --backend ray: auto, ray://HEAD:10001 (default: start one "
                               "here, or $RAY_ADDRESS)")
    evaluate.set_defaults(func=cmd_eval)
