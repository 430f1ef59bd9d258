"""A pool of browsers behind a small interface, usable from plain code, threads and Jupyter.

All Playwright objects live on one private event-loop thread. Callers only ever see futures:
`render()` blocks on one (safe from any thread, including one whose own event loop is running, as in
Jupyter), `render_async()` awaits one from any event loop. A distributed backend (Ray actors, a
render service) only has to implement `RenderBackend`.
"""
from __future__ import annotations

import asyncio
import atexit
import os
import threading
from concurrent.futures import Future
from typing import Any, Coroutine, Protocol, Sequence

from playwright.async_api import async_playwright

from v2c.heap import cap_malloc_arenas

from . import network
from .browser import find_chromium
from .config import RenderConfig
from .types import Interaction, Page, RenderResult
from .worker import BrowserWorker

Viewport = tuple[int, int]


class RenderBackend(Protocol):
    """What the rest of v2c needs from a renderer."""

    config: RenderConfig
    """Its settings; `frame_format` changes pixels, so caches of rendered frames key on it."""

    def render(self, page: Page | str, duration_s: float, fps: float, viewport: Viewport = (512, 384),
               interactions: Sequence[Interaction | dict] | None = None, start_s: float = 0.0,
               seed: int | None = None) -> RenderResult:
        """`duration_s · fps` frames of `page`, frame k at virtual time `start_s + k / fps` (`start_s`: a phase
        within the first frame interval, what an aligned recording asks of its candidates; interactions keep
        their own times). `seed`: the seeded randomness of this render (None: `config.seed`; another asks
        whether a page's frames depend on it)."""
        ...

    async def render_async(self, page: Page | str, duration_s: float, fps: float, viewport: Viewport = (512, 384),
                           interactions: Sequence[Interaction | dict] | None = None,
                           start_s: float = 0.0, seed: int | None = None) -> RenderResult: ...

    def close(self) -> None: ...


def _as_page(page: Page | str) -> Page:
    if isinstance(page, Page):
        return page
    if isinstance(page, str):
        return Page(html=page)
    raise TypeError(f"page must be a Page or an HTML string, got {type(page).__name__}")


def _as_steps(interactions: Sequence[Interaction | dict] | None) -> list[Interaction]:
    return [s if isinstance(s, Interaction) else Interaction.from_dict(s) for s in (interactions or ())]


def _check_request(duration_s: float, fps: float, viewport: Viewport, start_s: float = 0.0,
                   seed: int | None = None) -> None:
    if seed is not None and not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer within 0-2**32-1, got {seed!r}")
    if not (duration_s > 0 and fps > 0):
        raise ValueError(f"duration_s and fps must be positive, got {duration_s!r} and {fps!r}")
    if not 0 <= start_s < 60:
        raise ValueError(f"start_s must be within [0, 60) seconds, got {start_s!r}")
    width, height = viewport
    if not (16 <= width <= 4096 and 16 <= height <= 4096):
        raise ValueError(f"viewport must be between 16 and 4096 pixels a side, got {viewport!r}")


