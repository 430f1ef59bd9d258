"""What rAF at a virtual 60 Hz display costs: the renderer's frame phase with `display_hz=60` (the default)
against `display_hz` equal to the capture rate (one rAF call per captured frame, how the renderer ran
before), on the same pages, pool and machine in one run.

Pages: `benchmarks/render.py`'s CSS keyframes, rAF canvas and text-transition pages, and a canvas
particle field that draws 300 particles per rAF call. Settings: 512×384 @ 10 fps (6 rAF calls per
captured frame at 60 Hz) and 1024×768 @ 30 fps (2 per frame), 3 s. Prints ms per captured frame
(median of `--repeats`) and the ratio 60 Hz / capture rate; a CSS page should stay at ~1.0, a
script-driven page pays for the extra script calls only (they are not captured).

    python benchmarks/display_rate.py              # 3 repeats
    python benchmarks/display_rate.py --repeats 1
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from render import PAGES, _page  # noqa: E402
from v2c.render import LocalRendererPool, RenderConfig  # noqa: E402

SETTINGS = (((512, 384), 10.0), ((1024, 768), 30.0))
DURATION_S = 3.0


def _particles_page() -> str:
    script = """
const c = document.getElementById('c'), g = c.getContext('2d');
c.width = innerWidth; c.height = innerHeight;
const P = Array.from({length: 300}, () => ({x: Math.random() * c.width, y: Math.random() * c.height,
  vx: Math.random() * 4 - 2, vy: Math.random() * 4 - 2, r: 2 + Math.random() * 4}));
function step() {
  g.fillStyle = 'rgba(16, 24, 38, 0.25)'; g.fillRect(0, 0, c.width, c.height);
  g.fillStyle = '#7fd1ff';
  for (const p of P) {
    p.x = (p.x + p.vx + c.width) % c.width; p.y = (p.y + p.vy + c.height) % c.height;
    g.beginPath(); g.arc(p.x, p.y, p.r, 0, Math.PI * 2); g.fill();
  }
  requestAnimationFrame(step);
}
requestAnimationFrame(step);
"""
    return _page("<canvas id=c style='display:block'></canvas><script>" + script + "</script>")


def frame_ms(pool: LocalRendererPool, html: str, viewport: tuple[int, int], fps: float, repeats: int) -> float:
    """Median ms per captured frame of the frame phase (load excluded)."""
    times = []
    for _ in range(repeats):
        result = pool.render(html, DURATION_S, fps, viewport=viewport)
        if not result.ok:
            raise SystemExit(f"render failed: {result.status.value} {result.reason}")
        times.append(1000 * result.timings["frames"] / len(result.frames))
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    pages = {**PAGES, "raf_particles": _particles_page()}
    print("| page | setting | ms/frame, rAF per capture | ms/frame, rAF at 60 Hz | ratio |")
    print("|---|---|---|---|---|")
    for viewport, fps in SETTINGS:
        with LocalRendererPool(size=1, config=RenderConfig(display_hz=fps)) as per_capture, \
                LocalRendererPool(size=1, config=RenderConfig(display_hz=60.0)) as display:
            for name, html in pages.items():
                frame_ms(per_capture, html, viewport, fps, 1)  # warm both browsers on this page
                frame_ms(display, html, viewport, fps, 1)
                base = frame_ms(per_capture, html, viewport, fps, args.repeats)
                ours = frame_ms(display, html, viewport, fps, args.repeats)
                print(f"| {name} | {viewport[0]}x{viewport[1]} @ {fps:g} fps | {base:.1f} | {ours:.1f} | "
                      f"{ours / base:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
