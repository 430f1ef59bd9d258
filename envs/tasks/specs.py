"""`load_tasks(spec)`: one entry point for every task source.

Specs:
    builtin:animations[?seed=N]     procedural animations (`AnimationTaskSource`)
    builtin:interactions[?seed=N]   procedural interactive pages (`InteractionTaskSource`)
    builtin:animatecss[?seed=N]     animate.css's named animations (`AnimateCssTaskSource`)
    template:pick[?seed=N]          name a sliding square's colour and duration (`PickTaskSource`, answered in words)
    anim2code:PATH | video2code:PATH | folder:PATH   a dataset in that layout
    PATH                            a dataset whose layout is detected (Animation2Code, Video2Code, folder)
    [Task, ...]                     tasks built elsewhere
    a TaskSource                    returned as it is
Keyword arguments go to the source: config fields for the built-ins (`fps=30`, `viewport=(1024, 768)`),
loader arguments for datasets (`fps`, `viewport`, ...).

A new source is one module and one line in `GENERATORS` or `LAYOUTS`. `take_tasks(spec, limit)` is
the first `limit` tasks of any spec, as a list.
"""
from __future__ import annotations

from dataclasses import fields
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import parse_qs

from .anim2code import is_anim2code_root, load_anim2code
from .animatecss import AnimateCssConfig, AnimateCssTaskSource
from .folder import is_task_folder, load_folder
from .generator_animations import AnimationConfig, AnimationTaskSource
from .generator_interactions import InteractionConfig, InteractionTaskSource
from .loader_base import LoadedSource, TaskLoadError
from .pick import PickConfig, PickTaskSource
from .source import GeneratedSource, TaskSource
from .task import Task
from .video2code import is_video2code_root, load_video2code

GENERATORS: dict[str, tuple[type[GeneratedSource], type]] = {
    "builtin:animations": (AnimationTaskSource, AnimationConfig),
    "builtin:interactions": (InteractionTaskSource, InteractionConfig),
    "builtin:animatecss": (AnimateCssTaskSource, AnimateCssConfig),
    "template:pick": (PickTaskSource, PickConfig),
}
"""Seeded generators by spec (`builtin:` code tasks, `template:` word-answered families), with their config class."""

LAYOUTS: dict[str, tuple[Callable[[Path], bool], Callable[..., LoadedSource]]] = {
    "anim2code": (is_anim2code_root, load_anim2code),
    "video2code": (is_video2code_root, load_video2code),
    "folder": (lambda p: p.is_file() or is_task_folder(p), load_folder),
}
"""Dataset layouts in detection order: (does this path look like it?, loader)."""


def load_tasks(spec: str | Path | Sequence[Task] | TaskSource, **options: Any) -> TaskSource:
    """A task source for `spec` (see the module docstring); raises `ValueError` for specs it cannot read."""
    if isinstance(spec, (list, tuple)):
        if not all(isinstance(t, Task) for t in spec):
            raise TypeError("a list spec must contain only Task objects")
        return LoadedSource("list", list(spec))
    if not isinstance(spec, (str, Path)):
        if isinstance(spec, TaskSource):
            return spec
        raise TypeError(f"a task spec is a string, a path, a list of Tasks or a TaskSource, got {type(spec).__name__}")
    text = str(spec)
    family, _, query = text.partition("?")
    if family in GENERATORS:
        return _generated(family, query, options)
    if text.startswith(("builtin:", "template:")):
        raise ValueError(f"unknown generated source {family!r}; expected one of {', '.join(GENERATORS)}")
    layout, _, rest = text.partition(":")
    if layout in LAYOUTS and rest:
        return LAYOUTS[layout][1](Path(rest), **options)
    path = Path(text)
    if not path.exists():
        raise TaskLoadError(path, f"no such file or folder (and not a known spec: {', '.join(GENERATORS)}, "
                                  f"{', '.join(f'{k}:PATH' for k in LAYOUTS)})")
    for detect, load in LAYOUTS.values():
        if detect(path):
            return load(path, **options)
    raise TaskLoadError(path, "cannot tell its layout: expected codepen-*/ folders (Animation2Code), results/ and "
                              "videos/ (Video2Code), or .html pages and videos")


def take_tasks(spec: str | Path | Sequence[Task] | TaskSource, limit: int | None) -> list[Task]:
    """The first `limit` tasks of `spec` (all of a bounded source when `limit` is None)."""
    source = load_tasks(spec)
    if limit is None and not source.bounded:
        raise ValueError(f"{source.name} is unbounded: pass a limit")
    return list(islice(iter(source), limit))


def detect_layout(path: str | Path) -> str | None:
    """The name of the first layout `path` looks like, or None."""
    path = Path(path)
    return next((name for name, (detect, _) in LAYOUTS.items() if path.exists() and detect(path)), None)


def _generated(family: str, query: str, options: dict[str, Any]) -> GeneratedSource:
    source_cls, config_cls = GENERATORS[family]
    params = {k: v[-1] for k, v in parse_qs(query, strict_parsing=False).items()} if query else {}
    unknown = set(params) - {"seed"}
    if unknown:
        raise ValueError(f"{family}: unknown parameters {sorted(unknown)} (only ?seed=N)")
    try:
        seed = int(params.get("seed", options.pop("seed", 0)))
    except ValueError:
        raise ValueError(f"{family}: seed must be an integer, got {params['seed']!r}") from None
    allowed = {f.name for f in fields(config_cls)}
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(f"{family}: unknown options {sorted(unknown)}; config fields: {', '.join(sorted(allowed))}")
    return source_cls(seed, config_cls(**options))


__all__ = ["GENERATORS", "LAYOUTS", "detect_layout", "load_tasks", "take_tasks"]
