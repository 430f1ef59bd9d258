"""The task-source contract, and the base class of the seeded, unbounded built-in generators.

Every source has a `name`, iterates its tasks, and looks one up by id (`get`, `KeyError` when it
has none). `bounded` says whether it ends: a bounded source (a loaded dataset, a list) has `len()`;
an unbounded one (a generator) raises `TypeError` from `len()` — take a prefix with
`itertools.islice` or `take_tasks(spec, limit)` instead.

A generated source is a pure function of (seed, index): task i of seed s is the same on every
machine and in every process, whatever was generated before it, so a training run can resume at
task 10,000 or shard tasks across workers without generating the first 9,999.
"""
from __future__ import annotations

import random
from itertools import count
from typing import Iterator, Protocol, overload, runtime_checkable

from .task import Task


@runtime_checkable
class TaskSource(Protocol):
    """Anything that yields tasks: the built-in generators, loaded datasets, a list."""

    name: str
    """How `load_tasks` names it (`builtin:animations`, `anim2code:/data/...`)."""
    bounded: bool
    """True when the source ends (then `len()` counts it); False for generators (`len()` raises `TypeError`)."""

    def __iter__(self) -> Iterator[Task]: ...

    def __len__(self) -> int: ...

    def get(self, task_id: str) -> Task:
        """The task with this id; `KeyError` when the source has none."""
        ...


class GeneratedSource:
    """An unbounded, indexable, reproducible sequence of generated tasks.

    Subclasses implement `make(index, rng)`; `rng` is seeded from (namespace, seed, index) alone.
    """

    namespace = "generated"
    """Mixed into every task's random seed, so two generators with the same seed do not correlate."""
    name = "builtin:generated"
    bounded = False

    def __init__(self, seed: int = 0) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"seed must be an int, got {seed!r}")
        self.seed = seed

    def make(self, index: int, rng: random.Random) -> Task:
        raise NotImplementedError

    def rng(self, index: int) -> random.Random:
        # String seeds go through SHA-512 in `random.seed`: stable across processes and Python
        # versions, unlike hash(), which PYTHONHASHSEED randomises.
        return random.Random(f"v2c:{self.namespace}:{self.seed}:{index}")

    @overload
    def __getitem__(self, index: int) -> Task: ...
    @overload
    def __getitem__(self, index: slice) -> list[Task]: ...

    def __getitem__(self, index: int | slice) -> Task | list[Task]:
        if isinstance(index, slice):
            if index.stop is None or (index.start or 0) < 0 or index.stop < 0:
                raise IndexError("slices of an unbounded source need a non-negative start and stop")
            return [self[i] for i in range(*index.indices(index.stop))]
        if not isinstance(index, int) or index < 0:
            raise IndexError(f"task index must be a non-negative int (the source is unbounded), got {index!r}")
        return self.make(index, self.rng(index))

    def __iter__(self) -> Iterator[Task]:
        return (self[i] for i in count())

    def __len__(self) -> int:
        raise TypeError(f"{self.name} is unbounded: it has no len(); take a prefix (`take(n)`, `take_tasks(spec, n)`)")

    def get(self, task_id: str) -> Task:
        """Task `<id prefix>-<seed>-<index>` (generated ids end in their index): made directly, not searched for."""
        index = str(task_id).rsplit("-", 1)[-1]
        if index.isdigit():
            task = self[int(index)]
            if task.id == task_id:
                return task
        raise KeyError(f"no task {task_id!r} in {self.name} (seed {self.seed})")

    def take(self, n: int, start: int = 0) -> list[Task]:
        """Tasks start … start+n-1."""
        return [self[i] for i in range(start, start + n)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(seed={self.seed})"
