"""Tasks carried by dataset rows, and their prepared references: shared by reward functions and tool envs.

A training row names its task by a serialised task (the `task` column: JSON of
`v2c.envs.tasks.hf.task_to_row`, self-contained, works for any source), by the flat task columns
themselves (a row of `v2c.envs.tasks.to_hf_dataset`, `ROW_COLUMNS`), or by `task_id` + `task_source`
(a spec `v2c.envs.tasks.load_tasks` reads, looked up with `TaskSource.get`; shorter rows, but the
source must be readable where training runs). `RowTasks` turns either into `Task`s, and `reference`
into their `Reference`s, one object per task while it is in use (a recording is loaded once, and the
reference's key is hashed once); the backend's scorer prepares and memoises them (`v2c.rewards.reference`).
"""
from __future__ import annotations

import functools
import json
from collections import OrderedDict
from typing import Any, Mapping, Sequence

from v2c.envs.tasks import TaskSource, load_tasks
from v2c.envs.tasks.hf import ROW_COLUMNS, task_from_row, task_to_row
from v2c.envs.tasks.task import Task
from v2c.rewards import Reference

ROWS_CACHED = 256
"""Tasks (and their references) kept in memory: a GRPO batch repeats each row `num_generations` times."""


def serialise_task(task: Task) -> str:
    """The `task` column of a row: everything needed to rebuild the task, as one JSON string."""
    return json.dumps(task_to_row(task), sort_keys=True)


@functools.lru_cache(maxsize=ROWS_CACHED)
def _task_from_json(serialised: str) -> Task:
    return task_from_row(json.loads(serialised))


@functools.lru_cache(maxsize=32)
def _source(spec: str) -> TaskSource:
    return load_tasks(spec)


def task_key(task: Task) -> str:
    """What identifies a task's reference among rows: its source, id and content."""
    return f"{task.source}|{task.id}|{task.page.content_hash() if task.page else task.video}"


def task_columns(columns: Mapping[str, Any]) -> dict[str, Any]:
    """The task columns (`ROW_COLUMNS`) among `columns` when all are there, else nothing."""
    return {name: columns[name] for name in ROW_COLUMNS} if all(name in columns for name in ROW_COLUMNS) else {}


class RowTasks:
    """Rows → `Task`s → `Reference`s, memoised (rows repeat across a GRPO group)."""

    def __init__(self, cache_size: int = ROWS_CACHED) -> None:
        self.cache_size = cache_size
        self._references: OrderedDict[str, Reference] = OrderedDict()

    def task(self, serialised: str | None = None, task_id: str | None = None, source: str | None = None,
             row: Mapping[str, Any] | None = None) -> Task:
        """The task of one row: from its `task` JSON, else from its task columns (`row` holding all of
        `ROW_COLUMNS`), else from `task_id` in `source`."""
        if serialised:
            return _task_from_json(serialised)
        if row is not None and all(name in row for name in ROW_COLUMNS):
            return _task_from_json(json.dumps({name: row[name] for name in ROW_COLUMNS}, sort_keys=True))
        if task_id is None or source is None:
            raise ValueError("a row needs a `task` column (serialised task) or `task_id` and `task_source` columns")
        return _source(str(source)).get(str(task_id))

    def tasks(self, n: int, task: Sequence[str] | None = None, task_id: Sequence[str] | None = None,
              task_source: Sequence[str] | None = None, **columns: Sequence[Any]) -> list[Task]:
        """The tasks of `n` rows, from the columns TRL passes to reward functions (lists, one entry per row)."""
        flat = task_columns(columns)
        return [self.task(task[i] if task else None, task_id[i] if task_id else None,
                          task_source[i] if task_source else None,
                          {name: values[i] for name, values in flat.items()} if flat else None) for i in range(n)]

    def reference(self, task: Task) -> Reference:
        """The task's `Reference`: the same object while the task is among the last `cache_size` seen."""
        key = task_key(task)
        if key not in self._references:
            self._references[key] = task.to_reference()
            while len(self._references) > self.cache_size:
                self._references.popitem(last=False)
        self._references.move_to_end(key)
        return self._references[key]
