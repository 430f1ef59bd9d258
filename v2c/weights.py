"""`v2c weights check|download`: the model weights a reward config needs, where they go, and fetching them.

The default config's scores are embedded and need no weights. `paper` (Animation2Code's metrics)
needs DreamSim (one variant: `RewardConfig.dreamsim_variant`) and CoTracker3, in
`RewardConfig.model_cache_dir` (`~/.cache/v2c/models`) in the libraries' own layouts:
`rewards.appearance.dreamsim_missing_files` and `rewards.tracks.CoTrackerTracker.FILES` list them.

`check` only looks at files, so it works offline. `download` goes through the same loading code the
scores use, with downloads allowed: dreamsim fetches its release zip (and DINO through torch.hub),
torch.hub clones CoTracker3 and its checkpoint. It needs GitHub and Hugging Face, so it is not
exercised by the tests (their machines have neither); `check` is, against a cache built in the real
layout. `v2c score --config paper` checks first and, with weights missing, stops with `check`'s
message instead of a download attempt's traceback.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from v2c.rewards.config import RewardConfig

DOWNLOAD_COMMAND = "v2c weights download paper"


@dataclass(frozen=True)
class WeightSet:
    """The files one model needs, and which of them the cache lacks."""

    name: str
    """The model, as the message names it (e.g. "DreamSim (ensemble)")."""
    cache_dir: Path
    """Where its files go."""
    missing: tuple[str, ...]
    """Paths relative to `cache_dir` that are not there."""


def weight_sets(config: RewardConfig) -> list[WeightSet]:
    """The models `config`'s scores load, each with the files its cache lacks (none for embedded scores)."""
    cache_dir = Path(config.model_cache_dir).expanduser()
    sets = []
    if config.backend("appearance", "labssim") == "dreamsim":
        from v2c.rewards.appearance import dreamsim_missing_files

        missing = dreamsim_missing_files(cache_dir, config.dreamsim_variant)
        sets.append(WeightSet(f"DreamSim ({config.dreamsim_variant})", cache_dir, tuple(missing)))
    if config.backend("temporal", "flow") == "cotracker3":
        from v2c.rewards.tracks import CoTrackerTracker

        missing = [f for f in CoTrackerTracker.FILES if not (cache_dir / f).is_file()]
        sets.append(WeightSet("CoTracker3 (offline model)", cache_dir, tuple(missing)))
    return sets


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
    import numpy as np

    sets = {s.name for s in weight_sets(config) if s.missing}
    if config.backend("appearance", "labssim") == "dreamsim" and any(name.startswith("DreamSim") for name in sets):
        from v2c.rewards.appearance import DreamSimEmbedder

        print(f"downloading DreamSim ({config.dreamsim_variant}) into {config.model_cache_dir} ...", flush=True)
        DreamSimEmbedder(config.dreamsim_variant, cache_dir=config.model_cache_dir, offline=False).embed(
            np.zeros((1, 224, 224, 3), np.uint8))
    if config.backend("temporal", "flow") == "cotracker3" and any(name.startswith("CoTracker3") for name in sets):
        from v2c.rewards.tracks import CoTrackerTracker

        print(f"downloading CoTracker3 into {config.model_cache_dir} ...", flush=True)
        CoTrackerTracker(cache_dir=config.model_cache_dir, offline=False).track(np.zeros((2, 64, 64, 3), np.uint8))


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
    overrides = {k: v for k, v in (("model_cache_dir", args.cache_dir), ("dreamsim_variant", args.dreamsim_variant))
                 if v is not None}
    config = RewardConfig.named(args.config)
    config = RewardConfig(**{**config.__dict__, **overrides}) if overrides else config
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
