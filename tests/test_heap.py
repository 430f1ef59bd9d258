"""`return_freed_memory` hands freed heap pages back to the OS (the soak's memory bound rests on it)."""
from __future__ import annotations

import threading

import numpy as np
import psutil
import pytest

from v2c.heap import return_freed_memory


def _fragment_a_thread_arena(keep: list) -> None:
    # 64 KB arrays come from the heap (below glibc's mmap threshold); the one kept last pins the top of
    # the arena, so glibc cannot give the freed pages back by itself.
    arrays = [np.ones(8192) for _ in range(3000)]
    keep.append(arrays[-1])
    del arrays


def test_freed_heap_pages_leave_the_resident_set() -> None:
    keep: list = []
    worker = threading.Thread(target=_fragment_a_thread_arena, args=(keep,))
    worker.start()
    worker.join()
    before = psutil.Process().memory_info().rss
    if not return_freed_memory():
        pytest.skip("the C library has no malloc_trim (not glibc)")
    released = (before - psutil.Process().memory_info().rss) / 2**20
    assert released > 100, f"only {released:.0f} MB of ~190 MB freed in a thread arena went back to the OS"
