"""Keep the process's resident memory at what it holds: glibc's arenas capped, freed pages returned.

An episode allocates and frees frame stacks of tens to hundreds of megabytes (the reference, every
candidate render, resized observations) on several threads: the render loop's, `asyncio.to_thread`'s
pool that scores, OpenCV's. glibc gives each thread that contends for the heap its own arena (up to 8
per core) and keeps the pages freed in each for reuse, so resident memory climbs to the sum of every
arena's high-water mark although nothing holds the arrays. Measured over 40 env episodes of
`benchmarks/soak_env.py` on 2 cores: 360 → 413 MB with glibc's defaults, with `tracemalloc` seeing
15 MB alive; 296 → 294 MB with two arenas. Two calls, both no-ops where the C library is not glibc
(macOS, musl):

- `cap_malloc_arenas()`, called when a renderer pool starts its threads: at most two arenas for
  threads created from then on, unless the user set `MALLOC_ARENA_MAX` (theirs stands). The threads
  that allocate here mostly run Python, so they contend on the GIL before they contend on malloc.
- `return_freed_memory()`, called by the env after each render (`malloc_trim(0)`, 5-20 ms): the
  free pages go back to the OS. Dask's workers do the same for the same reason ("Memory not
  released back to the OS" in its worker-memory docs).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

_M_ARENA_MAX = -8
"""mallopt's parameter number for M_ARENA_MAX (glibc's malloc.h)."""
ARENAS = 2
"""Arenas `cap_malloc_arenas` allows."""


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


@functools.cache
def cap_malloc_arenas() -> bool:
    """At most `ARENAS` malloc arenas from now on (once per process); False where glibc is absent or
    `MALLOC_ARENA_MAX` is set."""
    libc = _glibc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, ARENAS))


def return_freed_memory() -> bool:
    """Give free heap pages back to the OS (glibc's `malloc_trim(0)`); False where the C library has no such call."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
