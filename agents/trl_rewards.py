"""Reward functions for TRL's `GRPOTrainer`, one per component, sharing one render per completion.

    funcs = make_reward_funcs(RewardConfig(), components=("appearance", "temporal", "functional", "format"))
    GRPOTrainer(model, reward_funcs=funcs, args=GRPOConfig(reward_weights=[1.0, 2.0, 1.0, 0.2], ...),
                train_dataset=build_dataset("builtin:animations", 64), ...)

Components: `v2c` (the combined total of `RewardConfig`, gates and weights included), every score
name of the config (`appearance`, `temporal`, `functional`, or one you registered), `format` (1 when
the completion holds a page — HTML, or a template's answer — else 0) and `overlong` (TRL's soft
overlong punishment, `trl.rewards.get_soft_overlong_punishment`, for completions near
`max_completion_length`). Each is an async TRL reward function with its own `__name__`, so TRL logs
`rewards/<name>/mean` and `rewards/<name>/std`, and `GRPOConfig.reward_weights` weights them (one
weight per function, in order; with `multi_objective_aggregation="normalize_then_sum"` TRL normalises
each component within its group before summing, GDPO-style, instead of summing first).

TRL 1.16 calls a reward function as `f(prompts=..., completions=..., completion_ids=...,
**dataset_columns, trainer_state=..., log_extra=..., log_metric=...)` and gathers the async ones, so
the functions of one batch run at once: the first to arrive renders and scores the batch
(`VideoCodeReward.batch`), the others await that same result — asking for four components renders
each completion once. A component that does not apply to a row returns None there (`functional` on
a task without an interaction script), which TRL leaves out of that component's mean and sum.
A completion with no page gets `invalid_reward` on every component (and `format` 0).

The batch also logs with `log_metric`, once: `v2c/<score>` means, gate rates, the share of answers
with a page, render time and the score-cache hit rate; and adds each score to the completions table
(`log_extra`). Scores are memoised per (reference, page content): a GRPO group often repeats an
answer, and template families have few distinct pages. The task of each row comes from the dataset:
a `task` column (a serialised task, see `v2c.agents.trl_dataset`), the task's own columns (the rows
of `v2c.envs.tasks.to_hf_dataset`, as they are) or `task_id` + `task_source`.
"""
from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from v2c.envs.actions import page_for_answer
from v2c.envs.tasks.task import Task
from v2c.memo import AsyncMemo
from v2c.rewards import RewardBreakdown, RewardConfig
from v2c.rewards.backend import ScoringBackend, resolve_backend
from v2c.render import Page

from .row_tasks import RowTasks, task_columns

FORMAT, TOTAL, OVERLONG = "format", "v2c", "overlong"
"""Component names beside the scores of the reward config."""


@dataclass(frozen=True)
class ScoredBatch:
    """One batch of completions, rendered and scored once for every component function."""

    tasks: list[Task]
    pages: list[Page | None]
    breakdowns: list[RewardBreakdown | None]


