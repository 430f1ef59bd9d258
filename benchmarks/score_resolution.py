"""Do the papers' setting's defaults keep the scores' meaning? Default vs full resolution, 10 vs 30 fps.

At Animation2Code's setting (1024×768 CSS px, 30 fps, 5 s) every page below is scored three ways
in one run, against the same references:
  default   `RenderConfig.raster_scale=None` (longer side ≤ 512 device px: 0.5 here) and
            `RewardConfig.score_fps=10`
  full res  every device pixel (`raster_scale=1`) at the same 10 fps: the issue-14 criterion, every
            score within 0.02 of this
  30 fps    the default raster at the task's own 30 fps: what comparing at half the rate changes
Pages: the 8 candidates of `benchmarks/score.py`; 4 built-in animation tasks generated at this setting,
each scored with its own oracle and with the next task's (a wrong page); and the 12 real-library
loaders of tests/real_loaders.py (spinkit, load-awesome, three-dots from npm, nobody here wrote them)
as reference, each scored with its identical copy, its animations 1.6× slower, recoloured and
reversed. Prints one row per page and score, the largest differences, and at 10 and at 30 fps how
many steps of each loader's timing ladder identical > ×1.15 > ×1.6 > ×2.5 are out of order.
`--quick`: 4 loaders and 2 tasks.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from score import REFERENCE, SETTINGS, candidates  # noqa: E402
from tests.real_loaders import LOADERS, TIMING_FACTORS, variant_page  # noqa: E402
from v2c.envs.tasks import load_tasks  # noqa: E402
from v2c.render import LocalRendererPool, Page, RenderConfig  # noqa: E402
from v2c.rewards import Reference, RewardBreakdown, RewardConfig, RewardScorer  # noqa: E402

WAYS = {"default": (None, RewardConfig.score_fps), "full res": (1.0, RewardConfig.score_fps), "30 fps": (None, None)}
"""name → (raster_scale, score_fps)."""
LOADER_VARIANTS = ("identical", "timing_x1.6", "recolour", "reversed")
LADDER = ("identical", *TIMING_FACTORS)


def cases(quick: bool) -> list[tuple[str, Reference, list[tuple[str, str]]]]:
    """(group, reference, [(candidate label, html)]) at the papers' setting."""
    a2c = SETTINGS["a2c"]

    def reference(page: Page) -> Reference:
        return Reference(page=page, duration_s=a2c.duration_s, fps=a2c.fps, viewport=a2c.viewport)

    bench = candidates()
    out = [("score.py", reference(Page(REFERENCE)), [(f"candidate {k}", html) for k, html in enumerate(bench)])]
    source = load_tasks("builtin:animations", fps=a2c.fps, viewport=a2c.viewport,
                        min_duration_s=a2c.duration_s, max_duration_s=a2c.duration_s)
    tasks = [source[k] for k in range(2 if quick else 4)]
    for k, task in enumerate(tasks):
        wrong = tasks[(k + 1) % len(tasks)]
        out.append((task.id, reference(task.cheat()), [("oracle", task.cheat().html), ("next task's", wrong.cheat().html)]))
    for name in list(LOADERS)[:: 3] if quick else list(LOADERS):
        loader = LOADERS[name]
        variants = sorted(set(LOADER_VARIANTS) | set(LADDER), key=(*LOADER_VARIANTS, *LADDER).index)
        out.append((name, reference(Page(variant_page(loader, "identical"))),
                    [(v, variant_page(loader, v)) for v in variants]))
    return out


def score_all(all_cases: list, raster_scale: float | None, score_fps: float | None) -> list[list[RewardBreakdown]]:
    with LocalRendererPool(size=2, config=RenderConfig(raster_scale=raster_scale)) as pool:
        scorer = RewardScorer(RewardConfig(score_fps=score_fps), renderer=pool)
        return [scorer.score_many(scorer.prepare(ref), [html for _, html in pages]) for _, ref, pages in all_cases]


def value(breakdown: RewardBreakdown, name: str) -> float | None:
    return breakdown.total if name == "total" else breakdown.scores.get(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 loaders and 2 built-in tasks")
    args = parser.parse_args()
    all_cases = cases(args.quick)
    results = {way: score_all(all_cases, *settings) for way, settings in WAYS.items()}
    names = ["appearance", "temporal", "total"]
    fps = RewardConfig.score_fps
    print(f"scores at 1024x768, 30 fps, 5 s: default (raster 0.5, {fps:g} fps) | full res (raster 1, {fps:g} fps) | "
          "30 fps (raster 0.5)\n")
    print("| reference | candidate | " + " | ".join(f"{n} default / full res / 30 fps" for n in names) + " |")
    print("|---|---|" + "---|" * len(names))
    largest = {"full res": (0.0, ""), "30 fps": (0.0, "")}
    over: list[str] = []  # every page and score more than 0.02 from full resolution, printed or not
    for c, (group, _, pages) in enumerate(all_cases):
        for p, (label, _) in enumerate(pages):
            cells = []
            for name in names:
                got = {way: value(results[way][c][p], name) for way in WAYS}
                cells.append(" / ".join("-" if v is None else f"{v:.3f}" for v in got.values()))
                for way in largest:
                    gap = abs((got[way] or 0.0) - (got["default"] or 0.0))
                    if gap > largest[way][0]:
                        largest[way] = (gap, f"{name} of {group} / {label}")
                    if way == "full res" and gap > 0.02:
                        over.append(f"{name} of {group} / {label} {got['default'] or 0.0:.3f} vs {got[way] or 0.0:.3f}")
            if group not in LOADERS or label in LOADER_VARIANTS:
                print(f"| {group} | {label} | " + " | ".join(cells) + " |")
    pages = sum(len(p) for _, _, p in all_cases)
    for way, (gap, where) in largest.items():
        target = " (target <= 0.02: " + ("met)" if gap <= 0.02 else "MISSED)") if way == "full res" else ""
        print(f"\nlargest difference default vs {way} over {pages} pages: {gap:.4f} ({where}){target}")
    print(f"scores more than 0.02 from full resolution: {len(over)} of {pages * len(names)}"
          + (f" ({'; '.join(over)})" if over else ""))
    loaders = [(c, pages) for c, (group, _, pages) in enumerate(all_cases) if group in LOADERS]
    for way in ("default", "30 fps"):
        # A step of the ladder is out of order when the larger timing error does not score lower.
        out_of_order = []
        for c, pages in loaders:
            labels = [label for label, _ in pages]
            temporal = [results[way][c][labels.index(v)].scores.get("temporal") or 0.0 for v in LADDER]
            out_of_order += [f"{all_cases[c][0]}: {LADDER[a]} {temporal[a]:.2f} vs {LADDER[a + 1]} {temporal[a + 1]:.2f}"
                             for a in range(len(LADDER) - 1) if not temporal[a] > temporal[a + 1]]
        print(f"temporal timing ladder ({' > '.join(LADDER)}) at {way}: {len(out_of_order)} of {3 * len(loaders)} "
              f"steps out of order" + (f" ({'; '.join(out_of_order)})" if out_of_order else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
