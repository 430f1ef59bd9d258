"""Memory of `make_vector_env("v2c/Animation-v0", N, asynchronous=True)` after one step, two ways:

  own   each worker process starts its own renderer pool (what happens without a shared backend)
  ray   every worker scores on one Ray backend (`make_backend("ray")`: `--workers` actors of `--browsers`
        browsers each), through its `episode_scorer()`

After `reset` and one step (every copy submits the same built-in page: a real render and score), it
prints the resident memory of the whole process tree — this process and every descendant: the env
workers, Ray's own processes, the browsers — split into Chromium and the rest, with process counts.
Run each mode in its own process (the figures are of the tree):

    python benchmarks/vector_memory.py --mode own --envs 4
    python benchmarks/vector_memory.py --mode ray --envs 4 --workers 1
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402

from v2c.envs.tasks import load_tasks  # noqa: E402
from v2c.envs.video_to_code import make_vector_env  # noqa: E402

SETTINGS = {"max_steps": 4, "max_frames": 8, "obs_size": (128, 96)}


def tree_rss_mb() -> tuple[dict[str, float], dict[str, float]]:
    """RSS of this process and its descendants (MB), Chromium apart, with the process counts; and the RSS
    of the other processes by name."""
    out = {"chromium_mb": 0.0, "chromium_n": 0, "other_mb": 0.0, "other_n": 0}
    by_name: dict[str, float] = {}
    for process in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        try:
            name, rss = process.name(), process.memory_info().rss / 2**20
        except psutil.Error:
            continue
        kind = "chromium" if "chrom" in name or "headless" in name else "other"
        out[f"{kind}_mb"] += rss
        out[f"{kind}_n"] += 1
        if kind == "other":
            by_name[name] = by_name.get(name, 0.0) + rss
    return out, by_name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("own", "ray"), required=True)
    parser.add_argument("--envs", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="Ray scoring actors (--mode ray)")
    parser.add_argument("--browsers", type=int, default=1, help="browsers per actor (--mode ray)")
    args = parser.parse_args()
    page = load_tasks("builtin:animations").take(1)[0].cheat().html
    backend, kwargs = None, dict(SETTINGS)
    if args.mode == "ray":
        from v2c.rewards.backend import make_backend
        from v2c.rewards.ray_pool import connect

        connect(include_dashboard=False, log_to_driver=False)
        backend = make_backend("ray", workers=args.workers, browsers=args.browsers)
        kwargs["backend"] = backend
    vector = make_vector_env("v2c/Animation-v0", args.envs, asynchronous=True, **kwargs)
    try:
        vector.reset(seed=list(range(args.envs)))
        _, rewards, *_ = vector.step([page] * args.envs)
        m, by_name = tree_rss_mb()
    finally:
        vector.close()
        if backend is not None:
            backend.close()
    total = m["chromium_mb"] + m["other_mb"]
    shape = f"{args.workers} worker(s) x {args.browsers} browser(s)" if backend else "a pool per env worker"
    print(f"{args.envs} async envs, {args.mode} ({shape}), after one step: {total:.0f} MB in "
          f"{m['chromium_n'] + m['other_n']} processes = chromium {m['chromium_mb']:.0f} MB ({m['chromium_n']}) + "
          f"python/ray {m['other_mb']:.0f} MB ({m['other_n']}); rewards {[round(float(r), 3) for r in rewards]}")
    print("  the rest by process name (MB): " + ", ".join(f"{n} {v:.0f}" for n, v in sorted(by_name.items(),
                                                                                           key=lambda i: -i[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
