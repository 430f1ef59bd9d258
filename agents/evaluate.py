"""`v2c eval`: agents × a task source → results.json, results.csv and report.html.

    rows = run_eval(EvalConfig(agents=("oracle", "blank", "hf:runs/train/model"), tasks="template:pick", limit=4,
                               out="runs/eval"))

Each agent plays one episode per task in `VideoToCodeEnv` (`v2c.agents.rollout.run_episode`); the env
reads template answers (`teal 1.5`) as the pages they stand for. A row is the final submitted page's
scores — `{"task_id", "agent", "total", "scores": {name: value}, "static", ...}` (one CSV column per score) —
and the reference and candidate videos are written for the report (`v2c.agents.report`).

Static output (Animation2Code's failure rate, e.g. 41.5% for Qwen3-VL-8B): a candidate page that
rendered but never changes — the `static` or `blank` gate fired. Rates are over rendered pages;
pages that failed to render, and episodes with no page, are counted apart.
"""
from __future__ import annotations

import csv
import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

import v2c.envs  # noqa: F401  (registers the env ids)
from v2c.envs.tasks import take_tasks
from v2c.rewards import RewardConfig
from v2c.rewards.backend import ScoringBackend, make_backend
from v2c.render import RenderConfig
from v2c.video import write_video

from .registry import make_agent
from .rollout import run_episode

ROW_COLUMNS: tuple[str, ...] = (
    "task_id", "agent", "total", "static", "render_status", "gates", "best_total", "steps", "clips", "seconds",
    "answer", "error",
)
"""A row's columns besides its scores (which follow `total` in the CSV, one column per score name)."""
ANSWER_CHARS = 300
"""The agent's last answer is kept this long in a row (model outputs are for reading, not storing)."""


@dataclass
class EvalConfig:
    """Settings of `run_eval` (`v2c eval` flags).

    What:
        agents, tasks, limit
    Agents:
        mode, max_new_tokens, temperature
    Episodes:
        max_steps, reward, obs_size, seed, raster_scale
    Rendering:
        backend, workers, ray_address
    Output:
        out, videos
    """

    agents: tuple[str, ...] = ("oracle", "blank")
    """Agent names (`v2c.agents.registry.make_agent`)."""
    tasks: str = "builtin:animations"
    """Task source spec or path."""
    limit: int | None = 8
    """Tasks taken from the source (None: all of a finite one)."""
    mode: str | None = None
    """Prompt setting of model-backed agents: frames, video, revisit (None: the agent's default, frames)."""
    max_new_tokens: int | None = None
    """Tokens per model turn (None: the agent's default)."""
    temperature: float | None = None
    """Sampling temperature of model-backed agents (None: greedy)."""
    max_steps: int = 4
    """Actions per episode."""
    reward: str = "default"
    """RewardConfig name: default or paper."""
    obs_size: tuple[int, int] = (256, 192)
    """Size of observed frames (and of the report's videos)."""
    seed: int = 0
    """Episode seed."""
    raster_scale: float | None = None
    """Device pixels per CSS pixel of every render (`RenderConfig.raster_scale`; None: the automatic scale,
    the longer side at most 512). Used when no backend is passed to `run_eval`."""
    backend: str = "local"
    """Where pages render and score: `local` (browsers in this process) or `ray` (a Ray backend's actors,
    `v2c.rewards.ray_pool`: pages go out, scores and frames at `obs_size` come back; the episodes run
    here). Used when no backend is passed to `run_eval`."""
    workers: int = 2
    """Scoring actors of the Ray pool (`backend="ray"`)."""
    ray_address: str | None = None
    """Ray cluster to join (`backend="ray"`): None starts one on this machine (or joins `$RAY_ADDRESS`),
    `auto` joins this machine's `ray start`, `ray://HEAD:10001` a remote head."""
    out: str = "runs/eval"
    """Output folder."""
    videos: bool = True
    """Write reference and candidate mp4s for the report."""
    agent_options: dict[str, Any] = field(default_factory=dict)
    """More options for model-backed agents (`frame_size`, `use_video`, `clip_fps`, ...)."""


