"""One browser and the render loop that drives it frame by frame in virtual time.

(Over 400 lines: the render loop's phases — tab, load, clock, capture, interactions, cleanup — share one run's state and its time bounds.)

A `BrowserWorker` renders one page at a time (CDP `beginFrame` calls on one browser must be
serialised). Everything here is async and runs on the pool's event-loop thread; no Playwright
object ever leaves that thread.
"""
from __future__ import annotations

import asyncio
import base64
import json
import mimetypes
import re
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any, Sequence
from urllib.parse import unquote, urlsplit

import cv2
import numpy as np
from playwright.async_api import Browser, BrowserContext, Playwright, Route
from playwright.async_api import Page as BrowserPage
from playwright.async_api import Error as PlaywrightError

from . import network
from .browser import BrowserProcess, ChromiumBuild
from .cdp import CdpError, PageConnection
from .config import RenderConfig
from .types import Interaction, Page, RenderResult, RenderStatus, StepResult

# https, as the pages datasets record ran: secure-context APIs (crypto.randomUUID, clipboard) exist there.
ORIGIN = "https://v2c.local/"
_CLOCK_SCRIPT = resources.files("v2c.render").joinpath("virtual_clock.js").read_text()
# A blinking caret and smooth scrolling are the browser's own clocks, which we do not control.
_PAGE_SCRIPT = resources.files("v2c.render").joinpath("targets.js").read_text() + """
document.addEventListener('DOMContentLoaded', () => {
  const s = document.createElement('style');
  s.textContent = '*{caret-color:transparent!important;scroll-behavior:auto!important}';
  (document.head || document.documentElement).appendChild(s);
});
"""


def init_script(config: RenderConfig, seed: int | None = None) -> str:
    """The script every frame runs before its own: the virtual clock with `config`'s display rate and `seed`
    (None: `config.seed`), and element targeting."""
    settings = json.dumps({"displayHz": config.display_hz, "seed": config.seed if seed is None else seed})
    return _CLOCK_SCRIPT.replace("})(SETTINGS);", f"}})({settings});") + "\n" + _PAGE_SCRIPT


_DOCUMENT_LOADED = """() => document.readyState === 'complete' ? null
  : new Promise(loaded => window.addEventListener('load', () => loaded(null), {once: true}))"""
# Images decode off the main thread in real time; an animated one starts playing at its first drawn
# frame, so every image is decoded before frame 0 or a slow decode would delay its animation.
_FONTS_AND_IMAGES_READY = """Promise.all([document.fonts.ready,
  ...Array.from(document.images, (image) => image.decode().catch(() => null))]).then(() => window.__v2c.settle())"""
