"""Do the rewards hold against REAL-TIME recordings, as datasets make their reference videos?

Animation2Code's references are screen recordings of pages playing in real time; ours are renders
on a virtual clock. This benchmark records each page of benchmarks/recorded_pages.py (39 pages from
16 npm libraries: CSS, SMIL, shadow-root CSS, GIF, Web Animations, rAF canvases with randomness, rAF
frame counting, timers with randomness) the way a dataset does, then scores the page's own source
(the oracle) and its variants against that recording with the default `RewardConfig`:

1. Record: headless Chromium in real time (flags of v2c/render/browser.py, no begin-frame control),
   the page served from its files as the renderer serves it (vendored CDN URLs answered, nothing
   else), CDP `Page.startScreencast` (PNG, every frame, acknowledged) for 3 s after the first painted
   (non-flat) frame; resampled to 30 fps on a uniform grid from that frame, each grid time taking
   the latest screencast frame at or before it; H.264 yuv420p mp4 (`v2c.video.write_video`).
   Cached under OUT/recordings/, keyed by the page's content and these settings.
2. Score, as `v2c eval` scores an Animation2Code sample (a `Task` of the recording and its source page: 10 fps,
   3 s, its size; the recording's lead-in trimmed and its start aligned to the source,
   `RewardConfig.align_recording`): the oracle and `timing_x1.15/x1.6/x2.5`, `recolour`, `frozen`, `blank` (see
   recorded_pages.py).
3. Print a table per page and a summary: oracle min/mean, pages with oracle >= 0.95, and per page
   whether the orderings hold: timing (oracle > x1.15 >= x1.6 >= x2.5), presence (blank <= frozen <
   x2.5 < oracle: nothing, still, wrong motion, right motion; <= at the bottom because a still page
   that shows nothing is gated like a blank one), recolour < oracle.
4. Write every page as an Animation2Code sample (OUT/a2c/codepen-<name>/: src/, animation.mp4,
   metadata.json, and _record_manifest.json); `--eval` runs `v2c eval --agent oracle --tasks
   anim2code:OUT/a2c` on them and prints its mean.

    python benchmarks/recorded_fidelity.py                     # all pages (~3 min recording, ~5 min scoring)
    python benchmarks/recorded_fidelity.py --pages sk-pulse,gif-slick --out /tmp/rf
    python benchmarks/recorded_fidelity.py --record-only --limit 5

Results: OUT/results.json (every score of every variant, recording statistics, the summary).
Recording competes for the CPU with everything else on the machine: pages are recorded one at a
time, and each recording's frame rate is reported (`rec fps`).
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import io
import json
import mimetypes
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
from PIL import Image
from playwright.async_api import Error as PlaywrightError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from recorded_pages import PAGES, VARIANTS, LibraryPage, library_versions  # noqa: E402
from v2c.render import LocalRendererPool, Page  # noqa: E402
from v2c.render import network  # noqa: E402
from v2c.render.browser import COMMON_FLAGS, find_chromium  # noqa: E402
from v2c.render.config import RenderConfig  # noqa: E402
from v2c.render.worker import ORIGIN  # noqa: E402
from v2c.envs.tasks.task import Task  # noqa: E402
from v2c.rewards import RewardConfig, RewardScorer  # noqa: E402
from v2c.video import read_video, write_video  # noqa: E402

VIEWPORT = (512, 384)
RECORD_FPS = 30.0
"""The grid the screencast is resampled to (Animation2Code's recordings are 30 fps)."""
DURATION_S = 3.0
SCORE_FPS = 10.0
"""As `v2c score` and the default `RewardConfig.score_fps`."""
RECORDER_VERSION = "screencast-png-1"
"""Part of the recording cache key: change it when the recording procedure changes."""
FLAT_LEVELS = 3
"""A frame whose channels all span at most this many levels is flat (not yet painted)."""


# ------------------------------------------------------------------------------------------------
# Recording


@dataclass
class Recording:
    """One real-time recording: the mp4 and what the screencast delivered."""

    path: str
    ok: bool
    raw_frames: int
    raw_fps: float
    """Median screencast frame rate (Chromium sends a frame only when something was drawn)."""
    first_paint_s: float
    """Seconds from navigation to the first painted (non-flat) frame."""
    held: float
    """Share of grid frames that repeat the previous grid frame's screencast frame."""
    reason: str = ""


def recording_key(page: Page) -> str:
    settings = json.dumps([RECORDER_VERSION, VIEWPORT, RECORD_FPS, DURATION_S], sort_keys=True)
    return hashlib.sha256((page.content_hash() + settings).encode()).hexdigest()[:16]


def _flat(frame: np.ndarray) -> bool:
    flat = frame.reshape(-1, 3)
    return bool((flat.max(axis=0).astype(int) - flat.min(axis=0)).max() <= FLAT_LEVELS)


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def chromium_flags() -> list[str]:
    """The renderer's Chromium flags, less the ones Playwright sets itself; no begin-frame control: time is real."""
    return [f for f in COMMON_FLAGS if f not in ("--headless", "--remote-debugging-port=0")]


async def _serve(page: Page, route) -> None:  # noqa: ANN001 (playwright Route)
    url = route.request.url
    if url.startswith(ORIGIN):
        path = unquote(urlsplit(url).path).lstrip("/") or "index.html"
        file = page.served.get(path)
        if file is None:
            await route.fulfill(status=404, body=f"{path} is not part of this page")
            return
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        await route.fulfill(status=200, body=file.body,
                            content_type=f"{content_type}; charset=utf-8" if file.text else content_type)
        return
    response = await asyncio.to_thread(network.resolve, url)
    if response is None:
        await route.abort("blockedbyclient")
        return
    await route.fulfill(status=response.status, body=response.body, content_type=response.content_type,
                        headers=dict(response.headers))


async def record_page(browser, page: Page, out: Path, duration_s: float = DURATION_S,  # noqa: ANN001
                      max_wait_s: float = 8.0) -> Recording:
    """Record `page` in real time with Chromium's screencast and write `out` (30 fps from the first painted frame)."""
    context = await browser.new_context(viewport={"width": VIEWPORT[0], "height": VIEWPORT[1]},
                                        device_scale_factor=1)
    try:
        await context.route("**/*", lambda route: _serve(page, route))
        tab = await context.new_page()
        await tab.goto("about:blank")
        cdp = await context.new_cdp_session(tab)
        frames: list[tuple[float, bytes]] = []

        async def ack(session_id: int) -> None:
            try:
                await cdp.send("Page.screencastFrameAck", {"sessionId": session_id})
            except PlaywrightError:
                pass  # the last frames arrive while the context closes

        def on_frame(params: dict) -> None:
            frames.append((float(params["metadata"]["timestamp"]), base64.b64decode(params["data"])))
            asyncio.ensure_future(ack(params["sessionId"]))

        cdp.on("Page.screencastFrame", on_frame)
        await cdp.send("Page.startScreencast", {"format": "png", "everyNthFrame": 1, "maxWidth": VIEWPORT[0],
                                                "maxHeight": VIEWPORT[1]})
        started = time.time()
        await tab.goto(ORIGIN + "index.html", wait_until="commit")
        first: int | None = None
        checked = 0
        while time.time() - started < max_wait_s + duration_s:
            while first is None and checked < len(frames):
                if not _flat(_decode(frames[checked][1])):
                    first = checked
                checked += 1
            if first is not None and time.time() >= frames[first][0] + duration_s + 0.2:
                break
            if first is None and time.time() - started > max_wait_s:
                break
            await asyncio.sleep(0.05)
        await cdp.send("Page.stopScreencast")
    finally:
        await context.close()
    if first is None:
        return Recording(str(out), False, len(frames), 0.0, 0.0, 0.0, f"no painted frame within {max_wait_s:g} s")
    stamps = np.array([t for t, _ in frames])
    grid = stamps[first] + np.arange(round(duration_s * RECORD_FPS)) / RECORD_FPS
    picks = np.searchsorted(stamps, grid + 1e-6, side="right") - 1
    decoded = {i: _decode(frames[i][1]) for i in sorted(set(picks.tolist()))}
    write_video(out, np.stack([decoded[i] for i in picks]), fps=RECORD_FPS)
    span = stamps[first:]
    raw_fps = float(1.0 / np.median(np.diff(span))) if len(span) > 1 else 0.0
    return Recording(str(out), True, len(frames) - first, raw_fps, float(stamps[first] - started),
                     float(np.mean(picks[1:] == picks[:-1])))


async def record_all(pages: dict[str, Page], folder: Path, log=print) -> dict[str, Recording]:  # noqa: ANN001
    """Each page's recording, from the cache under `folder` when its content was recorded before."""
    from playwright.async_api import async_playwright

    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, Recording] = {}
    todo = {}
    for name, page in pages.items():
        meta = folder / f"{name}-{recording_key(page)}.json"
        if meta.is_file() and Path(json.loads(meta.read_text())["path"]).is_file():
            results[name] = Recording(**json.loads(meta.read_text()))
        else:
            todo[name] = (page, meta)
    if not todo:
        return results
    build = find_chromium(RenderConfig())
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=build.path, args=chromium_flags())
        try:
            for name, (page, meta) in todo.items():
                clock = time.perf_counter()
                rec = await record_page(browser, page, meta.with_suffix(".mp4"))
                meta.write_text(json.dumps(asdict(rec), indent=1))
                results[name] = rec
                note = "" if rec.ok else " " + rec.reason
                log(f"recorded {name}: {rec.raw_frames} screencast frames at {rec.raw_fps:.0f} fps, first paint "
                    f"{rec.first_paint_s:.2f} s, {time.perf_counter() - clock:.1f} s{note}")
        finally:
            await browser.close()
    return results


