"""`v2c weights check|download`: the model weights a reward config needs, where they go, and fetching them.

Each score declares the models it loads under a config (`register_score(..., weights=...)`: DreamSim for the
`dreamsim` appearance backend, one variant, `AppearanceConfig.dreamsim_variant`; CoTracker3 for the
`cotracker3` temporal backend), in `RewardConfig.model_cache_dir` (`~/.cache/v2c/models`) in the libraries'
own layouts. The default config's scores are embedded and need none; `paper` (Animation2Code's metrics)
needs both. A registered score of your own shows here by declaring its weights the same way.

`check` only looks at files, so it works offline. `download` goes through the same loading code the
scores use, with downloads allowed: dreamsim fetches its release zip (and DINO through torch.hub),
torch.hub clones CoTracker3 and its checkpoint. It needs GitHub and Hugging Face, so it is not
exercised by the tests (their machines have neither); `check` is, against a cache built in the real
layout. `v2c score --config paper` checks first and, with weights missing, stops with `check`'s
message instead of a download attempt's traceback.
"""
from __future__ import annotations

import argparse
from dataclasses import replace

from v2c.rewards.config import RewardConfig
from v2c.rewards.model_weights import WeightSet
from v2c.rewards.registry import weight_sets as declared_weights

DOWNLOAD_COMMAND = "v2c weights download paper"


def weight_sets(config: RewardConfig) -> list[WeightSet]:
    """The models `config`'s scores load, each with the files its cache lacks (none for embedded scores)."""
    return [weight_set for name in config.weights for weight_set in declared_weights(name, config)]


def missing_message(sets: list[WeightSet]) -> str | None:
    """One message naming every missing file, where it goes and the command that fetches it; None when complete."""
    lacking = [s for s in sets if s.missing]
    if not lacking:
        return None
    lines = ["model weights are missing:"]
    lines += [f"  {s.name}: {', '.join(s.missing)} in {s.cache_dir}" for s in lacking]
    return "\n".join(lines + [FETCH_HINT])


FETCH_HINT = (f"fetch them on a machine with internet: `{DOWNLOAD_COMMAND}` "
              "(then copy the folder to this machine if it is offline)")


def require(config: RewardConfig) -> None:
    """Exit with `missing_message` when `config` needs weights that are not there."""
    message = missing_message(weight_sets(config))
    if message:
        raise SystemExit(f"error: {message}")


def download(config: RewardConfig) -> None:
    """Fetch what `config` needs by loading each model once with downloads allowed (needs internet)."""
    for weight_set in weight_sets(config):
        if weight_set.missing:
            print(f"downloading {weight_set.name} into {weight_set.cache_dir} ...", flush=True)
            weight_set.download()


def add_weights_parser(sub: argparse._SubParsersAction) -> None:
    """Register `weights` on the `v2c` subparsers (its line in `v2c --help` is in `v2c.cli.COMMANDS`)."""
    parser = sub.add_parser("weights")
    parser.add_argument("action", choices=("check", "download"), help="check: report what is missing (offline); "
                        "download: fetch it (needs GitHub and Hugging Face)")
    parser.add_argument("config", nargs="?", choices=("default", "paper"), default="paper",
                        help="the reward config whose weights to check or fetch (default: paper)")
    parser.add_argument("--cache-dir", default=None, help=f"weight folder (default {RewardConfig().model_cache_dir})")
    parser.add_argument("--dreamsim-variant", default=None, help="DreamSim variant (default ensemble)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = RewardConfig.named(args.config)
    if args.cache_dir is not None:
        config = replace(config, model_cache_dir=args.cache_dir)
    if args.dreamsim_variant is not None:
        appearance = replace(config.score_options("appearance"), dreamsim_variant=args.dreamsim_variant)
        config = config.with_options(appearance=appearance)
    if args.action == "download":
        download(config)
    sets = weight_sets(config)
    if not sets:
        print(f"the {args.config} config's scores are embedded: no model weights needed")
        return 0
    for weight_set in sets:
        state = "missing " + ", ".join(weight_set.missing) if weight_set.missing else "ok"
        print(f"{weight_set.name}: {state} (in {weight_set.cache_dir})")
    if any(weight_set.missing for weight_set in sets):
        print(FETCH_HINT)
        return 1
    return 0
