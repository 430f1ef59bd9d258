"""Renderer benchmark: speed against the usual recording baseline, determinism, and a soak test.

(Over 400 lines: one script on purpose, CleanRL-style — the speed table, the determinism check and the soak read top to bottom.)

What is measured, on the same pages in one run (a CSS-keyframes page with several moving boxes, a
requestAnimationFrame canvas page, a text-heavy page with a transition), at 512x384 @ 10 fps and
1024x768 @ 30 fps, 3 s each, for each frame format (`RenderConfig.frame_format`: png, the lossless
default, and jpeg, the fast opt-in):

  baseline  what recording pipelines do: Playwright's own `chromium.launch` of the full Chromium,
            `page.set_content(html)`, then for frame k sleep until k/fps of wall time and take
            `page.screenshot()` (PNG) decoded to numpy. ms/frame = loop wall time / frames (tied
            to real time; it falls behind when a screenshot takes longer than 1/fps).
  ours      `LocalRendererPool(size=1).render(...)` on a warm pool: ms/frame from the frame phase
            (`timings['frames'] / frames`) and from the whole call (wall / frames, load included).
  floor     the same headless shell (`BrowserProcess`) on an empty page: bare CDP
            `HeadlessExperimental.beginFrame` with the renderer's own screenshot parameters for that
            format (`RenderConfig.screenshot_params`) over the same direct DevTools socket the renderer
            uses (`v2c.render.cdp`), + decode to numpy, in a loop. What any begin-frame renderer pays.
  bare      (extra column) the same loop on the benchmark page itself, on the browser's own
            animation clock: what that page's pixels cost (raster + encode + transfer), so ours/bare
            is the renderer's own overhead (virtual clock, checks) while ours/floor also counts content.

Targets: baseline/ours >= 10x at 512x384 @ 10 fps and >= 2x at 1024x768 @ 30 fps (frame phase);
ours/floor <= 1.5x. Determinism: every page rendered in two fresh pools gives byte-identical frames.

Soak (`--soak N`, default 1000; 60 with `--quick`): N renders of 0.5 s @ 10 fps through a pool of
size 2 with tight bounds, alternating normal pages and hostile ones (inline infinite loop, infinite
loop in a timer, JS memory bomb, 200k-node DOM, alert/window.open flood, throwing page). Records
Chromium process count and this process tree's RSS (Python + Chromium) after ~20 warm-up renders
and at the end (target: RSS growth < 10%), status counts, and checks that after `pool.close()` the
Chromium process count is back to what it was before the pool.

Exit status: 0 on success, 1 if a determinism check fails, 2 if Chromium processes outlive the pool.
Speed and RSS targets are reported (met / MISSED) but do not change the exit status: they depend on
what else the machine is doing.

    python benchmarks/render.py                  # full run, both formats
    python benchmarks/render.py --quick          # 1 repeat, soak of 60
    python benchmarks/render.py --formats png    # only the default format
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import ctypes
import gc
import glob
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np
import psutil
from playwright.sync_api import sync_playwright

from v2c.render import LocalRendererPool, RenderConfig, RenderStatus
from v2c.render.browser import COMMON_FLAGS, FULL_CHROMIUM_PATHS, BrowserProcess, chromium_processes, find_chromium
from v2c.render.cdp import PageConnection

# --------------------------------------------------------------------------------------------- pages

_SHELL = ("<!doctype html><html><head><meta charset=utf-8><style>html,body{{margin:0;height:100%;overflow:hidden}}"
          "{css}</style></head><body>{body}</body></html>")


def _page(body: str, css: str = "") -> str:
    return _SHELL.format(css=css, body=body)


def _keyframes_page() -> str:
    colors = ["#e63946", "#2a9d8f", "#e9c46a", "#264653", "#f4a261", "#8338ec", "#3a86ff", "#06d6a0"]
    boxes = "".join(
        f"<div class=box style='top:{6 + 11 * i}%;background:{c};animation-duration:{1.2 + 0.35 * i:.2f}s;"
        f"animation-delay:-{0.1 * i:.1f}s'></div>" for i, c in enumerate(colors)
    )
    css = (".box{position:absolute;left:2%;width:8vw;height:8vh;border-radius:12%;"
           "animation:move ease-in-out infinite alternate}"
           "@keyframes move{from{transform:translateX(0) rotate(0)}to{transform:translateX(80vw) rotate(270deg)}}"
           "body{background:linear-gradient(135deg,#f8f9fa,#dee2e6)}")
    return _page(boxes, css)


def _canvas_page() -> str:
    script = """
