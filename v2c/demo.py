"""`make demo`: the main job on the built-in default tasks, small enough for a laptop CPU.

Runs episodes of the scripted baselines (oracle, first frame, random, blank) in the Gymnasium env
on built-in animation and interaction tasks, prints each reward, and saves the episodes and the
reference videos. Then `v2c train`s the tiny offline VLM with GRPO on the easiest built-in family
(`template:pick`: name the colour and duration of a sliding square; about a minute on 2 cores) and
`v2c eval`s it against the untrained model and the oracle/blank baselines, writing report.html.
"""
from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym

import v2c.envs  # noqa: F401  (registers the env ids)
from v2c.agents import make_baseline
from v2c.agents.rollout import run_episode
from v2c.envs.tasks import load_tasks
from v2c.rewards.breakdown import format_scores
from v2c.video import write_video

TASKS = (("v2c/Animation-v0", "builtin:animations", 3), ("v2c/Interaction-v0", "builtin:interactions", 2))
AGENTS = ("oracle", "first-frame", "random", "blank")


def run_demo(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{'task':<28}{'agent':<13}{'total':>7}  scores, gates")
    for env_id, spec, count in TASKS:
        env = gym.make(env_id, max_steps=2)  # every env of the process renders on the shared pool
        for task in load_tasks(spec).take(count):
            for name in AGENTS:
                episode = run_episode(env, make_baseline(name), seed=0, options={"task_id": task.id})
                scored = [s.breakdown.to_dict() for s in episode.steps if s.breakdown is not None]
                b = scored[-1] if scored else {"total": 0.0, "scores": {}, "gates": []}
                episode.save(out / "episodes" / f"{task.id}-{name}")
                rows.append({"task_id": task.id, "agent": name, "total": b["total"], "scores": b["scores"],
                             "gates": [g["name"] for g in b["gates"]]})
                print(f"{task.id:<28}{name:<13}{b['total']:>7.3f}  {format_scores(b['scores'], sep=' ')}"
                      f"  {','.join(rows[-1]['gates'])}")
            reference = env.unwrapped.reference
            write_video(out / "references" / f"{task.id}.mp4", reference.frames, reference.fps)
        env.close()
    (out / "results.json").write_text(json.dumps(rows, indent=1))
    means = {name: sum(r["total"] for r in rows if r["agent"] == name) / max(1, sum(r["agent"] == name for r in rows))
             for name in AGENTS}
    print("mean total: " + ", ".join(f"{k} {v:.3f}" for k, v in means.items()))
    print(f"episodes, reference videos and results.json are in {out}/")
    baselines_ok = means["oracle"] > 0.9 and means["blank"] < 0.05
    trained = run_training_demo(out)
    return 0 if baselines_ok and trained == 0 else 1


TRAIN_STEPS = 24
"""GRPO steps of the demo's training run (~1 s each on 2 cores)."""


def run_training_demo(out: Path) -> int:
    """`v2c train` the tiny VLM on template:pick, then `v2c eval` it; the report lands in OUT/eval/report.html."""
    from v2c.agents.evaluate import EvalConfig, run_eval, summarise, summary_table
    from v2c.agents.train import TrainConfig, grpo_config, run_train

    train_dir, eval_dir = out / "train", out / "eval"
    print(f"\nv2c train: GRPO of the tiny offline Qwen3-VL on template:pick ({TRAIN_STEPS} steps)")
    config = TrainConfig(model="tiny", tasks="template:pick", num_tasks=8)
    result = run_train(config, grpo_config(config, max_steps=TRAIN_STEPS, per_device_train_batch_size=16,
                                           num_generations=8, output_dir=str(train_dir), save_strategy="no",
                                           disable_tqdm=True))
    rewards = result.rewards or [0.0]
    print(f"{len(result.rewards)} steps in {result.seconds:.0f} s; reward {rewards[0]:.3f} -> {rewards[-1]:.3f}")
    print("\nv2c eval: trained vs untrained tiny model vs baselines on template:pick (answers sampled at T=1)")
    rows = run_eval(EvalConfig(agents=(f"hf:{result.model_dir}", "tiny", "oracle", "blank"), tasks="template:pick",
                               limit=6, temperature=1.0, max_new_tokens=6, out=str(eval_dir)))
    print(summary_table(summarise(rows)))
    print(f"report: {(eval_dir / 'report.html').resolve()}")
    return 0