_SMIL = re.compile(rb"<(?:animate|animateTransform|animateMotion|animateColor|set)\b")
_CAPTURE_RETRIES = 5
_FALSE_DAMAGE_LIMIT = 3
_NETWORK_WAIT_S = 2.0
"""Real seconds a render may spend in all waiting for the page's open requests before its frames
(`_RenderRun._wait_for_requests`): routes answer at once (vendored files, generated images, refusals),
so an honest page waits milliseconds."""
_LOCAL_REFUSAL = "Not allowed to load local resource:"
_TICK_NUDGE_MS = 0.01
"""How much later than the last a begin-frame at the same virtual time is stamped (a probe for damage and
its screenshot): far below any image's frame delay (10 ms at least)."""
_BEGIN_FRAME_INTERVAL_MS = 1.0
"""The display interval each begin-frame announces. Chromium shows an animated image's frame due by the frame's time
plus this interval (the next display), not by the frame's time: at the default 1/60 s, a GIF of 50 ms frames sampled at
33.3 + 100k ms showed one frame early at every capture, and a start phase of 83 ms likewise. 1 ms is below any image's
frame delay (10 ms at least) and any virtual frame time's distance from a 10 ms boundary at the usual rates."""


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _byte_range(body: bytes, header: str | None) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and headers answering a request for a page file with `Range: header`.

    Media elements load through range requests, and Chromium treats a source served without range support as a
    stream it cannot seek (`seekable` is [0, 0]): the virtual clock seeks every video to its virtual time."""
    headers = {"Accept-Ranges": "bytes"}
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):  # none, several ranges or malformed: the whole file
        return 200, body, headers
    first, last = match.groups()
    size = len(body)
    start, end = (int(first), min(int(last or size - 1), size - 1)) if first else (max(0, size - int(last)), size - 1)
    if start > end:
        return 416, b"", {**headers, "Content-Range": f"bytes */{size}"}
    return 206, body[start:end + 1], {**headers, "Content-Range": f"bytes {start}-{end}/{size}"}


class RenderAborted(Exception):
    """A render stopped early; carries the status and reason to report."""

    def __init__(self, status: RenderStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def decode_screenshot(data: str, size: tuple[int, int]) -> np.ndarray:
    """Base64 PNG or JPEG from CDP to an RGB array of `size` (width, height) device pixels."""
    image = cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise RenderAborted(RenderStatus.ERROR, "the browser returned an undecodable screenshot")
    width, height = size
    if image.shape[:2] != (height, width):
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@dataclass
class _Tab:
    """A fresh context with one blank page, ready for a render: routing goes to the render that takes it."""

    browser: Browser
    context: BrowserContext
    viewport: tuple[int, int]
    page: BrowserPage | None = None
    target_id: str = ""
    run: "_RenderRun | None" = None
    crashed: bool = False
    """Its renderer died while the tab waited (the render's own crash handler comes later)."""

    def usable_for(self, browser: Browser | None, viewport: tuple[int, int]) -> bool:
        return (self.browser is browser and self.viewport == viewport and not self.crashed
                and self.page is not None and not self.page.is_closed())

    async def route(self, route: Route) -> None:
        if self.run is None:  # nothing loads before a render takes the tab
            await route.abort("blockedbyclient")
        else:
            await self.run._route(route)

    async def refuse_websocket(self, ws: Any) -> None:
        if self.run is not None:
            self.run.network_events += 1
            self.run.result.blocked_requests.append(ws.url[:500])
        await ws.close()


async def _close_quietly(context: BrowserContext) -> None:
    """Close a context that may belong to a browser that is already gone."""
    await asyncio.gather(asyncio.wait_for(context.close(), 2), return_exceptions=True)


class BrowserWorker:
    """Owns one Chromium process and renders pages on it, restarting it after a failure."""

    def __init__(self, playwright: Playwright, build: ChromiumBuild, config: RenderConfig) -> None:
        self.playwright = playwright
        self.build = build
        self.config = config
        self.process: BrowserProcess | None = None
        self.browser: Browser | None = None
        self.renders = 0
        self.restarts = 0
        self._spare: asyncio.Task[_Tab] | None = None
        self._closing: set[asyncio.Future[None]] = set()

    async def _ensure_started(self) -> None:
        if self.browser is not None and self.browser.is_connected() and self.process and self.process.alive():
            return
        await self._discard()
        # Started on the event-loop thread on purpose: the browser dies with the thread that made it.
        self.process = BrowserProcess(self.build, self.config)
        self.browser = await asyncio.wait_for(
            self.playwright.chromium.connect_over_cdp(self.process.ws_endpoint), self.config.load_timeout_s
        )
        self.restarts += 1

    async def _open_tab(self, viewport: tuple[int, int], seed: int | None = None) -> _Tab:
        browser = self.browser
        assert browser is not None
        width, height = viewport
        context = await browser.new_context(
            viewport={"width": width, "height": height}, device_scale_factor=self.config.scale_for(viewport),
            locale="en-US", timezone_id="UTC",
            color_scheme="light", service_workers="block", accept_downloads=False,
        )
        tab = _Tab(browser, context, viewport)
        try:
            await context.add_init_script(script=init_script(self.config, seed))
            await context.route("**/*", tab.route)
            await context.route_web_socket("**/*", tab.refuse_websocket)
            tab.page = await context.new_page()
            tab.page.on("crash", lambda _: setattr(tab, "crashed", True))
            session = await context.new_cdp_session(tab.page)
            tab.target_id = (await session.send("Target.getTargetInfo"))["targetInfo"]["targetId"]
            await session.detach()
        except BaseException:  # half-made (a timeout, a dying browser): close it rather than leak a renderer
            closing = asyncio.ensure_future(_close_quietly(context))
            self._closing.add(closing)  # the loop keeps only weak references to tasks
            closing.add_done_callback(self._closing.discard)
            raise
        return tab

    async def take_tab(self, viewport: tuple[int, int], seed: int | None = None) -> _Tab:
        """The tab prepared during the last render's scoring when it fits, else a new one; a render with another
        seed than `RenderConfig.seed` gets a new one (the prepared tab's clock has that seed) and leaves it."""
        if seed is not None and seed != self.config.seed:
            return await self._open_tab(viewport, seed)
        spare, self._spare = self._spare, None
        if spare is not None:
            try:
                tab = await spare
            except Exception:  # a spare that failed to open is just not used
                tab = None
            if tab is not None:
                if tab.usable_for(self.browser, viewport):
                    return tab
                await _close_quietly(tab.context)
        return await self._open_tab(viewport)

    def prepare_tab(self, viewport: tuple[int, int]) -> None:
        """Open the next render's tab now: a new renderer process takes ~50 ms, which then overlaps
        with whatever the caller does with this render (scoring) instead of delaying the next one."""
        if self._spare is not None:
            return  # still unused: a render with another seed opened its own tab
        if self.config.prepare_next_tab and self.browser is not None and self.browser.is_connected():
            self._spare = asyncio.ensure_future(asyncio.wait_for(self._open_tab(viewport), self.config.load_timeout_s))

    def _drop_spare(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None and not spare.cancel() and not spare.cancelled():
            spare.exception()  # already finished: mark its outcome seen (the browser is going away)

    async def _discard(self) -> None:
        """Kill the browser; used after a timeout or crash, when CDP calls may never return."""
        self._drop_spare()
        process, browser = self.process, self.browser
        self.process, self.browser = None, None
        if process is not None:
            process.kill()
        if browser is not None:
            try:
                await asyncio.wait_for(browser.close(), 2)
            except Exception:  # the connection is already gone with the process
                pass

    async def close(self) -> None:
        spare = self._spare
        await self._discard()
        # The cancelled spare, then the context it leaves closing, must finish before the pool stops this loop:
        # a task still pending then is reported at exit ("Task was destroyed but it is pending!", and its
        # TargetClosedError as never retrieved).
        if spare is not None:
            await asyncio.gather(spare, return_exceptions=True)
        await asyncio.gather(*self._closing, return_exceptions=True)

    def rss_mb(self) -> float:
        return self.process.rss_mb() if self.process else 0.0

    async def render(
        self,
        page: Page,
        duration_s: float,
        fps: float,
        viewport: tuple[int, int],
        interactions: Sequence[Interaction] = (),
        start_s: float = 0.0,
        seed: int | None = None,
    ) -> RenderResult:
        width, height = self.config.frame_size(viewport)
        n_frames = max(1, int(round(duration_s * fps)))
        timestamps = start_s + np.arange(n_frames, dtype=np.float64) / fps
        result = RenderResult(
            frames=np.zeros((0, height, width, 3), np.uint8), timestamps=timestamps[:0],
            status=RenderStatus.OK, fps=float(fps), viewport=(int(viewport[0]), int(viewport[1])),
            raster_scale=self.config.scale_for(viewport),
        )
        started = time.perf_counter()
        if page.size_bytes > self.config.max_page_bytes:
            result.status, result.reason = RenderStatus.ERROR, (
                f"page is {page.size_bytes} bytes, over the {self.config.max_page_bytes}-byte limit"
            )
            return result
        if page.unencodable and self.config.unencodable_text == "error":
            result.status, result.reason = RenderStatus.ERROR, (
                f"the page's text is not encodable as UTF-8: {'; '.join(page.unencodable)}. Write well-formed "
                "text, or render with RenderConfig(unencodable_text='replace') to serve such code points as U+FFFD")
            return result
        result.repairs = page.repairs
        run = _RenderRun(self, page, timestamps, viewport, sorted(interactions, key=lambda s: s.t), result, seed)
        try:
            await asyncio.wait_for(run.execute(), self.config.render_timeout_s)
        except RenderAborted as aborted:
            result.status, result.reason = aborted.status, aborted.reason
        except asyncio.TimeoutError:
            result.status = RenderStatus.TIMEOUT
            result.reason = result.reason or f"render exceeded {self.config.render_timeout_s:.0f} s"
        except (PlaywrightError, CdpError) as error:
            crashed = run.crashed or "crash" in str(error).lower() or "closed" in str(error).lower()
            result.status = RenderStatus.CRASHED if crashed else RenderStatus.ERROR
            result.reason = str(error).splitlines()[0][:300]
        finally:
            await run.cleanup(healthy=result.status is RenderStatus.OK)
        self.prepare_tab(viewport)
        result.frames = await run.frames_array()
        run.release()
        result.timestamps = timestamps[: result.frames.shape[0]].copy()
        result.timings["total"] = time.perf_counter() - started
        self.renders += 1
        return result


class _RenderRun:
    """The state of one render: its context, page, CDP session and the frames captured so far."""

    def __init__(self, worker: BrowserWorker, page: Page, timestamps: np.ndarray, viewport: tuple[int, int],
                 steps: list[Interaction], result: RenderResult, seed: int | None = None) -> None:
        self.worker = worker
        self.seed = seed
        self.config = worker.config
        self.page_source = page
        self.timestamps = timestamps
        self.viewport = viewport
        self.steps = steps
        self.result = result
        self.frames: list[asyncio.Future[np.ndarray]] = []
        self.now_ms = 0.0
        self.ticks_origin_ms: float | None = None
        self.last_ticks_ms = 0.0
        self.context: BrowserContext | None = None
        self.tab: _Tab | None = None
        self.cdp: PageConnection | None = None
        self.crashed = False
        self.crash_event = asyncio.Event()
        self.document_served = False
        self.last_memory_check = 0.0
        self.last_screenshot: str | None = None
        self.last_frame: asyncio.Future[np.ndarray] | None = None
        self.static = False
        self.false_damage = 0
        # Real-time activity (requests and their ends) that could paint in a frame we do not screenshot.
        self.network_events = 0
        self.requests_open = 0
        self.network_idle = asyncio.Event()
        self.network_idle.set()
        self.network_wait_left_s = _NETWORK_WAIT_S
        self.network_at_last_shot: tuple[int, int] = (-1, -1)
        self.listeners: dict[str, Any] = {}
        """The page's event listeners, removed by `release`."""
        self.real_time_sources: set[str] = set()
        """What the page loaded that plays in real time, seen while serving it (`RenderResult.real_time_sources`)."""
        self.smil_images: set[str] = set()
        """URLs of SVG images with SMIL the page loaded: real time unless the clock showed them as stills."""

    async def frames_array(self) -> np.ndarray:
        width, height = self.config.frame_size(self.viewport)
        decoded = []
        for pending in self.frames:
            try:
                decoded.append(await pending)
            except RenderAborted:
                break
        if not decoded:
            return np.zeros((0, height, width, 3), np.uint8)
        return np.stack(decoded)

    def release(self) -> None:
        """Let go of the frames and the page once the result holds them.

        The run sits in reference cycles (its page's listeners call back into it; an exception's
        traceback holds the frames that raised it), which only the cyclic GC frees, and it runs
        rarely: measured on a soak, each render's ~12 MB of decoded frames and screenshots
        stayed alive until then, so a process's memory climbed by hundreds of MB between collections.
        """
        for event, listener in self.listeners.items():
            self.page.remove_listener(event, listener)
        self.listeners = {}
        self.frames, self.last_frame, self.last_screenshot = [], None, None

    async def _bounded(self, awaitable: Any, timeout_s: float, what: str) -> Any:
        """Await a browser call, but give up when it outlives `timeout_s` or the page's renderer dies.

        A dead renderer leaves pending CDP calls unanswered, so the crash event is raced against
        the call; only a real timeout (a page spinning in a loop) needs the browser killed.
        """
        call = asyncio.ensure_future(awaitable)
        crash = asyncio.ensure_future(self.crash_event.wait())
        try:
            done, _ = await asyncio.wait({call, crash}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:  # the whole render timed out or was cancelled: the call must not outlive it
            call.cancel()
            raise
        finally:
            crash.cancel()
        if call in done:
            return call.result()
        call.cancel()
        if crash in done:
            raise RenderAborted(RenderStatus.CRASHED, f"the page's renderer process crashed during {what}")
        await self.worker._discard()
        raise RenderAborted(RenderStatus.TIMEOUT, f"{what} did not finish within {timeout_s:g} s")

    async def _route(self, route: Route) -> None:
        self.network_events += 1  # before the response exists, whenever Playwright reports the request
        url = route.request.url
        request = route.request
        if request.is_navigation_request() and request.frame.parent_frame is None:
            if self.document_served:
                # A reload, redirect or form submit would restart the page in real time, mid-render.
                # 204 cancels the navigation and keeps the current document (abort would show an error page).
                self.result.blocked_requests.append(f"navigation: {url[:480]}")
                await route.fulfill(status=204, body="")
                return
            self.document_served = True
        if url.startswith(ORIGIN):
            path = unquote(urlsplit(url).path).lstrip("/") or "index.html"
            file = self.page_source.served.get(path)
            if file is None:
                await route.fulfill(status=404, body=f"{path} is not part of this page")
                return
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            if content_type == "image/svg+xml" and request.resource_type == "image" and _SMIL.search(file.body):
                # An SVG image's SMIL runs on the image's own real-time timer, which no page clock reaches: the
                # clock shows an <img>'s as stills at the virtual time; one it did not (a CSS background) is reported.
                self.smil_images.add(url)
            # Text was encoded as UTF-8 (Page.served): saying so keeps a page without <meta charset>
            # from being decoded as windows-1252, the default for an en-US browser.
            content_type = f"{content_type}; charset=utf-8" if file.text else content_type
            status, body, headers = _byte_range(file.body, request.headers.get("range"))
            await route.fulfill(status=status, body=body, content_type=content_type, headers=headers)
            return
        # Off the loop thread: a generated picsum image can take a few hundred ms.
        response = await asyncio.to_thread(network.resolve, url)
        if response is None:
            self.result.blocked_requests.append(url[:500])
            await route.abort("blockedbyclient")
            return
        await route.fulfill(status=response.status, body=response.body, content_type=response.content_type,
                            headers=dict(response.headers))

    async def execute(self) -> None:
        timings = self.result.timings
        clock = time.perf_counter()
        await self._bounded(self.worker._ensure_started(), self.config.load_timeout_s * 2, "starting Chromium")
        timings["launch"] = time.perf_counter() - clock

        clock = time.perf_counter()
        tab = await self._bounded(self.worker.take_tab(self.viewport, self.seed), self.config.load_timeout_s,
                                  "opening a tab")
        tab.run, self.tab = self, tab
        self.context, page = tab.context, tab.page
        assert page is not None and self.worker.process is not None
        self.page = page
        self.listeners = {
            "console": self._on_console,
            "pageerror": lambda e: self.result.page_errors.append(str(e)[:500]),
            "crash": self._on_crash,
            "dialog": lambda d: asyncio.ensure_future(d.dismiss()),
            "request": lambda _: self._network_event(+1),
            "requestfinished": lambda _: self._network_event(-1),
            "requestfailed": lambda _: self._network_event(-1),
        }
        for event, listener in self.listeners.items():
            page.on(event, listener)
        self.cdp = await self._bounded(PageConnection.open(self.worker.process.ws_endpoint, tab.target_id),
                                       self.config.load_timeout_s, "connecting to the page")
        # Not goto(wait_until="load"): a page that navigates while loading (`location.href = ...` in an
        # inline script, a form that submits itself) keeps its document (the navigation is refused in
        # _route), but Playwright files that document's load event under the refused navigation and
        # would wait for it until the load timeout. The document's own load event is the one that counts.
        await self._bounded(page.goto(ORIGIN + "index.html", wait_until="commit"), self.config.load_timeout_s,
                            "loading the page")
        await self._bounded(page.evaluate(_DOCUMENT_LOADED), self.config.load_timeout_s, "loading the page")
        await self._bounded(page.evaluate(_FONTS_AND_IMAGES_READY),
                            self.config.load_timeout_s, "waiting for fonts and start-up scripts")
        timings["load"] = time.perf_counter() - clock

        clock = time.perf_counter()
        start_ticks = self._start_ticks()
        pending = list(enumerate(self.steps))
        for k, t in enumerate(self.timestamps):
            t_ms = float(t) * 1000.0
            while pending and pending[0][1].t * 1000.0 <= t_ms:
                index, step = pending.pop(0)
                await self._run_start_ticks(start_ticks, step.t * 1000.0)
                await self._advance(step.t * 1000.0)
                await self._record_step_state()
                await self._perform(index, step)
            await self._run_start_ticks(start_ticks, t_ms)
            await self._advance(t_ms)
            await self._wait_for_requests()
            self.frames.append(await self._capture())
            await self._check_health()
        for index, step in pending:  # steps after the last frame still run, so their effect is judged
            await self._advance(step.t * 1000.0)
            await self._record_step_state()
            await self._perform(index, step)
        await self._record_step_state()
        timings["frames"] = time.perf_counter() - clock
        await self._collect_page_notes()

    def _start_ticks(self) -> list[float]:
        """Virtual times (ms) of the begin-frames without a capture that run before the second capture: every display
        tick (`RenderConfig.display_hz`) before the first capture and the first one after it. Chromium starts an
        animated image at the second frame that shows it, so a GIF shown from the load lost its first capture
        interval (at 10 fps, a GIF of 50 ms frames was on its first frame at 0.1 s instead of its third) and a
        render from `start_s` lost up to 83 ms more: now both lose one display tick, as on a 60 Hz display, and
        every phase shows the frames of a render at the display rate. An image that appears later still starts
        one capture interval late."""
        if not self.worker.build.begin_frame_control:
            return []
        tick = 1000.0 / self.config.display_hz
        first = float(self.timestamps[0]) * 1000.0
        second = float(self.timestamps[1]) * 1000.0 if len(self.timestamps) > 1 else float("inf")
        ticks = (k * tick for k in range(int(first / tick + 1e-6) + 2))
        return [t for t in ticks if abs(t - first) > 1e-6 and t < second - 1e-6]

    async def _run_start_ticks(self, ticks: list[float], until_ms: float) -> None:
        """Run the begin-frames of `ticks` (`_start_ticks`, popped in order) that come before `until_ms`."""
        while ticks and ticks[0] < until_ms:
            await self._advance(ticks.pop(0))
            await self._send_frame({}, "starting the clock")

    def _network_event(self, opened: int) -> None:
        self.network_events += 1
        self.requests_open += opened
        if self.requests_open > 0:
            self.network_idle.clear()
        else:
            self.network_idle.set()

    async def _wait_for_requests(self) -> None:
        """Let requests the page has open finish (in real time) before the frame is taken, so what they bring
        lands in the same frame whatever the machine's load; at most `_NETWORK_WAIT_S` per render in all,
        so a page that keeps a request open costs that once, not per frame."""
        if self.network_idle.is_set() or self.network_wait_left_s <= 0:
            return
        started = time.perf_counter()
        try:
            await asyncio.wait_for(self.network_idle.wait(), self.network_wait_left_s)
        except asyncio.TimeoutError:
            pass
        self.network_wait_left_s -= time.perf_counter() - started

    def _on_crash(self, _: Any) -> None:
        self.crashed = True
        self.crash_event.set()

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        text = message.text
        # Chromium refuses file:// and other local reads from a web origin before routing sees them.
        if text.startswith(_LOCAL_REFUSAL):
            self.result.blocked_requests.append(text[len(_LOCAL_REFUSAL):].strip()[:500])
        self.result.console_errors.append(text[:500])

    async def _advance(self, t_ms: float) -> None:
        # Straight to CDP: half the latency of page.evaluate, and this runs once per frame.
        t_ms = max(t_ms, self.now_ms)
        reply = await self._bounded(self.cdp.send("Runtime.evaluate", {
            "expression": f"window.__v2c.advanceTo({t_ms!r})", "awaitPromise": True, "returnByValue": True,
        }), self.config.frame_timeout_s, f"advancing the page to t={t_ms / 1000:.3f} s")
        if "exceptionDetails" in reply:
            raise RenderAborted(RenderStatus.ERROR, "the virtual clock failed: "
                                + str(reply["exceptionDetails"].get("text", ""))[:300])
        self.now_ms = t_ms
        self._after_seeks(reply.get("result", {}).get("value"))

    def _after_seeks(self, seeks: Any) -> None:
        """The clock seeked `seeks` videos: the next frame is a screenshot, since Chromium's damage report
        (`_capture`'s probe of a static page) misses a video's first picture."""
        if seeks:
            self.static = False

    async def _capture(self, video_frame: bool = True) -> "asyncio.Future[np.ndarray]":
        """Take a frame (`video_frame`: one of the video's, not a step's state); decoding runs on a thread
        while the browser prepares the next frame."""
        begin_frame = self.worker.build.begin_frame_control
        if self.static:
            # Nothing changed for two frames: a frame without a picture tells whether this one differs.
            reply = await self._send_frame({}, "capturing a frame")
            if not reply.get("hasDamage"):
                self.result.repeated_frames += video_frame
                return self.last_frame  # type: ignore[return-value]
        data = await self._screenshot(begin_frame)
        network = (self.network_events, self.requests_open)
        quiet = network == self.network_at_last_shot and not self.requests_open
        self.network_at_last_shot = network
        if data != self.last_screenshot or self.last_frame is None:
            self.static = False
            self.last_screenshot = data
            self.last_frame = asyncio.get_running_loop().run_in_executor(None, decode_screenshot, data,
                                                                             self.config.frame_size(self.viewport))
            return self.last_frame
        # A canvas redrawn unchanged every frame reports damage forever: stop probing after a few false alarms.
        self.false_damage += self.static
        self.static = (begin_frame and self.config.skip_static_frames and quiet
                       and self.false_damage < _FALSE_DAMAGE_LIMIT)
        if self.static:
            # A screenshot damages the frame after it; drain that so the next probe sees only the page.
            await self._send_frame({}, "capturing a frame")
        return self.last_frame

    async def _screenshot(self, begin_frame: bool) -> str:
        for _ in range(_CAPTURE_RETRIES):
            if begin_frame:
                data = (await self._send_frame({"screenshot": self.config.screenshot_params}, "capturing a frame")
                        ).get("screenshotData")
            else:
                data = (await self._bounded(self.cdp.send("Page.captureScreenshot", self.config.screenshot_params),
                                            self.config.frame_timeout_s, "capturing a frame")).get("data")
            if data:  # the first beginFrame after navigation can come back without a picture
                return data
        raise RenderAborted(RenderStatus.ERROR, "the browser produced no frame")

    def _frame_time_ticks(self) -> float:
        """The compositor's time for the next begin-frame: the virtual time on the browser's monotonic clock.

        Chromium animates images (GIF, APNG, animated WebP) by the begin-frames' times, so these make them
        play by their own delays in virtual time. Virtual time 0 is put at the first begin-frame's moment
        on the machine's monotonic clock (the one Chromium's TimeTicks read): an image registered while
        the page loaded is then not already behind, however long loading took. Whole milliseconds, so
        a frame time is the same sum in every render. Each call is strictly later than the last."""
        if self.ticks_origin_ms is None:
            self.ticks_origin_ms = float(round(time.monotonic() * 1000.0)) - self.now_ms
        ticks = self.ticks_origin_ms + self.now_ms
        self.last_ticks_ms = max(ticks, self.last_ticks_ms + _TICK_NUDGE_MS)
        return self.last_ticks_ms

    async def _send_frame(self, params: dict[str, Any], what: str) -> dict[str, Any]:
        assert self.cdp is not None
        params = {**params, "frameTimeTicks": self._frame_time_ticks(), "interval": _BEGIN_FRAME_INTERVAL_MS}
        return await self._bounded(self.cdp.send("HeadlessExperimental.beginFrame", params),
                                   self.config.frame_timeout_s, what)

    async def _check_health(self) -> None:
        if self.crashed:
            raise RenderAborted(RenderStatus.CRASHED, "the page's renderer process crashed")
        now = time.perf_counter()
        if now - self.last_memory_check < 0.5:
            return
        self.last_memory_check = now
        rss = self.worker.rss_mb()
        if rss > self.config.memory_limit_mb:
            await self.worker._discard()
            raise RenderAborted(RenderStatus.CRASHED,
                                f"browser memory {rss:.0f} MB exceeded the {self.config.memory_limit_mb} MB limit")

    async def _record_step_state(self) -> None:
        """Close the previous step: the state it left is the page just before the next one (or the end)."""
        if not self.result.steps or self.result.steps[-1].frame_after is not None:
            return
        step = self.result.steps[-1]
        step.text_after = await self._bounded(self.page.evaluate("window.__v2cTargets.visibleText()"),
                                              self.config.frame_timeout_s, "reading the page text")
        # A copy: a repeated frame is one array, and steps' frames are handed out separately.
        step.frame_after = (await (await self._capture(video_frame=False))).copy()

    async def _perform(self, index: int, step: Interaction) -> None:
        outcome = StepResult(index=index, t=step.t, ok=True)
        self.result.steps.append(outcome)
        target = dict(step.target) if step.target else None
        try:
            reply = await self._bounded(self._dispatch(step, target), self.config.frame_timeout_s,
                                        f"step {index} ({step.action})")
        except (PlaywrightError, CdpError) as error:
            if self.crashed or "crash" in str(error).lower():
                raise
            reply = {"error": str(error).splitlines()[0][:300]}
        if reply and reply.get("error"):
            outcome.ok, outcome.error = False, reply["error"]
        elif reply:
            outcome.target = reply.get("element")
        self._after_seeks(await self._bounded(self.page.evaluate("window.__v2c.settle()"), self.config.frame_timeout_s,
                                              f"settling after step {index}"))

    async def _dispatch(self, step: Interaction, target: dict | None) -> dict | None:
        page = self.page
        action = step.action
        if action == "wait":
            return None
        if action == "select":
            return await page.evaluate("([d, v]) => window.__v2cTargets.select(d, v)", [target or {}, step.value])
        if action == "scroll":
            return await page.evaluate("([d, v]) => window.__v2cTargets.scroll(d, v)", [target, step.value])
        if action == "press" and target is None:
            await page.keyboard.press(str(step.value))
            return None
        located = await page.evaluate("d => window.__v2cTargets.locate(d)", target or {})
        if located is None:
            return {"error": f"no element matches {target}"}
        if action == "hover":
            await self._flushing_frames(page.mouse.move(located["x"], located["y"]))
        elif action == "click":
            await page.mouse.click(located["x"], located["y"])
        elif action == "type":
            await page.mouse.click(located["x"], located["y"])
            await page.keyboard.type(str(step.value if step.value is not None else ""))
        elif action == "press":
            await page.evaluate("() => window.__v2cTargets.last && window.__v2cTargets.last.focus()")
            await page.keyboard.press(str(step.value))
        return {"element": located["element"]}

    async def _flushing_frames(self, call: Any) -> None:
        """Await an input call that Chromium holds until the next frame (mouse moves are rAF-aligned).

        Under begin-frame control no frame comes by itself, so frames without a picture are issued
        until the call returns.
        """
        pending = asyncio.ensure_future(call)
        for _ in range(10):
            done, _ = await asyncio.wait({pending}, timeout=0.05)
            if done or not self.worker.build.begin_frame_control:
                break
            await self.cdp.send("HeadlessExperimental.beginFrame",
                                {"noDisplayUpdates": True, "frameTimeTicks": self._frame_time_ticks()})
        await pending

    async def _collect_page_notes(self) -> None:
        notes = await self._bounded(self.page.evaluate(
            "() => ({dialogs: window.__v2c.drainDialogs(), errors: window.__v2c.drainErrors(),"
            " realTime: window.__v2c.realTimeSources(), stilled: window.__v2c.stilledImages(),"
            " randomWords: window.__v2c.randomWords()})"),
            self.config.frame_timeout_s, "collecting page notes")
        self.result.dialogs.extend(notes["dialogs"])
        if self.smil_images.difference(notes["stilled"]):
            self.real_time_sources.add("SMIL in an SVG image")
        self.result.real_time_sources = sorted(self.real_time_sources.union(notes["realTime"]))
        self.result.random_words = int(notes["randomWords"])
        for error in notes["errors"]:
            if error[:500] not in self.result.page_errors:
                self.result.page_errors.append(error[:500])

    async def cleanup(self, healthy: bool) -> None:
        if self.tab is not None:
            self.tab.run = None  # Playwright may hold a closed context (and its route handler) a while
        if self.cdp is not None:
            await asyncio.gather(asyncio.wait_for(self.cdp.close(), 2), return_exceptions=True)
        if self.context is None or self.worker.browser is None:
            return
        try:
            await asyncio.wait_for(self.context.close(), 3)
        except Exception:
            await self.worker._discard()
            return
        if not healthy and self.worker.process is not None and not self.worker.process.alive():
            await self.worker._discard()
