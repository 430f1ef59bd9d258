"""Tasks carried by dataset rows, and their prepared references: shared by reward functions and tool envs.

A training row names its task either by a serialised task (the `task` column: JSON of
`v2c.envs.tasks.hf.task_to_row`, self-contained, works for any source) or by `task_id` + `task_source`
(a spec `v2c.agents.task_specs.resolve_tasks` reads; shorter rows, but the source must be readable
where training runs). `RowTasks` turns either into `Task`s, and `prepare` gives the scorer's
`PreparedReference` (rendered once, cached on disk by `render_reference`, in memory here).
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any, Sequence

from v2c.envs.tasks.cache import render_reference_async
from v2c.envs.tasks.hf import task_from_row, task_to_row
from v2c.envs.tasks.source import GeneratedSource
from v2c.envs.tasks.task import Task
from v2c.rewards import RewardScorer
from v2c.rewards.scorer import PreparedReference

from .task_specs import resolve_tasks


def serialise_task(task: Task) -> str:
    """The `task` column of a row: everything needed to rebuild the task, as one JSON string."""
    return json.dumps(task_to_row(task), sort_keys=True)


class RowTasks:
    """Rows → `Task`s → `PreparedReference`s, with small in-memory caches (rows repeat across a GRPO group)."""

    def __init__(self, scorer: RewardScorer, cache_size: int = 256) -> None:
        self.scorer = scorer
        self._tasks: OrderedDict[str, Task] = OrderedDict()
        self._sources: dict[str, Any] = {}
        self._by_id: dict[str, dict[str, Task]] = {}
        self._prepared: OrderedDict[str, PreparedReference] = OrderedDict()
        self._cache_size = cache_size

    def task(self, serialised: str | None = None, task_id: str | None = None, source: str | None = None) -> Task:
        """The task of one row: from its `task` JSON, else from `task_id` in `source`."""
        if serialised:
            key = hashlib.sha256(serialised.encode()).hexdigest()
            if key not in self._tasks:
                self._tasks[key] = task_from_row(json.loads(serialised))
                while len(self._tasks) > self._cache_size:
                    self._tasks.popitem(last=False)
            return self._tasks[key]
        if task_id is None or source is None:
            raise ValueError("a row needs a `task` column (serialised task) or `task_id` and `task_source` columns")
        return self._lookup(str(task_id), str(source))

    def tasks(self, n: int, task: Sequence[str] | None = None, task_id: Sequence[str] | None = None,
              task_source: Sequence[str] | None = None) -> list[Task]:
        """The tasks of `n` rows, from the columns TRL passes to reward functions (lists, one entry per row)."""
        return [self.task(task[i] if task else None, task_id[i] if task_id else None,
                          task_source[i] if task_source else None) for i in range(n)]

    def _lookup(self, task_id: str, spec: str) -> Task:
        source = self._sources.get(spec)
        if source is None:
            source = self._sources[spec] = resolve_tasks(spec)
        if isinstance(source, GeneratedSource):
            index = task_id.rsplit("-", 1)[-1]  # generated ids end in their index
            if index.isdigit() and source[int(index)].id == task_id:
                return source[int(index)]
            raise KeyError(f"no task {task_id!r} in {spec}")
        if spec not in self._by_id:
            self._by_id[spec] = {t.id: t for t in source}
        try:
            return self._by_id[spec][task_id]
        except KeyError:
            raise KeyError(f"no task {task_id!r} in {spec}") from None

    async def prepare(self, task: Task) -> PreparedReference:
        """The task's reference, rendered (disk-cached) and prepared for scoring (memory-cached)."""
        key = f"{task.source}|{task.id}|{task.page.content_hash() if task.page else task.video}"
        if key in self._prepared:
            self._prepared.move_to_end(key)
            return self._prepared[key]
        if hasattr(self.scorer, "renderer"):
            reference = task.to_reference(video=await render_reference_async(task, self.scorer.renderer))
        else:  # a remote scorer (`RayScoringPool`) renders the reference where it scores, next to its cache
            reference = task.to_reference()
        prepared = await self.scorer.prepare_async(reference)
        self._prepared[key] = prepared
        while len(self._prepared) > self._cache_size:
            self._prepared.popitem(last=False)
        return prepared
