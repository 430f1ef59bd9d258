"""`TaskBrowser`: a task source at a glance — animated previews, metadata, the oracle's score.

    from v2c.widgets import TaskBrowser
    browser = TaskBrowser("builtin:interactions", limit=6)   # or a dataset folder, a TaskSource, [Task, ...]
    browser                       # click a card for its details; browser.selected_task is that Task

Each task's reference is rendered (through the on-disk reference cache) or read from its video and
shown as a looping GIF; with `oracle_score=True` the task's `cheat()` page is scored against it, the
check that a task is solvable and the scorer agrees (≈ 1 on built-in tasks). A task that fails to
load or render gets a card with the error instead of stopping the browser. Displayed, the widget
also carries a static HTML grid of the same cards.
"""
from __future__ import annotations

from v2c.extras import require_extra

require_extra("notebooks")

import itertools
from concurrent.futures import ThreadPoolExecutor
from html import escape
from pathlib import Path
from typing import Any, Sequence

import anywidget
import traitlets

from v2c.envs.tasks import Task, TaskSource, load_tasks, render_reference
from v2c.rewards import RewardConfig
from v2c.rewards.backend import ReferenceScorer, ScoringBackend, resolve_backend
from v2c.rewards.scorer import run_sync
from v2c.render import RenderBackend
from v2c.video import evenly_spaced, resample

from .media import gif_data_url, image_data_url
from .static import CARD, NOTE, mimebundle_with_html, section

MAX_PREVIEW_FRAMES = 40


class TaskBrowser(anywidget.AnyWidget):
    """Cards for the first `limit` tasks of a source (from `start`), with previews and oracle scores.

    Arguments:
        source: a task source spec (`builtin:animations`, `template:pick`, a dataset path, ...), a `TaskSource`,
            or tasks.
        limit, start: which tasks (built-in sources are unbounded).
        oracle_score: score each task's `cheat()` page against its reference (one render per task).
        backend: what renders and scores (`v2c.rewards.backend`; default a `LocalBackend` on the shared pool).
        reward_config: the default backend's scores (a given backend brings its own).
        preview_side: longer side of the previews, in pixels.
    """

    _esm = Path(__file__).with_name("task_browser.js")
    _css = Path(__file__).with_name("task_browser.css")

    cards = traitlets.List().tag(sync=True)
    """One dict per task: summary fields, metadata, preview GIF, oracle scores or error."""
    source_name = traitlets.Unicode("").tag(sync=True)
    report = traitlets.Unicode("").tag(sync=True)
    """The loader's report (skipped items and why) for dataset sources."""
    selected = traitlets.Unicode("").tag(sync=True)
    """Id of the task whose details are shown."""

    def __init__(self, source: str | Path | TaskSource | Sequence[Task], *, limit: int = 8, start: int = 0,
                 oracle_score: bool = True, reward_config: RewardConfig | None = None,
                 backend: ScoringBackend | None = None, preview_side: int = 160, **kwargs: Any) -> None:
        resolved = load_tasks(source)
        self.source = resolved
        self.tasks: list[Task] = list(itertools.islice(iter(resolved), start, start + limit))
        backend = resolve_backend(backend, reward_config)
        renderer = backend.renderer()
        scorer = backend.reward_scorer() if oracle_score else None
        # Cards are independent: build them on as many threads as the pool has browsers (2 on 2 cores).
        workers = max(1, min(len(self.tasks), getattr(renderer, "size", 2)))
        with ThreadPoolExecutor(workers) as executor:
            cards = list(executor.map(lambda task: task_card(task, renderer, scorer, preview_side), self.tasks))
        report = getattr(resolved, "report", None)
        super().__init__(cards=cards, source_name=resolved.name,
                         report=report.summary() if report is not None else "",
                         selected=self.tasks[0].id if self.tasks else "", **kwargs)

    @property
    def selected_task(self) -> Task | None:
        return self.task(self.selected) if self.selected else None

    def task(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(f"no task {task_id!r} in this browser ({len(self.tasks)} tasks)")

    def static_html(self) -> str:
        """Self-contained HTML (no script): the cards as a grid."""
        return static_html(self.cards, self.source_name, self.report)

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict, dict] | None:
        return mimebundle_with_html(super()._repr_mimebundle_(**kwargs), self.static_html(), repr(self))

    def __repr__(self) -> str:
        return f"TaskBrowser(source={self.source_name!r}, tasks={len(self.tasks)})"


def task_card(task: Task, renderer: RenderBackend | None, scorer: ReferenceScorer | None,
              preview_side: int) -> dict[str, Any]:
    """What one card shows; errors (an unreadable video, a page that does not render) become its `error`."""
    summary = task.summary()
    card: dict[str, Any] = {
        **summary, "title": str(task.metadata.get("title") or task.metadata.get("family") or ""),
        "metadata": {k: _short(v) for k, v in task.metadata.items()},
        "interactions": [f"{s.t:g} s: {s.action} {_target(s.target)}" + (f" = {s.value!r}" if s.value else "")
                         for s in task.interactions],
        "thumbnail": "", "preview": "", "oracle": None, "error": None,
    }
    try:
        video = render_reference(task, renderer)
        frames, fps = (video.frames if video.fps == task.fps else resample(video, task.fps).frames), task.fps
        if len(frames) > MAX_PREVIEW_FRAMES:  # long recordings: an even sample keeps the GIF small
            fps *= MAX_PREVIEW_FRAMES / len(frames)
            frames = frames[evenly_spaced(len(frames), MAX_PREVIEW_FRAMES)]
        card["preview"] = gif_data_url(frames, fps, preview_side)
        card["thumbnail"] = image_data_url(frames[len(frames) // 2])
        if scorer is not None and task.has_oracle:
            breakdown = run_sync(scorer.score_async(task.to_reference(video=video), task.cheat()))
            card["oracle"] = {"scores": dict(breakdown.scores), "total": breakdown.total,
                              "gates": [g.name for g in breakdown.gates]}
    except Exception as error:  # one broken task must not hide the others
        card["error"] = f"{type(error).__name__}: {error}"
    return card


def _target(target: Any) -> str:
    if isinstance(target, dict):
        return " ".join(f"{k}={v!r}" for k, v in target.items())
    return repr(target) if target is not None else ""


def _short(value: Any, limit: int = 120) -> str | int | float | bool | None:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def static_html(cards: list[dict[str, Any]], source_name: str, report: str) -> str:
    items = []
    for card in cards:
        oracle = card.get("oracle")
        score = (f"oracle {oracle['total']:.3f}" if oracle else "no oracle") if not card.get("error") else "error"
        image = (f"<img alt='{escape(card['id'])}' style='display:block;width:160px' src='{card['preview']}'>"
                 if card.get("preview") else "")
        error = f"<div style='{NOTE};color:#b00020'>{escape(card['error'])}</div>" if card.get("error") else ""
        items.append(f"<div class='card' style='{CARD}'>{image}<b>{escape(card['id'])}</b><div>{escape(card['kind'])}"
                     f" · {card['duration_s']:g} s · difficulty {card['difficulty']} · {score}</div>"
                     f"<div style='{NOTE}'>{escape(card.get('title', ''))}</div>{error}</div>")
    skipped = f"<pre style='{NOTE}'>{escape(report)}</pre>" if report and "skipped 0" not in report else ""
    return section("v2c-task-browser-static", f"{source_name} — {len(cards)} tasks", "".join(items) + skipped)