# ------------------------------------------------------------------------------------------------
# Animation2Code layout


def write_a2c(folder: Path, pages: dict[str, LibraryPage], recordings: dict[str, Recording]) -> Path:
    """Every page as an Animation2Code sample under `folder` (the layout envs/tasks/anim2code.py loads)."""
    if folder.exists():
        shutil.rmtree(folder)
    results = []
    for name, spec in pages.items():
        rec = recordings[name]
        sample = folder / f"codepen-{name}"
        source = spec.page("oracle")
        (sample / "src").mkdir(parents=True)
        (sample / "src" / "index.html").write_text(source.html)
        for path, body in source.files.items():
            target = sample / "src" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body.encode() if isinstance(body, str) else bytes(body))
        if rec.ok:
            shutil.copyfile(rec.path, sample / "animation.mp4")
        (sample / "metadata.json").write_text(json.dumps(
            {"title": f"{spec.library}: {name}", "url": f"https://www.npmjs.com/package/{spec.library}",
             "library": spec.library, "technique": spec.technique}, indent=1))
        results.append({"folder": sample.name, "status": "success" if rec.ok else "failed",
                        "animationType": spec.kind, "durationS": DURATION_S})
    (folder / "_record_manifest.json").write_text(json.dumps({"results": results}, indent=1))
    return folder


