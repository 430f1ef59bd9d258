"""`load_tasks(spec)`: one entry point for every task source.

Specs:
    builtin:animations[?seed=N]     procedural animations (`AnimationTaskSource`)
    builtin:interactions[?seed=N]   procedural interactive pages (`InteractionTaskSource`)
    builtin:animatecss[?seed=N]     animate.css's named animations (`AnimateCssTaskSource`)
    anim2code:PATH | video2code:PATH | folder:PATH   a dataset in that layout
    PATH                            a dataset whose layout is detected (Animation2Code, Video2Code, folder)
    [Task, ...]                     tasks built elsewhere
Keyword arguments go to the source: config fields for the built-ins (`fps=30`, `viewport=(1024, 768)`),
loader arguments for datasets (`fps`, `viewport`, ...).

A new source is one module and one line in `BUILTINS` or `LAYOUTS`.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import parse_qs

from .anim2code import is_anim2code_root, load_anim2code
from .animatecss import AnimateCssConfig, AnimateCssTaskSource
from .folder import is_task_folder, load_folder
from .generator_animations import AnimationConfig, AnimationTaskSource
from .generator_interactions import InteractionConfig, InteractionTaskSource
from .loading import LoadedSource, TaskLoadError
from .source import GeneratedSource, TaskSource
from .task import Task
from .video2code import is_video2code_root, load_video2code

BUILTINS: dict[str, tuple[type[GeneratedSource], type]] = {
    "animations": (AnimationTaskSource, AnimationConfig),
    "interactions": (InteractionTaskSource, InteractionConfig),
    "animatecss": (AnimateCssTaskSource, AnimateCssConfig),
}
"""Built-in generators by name, with their config class."""

LAYOUTS: dict[str, tuple[Callable[[Path], bool], Callable[..., LoadedSource]]] = {
    "anim2code": (is_anim2code_root, load_anim2code),
    "video2code": (is_video2code_root, load_video2code),
    "folder": (lambda p: p.is_file() or is_task_folder(p), load_folder),
}
"""Dataset layouts in detection order: (does this path look like it?, loader)."""


def load_tasks(spec: str | Path | Sequence[Task], **options: Any) -> TaskSource:
    """A task source for `spec` (see the module docstring); raises `ValueError` for specs it cannot read."""
    if isinstance(spec, (list, tuple)):
        if not all(isinstance(t, Task) for t in spec):
            raise TypeError("a list spec must contain only Task objects")
        return LoadedSource("list", list(spec))
    text = str(spec)
    if text.startswith("builtin:"):
        return _builtin(text[len("builtin:"):], options)
    layout, _, rest = text.partition(":")
    if layout in LAYOUTS and rest:
        return LAYOUTS[layout][1](Path(rest), **options)
    path = Path(text)
    if not path.exists():
        raise TaskLoadError(path, f"no such file or folder (and not a known spec: builtin:{{{','.join(BUILTINS)}}}, "
                                  f"{', '.join(f'{k}:PATH' for k in LAYOUTS)})")
    for detect, load in LAYOUTS.values():
        if detect(path):
            return load(path, **options)
    raise TaskLoadError(path, "cannot tell its layout: expected codepen-*/ folders (Animation2Code), results/ and "
                              "videos/ (Video2Code), or .html pages and videos")


def detect_layout(path: str | Path) -> str | None:
    """The name of the first layout `path` looks like, or None."""
    path = Path(path)
    return next((name for name, (detect, _) in LAYOUTS.items() if path.exists() and detect(path)), None)


def _builtin(rest: str, options: dict[str, Any]) -> GeneratedSource:
    name, _, query = rest.partition("?")
    if name not in BUILTINS:
        raise ValueError(f"unknown built-in source {name!r}; expected one of {', '.join(BUILTINS)}")
    source_cls, config_cls = BUILTINS[name]
    params = {k: v[-1] for k, v in parse_qs(query, strict_parsing=False).items()} if query else {}
    unknown = set(params) - {"seed"}
    if unknown:
        raise ValueError(f"builtin:{name}: unknown parameters {sorted(unknown)} (only ?seed=N)")
    try:
        seed = int(params.get("seed", options.pop("seed", 0)))
    except ValueError:
        raise ValueError(f"builtin:{name}: seed must be an integer, got {params['seed']!r}") from None
    allowed = {f.name for f in fields(config_cls)}
    unknown = set(options) - allowed
    if unknown:
        raise ValueError(f"builtin:{name}: unknown options {sorted(unknown)}; config fields: {', '.join(sorted(allowed))}")
    return source_cls(seed, config_cls(**options))


__all__ = ["BUILTINS", "LAYOUTS", "detect_layout", "load_tasks"]