class LocalRendererPool:
    """`size` headless browsers on this machine, each rendering one page at a time.

    Memory: an idle headless shell takes ~155 MB (PSS), ~200–250 MB with a page open; a render is
    stopped above `RenderConfig.memory_limit_mb` for the browser's whole process tree.
    """

    def __init__(self, size: int | None = None, config: RenderConfig | None = None) -> None:
        self.config = config or RenderConfig()
        self.build = find_chromium(self.config)
        network.require_vendor()  # fail now, not as a hung request inside a render
        # Throughput saturates at 2–3 browsers on small machines (measured on 2 cores).
        self.size = size or max(1, min(3, os.cpu_count() or 1))
        cap_malloc_arenas()  # before this pool's threads exist: they allocate and free every frame (`v2c.heap`)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="v2c-render-loop", daemon=True)
        self._thread.start()
        self._closed = False
        self._pid = os.getpid()
        self._workers: list[BrowserWorker] = []
        self._call(self._start()).result()

    async def _start(self) -> None:
        self._playwright = await async_playwright().start()
        self._idle: asyncio.Queue[BrowserWorker] = asyncio.Queue()
        for _ in range(self.size):
            worker = BrowserWorker(self._playwright, self.build, self.config)
            self._workers.append(worker)
            self._idle.put_nowait(worker)

    @property
    def usable(self) -> bool:
        """Open, and in the process that made it (a forked child inherits the object, not its thread or browsers)."""
        return not self._closed and self._pid == os.getpid()

    def _call(self, coro: Coroutine[Any, Any, Any]) -> Future:
        if not self.usable:
            coro.close()
            raise RuntimeError("this renderer pool is closed" if self._closed else
                               "this renderer pool belongs to the parent process (fork); make a new one here")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _render_on_worker(self, page: Page, duration_s: float, fps: float, viewport: Viewport,
                                steps: list[Interaction], start_s: float, seed: int | None) -> RenderResult:
        worker = await self._idle.get()
        try:
            return await worker.render(page, duration_s, fps, viewport, steps, start_s, seed)
        finally:
            self._idle.put_nowait(worker)

    def submit(self, page: Page | str, duration_s: float, fps: float, viewport: Viewport = (512, 384),
               interactions: Sequence[Interaction | dict] | None = None, start_s: float = 0.0,
               seed: int | None = None) -> Future:
        """Start a render (`RenderBackend.render`) and return a `concurrent.futures.Future` of its `RenderResult`."""
        _check_request(duration_s, fps, viewport, start_s, seed)
        return self._call(self._render_on_worker(_as_page(page), duration_s, fps, tuple(viewport), _as_steps(interactions),
                                                 float(start_s), seed))

    def render(self, page: Page | str, duration_s: float, fps: float, viewport: Viewport = (512, 384),
               interactions: Sequence[Interaction | dict] | None = None, start_s: float = 0.0,
               seed: int | None = None) -> RenderResult:
        if threading.current_thread() is self._thread:
            raise RuntimeError("render() was called from the renderer's own thread; use render_async()")
        return self.submit(page, duration_s, fps, viewport, interactions, start_s, seed).result()

    async def render_async(self, page: Page | str, duration_s: float, fps: float, viewport: Viewport = (512, 384),
                           interactions: Sequence[Interaction | dict] | None = None,
                           start_s: float = 0.0, seed: int | None = None) -> RenderResult:
        return await asyncio.wrap_future(self.submit(page, duration_s, fps, viewport, interactions, start_s, seed))

    def stats(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "browser": self.build.path,
            "begin_frame_control": self.build.begin_frame_control,
            "renders": sum(w.renders for w in self._workers),
            "browser_starts": sum(w.restarts for w in self._workers),
            "rss_mb": [round(w.rss_mb(), 1) for w in self._workers],
            "browser_pids": [w.process.pid if w.process else None for w in self._workers],
        }

    async def _shutdown(self) -> None:
        for worker in self._workers:
            await worker.close()
        await self._playwright.stop()

    def close(self) -> None:
        """Kill every browser and stop the loop thread; idempotent."""
        if self._closed:
            return
        if self._pid != os.getpid():  # inherited through fork: the parent owns the browsers
            self._closed = True
            return
        try:
            self._call(self._shutdown()).result(timeout=15)
        except Exception:
            for worker in self._workers:
                if worker.process is not None:
                    worker.process.kill()
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def __deepcopy__(self, memo: dict) -> "LocalRendererPool":
        # A pool is a shared resource (Gymnasium deep-copies env kwargs): copies share it.
        return self

    def __reduce__(self) -> Any:
        raise TypeError("a LocalRendererPool belongs to its process (its browsers, its loop thread) and cannot be "
                        "sent to another one; to share browsers across processes, pass a RayScoringPool's "
                        "render_backend() (v2c.rewards.ray_pool)")

    def __enter__(self) -> "LocalRendererPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_default_pool: LocalRendererPool | None = None
_default_lock = threading.Lock()


def default_pool() -> LocalRendererPool:
    """The process-wide pool shared by every env, scorer and CLI call in this process."""
    global _default_pool
    with _default_lock:
        if _default_pool is None or not _default_pool.usable:
            _default_pool = LocalRendererPool()
        return _default_pool


@atexit.register
def _close_default_pool() -> None:
    if _default_pool is not None:
        _default_pool.close()


def render(page: Page | str, duration_s: float, fps: float, viewport: Viewport = (512, 384),
           interactions: Sequence[Interaction | dict] | None = None) -> RenderResult:
    """Render `page` for `duration_s` seconds at `fps` on the default pool (blocking)."""
    return default_pool().render(page, duration_s, fps, viewport, interactions)


async def render_async(page: Page | str, duration_s: float, fps: float, viewport: Viewport = (512, 384),
                       interactions: Sequence[Interaction | dict] | None = None) -> RenderResult:
    """Render `page` on the default pool from inside an event loop (Jupyter, async reward functions)."""
    return await default_pool().render_async(page, duration_s, fps, viewport, interactions)
