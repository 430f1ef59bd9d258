"""Scoring speed: what one RL reward costs, with and without the reference cache.

Measured on the same pages in one run (512×384, 10 fps, 3 s, embedded backends):
  cached    per candidate: render + appearance + temporal, the reference prepared once
            (the hot path of a GRPO group: every completion is scored against the same task)
  uncached  the same, preparing (rendering, cropping, tracking) the reference for every candidate
  group     8 candidates of one task scored concurrently (`score_many`), wall time
  dreamsim  per-frame-pair DreamSim appearance, only where its weights are in the cache
Targets (issue 7): ≤ 1 s per cached candidate including its render; a group of 8 ≤ 3 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from v2c.rewards import Reference, RewardConfig, RewardScorer  # noqa: E402
from v2c.rewards.appearance import dreamsim_missing_files  # noqa: E402
from v2c.render import LocalRendererPool, Page  # noqa: E402

REFERENCE = """<!doctype html><html><body style='margin:0;background:#fafafa;font:18px sans-serif'>
<style>@keyframes go{0%{transform:translateX(0) rotate(0)}60%{transform:translateX(220px) rotate(120deg)}
100%{transform:translateX(260px) rotate(180deg)}} .b{position:absolute;width:50px;height:50px;border-radius:6px}</style>
<h2 style='position:absolute;left:40px;top:10px'>Loading shapes</h2>
<div class=b style='left:40px;top:120px;background:#e4572e;animation:go 2s ease-in-out both'></div>
<div class=b style='left:40px;top:220px;background:#29335c;animation:go 2.4s linear .3s both'></div></body></html>"""


def candidates() -> list[str]:
    return [
        REFERENCE,
        REFERENCE.replace("2s ease-in-out", "2.6s ease-in-out"),
        REFERENCE.replace("#e4572e", "#3aa655"),
        REFERENCE.replace("linear .3s", "ease .1s"),
        REFERENCE.replace("rotate(180deg)", "rotate(90deg)"),
        REFERENCE.replace("220px", "160px"),
        REFERENCE.replace("animation:go", "animation-name:none;x:"),
        REFERENCE.replace("Loading shapes", "Shapes loading"),
    ]


def time_each(scorer: RewardScorer, reference: Reference, pages: list[str], cached: bool) -> list[float]:
    times = []
    for html in pages:
        if not cached:
            scorer._cache.clear()
        started = time.perf_counter()
        target = scorer.prepare(reference) if cached else reference
        scorer.score(target, Page(html))
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=2, help="passes over the 8 candidates")
    args = parser.parse_args()
    reference = Reference(page=Page(REFERENCE), duration_s=3.0, fps=10, viewport=(512, 384))
    pages = candidates()
    with LocalRendererPool(size=2) as pool:
        scorer = RewardScorer(RewardConfig(), renderer=pool)
        scorer.prepare(reference)
        scorer.score(reference, Page(pages[1]))  # warm-up: browsers started, code paths loaded
        cached = [t for _ in range(args.repeats) for t in time_each(scorer, reference, pages, cached=True)]
        uncached = [t for _ in range(args.repeats) for t in time_each(scorer, reference, pages, cached=False)]
        prepared = scorer.prepare(reference)
        groups = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            scorer.score_many(prepared, pages)
            groups.append(time.perf_counter() - started)
        breakdown = scorer.score(prepared, Page(pages[1]))

    cached_s, uncached_s, group_s = statistics.median(cached), statistics.median(uncached), statistics.median(groups)
    print("per-candidate scoring, 512x384, 10 fps, 3 s, embedded backends (median)")
    print(f"  uncached (reference prepared per candidate)  {uncached_s:6.3f} s   baseline")
    print(f"  cached   (reference prepared once)           {cached_s:6.3f} s   {uncached_s / cached_s:5.2f}x faster"
          f"   target <= 1.0 s: {'met' if cached_s <= 1.0 else 'MISSED'}")
    print("    of which " + ", ".join(f"{k} {v:.3f} s" for k, v in breakdown.timings_s.items() if k != "total"))
    print(f"  group of 8, concurrent                        {group_s:6.3f} s   {8 * cached_s / group_s:5.2f}x vs 8 sequential"
          f"   target <= 3.0 s: {'met' if group_s <= 3.0 else 'MISSED'}")
    cache_dir = RewardConfig().model_cache_dir
    if dreamsim_missing_files(cache_dir, "ensemble"):
        print(f"  dreamsim: weights not in {cache_dir}; per-frame-pair DreamSim not measured")
    else:
        dreamsim = RewardScorer(RewardConfig(backends={"appearance": "dreamsim"}))
        started = time.perf_counter()
        dreamsim.score(reference, Page(pages[1]))
        print(f"  dreamsim appearance (uncached)               {time.perf_counter() - started:6.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
