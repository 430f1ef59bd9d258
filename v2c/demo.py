"""`make demo`: the main job on the built-in default tasks, small enough for a laptop CPU.

Runs episodes of the scripted baselines (oracle, first frame, random, blank) in the Gymnasium env
on built-in animation and interaction tasks, prints each reward, and saves the episodes and the
reference videos.
"""
from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym

import envs  # noqa: F401  (registers the env ids)
from agents import make_baseline
from agents.rollout import run_episode
from envs.tasks import load_tasks
from v2c.render import default_pool
from v2c.video import write_video

TASKS = (("v2c/Animation-v0", "builtin:animations", 3), ("v2c/Interaction-v0", "builtin:interactions", 2))
AGENTS = ("oracle", "first-frame", "random", "blank")


def run_demo(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{'task':<28}{'agent':<13}{'total':>7}{'appear':>8}{'tempo':>7}{'funct':>7}  gates")
    for env_id, spec, count in TASKS:
        env = gym.make(env_id, renderer=default_pool(), max_steps=2)
        for task in load_tasks(spec).take(count):
            for name in AGENTS:
                episode = run_episode(env, make_baseline(name), seed=0, options={"task_id": task.id})
                scored = [s.breakdown for s in episode.steps if s.breakdown]
                b = scored[-1] if scored else {"total": 0.0, "appearance": 0.0, "temporal": 0.0, "functional": None,
                                               "gates": []}
                episode.save(out / "episodes" / f"{task.id}-{name}")
                rows.append({"task_id": task.id, "agent": name, **{k: b[k] for k in
                                                                    ("total", "appearance", "temporal", "functional")},
                             "gates": [g["name"] for g in b["gates"]]})
                functional = "-" if b["functional"] is None else f"{b['functional']:.2f}"
                print(f"{task.id:<28}{name:<13}{b['total']:>7.3f}{b['appearance']:>8.3f}{b['temporal']:>7.3f}"
                      f"{functional:>7}  {','.join(rows[-1]['gates'])}")
            write_video(out / "references" / f"{task.id}.mp4", env.unwrapped.prepared.frames, task.fps)
        env.close()
    (out / "results.json").write_text(json.dumps(rows, indent=1))
    means = {name: sum(r["total"] for r in rows if r["agent"] == name) / max(1, sum(r["agent"] == name for r in rows))
             for name in AGENTS}
    print("mean total: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items()))
    print(f"episodes, reference videos and results.json are in {out}/")
    return 0 if means["oracle"] > 0.9 and means["blank"] < 0.05 else 1
