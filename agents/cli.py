"""`v2c train`, `v2c data sft` and `v2c eval`: argument parsing only; the work is in `v2c.agents.train`,
`v2c.agents.sft`, `v2c.agents.sft_data` and `v2c.agents.evaluate`.

`v2c train` takes every `TrainConfig` field and every `trl.GRPOConfig` field (with `--method sft`, every
`trl.SFTConfig` field) as `--field_name` (`trl.TrlParser`; `--config run.yaml` for a file of them).
`v2c data sft SOURCE --out DIR [--seed N --limit N]`. `v2c eval --agent NAME [--agent NAME ...]
--tasks SOURCE [--limit N] --out DIR [--backend ray --workers N --ray-address ADDRESS]`.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any, Sequence

from v2c.render.config import parse_raster_scale


def parse_train_args(argv: Sequence[str]) -> tuple[Any, Any]:
    """`v2c train` flags (and `--config run.yaml`) → (`TrainConfig`, `trl.GRPOConfig` or, with `--method sft`,
    `trl.SFTConfig`), through `trl.TrlParser`.

    Parsed twice: the trainer's config class and the defaults v2c sets for TRL (`trainer_defaults`) depend on
    the method and the model (the tiny one, LoRA), which the first pass reads from v2c's own settings alone;
    flags and the YAML file override them either way."""
    from v2c.rewards.model_weights import ensure_torchvision_importable

    ensure_torchvision_importable()  # trl imports transformers' trainer, which imports torchvision
    from trl import GRPOConfig, SFTConfig, TrlParser

    from .train import TrainConfig, trainer_defaults

    argv = list(argv)
    ours = [a for a in argv if a not in ("-h", "--help")]  # --help belongs to the second pass, which lists both
    first = TrlParser((TrainConfig,)).parse_args_and_config(ours, return_remaining_strings=True)[0]
    sft = first.method == "sft"
    made = TrlParser((TrainConfig, SFTConfig if sft else GRPOConfig), prog="v2c train",
                     usage="%(prog)s [-h] [--method {grpo,sft}] [--config run.yaml] [--OPTION VALUE ...]",
                     description=("SFT-train a VLM on `v2c data sft` conversations (--method sft)" if sft else
                                  "GRPO-train a VLM on a task source with the v2c rewards") + ". v2c's settings come "
                                 f"first, then every trl.{'SFTConfig' if sft else 'GRPOConfig'} option "
                                 "(`--method sft --help` lists SFTConfig's).")
    made.set_defaults(**trainer_defaults(first))
    *configs, from_file, from_flags = made.parse_args_and_config(argv, return_remaining_strings=True,
                                                                 separate_remaining_strings=True)
    # Unknown options end in one line naming them, not in TRL's ValueError traceback.
    if from_file:  # TRL hands back each key of the file it has no field for as `--key value`
        made.error(f"unknown key(s) in {argv[argv.index('--config') + 1]}: "
                   f"{', '.join(key[2:] for key in from_file[::2])}; `v2c train --help` lists the valid options")
    if from_flags:
        made.error(f"unrecognized arguments: {' '.join(from_flags)}; `v2c train --help` lists the valid options")
    try:
        configs[0].reward_config()
    except (ValueError, TypeError) as error:  # json.JSONDecodeError is a ValueError
        made.error(f"--reward_options: {error}")
    return tuple(configs)


def cmd_train(args: argparse.Namespace) -> int:
    config, trainer_args = parse_train_args(args.trainer_args)
    if config.method == "sft":
        from .sft import run_sft as run
    else:
        from .train import run_train as run
    result = run(config, trainer_args)
    curve, name = (result.losses, "loss") if config.method == "sft" else (result.rewards, "reward")
    first, last = (curve[:1] or [0.0])[0], (curve[-1:] or [0.0])[0]
    print(json.dumps({"method": config.method, "output_dir": str(result.output_dir),
                      "model_dir": str(result.model_dir) if result.model_dir else None, "steps": len(curve),
                      "seconds": round(result.seconds, 1), "steps_per_s": round(result.steps_per_s, 3),
                      f"first_{name}": round(first, 4), f"last_{name}": round(last, 4)}))
    return 0


def cmd_data_sft(args: argparse.Namespace) -> int:
    from v2c.rewards.backend import make_backend

    from .sft_data import SFTDataConfig, build_sft_dataset, save_sft_dataset

    config = SFTDataConfig(limit=args.limit, seed=args.seed, fps=args.fps, max_frames=args.max_frames)
    with make_backend("local", browsers=3) as backend:
        dataset = build_sft_dataset(args.source, config, backend=backend)
    out = save_sft_dataset(dataset, args.out)
    kinds = dict(sorted(Counter(dataset["kind"]).items()))
    print(json.dumps({"out": str(out), "conversations": len(dataset), "by_kind": kinds, "card": str(out / "README.md")}))
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
    """Register `train`, `data` and `eval` on the `v2c` subparsers (their lines in `v2c --help` are in
    `v2c.cli.COMMANDS`)."""
    # Its flags are TrlParser's (TrainConfig + GRPOConfig): everything after `train` goes there, --help too.
    train = sub.add_parser("train", add_help=False)
    train.set_defaults(func=cmd_train, takes_trainer_args=True)

    data = sub.add_parser("data").add_subparsers(dest="data_command", required=True)
    sft = data.add_parser("sft", help="Video2Code's action-aligned SFT conversations (a HF dataset + its card)")
    sft.add_argument("source", help="task source: builtin:animations, builtin:interactions, template:pick, a path, ...")
    sft.add_argument("--out", required=True, help="output folder (datasets.load_from_disk reads it; README.md: the card)")
    sft.add_argument("--seed", type=int, default=0, help="wording, row order, and generated sources without ?seed=")
    sft.add_argument("--limit", type=int, default=32, help="tasks taken from the source (default 32)")
    sft.add_argument("--fps", type=float, default=2.0, help="rate of the coarse pass (default 2, as --fps of train)")
    sft.add_argument("--max-frames", type=int, default=8, help="frames of the coarse pass and of each clip at most "
                                                               "(default 8, as --max_frames of train)")
    sft.set_defaults(func=cmd_data_sft)

    evaluate = sub.add_parser("eval")
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
