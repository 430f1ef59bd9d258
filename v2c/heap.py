"""`return_freed_memory()`: hand memory that Python has freed back to the operating system.

An episode allocates and frees frame stacks of tens to hundreds of megabytes (the reference, every
candidate render, resized observations), decoded on the render loop's thread and on OpenCV's. glibc
keeps freed heap pages in its per-thread arenas for reuse instead of returning them, so the process's
resident memory climbs to the high-water mark of that fragmentation and stays there although nothing
holds the arrays: measured with `benchmarks/soak_env.py`, +110 MB of RSS over the first 100 episodes
while `tracemalloc` saw 15 MB alive. `malloc_trim(0)` returns those pages; it costs 5-20 ms, so it
is called once per episode, not per frame. Dask's workers do the same for the same reason
("Memory not released back to the OS" in its worker-memory docs). Elsewhere than glibc (macOS,
musl) this is a no-op.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def return_freed_memory() -> bool:
    """Give free heap pages back to the OS (glibc's `malloc_trim(0)`); False where the C library has no such call."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
