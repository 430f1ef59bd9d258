"""`v2c train` and `v2c eval`: argument parsing only; the work is in `v2c.agents.train` and `v2c.agents.evaluate`.

`v2c train` takes every `TrainConfig` field as `--field-name` (booleans as `--x/--no-x`, sizes as
`WxH`, `none` for an unset optional). `v2c eval --agent NAME [--agent NAME ...] --tasks SOURCE
[--limit N] --out DIR`.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import MISSING, fields
from typing import Any


def size_argument(text: str) -> tuple[int, int]:
    """A `WxH` option (`v2c.envs.tasks.loading.parse_size`) with argparse's error type."""
    from v2c.envs.tasks.loading import parse_size

    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _optional(convert):
    def parse(text: str):
        return None if text.lower() in ("none", "auto") else convert(text)
    return parse


def _field_type(annotation: Any) -> tuple[Any, bool]:
    """(converter, optional) for a dataclass field annotation (strings under `from __future__ import annotations`)."""
    text = str(annotation)
    optional = "None" in text
    if "tuple" in text:
        return size_argument, optional
    for name, convert in (("bool", _bool), ("int", int), ("float", float), ("str", str)):
        if text.startswith(name) or f"{name} |" in text:
            return convert, optional
    return str, optional


def add_dataclass_arguments(parser: argparse.ArgumentParser, cls: type) -> None:
    """One `--field-name` option per field of `cls`, with its help text and default."""
    for f in fields(cls):
        convert, optional = _field_type(f.type)
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        flag = "--" + f.name.replace("_", "-")
        help_text = f.metadata.get("help", "") + f" (default: {default})"
        if convert is _bool and not optional:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default, help=help_text)
        else:
            parser.add_argument(flag, type=_optional(convert) if optional else convert, default=default,
                                help=help_text, dest=f.name)


def cmd_train(args: argparse.Namespace) -> int:
    from .train import TrainConfig, run_train

    config = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)})
    result = run_train(config)
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
                        reward=args.reward, seed=args.seed, videos=not args.no_videos)
    rows = run_eval(config)
    print(summary_table(summarise(rows)))
    print(f"results.json, results.csv and report.html are in {config.out}/")
    return 0


def add_agent_parsers(sub: Any) -> None:
    """Register `train` and `eval` on the `v2c` subparsers."""
    from .train import TrainConfig

    train = sub.add_parser("train", help="GRPO-train a VLM on a task source with the v2c rewards (TRL)")
    add_dataclass_arguments(train, TrainConfig)
    train.set_defaults(func=cmd_train)

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
    evaluate.set_defaults(func=cmd_eval)