const c = document.getElementById('c'), g = c.getContext('2d');
c.width = innerWidth; c.height = innerHeight;
function draw(t) {
  const w = c.width, h = c.height;
  g.fillStyle = '#101826'; g.fillRect(0, 0, w, h);
  for (let i = 0; i < 40; i++) {
    const a = t / 1000 * (0.5 + i / 40) + i;
    const x = w / 2 + Math.cos(a) * w * (0.1 + i / 100), y = h / 2 + Math.sin(a * 1.3) * h * (0.1 + i / 120);
    g.fillStyle = `hsl(${(i * 9 + t / 20) % 360},80%,60%)`;
    g.beginPath(); g.arc(x, y, 6 + (i % 7) * 3, 0, Math.PI * 2); g.fill();
  }
  g.fillStyle = '#fff'; g.font = '20px sans-serif'; g.fillText('t = ' + (t / 1000).toFixed(2) + ' s', 12, 28);
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);
"""
    return _page("<canvas id=c style='display:block'></canvas><script>" + script + "</script>")


def _text_page() -> str:
    words = ("renderer frame virtual clock deterministic chromium headless shell capture pixel reward policy "
             "gradient layout paint composite transition keyframe timeline").split()
    paragraphs = "".join(
        "<p>" + " ".join(words[(i * 7 + j * 3) % len(words)] for j in range(60)) + ".</p>" for i in range(14)
    )
    css = ("body{font:15px/1.45 serif;color:#222;background:#fffdf7;padding:10px 24px}"
           "h1{font:bold 28px sans-serif;margin:4px 0 8px;transition:color 2s linear,letter-spacing 2s ease}"
           "#panel{position:absolute;top:0;right:0;width:35%;height:100%;background:rgba(30,60,160,.85);color:#fff;"
           "font:18px sans-serif;padding:16px;transform:translateX(100%);transition:transform 1.5s ease-out}"
           ".go h1{color:#c1121f;letter-spacing:4px}.go #panel{transform:translateX(0)}")
    body = (f"<h1>Deterministic rendering of generated pages</h1>{paragraphs}"
            "<div id=panel>Side panel sliding in with a CSS transition, over a text-heavy page.</div>"
            "<script>setTimeout(()=>document.body.classList.add('go'),200)</script>")
    return _page(body, css)


PAGES = {"keyframes": _keyframes_page(), "raf_canvas": _canvas_page(), "text_transition": _text_page()}
EMPTY_PAGE = "<!doctype html><html><head></head><body></body></html>"


@dataclass(frozen=True)
class Setting:
    viewport: tuple[int, int]
    fps: float
    duration_s: float
    speedup_target: float

    @property
    def frames(self) -> int:
        return max(1, int(round(self.duration_s * self.fps)))

    @property
    def label(self) -> str:
        return f"{self.viewport[0]}x{self.viewport[1]} @ {self.fps:g} fps, {self.duration_s:g} s"


SETTINGS = (Setting((512, 384), 10, 3.0, 10.0), Setting((1024, 768), 30, 3.0, 2.0))
FLOOR_TARGET = 1.5

# ------------------------------------------------------------------------------------------- helpers


def decode_image_bytes(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def full_chromium() -> str:
    """The full (non-headless-shell) Chromium binary, looked up like `find_chromium` does."""
    for pattern in FULL_CHROMIUM_PATHS:
        for path in sorted(glob.glob(os.path.expanduser(pattern)), reverse=True):
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    raise SystemExit("no full Chromium found for the baseline (expected /usr/lib/chromium/chromium)")


def baseline_flags() -> list[str]:
    """The hermetic flags the renderer uses, minus the ones Playwright's own launch manages."""
    return [f for f in COMMON_FLAGS if not f.startswith(("--remote-debugging", "--headless"))]