def run_oracle_eval(a2c: Path, out: Path, count: int) -> float | None:
    """`v2c eval --agent oracle` on the samples; the oracle's mean total (None when the eval failed)."""
    command = [sys.executable, "-m", "v2c.cli", "eval", "--agent", "oracle", "--tasks", f"anim2code:{a2c}",
               "--limit", str(count), "--out", str(out), "--no-videos"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not (out / "results.json").is_file():
        print(f"v2c eval failed ({done.returncode}):\n{done.stderr[-2000:]}")
        return None
    rows = json.loads((out / "results.json").read_text())
    totals = [r["total"] for r in rows if r["agent"] == "oracle"]
    return float(np.mean(totals)) if totals else None


# ------------------------------------------------------------------------------------------------
# Scoring and the report


def score_pages(pages: dict[str, LibraryPage], recordings: dict[str, Recording]) -> dict[str, dict]:
    """Per page: every variant's total, appearance and temporal against the page's recording."""
    rows: dict[str, dict] = {}
    with LocalRendererPool(size=2) as pool:
        scorer = RewardScorer(RewardConfig(), renderer=pool)
        for name, spec in pages.items():
            rec = recordings[name]
            if not rec.ok:
                continue
            # As `v2c eval` takes an Animation2Code sample: through a Task of the recording and its source (which
            # applies the project's handling of recordings: the lead-in trimmed, the start aligned to the source).
            height, width = read_video(rec.path).frames.shape[1:3]
            task = Task(id=name, kind="animation", video=Path(rec.path), page=spec.page("oracle"),
                        duration_s=DURATION_S, fps=SCORE_FPS, viewport=(width, height))
            prepared = scorer.prepare(task.to_reference())
            breakdowns = scorer.score_many(prepared, [spec.page(v) for v in VARIANTS])
            rows[name] = {v: {"total": b.total, **{k: b.scores.get(k) for k in ("appearance", "temporal")},
                              "gates": [g.name for g in b.gates], "render_status": b.render_status}
                          for v, b in zip(VARIANTS, breakdowns)}
    return rows


def orderings(scores: dict[str, float]) -> dict[str, bool]:
    """Whether each expected ordering of one page's totals holds."""
    s = scores
    return {
        "timing": s["oracle"] > s["timing_x1.15"] >= s["timing_x1.6"] >= s["timing_x2.5"],
        # <= at the bottom: a frozen page that shows nothing (sk-pulse paused at scale 0) is gated blank too.
        "presence": s["blank"] <= s["frozen"] < s["timing_x2.5"] < s["oracle"],
        "recolour": s["recolour"] < s["oracle"],
    }


def report(pages: dict[str, LibraryPage], recordings: dict[str, Recording], rows: dict[str, dict]) -> dict:
    short = {"oracle": "oracle", "timing_x1.15": "x1.15", "timing_x1.6": "x1.6", "timing_x2.5": "x2.5",
             "recolour": "recol", "frozen": "frozen", "blank": "blank"}
    print(f"\ntotal score vs a real-time recording (default RewardConfig, {VIEWPORT[0]}x{VIEWPORT[1]}, "
          f"{SCORE_FPS:g} fps, {DURATION_S:g} s)\n")
    print("| page | library | class | technique | rec fps | " + " | ".join(short[v] for v in VARIANTS)
          + " | timing | presence | recolour |")
    print("|---" * (8 + len(VARIANTS)) + "|")
    holds: dict[str, dict[str, bool]] = {}
    for name, spec in pages.items():
        rec = recordings[name]
        if name not in rows:
            print(f"| {name} | {spec.library} | {spec.kind} | {spec.technique} | - | not recorded: {rec.reason} |")
            continue
        totals = {v: rows[name][v]["total"] for v in VARIANTS}
        holds[name] = orderings(totals)
        marks = " | ".join("yes" if ok else "NO" for ok in holds[name].values())
        print(f"| {name} | {spec.library} | {spec.kind} | {spec.technique} | {rec.raw_fps:.0f} | "
              + " | ".join(f"{totals[v]:.3f}" for v in VARIANTS) + f" | {marks} |")
    oracle = [rows[n]["oracle"]["total"] for n in rows]
    summary: dict = {"pages": len(pages), "scored": len(rows)}
    if oracle:
        summary.update({
            "oracle_min": min(oracle), "oracle_mean": statistics.fmean(oracle),
            "oracle_at_least_0.95": sum(o >= 0.95 for o in oracle),
            "orderings_hold": {k: sum(h[k] for h in holds.values()) for k in ("timing", "presence", "recolour")},
            "by_class": {kind: statistics.fmean(rows[n]["oracle"]["total"] for n in rows if pages[n].kind == kind)
                         for kind in ("css", "js") if any(pages[n].kind == kind for n in rows)},
            "by_technique": {t: round(statistics.fmean(rows[n]["oracle"]["total"] for n in rows
                                                        if pages[n].technique == t), 3)
                             for t in dict.fromkeys(pages[n].technique for n in rows)},
        })
        print(f"\noracle: min {summary['oracle_min']:.3f}, mean {summary['oracle_mean']:.3f}; "
              f"{summary['oracle_at_least_0.95']}/{len(rows)} pages >= 0.95")
        print("oracle mean by class: " + ", ".join(f"{k} {v:.3f}" for k, v in summary["by_class"].items()))
        print("oracle mean by technique: " + ", ".join(f"{k} {v:.3f}" for k, v in summary["by_technique"].items()))
        print("orderings hold on: " + ", ".join(f"{k} {v}/{len(holds)}" for k, v in summary["orderings_hold"].items())
              + "  (timing: oracle > x1.15 >= x1.6 >= x2.5; presence: blank <= frozen < x2.5 < oracle; "
                "recolour < oracle)")
        mean_change = {v: statistics.fmean(rows[n][v]["total"] - rows[n]["oracle"]["total"] for n in rows)
                       for v in VARIANTS if v != "oracle"}
        summary["mean_change_vs_oracle"] = mean_change
        print("mean change vs the oracle: " + ", ".join(f"{short[v]} {d:+.3f}" for v, d in mean_change.items()))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", help="comma-separated page names (default: all; --list shows them)")
    parser.add_argument("--limit", type=int, help="at most this many pages")
    parser.add_argument("--out", default="runs/recorded_fidelity", help="folder for recordings, samples and results")
    parser.add_argument("--record-only", action="store_true", help="record (and write the samples), do not score")
    parser.add_argument("--eval", action="store_true", help="also run `v2c eval --agent oracle` on the samples")
    parser.add_argument("--list", action="store_true", help="list the pages and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, spec in PAGES.items():
            print(f"{name:28} {spec.library:18} {spec.kind:4} {spec.technique}")
        return 0
    names = list(PAGES)
    if args.pages:
        names = [n.strip() for n in args.pages.split(",") if n.strip()]
        unknown = [n for n in names if n not in PAGES]
        if unknown:
            parser.error(f"unknown pages {unknown}; --list shows them")
    if args.limit is not None:
        names = names[:args.limit]
    pages = {n: PAGES[n] for n in names}
    out = Path(args.out)
    network.require_vendor()
    print(f"{len(pages)} pages from {len({p.library for p in pages.values()})} libraries: "
          + ", ".join(f"{k} {v}" for k, v in library_versions().items() if any(p.library == k for p in pages.values())))
    clock = time.perf_counter()
    recordings = asyncio.run(record_all({n: p.page("oracle") for n, p in pages.items()}, out / "recordings"))
    print(f"recordings: {time.perf_counter() - clock:.0f} s, in {out / 'recordings'}")
    a2c = write_a2c(out / "a2c", pages, recordings)
    print(f"Animation2Code samples: {a2c}")
    result: dict = {"pages": {n: {"library": p.library, "kind": p.kind, "technique": p.technique,
                                  "recording": asdict(recordings[n])} for n, p in pages.items()}}
    if not args.record_only:
        clock = time.perf_counter()
        rows = score_pages(pages, recordings)
        for name, variants in rows.items():
            result["pages"][name]["scores"] = variants
        result["summary"] = report(pages, recordings, rows)
        print(f"scoring: {time.perf_counter() - clock:.0f} s")
    if args.eval:
        mean = run_oracle_eval(a2c, out / "eval", len(pages))
        result["eval_oracle_mean"] = mean
        print(f"v2c eval --agent oracle --tasks anim2code:{a2c}: oracle mean total "
              + ("failed" if mean is None else f"{mean:.3f}"))
    (out / "results.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