class AnswerRecorder:
    """Wraps an agent to keep this episode's raw answers (the row shows the last one)."""

    def __init__(self, agent: Any) -> None:
        self.agent = agent
        self.name = agent.name
        self.answers: list[str] = []

    def reset(self) -> None:
        self.agent.reset()
        self.answers = []

    def act(self, observation: dict[str, Any], task: Any | None = None) -> str:
        answer = self.agent.act(observation, task)
        self.answers.append(answer)
        return answer

    @property
    def last_answer(self) -> str:
        """The last answer that was not `finish`."""
        return next((a for a in reversed(self.answers) if a.strip().lower() != "finish"), "")


def slug(text: str) -> str:
    """A file-name-safe version of an agent or task name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "x"


def episode_row(task_id: str, agent: str, episode: Any, seconds: float, answer: str = "",
                no_page_scores: dict[str, float | None] | None = None) -> dict[str, Any]:
    """The row of one episode: its final page's scores (`no_page_scores` when it submitted none)."""
    scored = [s for s in episode.steps if s.breakdown is not None]
    final = scored[-1].breakdown if scored else None
    gates = [g.name for g in final.gates] if final else []
    status = (final.render_status or "ok") if final else "no_page"
    return {
        "task_id": task_id, "agent": agent,
        "total": float(final.total) if final else 0.0,
        "scores": dict(final.scores) if final else dict(no_page_scores or {}),
        "static": final is not None and status == "ok" and bool({"static", "blank"} & set(gates)),
        "render_status": status, "gates": gates,
        "best_total": max((float(s.breakdown.total) for s in scored), default=0.0),
        "steps": len(episode.steps), "clips": sum(s.action_type == "clip" for s in episode.steps),
        "seconds": round(seconds, 3), "answer": answer[:ANSWER_CHARS], "error": "",
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per agent: task count, mean scores, static-output rate (over rendered pages), failure and no-page rates."""
    out = {}
    for agent in dict.fromkeys(r["agent"] for r in rows):
        mine = [r for r in rows if r["agent"] == agent]
        rendered = [r for r in mine if r["render_status"] == "ok"]
        out[agent] = {
            "tasks": len(mine),
            "total": float(np.mean([r["total"] for r in mine])),
            "scores": {name: _mean([r["scores"].get(name) for r in mine]) for name in score_names(mine)},
            "static_rate": sum(r["static"] for r in rendered) / len(rendered) if rendered else None,
            "render_fail_rate": sum(r["render_status"] not in ("ok", "no_page") for r in mine) / len(mine),
            "no_page_rate": sum(r["render_status"] == "no_page" for r in mine) / len(mine),
            "errors": sum(bool(r["error"]) for r in mine),
        }
    return out


def summary_table(summary: dict[str, dict[str, Any]]) -> str:
    """`summarise`'s result as a text table: one row per agent, one column per score."""
    names = list(dict.fromkeys(name for s in summary.values() for name in s["scores"]))
    lines = [f"{'agent':<32}{'tasks':>6}{'total':>8}" + "".join(f"{n[:10]:>11}" for n in names) + f"{'static':>8}"]
    for agent, s in summary.items():
        static = "-" if s["static_rate"] is None else f"{100 * s['static_rate']:.0f}%"
        cells = "".join(f"{'-' if s['scores'].get(n) is None else format(s['scores'][n], '.3f'):>11}" for n in names)
        lines.append(f"{agent:<32}{s['tasks']:>6}{s['total']:>8.3f}{cells}{static:>8}")
    return "\n".join(lines)


def score_names(rows: list[dict[str, Any]]) -> list[str]:
    """Every score name in `rows`, in order of first appearance."""
    return list(dict.fromkeys(name for row in rows for name in row["scores"]))


def _mean(values: list[float | None]) -> float | None:
    """Mean over the rows where the score applies; None where it applies to none."""
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def backend_for(cfg: EvalConfig) -> ScoringBackend:
    """The scoring backend of `cfg`: `backend` local or ray, `reward`'s scores, renders at `raster_scale`."""
    render = None if cfg.raster_scale == RenderConfig.raster_scale else RenderConfig(raster_scale=cfg.raster_scale)
    return make_backend(cfg.backend, RewardConfig.named(cfg.reward), render, workers=cfg.workers,
                        address=cfg.ray_address)


def run_eval(cfg: EvalConfig, backend: ScoringBackend | None = None) -> list[dict[str, Any]]:
    """Play every agent on every task; write results.json, results.csv, summary.json, report.html under `cfg.out`."""
    from .report import write_report

    out = Path(cfg.out)
    (out / "videos").mkdir(parents=True, exist_ok=True)
    tasks = take_tasks(cfg.tasks, cfg.limit)
    if not tasks:
        raise ValueError(f"no tasks in {cfg.tasks}")
    options = {"mode": cfg.mode, "max_new_tokens": cfg.max_new_tokens, "temperature": cfg.temperature,
               **cfg.agent_options}
    agents = [AnswerRecorder(make_agent(name, **options)) for name in cfg.agents]
    owned = backend_for(cfg) if backend is None else None
    env = gym.make("v2c/VideoToCode-v0", tasks=tasks, max_steps=cfg.max_steps, obs_size=tuple(cfg.obs_size),
                   backend=backend or owned)
    rows: list[dict[str, Any]] = []
    videos: dict[str, dict[str, str]] = {}
    try:
        for task in tasks:
            videos[task.id] = {}
            for name, agent in zip(cfg.agents, agents):
                started = time.perf_counter()
                try:
                    episode = run_episode(env, agent, seed=cfg.seed, options={"task_id": task.id})
                except Exception as error:  # an API or model failure costs this episode, not the run
                    rows.append({**{k: None for k in ROW_COLUMNS}, "task_id": task.id, "agent": name, "total": 0.0,
                                 "scores": {}, "static": False, "render_status": "no_page",
                                 "gates": [], "best_total": 0.0, "steps": 0, "clips": 0,
                                 "seconds": round(time.perf_counter() - started, 3), "answer": "",
                                 "error": f"{type(error).__name__}: {error}"})
                    continue
                rows.append(episode_row(task.id, name, episode, time.perf_counter() - started, agent.last_answer,
                                        no_page_scores=_no_page_scores(env)))
                if cfg.videos:
                    videos[task.id].update(_write_videos(out, task, name, episode, videos[task.id]))
    finally:
        env.close()
        if owned is not None:
            owned.close()
    (out / "results.json").write_text(json.dumps(rows, indent=1))
    names = score_names(rows)
    columns = [*ROW_COLUMNS[:3], *names, *ROW_COLUMNS[3:]]
    with open(out / "results.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            flat = {**row, **{name: row["scores"].get(name) for name in names}}
            writer.writerow({k: _csv_cell(k, flat.get(k)) for k in columns})
    summary = summarise(rows)
    (out / "summary.json").write_text(json.dumps({"config": asdict(cfg), "agents": summary}, indent=1, default=str))
    write_report(out / "report.html", rows, summary, videos, cfg)
    return rows


def _no_page_scores(env: Any) -> dict[str, float | None]:
    """What an episode without a page scores: 0 on every score that applies to its task."""
    return {name: 0.0 if applies else None for name, applies in env.unwrapped.reference.applies.items()}


def _csv_cell(column: str, value: Any) -> Any:
    """One spreadsheet cell: gates joined with `;`, text on one line (answers are often whole pages)."""
    if column == "gates":
        return ";".join(value or [])
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def _write_videos(out: Path, task: Any, agent: str, episode: Any, known: dict[str, str]) -> dict[str, str]:
    """The reference (once per task) and this agent's final candidate, as browser-playable mp4s."""
    written = {}
    if "reference" not in known and len(episode.reference_frames):
        path = Path("videos") / f"{slug(task.id)}.reference.mp4"
        write_video(out / path, episode.reference_frames, episode.fps)
        written["reference"] = str(path)
    scored = [s for s in episode.steps if s.breakdown is not None]
    final = scored[-1].candidate_frames if scored else None  # the page the row's scores are about
    if final is not None and len(final):
        path = Path("videos") / f"{slug(task.id)}.{slug(agent)}.mp4"
        write_video(out / path, final, episode.fps)  # frames at the comparison rate, like the reference's
        written[agent] = str(path)
    return written
