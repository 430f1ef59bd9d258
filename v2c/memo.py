"""`AsyncMemo`: a bounded, least-recently-used memo of awaited results that computes each key once.

Concurrent requests for one key (a GRPO group scoring the same page, eight rollouts preparing the
same reference) share one computation: the first computes, the others await it. A failed
computation is not memoised. For plain functions `functools.lru_cache` does the same job.
"""
from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Awaitable, Callable, Generic, Hashable, TypeVar

T = TypeVar("T")


class AsyncMemo(Generic[T]):
    """`await memo.get(key, compute)`: the memoised result for `key`, else `await compute()` (once per key)."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        self.maxsize = maxsize
        self.hits = 0
        """Requests answered from the memo or by a computation already running."""
        self.misses = 0
        """Computations started."""
        self._done: OrderedDict[Hashable, T] = OrderedDict()
        self._running: dict[Hashable, asyncio.Future] = {}

    def __len__(self) -> int:
        return len(self._done)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._done

    def clear(self) -> None:
        """Forget every finished result (computations under way finish and are kept)."""
        self._done.clear()

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        if key in self._done:
            self.hits += 1
            self._done.move_to_end(key)
            return self._done[key]
        if key in self._running:
            self.hits += 1
            return await asyncio.shield(self._running[key])
        self.misses += 1
        future = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            value = await compute()
            future.set_result(value)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved here, so a failure with no other waiter is not reported twice
            raise
        finally:
            del self._running[key]
        self._done[key] = value
        while len(self._done) > self.maxsize:
            self._done.popitem(last=False)
        return value


__all__ = ["AsyncMemo"]
