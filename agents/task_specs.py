"""Task sources by spec, with the agent-side template families on top of `v2c.envs.tasks.load_tasks`.

    resolve_tasks("template:pick?seed=0")    # PickTaskSource: pick the colour and duration (GRPO's easiest family)
    resolve_tasks("builtin:animations")      # anything else goes to envs.tasks.load_tasks
"""
from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import parse_qs

from v2c.envs.tasks import load_tasks
from v2c.envs.tasks.source import GeneratedSource, TaskSource
from v2c.envs.tasks.task import Task

from .pick_tasks import PickConfig, PickTaskSource

TEMPLATES: dict[str, tuple[type, type]] = {"pick": (PickTaskSource, PickConfig)}
"""Template families by name (`template:NAME[?seed=N]`)."""


def resolve_tasks(spec: str | Path | Sequence[Task] | TaskSource, **options: Any) -> TaskSource:
    """A task source for `spec`: `template:NAME[?seed=N]`, any `load_tasks` spec, a list of tasks, or a source."""
    if hasattr(spec, "__iter__") and hasattr(spec, "name") and not isinstance(spec, (str, Path)):
        return spec  # already a source
    text = str(spec) if isinstance(spec, (str, Path)) else None
    if text is not None and text.startswith("template:"):
        name, _, query = text[len("template:"):].partition("?")
        if name not in TEMPLATES:
            raise ValueError(f"unknown template family {name!r}; expected one of {', '.join(TEMPLATES)}")
        params = {k: v[-1] for k, v in parse_qs(query).items()} if query else {}
        seed = int(params.pop("seed", options.pop("seed", 0)))
        if params:
            raise ValueError(f"template:{name}: unknown parameters {sorted(params)} (only ?seed=N)")
        source_cls, config_cls = TEMPLATES[name]
        return source_cls(seed, config_cls(**options))
    return load_tasks(spec, **options)


def take_tasks(spec: str | Path | Sequence[Task] | TaskSource, limit: int | None) -> list[Task]:
    """The first `limit` tasks of a source (all of a finite one when `limit` is None)."""
    source = resolve_tasks(spec)
    if limit is None and isinstance(source, GeneratedSource):
        raise ValueError(f"{source.name} is unbounded: pass a limit")
    return list(islice(iter(source), limit))
