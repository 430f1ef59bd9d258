"""Env soak: memory over many episodes, and no Chromium left behind.

One `gym.make("v2c/Animation-v0")` env on its own renderer pool plays N episodes over 4 built-in
tasks: a clip request, the task's honest (oracle) page, every tenth episode one hostile page (taken in
turn from HOSTILE: unencodable text, navigating away, floods of blocked requests, huge images, popups,
an infinite loop), then `finish`. After a warm-up (every task and every hostile page once) it prints
the resident memory of Python and of the Chromium processes, again at the end, and the growth; then
closes the env and the pool and counts Chromium processes against the count before the env existed.

Each measurement follows `gc.collect()` and `v2c.heap.return_freed_memory()`, so it counts what the
process holds rather than what glibc caches at that instant: measured without them, Python's RSS swung
between 303 and 405 MB from one report to the next of a 1000-episode run, and the last report decided.

Goal: growth of Python + Chromium under 10% over 1000 episodes, Chromium back to its baseline.
`--quick` is 120 episodes (a few minutes on 2 cores). Figures depend on the machine's load; growth
is a ratio measured within one run.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gymnasium as gym  # noqa: E402
import psutil  # noqa: E402

import v2c.envs  # noqa: E402,F401  (registers the ids)
from v2c.heap import return_freed_memory  # noqa: E402
from v2c.render import LocalRendererPool  # noqa: E402
from v2c.rewards.backend import LocalBackend  # noqa: E402
from v2c.render.browser import chromium_processes  # noqa: E402

TASKS = 4
SETTINGS = {"max_steps": 4, "max_frames": 8, "obs_size": (128, 96)}
CLIP = '{"segments": [{"start": 0.2, "end": 1.2}], "fps": 10}'
HOSTILE = {
    "lone surrogates": "<!doctype html><p style='font:40px serif'>broken \ud800 text \x00</p>",
    "navigates away": "<!doctype html><p>bye</p><script>location.href='https://evil.example/'</script>",
    "request flood": "<!doctype html><script>for(let i=0;i<300;i++)fetch('https://evil.example/'+i).catch(()=>{})"
                     "</script>",
    "huge images": "<!doctype html>" + "".join(f"<img src='https://picsum.photos/id/{i}/4000/3000'>" for i in range(4)),
    "popups": "<!doctype html><script>alert(1);for(let i=0;i<50;i++)window.open('https://evil.example/'+i)</script>",
    "infinite loop": "<!doctype html><script>setTimeout(()=>{while(true){}},300)</script>",
}


def rss_mb() -> tuple[float, float, int]:
    """(Python RSS, Chromium RSS summed over its processes, Chromium process count), MB, of what is held."""
    gc.collect()
    return_freed_memory()
    python = psutil.Process().memory_info().rss / 2**20
    chromium, count = 0.0, 0
    for process in chromium_processes():
        try:
            chromium += process.memory_info().rss / 2**20
            count += 1
        except psutil.Error:
            pass
    return python, chromium, count


def play(env: gym.Env, task_ids: list[str], episode: int, hostile_order: list[str]) -> str:
    """One episode; returns the render status of its last page."""
    env.reset(seed=episode, options={"task_id": task_ids[episode % len(task_ids)]})
    env.step(CLIP)
    _, _, _, _, info = env.step(env.unwrapped.task.cheat().html)
    if episode % 10 == 9:
        _, _, _, _, info = env.step(HOSTILE[hostile_order[(episode // 10) % len(hostile_order)]])
    env.step("finish")
    return info.get("render_status", "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=1000, help="episodes measured after the warm-up")
    parser.add_argument("--quick", action="store_true", help="120 episodes")
    parser.add_argument("--report-every", type=int, default=100, help="print memory every this many episodes")
    args = parser.parse_args()
    episodes = 120 if args.quick else args.episodes

    baseline_chromium = len(chromium_processes())
    pool = LocalRendererPool(size=1)
    env = gym.make("v2c/Animation-v0", backend=LocalBackend(renderer=pool), **SETTINGS)
    task_ids = [env.unwrapped.source[i].id for i in range(TASKS)]  # a generated source is endless
    hostile_order = sorted(HOSTILE)
    started = time.perf_counter()
    # Warm-up: every task's reference rendered and prepared, every hostile page met once.
    for episode in range(TASKS):
        play(env, task_ids, episode, hostile_order)
    for name in hostile_order:
        env.reset(seed=0, options={"task_id": task_ids[0]})
        env.step(HOSTILE[name])
    play(env, task_ids, 0, hostile_order)  # so both measurements are taken where an episode has just finished
    python0, chromium0, count0 = rss_mb()
    print(f"warm-up {time.perf_counter() - started:.0f} s; start: python {python0:.0f} MB, chromium {chromium0:.0f} MB "
          f"({count0} processes)", flush=True)
    statuses: dict[str, int] = {}
    clock = time.perf_counter()
    for episode in range(episodes):
        status = play(env, task_ids, TASKS + episode, hostile_order)
        statuses[status] = statuses.get(status, 0) + 1
        if (episode + 1) % args.report_every == 0:
            python, chromium, count = rss_mb()
            print(f"episode {episode + 1}: python {python:.0f} MB, chromium {chromium:.0f} MB ({count} processes), "
                  f"{(time.perf_counter() - clock) / (episode + 1):.2f} s/episode", flush=True)
    python1, chromium1, count1 = rss_mb()
    total0, total1 = python0 + chromium0, python1 + chromium1
    growth = 100.0 * (total1 - total0) / total0
    print(f"end after {episodes} episodes ({time.perf_counter() - clock:.0f} s): python {python1:.0f} MB "
          f"({100.0 * (python1 - python0) / python0:+.1f}%), chromium {chromium1:.0f} MB "
          f"({100.0 * (chromium1 - chromium0) / chromium0:+.1f}%, {count1} processes)")
    print(f"growth of python + chromium: {total0:.0f} -> {total1:.0f} MB, {growth:+.1f}% (goal < 10%)")
    print(f"last page status per episode: {statuses}")
    env.close()
    pool.close()
    time.sleep(0.5)
    left = len([p for p in chromium_processes() if p.status() != psutil.STATUS_ZOMBIE])
    print(f"chromium processes after close(): {left} (baseline {baseline_chromium})")
    return 0 if growth < 10.0 and left == baseline_chromium else 1


if __name__ == "__main__":
    sys.exit(main())
