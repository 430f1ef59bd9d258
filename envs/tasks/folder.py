"""Load a plain folder of `.html` pages and/or videos, with optional sidecar JSON per item.

Every file stem is one task (id = stem): `bounce.html`, `bounce.mp4` and `bounce.json` together
make one task whose reference is the video and whose oracle is the page. Sidecar keys, all
optional:

    {"duration_s": 3, "fps": 10, "viewport": [512, 384] | "512x384", "interactions": [step, ...],
     "kind": "animation" | "interaction", "difficulty": 2, "metadata": {...}}

(`duration`, `steps` are accepted for `duration_s`, `interactions`). Steps are the renderer's
`{"action", "t", "target", "value"}`. Defaults: a video's own duration and frame size, else 3 s at
512×384; 10 fps; `interaction` when there are steps. Unknown keys are rejected so typos surface.
An `.html` page is served with the local files it references (like `v2c render`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .loader_base import (
    HTML_EXTENSIONS, VIDEO_EXTENSIONS, LoadedSource, TaskLoadError, load_items, parse_viewport, positive, probe_video,
    read_json,
)
from .pages import read_page
from .task import KINDS, Task, interactions_from

SIDECAR_KEYS = frozenset({"duration_s", "duration", "fps", "viewport", "interactions", "steps", "kind", "difficulty",
                          "metadata"})


def is_task_folder(path: Path) -> bool:
    return path.is_dir() and any(p.suffix.lower() in HTML_EXTENSIONS | VIDEO_EXTENSIONS for p in path.iterdir())


def load_folder(path: str | Path, fps: float = 10.0, viewport: tuple[int, int] | None = None,
                duration_s: float | None = None) -> LoadedSource:
    """Tasks from a folder (or one file); arguments are defaults a sidecar overrides."""
    path = Path(path)
    name = f"folder:{path}"
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
    else:
        raise TaskLoadError(path, "no such file or folder")
    groups: dict[str, dict[str, Path]] = {}
    for file in files:
        suffix = file.suffix.lower()
        kind = "html" if suffix in HTML_EXTENSIONS else "video" if suffix in VIDEO_EXTENSIONS else \
            "sidecar" if suffix == ".json" else None
        if kind:
            group = groups.setdefault(file.stem, {})
            group.setdefault(kind, file)  # one page and one video per stem: the first by name wins
    items = [(g.get("html") or g.get("video") or g["sidecar"], g) for _, g in sorted(groups.items())]

    def make(_: Path, group: dict[str, Path]) -> Task:
        return _task(group, fps, viewport, duration_s, name)

    return load_items(name, items, make)


def _task(group: dict[str, Path], fps: float, viewport: tuple[int, int] | None, duration_s: float | None,
          source: str) -> Task:
    html, video, sidecar = group.get("html"), group.get("video"), group.get("sidecar")
    if html is None and video is None:
        raise TaskLoadError(sidecar, "a sidecar with no .html page or video of the same name")
    spec: dict[str, Any] = {}
    if sidecar is not None:
        spec = read_json(sidecar)
        if not isinstance(spec, dict):
            raise TaskLoadError(sidecar, f"expected a JSON object, got {type(spec).__name__}")
        unknown = set(spec) - SIDECAR_KEYS
        if unknown:
            raise TaskLoadError(sidecar, f"unknown keys {sorted(unknown)}; allowed: {', '.join(sorted(SIDECAR_KEYS))}")
    where = sidecar or html or video
    info = probe_video(video) if video else None
    try:
        steps = interactions_from(spec.get("interactions", spec.get("steps", [])))
    except (TypeError, ValueError) as error:
        raise TaskLoadError(where, f"interactions: {error}") from None
    duration = spec.get("duration_s", spec.get("duration"))
    duration = positive(duration, "duration_s", where) if duration is not None else \
        duration_s or (info.duration_s if info and info.duration_s else 3.0)
    size = spec.get("viewport") or viewport or (info.size if info else (512, 384))
    kind = spec.get("kind", "interaction" if steps else "animation")
    if kind not in KINDS:
        raise TaskLoadError(where, f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    difficulty = spec.get("difficulty", 0)
    if not isinstance(difficulty, int) or isinstance(difficulty, bool) or difficulty < 0:
        raise TaskLoadError(where, f"difficulty must be a non-negative integer, got {difficulty!r}")
    metadata = spec.get("metadata", {})
    if not isinstance(metadata, dict):
        raise TaskLoadError(where, "metadata must be an object")
    return Task(
        id=(html or video).stem, kind=kind, page=read_page(str(html)) if html else None, video=video,
        video_fps=info.fps if info else None, duration_s=round(duration, 3),
        fps=positive(spec.get("fps", fps), "fps", where), viewport=parse_viewport(size, where),
        interactions=steps, difficulty=difficulty, source=source,
        metadata={**metadata, "files": sorted(str(p) for p in group.values())},
    )


__all__ = ["is_task_folder", "load_folder"]
