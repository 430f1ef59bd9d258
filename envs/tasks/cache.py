"""Reference videos rendered once: an on-disk cache keyed by what determines the frames.

`render_reference(task)` is the task's reference as a `Video` — its recording when it has one,
else its source page rendered (duration, fps, viewport, interaction script) and stored losslessly
as `.npz` under `~/.cache/v2c/references/` (`$V2C_CACHE_DIR/references` when set). The key is a
hash of the page's content, the recording settings, the script and the renderer's frame encoding
(`RenderConfig.pixel_recipe`), so an edited page, another fps or JPEG frames are a new entry and
nothing is ever stale. Pass the result to `task.to_reference(video=...)`
and the scorer skips its own render of an animation reference.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from v2c.render import RenderBackend, RenderConfig, RenderResult, default_pool
from v2c.video import Video, VideoError, read_video, write_video

from .task import Task

log = logging.getLogger("v2c.tasks")

CACHE_VERSION = 3
"""Bumped when the renderer changes what pixels a page gives; old entries are then never looked up.
2: pages are served as UTF-8 with `charset=utf-8`, so non-ASCII text without `<meta charset>` is no
longer decoded as windows-1252. 3: rAF at a 60 Hz virtual display, seeded randomness, shadow-root and
iframe animations and `document.timeline` on the virtual clock."""


class ReferenceRenderError(RuntimeError):
    """A task's reference page did not render; the message names the task and what went wrong."""


def default_cache_dir() -> Path:
    root = os.environ.get("V2C_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "v2c") / "references"


@dataclass
class ReferenceCache:
    """Rendered reference frames on disk, one lossless `.npz` per key."""

    root: Path | None = None
    """Folder of the entries; None: `$V2C_CACHE_DIR/references`, else `~/.cache/v2c/references`."""

    def __post_init__(self) -> None:
        self.root = Path(self.root) if self.root is not None else default_cache_dir()

    @staticmethod
    def key(task: Task, pixel_recipe: str = "png") -> str:
        """Hash of everything the rendered frames depend on (not the task id: equal pages share an entry);
        `pixel_recipe` is the renderer's `RenderConfig.pixel_recipe(viewport)`."""
        if task.page is None:
            raise ValueError(f"task {task.id} has no page to render")
        recipe = [CACHE_VERSION, task.page.content_hash(), task.duration_s, task.fps, list(task.viewport),
                  [s.to_dict() for s in task.interactions]]
        if pixel_recipe != "png":  # png keys stay as they were before JPEG frames existed
            recipe.append(pixel_recipe)
        return hashlib.sha256(json.dumps(recipe, sort_keys=True, default=str).encode()).hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def get(self, key: str) -> Video | None:
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            return read_video(path)
        except VideoError as error:  # a torn write or a disk error: drop it and render again
            log.warning("reference cache entry %s is unreadable (%s); rendering again", path, error)
            path.unlink(missing_ok=True)
            return None

    def put(self, key: str, video: Video) -> Path:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the entry and rename: readers never see half a file, racing writers both succeed.
        handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        os.close(handle)
        try:
            write_video(tmp, video.frames, video.fps)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return path


def render_reference(task: Task, renderer: RenderBackend | None = None, cache: ReferenceCache | None = None,
                     use_cache: bool = True) -> Video:
    """The task's reference frames: its recording, or its page rendered (from the cache when seen before)."""
    if task.video is not None:
        return task.load_video()
    cache, key, hit = _lookup(task, renderer, cache, use_cache)
    if hit is not None:
        return hit
    renderer = renderer or default_pool()
    result = renderer.render(task.page, task.duration_s, task.fps, task.viewport, list(task.interactions))
    return _store(task, result, cache, key)


async def render_reference_async(task: Task, renderer: RenderBackend | None = None,
                                 cache: ReferenceCache | None = None, use_cache: bool = True) -> Video:
    """`render_reference` from inside an event loop (async reward functions, Jupyter)."""
    if task.video is not None:
        import asyncio

        return await asyncio.to_thread(task.load_video)
    cache, key, hit = _lookup(task, renderer, cache, use_cache)
    if hit is not None:
        return hit
    renderer = renderer or default_pool()
    result = await renderer.render_async(task.page, task.duration_s, task.fps, task.viewport, list(task.interactions))
    return _store(task, result, cache, key)


def _lookup(task: Task, renderer: RenderBackend | None, cache: ReferenceCache | None,
            use_cache: bool) -> tuple[ReferenceCache | None, str, Video | None]:
    """(the cache to store into or None, the entry's key, a cached video or None). Needs no browser:
    `renderer=None` means the default pool (a default `RenderConfig`), as does a backend that does not say."""
    config = getattr(renderer, "config", None) or RenderConfig()
    key = ReferenceCache.key(task, config.pixel_recipe(tuple(task.viewport)))
    cache = (cache or ReferenceCache()) if use_cache else None
    return cache, key, cache.get(key) if cache is not None else None


def _store(task: Task, result: RenderResult, cache: ReferenceCache | None, key: str) -> Video:
    if not result.ok:
        errors = "; ".join(result.page_errors[:3])
        raise ReferenceRenderError(f"task {task.id} ({task.source}): the reference page could not be rendered "
                                   f"({result.status.value}): {result.reason}" + (f"; page errors: {errors}" if errors else ""))
    video = Video(result.frames, result.timestamps, task.fps)
    if cache is not None:
        cache.put(key, video)
    return video
