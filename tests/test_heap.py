"""`v2c.heap`: freed heap pages leave the resident set, and capped arenas do not each keep their own.

The soak's memory bound (`benchmarks/soak_env.py`) rests on both. Each case runs in a fresh interpreter,
since arenas, once made, last for the process.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from v2c.heap import _glibc

pytestmark = pytest.mark.skipif(_glibc() is None, reason="the C library is not glibc")

# Eight threads, alive at once, in turn allocate ~30 MB in 64 KB arrays (below glibc's mmap threshold: from the heap)
# and free them but the last one, which pins the top of its arena so glibc cannot shrink it by itself.
# Prints the resident MB after the threads, then after `return_freed_memory()`.
PROGRAM = """
import sys, threading, numpy as np, psutil
from v2c.heap import cap_malloc_arenas, return_freed_memory
if sys.argv[1] == "cap":
    assert cap_malloc_arenas()
kept, together, in_turn = [], threading.Barrier(8), threading.Lock()
def churn():
    together.wait()  # all alive at once, as a pool's threads are: each is given an arena of its own
    with in_turn:  # one after the other: what one freed, the next may reuse if they share an arena
        arrays = [np.ones(8192) for _ in range(480)]
        kept.append(arrays[-1])
        del arrays
    together.wait()
workers = [threading.Thread(target=churn) for _ in range(8)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join()
rss = lambda: psutil.Process().memory_info().rss / 2**20
print(rss())
return_freed_memory()
print(rss())
"""


def resident_mb(mode: str) -> tuple[float, float]:
    env = {"PATH": "/usr/bin:/bin"}  # no MALLOC_ARENA_MAX from the caller
    out = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, env=env, check=True)
    after_threads, after_trim = map(float, out.stdout.split())
    return after_threads, after_trim


def test_capped_arenas_keep_less_and_trimming_returns_the_rest() -> None:
    default_threads, default_trimmed = resident_mb("default")
    capped_threads, _ = resident_mb("cap")
    # Default: each thread's arena keeps its ~30 MB; capped: two arenas reuse each other's freed pages.
    assert default_threads - capped_threads > 100, (default_threads, capped_threads)
    assert default_threads - default_trimmed > 100, (default_threads, default_trimmed)


def test_a_users_malloc_arena_max_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    from v2c import heap

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    heap.cap_malloc_arenas.cache_clear()
    try:
        assert heap.cap_malloc_arenas() is False
    finally:
        heap.cap_malloc_arenas.cache_clear()