def tree_rss_mb() -> tuple[float, float]:
    """(Python RSS, RSS of all its descendants) in MB."""
    me = psutil.Process()
    children = 0
    for p in me.children(recursive=True):
        try:
            children += p.memory_info().rss
        except psutil.Error:
            pass
    return me.memory_info().rss / 2**20, children / 2**20


def live_chromium_count() -> int:
    count = 0
    for p in chromium_processes():
        try:
            count += p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            pass
    return count


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ----------------------------------------------------------------------------------- (a) baseline


def baseline_ms_per_frame(browser, html: str, setting: Setting) -> float:
    """Real-time loop: sleep to k/fps, page.screenshot(), decode. Wall time of the loop / frames."""
    width, height = setting.viewport
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.set_content(html)
        frames = []
        start = time.perf_counter()
        for k in range(setting.frames):
            delay = start + k / setting.fps - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            frames.append(decode_image_bytes(page.screenshot(type="png")))
        elapsed = time.perf_counter() - start
    finally:
        page.close()
    assert frames[0].shape == (height, width, 3)
    return 1000 * elapsed / setting.frames


# -------------------------------------------------------------------------------------- (c) floor


def floor_ms_per_frame(playwright, setting: Setting, frame_format: str, html: str = EMPTY_PAGE,
                       warmup: int = 5) -> float:
    """Bare beginFrame + decode in the renderer's own headless shell, over the renderer's direct socket:
    on an empty page (the floor), or on a benchmark page with the browser's own animation clock (what
    that page's pixels cost)."""
    config = RenderConfig(frame_format=frame_format)
    build = find_chromium(config)
    if not build.begin_frame_control:
        raise SystemExit(f"{build.path} is not a headless shell: no beginFrame floor to measure")
    process = BrowserProcess(build, config)
    try:
        browser = playwright.chromium.connect_over_cdp(process.ws_endpoint)
        width, height = setting.viewport
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        page = context.new_page()
        page.set_content(html)
        session = context.new_cdp_session(page)
        target_id = session.send("Target.getTargetInfo")["targetInfo"]["targetId"]
        session.detach()
        elapsed, got = run_on_fresh_loop(bare_frames(process.ws_endpoint, target_id, config, setting.frames, warmup))
        browser.close()
    finally:
        process.kill()
    if got < setting.frames:
        print(f"  note: floor loop got {got}/{setting.frames} screenshots")
    return 1000 * elapsed / setting.frames


async def bare_frames(endpoint: str, target_id: str, config: RenderConfig, frames: int, warmup: int) -> tuple[float, int]:
    """(seconds for `frames` beginFrame screenshots + decodes, how many came back with a picture)."""
    params = config.screenshot_params
    connection = await PageConnection.open(endpoint, target_id)
    try:
        async def one_frame() -> bool:
            data = (await connection.send("HeadlessExperimental.beginFrame", {"screenshot": params})).get("screenshotData")
            if data:
                decode_image_bytes(base64.b64decode(data))
            return bool(data)

        for _ in range(warmup):
            await one_frame()
        start = time.perf_counter()
        got = sum([await one_frame() for _ in range(frames)])
        return time.perf_counter() - start, got
    finally:
        await connection.close()


