"""Reward functions for TRL's `GRPOTrainer`, built from a `RewardConfig`.

    reward = VideoCodeReward(RewardConfig())           # or make_reward_funcs(RewardConfig())
    GRPOTrainer(model, reward_funcs=[reward], train_dataset=build_dataset("builtin:animations", 64), ...)

TRL 1.16 calls a reward function as
`f(prompts=..., completions=..., completion_ids=..., **dataset_columns, trainer_state=..., log_extra=...,
log_metric=..., [environments=...])` and awaits it when it is `async` (on its own event-loop
thread, gathered with the other async reward functions). `VideoCodeReward` is async: it turns every
completion of the batch into a page (`v2c.envs.actions.page_for_answer`: code, or a template answer), renders and
scores them all concurrently on the renderer pool, and returns one total per completion (0 for
an answer with no page in it). Each component is logged with `log_metric` under `v2c/…`
(appearance, temporal, functional, static/blank/failed rates, the share of answers with a page,
render time, score-cache hits) and added to the completions table with `log_extra`.

The task of each row comes from the dataset: a `task` column (a serialised task, see
`v2c.agents.trl_dataset`) or `task_id` + `task_source`. Scores are memoised per (reference, page
content): a GRPO group often repeats an answer, and template families have few distinct pages.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Sequence

import numpy as np

from v2c.envs.actions import page_for_answer
from v2c.memo import AsyncMemo
from v2c.rewards import RewardBreakdown, RewardConfig, RewardScorer
from v2c.render import Page, RenderBackend

from .row_tasks import RowTasks

class VideoCodeReward:
    """Async GRPO reward: render and score every completion of a batch against its row's reference."""

    __name__ = "v2c"  # TRL names reward columns after `__name__` (rewards/v2c/mean in the logs)

    def __init__(self, reward_config: RewardConfig | None = None, renderer: RenderBackend | None = None,
                 invalid_reward: float = 0.0, cache_size: int = 4096, scorer: RewardScorer | None = None) -> None:
        self.scorer = scorer or RewardScorer(reward_config or RewardConfig(), renderer=renderer)
        self.rows = RowTasks(self.scorer)
        self.invalid_reward = float(invalid_reward)
        """Reward of a completion with no page in it (no HTML, or a template answer without its slots)."""
        self._scores: AsyncMemo[RewardBreakdown] = AsyncMemo(cache_size)
        self.calls = 0
        self.last_metrics: dict[str, float] = {}
        """What the latest call logged (also handy outside a trainer)."""

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any],
                       completion_ids: Sequence[Any] | None = None, *, task: Sequence[str] | None = None,
                       task_id: Sequence[str] | None = None, task_source: Sequence[str] | None = None,
                       log_metric: Callable[[str, float], None] | None = None,
                       log_extra: Callable[[str, list], None] | None = None, **_: Any) -> list[float]:
        started = time.perf_counter()
        tasks = self.rows.tasks(len(completions), task, task_id, task_source)
        pages = [page_for_answer(t, completion_text(c)) for t, c in zip(tasks, completions)]
        hits_before = self.cache_hits
        breakdowns = await asyncio.gather(*(self.score(t, p) for t, p in zip(tasks, pages)))
        rewards = [self.invalid_reward if b is None else float(b.total) for b in breakdowns]
        self._log(breakdowns, pages, log_metric, log_extra, time.perf_counter() - started,
                  self.cache_hits - hits_before)
        return rewards

    async def score(self, task: Any, page: Page | None) -> RewardBreakdown | None:
        """The breakdown of `page` on `task` (None when there is no page), memoised by content."""
        if page is None:
            return None
        prepared = await self.rows.prepare(task)
        self.calls += 1
        return await self._scores.get((prepared.reference.key(), page.content_hash()),
                                      lambda: self.scorer.score_async(prepared, page))

    @property
    def cache_hits(self) -> int:
        """Scores answered from the memo (or by the same page's scoring already under way in the batch)."""
        return self._scores.hits

    def _log(self, breakdowns: list[RewardBreakdown | None], pages: list[Page | None], log_metric: Callable | None,
             log_extra: Callable | None, elapsed: float, hits: int) -> None:
        scored = [b for b in breakdowns if b is not None]
        gates = [{g.name for g in b.gates} for b in scored]
        metrics = {"v2c/has_page": sum(p is not None for p in pages) / max(1, len(pages)),
                   "v2c/reward_time_s": elapsed, "v2c/cache_hit_rate": hits / max(1, len(scored))}
        for name in self.scorer.scores:  # each over the rows it applies to (functional: rows with a script)
            values = [b.scores[name] for b in scored if b.scores.get(name) is not None]
            if values:
                metrics[f"v2c/{name}"] = float(np.mean(values))
        if scored:
            for gate in ("static", "blank", "render_failed", "oversize"):
                metrics[f"v2c/{gate}_rate"] = sum(gate in g for g in gates) / len(scored)
            renders = [b.timings_s.get("render") for b in scored if b.timings_s.get("render")]
            if renders:
                metrics["v2c/render_s"] = float(np.mean(renders))
        if log_metric is not None:
            for name, value in metrics.items():
                log_metric(name, float(value))
        if log_extra is not None:
            for name in self.scorer.scores:
                log_extra(name, [None if b is None else b.scores.get(name) for b in breakdowns])
            log_extra("gates", [None if b is None else ",".join(g.name for g in b.gates) for b in breakdowns])
        self.last_metrics = metrics


def completion_text(completion: Any) -> str:
    """The text of a TRL completion: a string, or a list of chat messages (the assistant turns joined)."""
    if isinstance(completion, str):
        return completion
    parts = []
    for message in completion or []:
        if message.get("role", "assistant") != "assistant":
            continue
        content = message.get("content") or ""
        if isinstance(content, list):
            content = "".join(p.get("text") or "" for p in content if isinstance(p, dict))
        parts.append(content)
    return "\n".join(parts)


def make_reward_funcs(reward_config: RewardConfig | None = None, renderer: RenderBackend | None = None,
                      **options: Any) -> list[VideoCodeReward]:
    """The reward functions of a GRPO run: one async `VideoCodeReward` (its total; components are logged)."""
    return [VideoCodeReward(reward_config, renderer=renderer, **options)]
