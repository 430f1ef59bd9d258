"""Env throughput: steps/s with a scripted agent for 1, 2 and 4 envs, sync and async vectors.

The scripted agent alternates a clip request, the oracle page and a blank page (two renders and
scores per three steps), on built-in animation tasks. Printed as a ratio against a single env
measured in the same run. On 2 cores the renders dominate; expect async vectors to help only as far
as the cores allow.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import v2c.envs  # noqa: E402,F401
from v2c.envs.video_to_code import make_vector_env  # noqa: E402

SETTINGS = {"max_steps": 3, "max_frames": 8, "obs_size": (128, 96)}
SCRIPT = ('{"segments": [{"start": 0.5, "end": 1.0}]}', "oracle", "<!doctype html><html><body></body></html>")


def actions_for(vector, step: int) -> list[str]:
    action = SCRIPT[step % len(SCRIPT)]
    if action != "oracle":
        return [action] * vector.num_envs
    return [task.cheat().html for task in vector.get_attr("task")]


def steps_per_second(num_envs: int, asynchronous: bool, steps: int) -> float:
    vector = make_vector_env("v2c/Animation-v0", num_envs, asynchronous=asynchronous, **SETTINGS)
    try:
        vector.reset(seed=list(range(num_envs)))
        vector.step(actions_for(vector, 0))  # warm-up: browsers started
        started = time.perf_counter()
        for step in range(steps):
            vector.step(actions_for(vector, step))
        return steps * num_envs / (time.perf_counter() - started)
    finally:
        vector.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=9, help="vector steps per measurement")
    args = parser.parse_args()
    single = steps_per_second(1, asynchronous=False, steps=args.steps)
    print(f"{'envs':>5} {'vector':>7} {'steps/s':>9} {'vs 1 env':>9}")
    print(f"{1:>5} {'-':>7} {single:9.2f} {1.0:9.2f}x")
    for num_envs in (2, 4):
        for asynchronous in (False, True):
            rate = steps_per_second(num_envs, asynchronous, args.steps)
            print(f"{num_envs:>5} {'async' if asynchronous else 'sync':>7} {rate:9.2f} {rate / single:9.2f}x")
    return 0 if np.isfinite(single) else 1


if __name__ == "__main__":
    sys.exit(main())