def run_on_fresh_loop(coroutine):
    """Run a coroutine to completion on a thread of its own (sync Playwright owns this thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


# ----------------------------------------------------------------------------------------- (b) ours


def ours_ms_per_frame(pool: LocalRendererPool, html: str, setting: Setting) -> tuple[float, float, np.ndarray]:
    """(frame-phase ms/frame, whole-call ms/frame, frames)."""
    start = time.perf_counter()
    result = pool.render(html, setting.duration_s, setting.fps, viewport=setting.viewport)
    wall = time.perf_counter() - start
    if not result.ok or result.frames.shape[0] != setting.frames:
        raise SystemExit(f"render failed: {result.status.value} {result.reason} ({result.frames.shape[0]} frames)")
    n = setting.frames
    return 1000 * result.timings["frames"] / n, 1000 * wall / n, result.frames


def render_all(pool: LocalRendererPool, setting: Setting) -> dict[str, np.ndarray]:
    out = {}
    for name, html in PAGES.items():
        result = pool.render(html, setting.duration_s, setting.fps, viewport=setting.viewport)
        out[name] = result.frames if result.ok else np.zeros((0,), np.uint8)
    return out


def frames_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.size > 0 and a.tobytes() == b.tobytes()


# ------------------------------------------------------------------------------------ speed section


def run_speed(repeats: int, formats: tuple[str, ...]) -> bool:
    """Measure every setting and format and print their tables; True when all determinism checks pass."""
    all_deterministic = True
    with sync_playwright() as playwright:
        full = playwright.chromium.launch(executable_path=full_chromium(), args=["--no-sandbox", *baseline_flags()])
        pools = {f: LocalRendererPool(size=1, config=RenderConfig(frame_format=f)) for f in formats}
        try:
            for pool in pools.values():  # warm-up: browser started, caches hot
                pool.render(PAGES["keyframes"], 1.0, 10, viewport=(512, 384))
            for setting in SETTINGS:
                baselines = {name: median([baseline_ms_per_frame(full, html, setting) for _ in range(repeats)])
                             for name, html in PAGES.items()}
                for frame_format, pool in pools.items():
                    rows, warm_frames = measure_setting(playwright, pool, setting, frame_format, repeats, baselines)
                    determinism = check_determinism(setting, frame_format, warm_frames)
                    all_deterministic &= all(same for same, _ in determinism.values())
                    print_setting(setting, frame_format, rows, determinism)
        finally:
            for pool in pools.values():
                pool.close()
            full.close()
    return all_deterministic


def measure_setting(playwright, pool, setting: Setting, frame_format: str, repeats: int,
                    baselines: dict[str, float]):
    rows = {}
    warm_frames = {}
    floor = median([floor_ms_per_frame(playwright, setting, frame_format) for _ in range(repeats)])
    for name, html in PAGES.items():
        phase, whole = [], []
        for _ in range(repeats):
            p, w, frames = ours_ms_per_frame(pool, html, setting)
            phase.append(p)
            whole.append(w)
            warm_frames[name] = frames
        bare = [floor_ms_per_frame(playwright, setting, frame_format, html) for _ in range(repeats)]
        rows[name] = (baselines[name], median(phase), median(whole), floor, median(bare))
    return rows, warm_frames


def check_determinism(setting: Setting, frame_format: str,
                      warm_frames: dict[str, np.ndarray]) -> dict[str, tuple[bool, bool]]:
    """Per page: (fresh pool A == fresh pool B, and == the warm benchmark pool's frames)."""
    runs = []
    for _ in range(2):
        with LocalRendererPool(size=1, config=RenderConfig(frame_format=frame_format)) as fresh:
            runs.append(render_all(fresh, setting))
    first, second = runs
    return {name: (frames_equal(first[name], second[name]), frames_equal(first[name], warm_frames[name]))
            for name in PAGES}


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def print_setting(setting: Setting, frame_format: str, rows, determinism) -> None:
    print(f"\n== {setting.label} ({setting.frames} frames), {frame_format} frames ==")
    header = (f"{'page':<16}{'baseline':>10}{'ours':>8}{'ours+load':>11}{'floor':>8}{'bare':>7}"
              f"{'speed-up':>10}{'(+load)':>9}{'ours/floor':>12}{'ours/bare':>11}{'deterministic':>15}{'=warm':>7}")
    print(header)
    print("-" * len(header))
    speedups, floor_ratios = [], []
    for name, (base, phase, whole, floor, bare) in rows.items():
        speedup, ratio = base / phase, phase / floor
        speedups.append(speedup)
        floor_ratios.append(ratio)
        same, same_warm = determinism[name]
        print(f"{name:<16}{base:>10.1f}{phase:>8.1f}{whole:>11.1f}{floor:>8.1f}{bare:>7.1f}"
              f"{speedup:>9.1f}x{base / whole:>8.1f}x{ratio:>11.2f}x{phase / bare:>10.2f}x{'yes' if same else 'NO':>15}"
              f"{'yes' if same_warm else 'no':>7}")
    worst_speedup, worst_ratio = min(speedups), max(floor_ratios)
    print(f"(ms/frame) speed-up baseline/ours: worst {worst_speedup:.1f}x vs target >= {setting.speedup_target:g}x "
          f"-> {_met(worst_speedup >= setting.speedup_target)}; ours/floor: worst {worst_ratio:.2f}x vs target "
          f"<= {FLOOR_TARGET}x -> {_met(worst_ratio <= FLOOR_TARGET)}; determinism: "
          f"{'yes' if all(s for s, _ in determinism.values()) else 'NO'}")


# ---------------------------------------------------------------------------------------- soak section

_HOSTILE = {
    "inline_infinite_loop": "<script>while(true){}</script>",
    "timer_infinite_loop": "<script>setTimeout(()=>{while(true){}},200)</script>",
    "js_memory_bomb": "<script>const a=[];setTimeout(()=>{for(;;)a.push(new Array(1e6).fill(1.5))},100)</script>",
    "dom_200k": ("<script>const f=document.createDocumentFragment();for(let i=0;i<200000;i++){const d="
                 "document.createElement('div');d.textContent='row '+i;f.appendChild(d)}document.body.appendChild(f)"
                 "</script>"),
    "dialog_popup_flood": ("<script>for(let i=0;i<200;i++){alert('a'+i);confirm('c');prompt('p');"
                           "window.open('https://evil.example/'+i)}</script><p>flooded</p>"),
    "throws": ("<script>setTimeout(()=>{throw new Error('boom')},100);Promise.reject(new Error('nope'));"
               "requestAnimationFrame(()=>{throw new Error('raf')});null.x</script><p>still here</p>"),
}
HOSTILE = {name: _page(body) for name, body in _HOSTILE.items()}


def soak_schedule(n: int) -> list[tuple[str, str]]:
    """Normal and hostile pages alternating, each list cycled."""
    normal, hostile = list(PAGES.items()), list(HOSTILE.items())
    return [normal[(i // 2) % len(normal)] if i % 2 == 0 else hostile[(i // 2) % len(hostile)] for i in range(n)]


class ProcessSampler:
    """Samples the Chromium process count and the tree's RSS once a second, keeping the peaks."""

    def __init__(self) -> None:
        self.peak_count, self.peak_py, self.peak_chromium = 0, 0.0, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            py, children = tree_rss_mb()
            self.peak_count = max(self.peak_count, live_chromium_count())
            self.peak_py, self.peak_chromium = max(self.peak_py, py), max(self.peak_chromium, children)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def release_memory() -> None:
    """Give freed heap back to the OS, so RSS reflects live memory (large frame arrays fragment glibc's heap)."""
    gc.collect()
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def snapshot(label: str) -> dict:
    release_memory()
    py, children = tree_rss_mb()
    return {"label": label, "count": live_chromium_count(), "py": py, "chromium": children, "total": py + children}


SOAK_CONFIG = RenderConfig(load_timeout_s=2, frame_timeout_s=2, render_timeout_s=10)
SOAK_BOUND_S = SOAK_CONFIG.render_timeout_s + 5  # a render taking longer escaped its bounds


def run_batch(pool: LocalRendererPool, jobs: list[tuple[str, str]], statuses: dict, slow: list) -> None:
    """Submit a batch (the pool runs 2 at a time) and tally the statuses."""
    futures: list[tuple[str, Future]] = [(name, pool.submit(html, 0.5, 10, viewport=(512, 384))) for name, html in jobs]
    for name, future in futures:
        result = future.result()
        statuses[name][result.status.value] += 1
        if result.timings.get("total", 0) > SOAK_BOUND_S:
            slow.append((name, round(result.timings["total"], 1)))


def settle(pool: LocalRendererPool) -> None:
    """One normal render per worker, so snapshots compare browsers in the same state."""
    for f in [pool.submit(PAGES["keyframes"], 0.2, 10, viewport=(512, 384)) for _ in range(pool.size)]:
        f.result()
    time.sleep(0.5)


def run_soak(n: int, warmup: int = 20, batch: int = 8) -> bool:
    """Returns True when no Chromium process outlives the pool."""
    print(f"\n== soak: {n} renders (0.5 s @ 10 fps, 512x384), pool of 2, normal and hostile pages alternating ==")
    before = live_chromium_count()
    start_snap = snapshot("before the pool")
    schedule = soak_schedule(n)
    statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    slow: list[tuple[str, float]] = []
    started = time.perf_counter()
    pool = LocalRendererPool(size=2, config=SOAK_CONFIG)
    sampler = ProcessSampler()
    try:
        run_batch(pool, schedule[:warmup], statuses, slow)
        settle(pool)
        warm = snapshot(f"after {min(warmup, n)} renders")
        for i in range(warmup, n, batch):
            run_batch(pool, schedule[i:i + batch], statuses, slow)
        settle(pool)
        end = snapshot(f"after {n} renders")
        stats = pool.stats()
    finally:
        pool.close()
        sampler.stop()
    elapsed = time.perf_counter() - started
    after = wait_for_count(before)
    print_soak(n, elapsed, start_snap, warm, end, stats, statuses, slow, sampler, before, after)
    return after <= before


def run_soak_in_child(n: int) -> int:
    """The soak in a fresh Python process, so its RSS and process counts start clean of the speed section."""
    sys.stdout.flush()
    return subprocess.call([sys.executable, os.path.abspath(__file__), "--skip-speed", "--soak", str(n)])


def wait_for_count(target: int, timeout_s: float = 10.0) -> int:
    deadline = time.monotonic() + timeout_s
    count = live_chromium_count()
    while count > target and time.monotonic() < deadline:
        time.sleep(0.25)
        count = live_chromium_count()
    return count


def print_soak(n, elapsed, start_snap, warm, end, stats, statuses, slow, sampler, before, after) -> None:
    print(f"{n} renders in {elapsed:.0f} s ({elapsed / max(n, 1):.2f} s/render); browser starts: "
          f"{stats['browser_starts']}")
    print(f"{'RSS':<22}{'chromium procs':>15}{'python MB':>11}{'children MB':>13}{'total MB':>10}"
          "   (children: Chromium + Playwright driver)")
    for snap in (start_snap, warm, end):
        print(f"{snap['label']:<22}{snap['count']:>15}{snap['py']:>11.0f}{snap['chromium']:>13.0f}{snap['total']:>10.0f}")
    growth = 100 * (end["total"] - warm["total"]) / warm["total"]
    py_growth = 100 * (end["py"] - warm["py"]) / warm["py"]
    print(f"{'peak (1 s samples)':<22}{sampler.peak_count:>15}{sampler.peak_py:>11.0f}{sampler.peak_chromium:>13.0f}")
    print(f"RSS growth (python + chromium): {growth:+.1f}% vs target < 10% -> {_met(growth < 10)}; "
          f"python alone: {py_growth:+.1f}%")
    print(f"chromium processes: before pool {before}, after close {after} -> "
          f"{'back to baseline' if after <= before else 'LEAKED'}")
    print(f"\n{'page':<22}" + "".join(f"{s.value:>9}" for s in RenderStatus))
    for name in [*PAGES, *HOSTILE]:
        if name in statuses:
            print(f"{name:<22}" + "".join(f"{statuses[name][s.value]:>9}" for s in RenderStatus))
    if slow:
        print(f"renders over {SOAK_BOUND_S:g} s (escaped their bounds): {len(slow)}, e.g. {slow[:5]}")


# ---------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repeat per measurement and a soak of 60 renders")
    parser.add_argument("--soak", type=int, default=None, help="renders in the soak (default 1000, 60 with --quick)")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per measurement, median kept (default 3)")
    parser.add_argument("--skip-speed", action="store_true", help="only run the soak (in this process)")
    parser.add_argument("--formats", default="png,jpeg", help="frame formats to measure, comma-separated")
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    soak_n = args.soak if args.soak is not None else (60 if args.quick else 1000)

    if args.skip_speed:
        return 0 if soak_n <= 0 or run_soak(soak_n) else 2
    print(f"chromium for ours/floor: {find_chromium(RenderConfig()).path}; baseline: {full_chromium()}; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; repeats {repeats}")
    print("all times are ms per frame; speed-up = baseline / ours (frame phase); (+load) uses ours' whole call")
    deterministic = run_speed(repeats, tuple(args.formats.split(",")))
    soak_code = run_soak_in_child(soak_n) if soak_n > 0 else 0
    if not deterministic:
        print("\nFAIL: frames differ between fresh pools")
        return 1
    if soak_code:
        print("\nFAIL: " + ("Chromium processes outlived the pool" if soak_code == 2 else f"the soak failed ({soak_code})"))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
