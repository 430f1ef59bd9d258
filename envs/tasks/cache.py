"""A task's reference video: its recording, or its page rendered once and kept on disk.

`render_reference(task)` is `v2c.rewards.reference.source_video` for a task — the same path and the
same on-disk cache (`ReferenceCache`, under `$V2C_CACHE_DIR/references` or `~/.cache/v2c/references`)
the scorer prepares references through — plus the task's recording (its lead-in trimmed) and errors that
name the task. `v2c tasks render` fills the cache ahead of training with it.
"""
from __future__ import annotations

import asyncio

from v2c.render import RenderBackend, default_pool
from v2c.rewards.reference import ReferenceCache, ReferenceRenderError, source_video
from v2c.rewards.scorer import run_sync
from v2c.video import Video

from .task import Task


def render_reference(task: Task, renderer: RenderBackend | None = None, cache: ReferenceCache | None = None,
                     use_cache: bool = True) -> Video:
    """The task's reference frames: its recording, or its page rendered (from the cache when seen before)."""
    return run_sync(render_reference_async(task, renderer, cache, use_cache))


async def render_reference_async(task: Task, renderer: RenderBackend | None = None,
                                 cache: ReferenceCache | None = None, use_cache: bool = True) -> Video:
    """`render_reference` from inside an event loop (async reward functions, Jupyter)."""
    if task.video is not None:
        return await asyncio.to_thread(task.load_video)
    try:
        return await source_video(task.to_reference(), renderer or default_pool(),
                                  (cache or ReferenceCache()) if use_cache else None)
    except ReferenceRenderError as error:
        raise ReferenceRenderError(f"task {task.id} ({task.source}): {error}") from None
