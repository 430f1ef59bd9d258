"""Scale-out overhead: what the Ray pool and the OpenEnv server add per candidate over the local scorer.

Measured in one run, on the same built-in tasks and candidate pages (their oracle plus variants); the three
paths take turns candidate by candidate after one warm-up candidate each, and medians are printed:
  local     `RewardScorer` over a 1-browser `LocalRendererPool`, one candidate at a time (reference prepared)
  ray       `RayScoringPool` with 1 worker of 1 browser, one candidate at a time (reference prepared)
  server    `v2c serve --browsers 1` in a subprocess, one `V2CEnv.step` at a time (the step also encodes frames)
  group     every candidate of the group at once on 1 and on 2 Ray workers: candidates per second
  bytes     what one candidate of an env's episode sends back over Ray (pickled): a whole render through
            `pool.render_backend()` (the env scored it itself) against the breakdown and the render at the
            env's `obs_size` through `pool.episode_scorer()`
  a2c       the local per-candidate cost at Animation2Code's setting (1024×768, 30 fps, 5 s), and from it the
            cores a GRPO step of 64 candidates needs to finish in 10 s
Goal: ray / local and server / local ≤ 1.15 on one machine. Timings from a shared, loaded machine
vary run to run; the ratios are measured side by side.

    python benchmarks/scale.py --quick     # 1 task, 3 candidates, 1 a2c candidate (~3 min on 2 loaded cores)
    python benchmarks/scale.py             # 2 tasks, 6 candidates, 3 a2c candidates
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import pickle
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from v2c.envs.config import EnvConfig  # noqa: E402
from v2c.envs.tasks import load_tasks  # noqa: E402
from v2c.render import LocalRendererPool, RenderConfig  # noqa: E402
from v2c.rewards import Reference, RewardConfig, RewardScorer  # noqa: E402

GRPO_CANDIDATES, STEP_BUDGET_S = 64, 10.0


def candidate_pages(task, n: int) -> list[str]:
    """The oracle and variants of it that differ in content (so no cache can answer twice)."""
    html = task.cheat().html
    return [html if i == 0 else html.replace("</body>", f"<p style='margin:{i}px'>v{i}</p></body>") for i in range(n)]


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def start_ray():
    import ray

    if not ray.is_initialized():
        ray.init(address=os.environ.get("RAY_ADDRESS"), num_cpus=None if os.environ.get("RAY_ADDRESS") else 2,
                 include_dashboard=False, log_to_driver=False)
    return ray


def serve(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "v2c.cli", "serve", "--port", str(port), "--browsers", "1",
                                "--max-sessions", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5)
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("the server did not start within 120 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1 task, 3 candidates, 1 a2c candidate")
    args = parser.parse_args()
    n_tasks, n_pages, n_a2c = (1, 3, 1) if args.quick else (2, 6, 3)
    from v2c.rewards.ray_pool import RayPoolConfig, RayScoringPool
    from v2c.server.client import V2CEnv
    from v2c.server.models import V2CAction

    tasks = load_tasks("builtin:animations").take(n_tasks)
    config, render = RewardConfig(), RenderConfig()
    rows: dict[str, list[float]] = {"local": [], "ray": [], "server": []}
    ray = start_ray()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = serve(port)
    try:
        with LocalRendererPool(1, config=render) as pool, \
                RayScoringPool(config, RayPoolConfig(workers=1, render=render)) as remote, \
                V2CEnv(f"http://127.0.0.1:{port}", message_timeout_s=300).sync() as env:
            local = RewardScorer(config, renderer=pool)
            paths = {"local": lambda ref, page: local.score(ref, page),
                     "ray": lambda ref, page: remote.score_many_sync(ref, [page]),
                     "server": lambda ref, page: env.step(V2CAction(text=page))}
            for task in tasks:
                reference = task.to_reference()
                env.reset(task_id=task.id)
                pages = candidate_pages(task, n_pages + 1)
                for path in paths.values():  # warm-up: the reference prepared, one candidate rendered
                    path(reference, pages[0])
                for page in pages[1:]:  # the three paths take turns, so the machine's load drifts over all alike
                    for name, path in paths.items():
                        rows[name].append(timed(lambda: path(reference, page)))

            page, reference = candidate_pages(tasks[0], 2)[1], tasks[0].to_reference()
            key = reference.key()
            sent = {"render_backend": ray.get(remote.actor(0).render.remote(
                        page, reference.duration_s, reference.fps, reference.viewport, [])),
                    "episode_scorer": ray.get(remote.actor(0).evaluate_episode.remote(
                        reference, key, page, EnvConfig().obs_size))}
            sent_bytes = {name: len(pickle.dumps(result)) for name, result in sent.items()}

            a2c = Reference(page=tasks[0].page, duration_s=5.0, fps=30.0, viewport=(1024, 768))
            local.prepare(a2c)
            a2c_s = statistics.median(timed(lambda: local.score(a2c, p)) for p in candidate_pages(tasks[0], n_a2c))
    finally:
        server.terminate()
        server.wait(timeout=30)

    throughput = {}
    group = [(t.to_reference(), p) for t in tasks for p in candidate_pages(t, n_pages)]
    for workers in (1, 2):
        # max_in_flight=1 spreads one reference's candidates over every worker (each prepares it once).
        with RayScoringPool(config, RayPoolConfig(workers=workers, render=render, max_in_flight=1)) as remote:
            async def all_at_once() -> float:
                started = time.perf_counter()
                await asyncio.gather(*(remote.score(r, p) for r, p in group))
                return time.perf_counter() - started
            asyncio.run(all_at_once())  # warm-up: every worker prepares the references
            throughput[workers] = len(group) / asyncio.run(all_at_once())
    ray.shutdown()

    local_s = statistics.median(rows["local"])
    print(f"per candidate, one at a time, {n_tasks} task(s) x {n_pages} candidates (512x384, task fps):")
    for name, values in rows.items():
        median = statistics.median(values)
        print(f"  {name:7s} {median * 1000:8.1f} ms (median)   x{median / local_s:.2f} of local")
    print(f"bytes back per env candidate over Ray: render_backend {sent_bytes['render_backend'] / 1e6:.2f} MB, "
          f"episode_scorer {sent_bytes['episode_scorer'] / 1e6:.2f} MB at obs_size {EnvConfig().obs_size} "
          f"(x{sent_bytes['render_backend'] / sent_bytes['episode_scorer']:.1f} less)")
    print(f"group of {n_tasks * n_pages} at once on Ray: 1 worker {throughput[1]:.2f} candidates/s, "
          f"2 workers {throughput[2]:.2f} candidates/s (x{throughput[2] / throughput[1]:.2f})")
    # One candidate keeps about one core busy (a browser rendering, then the scores on a thread), so its
    # wall time one at a time is its cost in core-seconds.
    cores = math.ceil(GRPO_CANDIDATES * a2c_s / STEP_BUDGET_S)
    print(f"a2c (1024x768, 30 fps, 5 s): {a2c_s:.2f} s per candidate -> a GRPO step of {GRPO_CANDIDATES} candidates "
          f"in {STEP_BUDGET_S:g} s needs about {GRPO_CANDIDATES * a2c_s:.0f} core-seconds / {STEP_BUDGET_S:g} s = "
          f"{cores} cores (e.g. {math.ceil(cores / 8)} nodes of 8 cores, ~{math.ceil(cores / 2)} workers of 2 browsers)")
    print("timings from a shared, loaded 2-core machine: compare the ratios, not the absolute times")
    return 0


if __name__ == "__main__":
    sys.exit(main())