class VideoCodeReward:
    """Async GRPO reward `v2c`: render and score every completion of a batch against its row's reference;
    the total per completion. Component functions (`make_reward_funcs`) share its `batch`."""

    __name__ = TOTAL  # TRL names reward columns after `__name__` (rewards/v2c/mean in the logs)

    def __init__(self, reward_config: RewardConfig | None = None, backend: ScoringBackend | None = None,
                 invalid_reward: float = 0.0, cache_size: int = 4096) -> None:
        self.scorer = resolve_backend(backend, reward_config).reward_scorer()
        self.rows = RowTasks()
        self.invalid_reward = float(invalid_reward)
        """Reward of a completion with no page in it (no HTML, or a template answer without its slots)."""
        self._scores: AsyncMemo[RewardBreakdown] = AsyncMemo(cache_size)
        # The functions of one batch arrive together: a few batches is plenty.
        self._batches: AsyncMemo[ScoredBatch] = AsyncMemo(4)
        self.calls = 0
        self.last_metrics: dict[str, float] = {}
        """What the latest batch logged (also handy outside a trainer)."""

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], completion_ids: Sequence[Any] | None = None,
                       **columns: Any) -> list[float]:
        scored = await self.batch(completions, **columns)
        return [self.invalid_reward if b is None else float(b.total) for b in scored.breakdowns]

    async def batch(self, completions: Sequence[Any], *, task: Sequence[str] | None = None,
                    task_id: Sequence[str] | None = None, task_source: Sequence[str] | None = None,
                    log_metric: Callable[[str, float], None] | None = None,
                    log_extra: Callable[[str, list], None] | None = None, **columns: Any) -> ScoredBatch:
        """The batch's tasks, pages and breakdowns; computed (and logged) once, however many functions ask."""
        texts = [completion_text(c) for c in completions]
        flat = task_columns(columns)  # the rows of `to_hf_dataset`, which carry the task as columns

        async def compute() -> ScoredBatch:
            started, hits_before = time.perf_counter(), self.cache_hits
            tasks = self.rows.tasks(len(completions), task, task_id, task_source, **flat)
            pages = [page_for_answer(t, text) for t, text in zip(tasks, texts)]
            breakdowns = list(await asyncio.gather(*(self.score(t, p) for t, p in zip(tasks, pages))))
            self._log(breakdowns, pages, log_metric, log_extra, time.perf_counter() - started,
                      self.cache_hits - hits_before)
            return ScoredBatch(tasks, pages, breakdowns)

        return await self._batches.get(_batch_key(texts, task, task_id, task_source, *flat.values()), compute)

    async def score(self, task: Task, page: Page | None) -> RewardBreakdown | None:
        """The breakdown of `page` on `task` (None when there is no page), memoised by content."""
        if page is None:
            return None
        reference = self.rows.reference(task)
        self.calls += 1
        return await self._scores.get((reference.key(), page.content_hash()),
                                      lambda: self.scorer.score_async(reference, page))

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


class ComponentReward:
    """One component of the reward as its own TRL reward function (named after the component)."""

    def __init__(self, engine: VideoCodeReward, component: str) -> None:
        if component not in (FORMAT, *engine.scorer.scores):
            raise ValueError(f"unknown reward component {component!r}; expected {TOTAL}, {FORMAT}, {OVERLONG} or "
                             f"one of the config's scores: {', '.join(engine.scorer.scores)}")
        self.engine = engine
        self.component = component
        self.__name__ = component

    async def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], completion_ids: Sequence[Any] | None = None,
                       **columns: Any) -> list[float | None]:
        scored = await self.engine.batch(completions, **columns)
        return [self._value(t, p, b) for t, p, b in zip(scored.tasks, scored.pages, scored.breakdowns)]

    def _value(self, task: Task, page: Page | None, breakdown: RewardBreakdown | None) -> float | None:
        if self.component == FORMAT:
            return float(page is not None)
        if breakdown is None:  # no page: what the scorer would give it is the invalid reward, where the score applies
            applies = self.component != "functional" or bool(task.interactions)
            return self.engine.invalid_reward if applies else None
        return breakdown.scores.get(self.component)


def make_reward_funcs(reward_config: RewardConfig | None = None, backend: ScoringBackend | None = None,
                      components: Sequence[str] = (TOTAL,), max_completion_length: int | None = None,
                      overlong_cache: int | None = None, **options: Any) -> list[Callable[..., Any]]:
    """The reward functions of a GRPO run, one per component and in that order (match `reward_weights`).

    `overlong` needs `max_completion_length` (the run's); it starts punishing `overlong_cache` tokens
    (default a quarter of the length) before the limit, linearly down to −1 at it."""
    engine = VideoCodeReward(reward_config, backend=backend, **options)
    funcs: list[Callable[..., Any]] = []
    for component in components:
        if component == TOTAL:
            funcs.append(engine)
        elif component == OVERLONG:
            if max_completion_length is None:
                raise ValueError("the overlong component needs max_completion_length")
            from trl.rewards import get_soft_overlong_punishment

            funcs.append(get_soft_overlong_punishment(max_completion_length,
                                                      overlong_cache or max(1, max_completion_length // 4)))
        else:
            funcs.append(ComponentReward(engine, component))
    return funcs


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


def _batch_key(texts: list[str], *columns: Sequence[str] | None) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    for column in columns:
        digest.update(repr(list(column) if column is not None else None).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
