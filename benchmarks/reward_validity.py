"""Disentanglement table: how each kind of change moves each score, on real CSS loader libraries.

The 12 loaders of tests/test_reward_validity_real.py (spinkit, load-awesome, three-dots from npm),
each with its CSS-rewrite variants, scored against the original with `RewardConfig()` at 512×384,
10 fps, 3 s. For each variant kind: the mean change of appearance, temporal and total vs the
identical copy, over all pages (the ablation Animation2Code lacks). `--backend lk` scores temporal
with the Lucas–Kanade track backend instead (the previous default), for comparison; `--quick`
uses 4 loaders. Also prints the temporal scoring time of the chosen backend against `lk` on the
same frames, measured in this run (shared, loaded machine: ratios, not absolute times, matter).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.real_loaders import LOADERS, VARIANTS, variant_page  # noqa: E402
from v2c.render import LocalRendererPool, Page  # noqa: E402
from v2c.rewards import Reference, RewardConfig, RewardScorer  # noqa: E402
from v2c.rewards.temporal import FlowTemporalScorer, make_temporal_scorer  # noqa: E402


def _value(breakdown, score: str) -> float:
    """A score of a breakdown; 0 where a gate (blank, failed render) left it unscored."""
    return breakdown.total if score == "total" else (breakdown.scores.get(score) or 0.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="flow", help="temporal backend (flow, lk)")
    parser.add_argument("--quick", action="store_true", help="4 loaders instead of 12")
    args = parser.parse_args()
    names = list(LOADERS)[:: 3] if args.quick else list(LOADERS)
    deltas: dict[str, list[tuple[float, float, float]]] = {v: [] for v in VARIANTS if v != "identical"}
    timings: dict[str, list[float]] = {args.backend: [], "lk": []}
    temporal = {b: make_temporal_scorer(b) for b in timings}
    with LocalRendererPool(size=2) as pool:
        scorer = RewardScorer(RewardConfig(backends={"appearance": "labssim", "temporal": args.backend}), renderer=pool)
        for name in names:
            loader = LOADERS[name]
            prepared = scorer.prepare(Reference(page=Page(variant_page(loader, "identical")), duration_s=3.0, fps=10,
                                                viewport=(512, 384)))
            # as the reward prepares them: the flow score takes whether the page's frames depend on its randomness
            refs = {b: s.prepare_reference(prepared.frames, 10, prepared.clip.depends_on_seed)
                    if isinstance(s, FlowTemporalScorer) else s.prepare_reference(prepared.frames, 10)
                    for b, s in temporal.items()}
            base = scorer.score(prepared, variant_page(loader, "identical"))
            for variant in deltas:
                b, rendered = scorer.evaluate(prepared, variant_page(loader, variant))
                deltas[variant].append(tuple(_value(b, k) - _value(base, k) for k in ("appearance", "temporal", "total")))
                for backend, s in temporal.items():
                    started = time.perf_counter()
                    s.score(refs[backend], rendered.frames, 10)
                    timings[backend].append(time.perf_counter() - started)
    print(f"mean change vs the identical copy over {len(names)} real-library loaders "
          f"(temporal backend {args.backend!r}, 512x384, 10 fps, 3 s)\n")
    print("| variant | appearance | temporal | total |")
    print("|---|---|---|---|")
    for variant, rows in deltas.items():
        means = [statistics.fmean(r[k] for r in rows) for k in range(3)]
        print(f"| {variant} | {means[0]:+.2f} | {means[1]:+.2f} | {means[2]:+.2f} |")
    own, lk = statistics.median(timings[args.backend]), statistics.median(timings["lk"])
    print(f"\ntemporal scoring per candidate (median): {args.backend} {own * 1000:.0f} ms, lk {lk * 1000:.0f} ms, "
          f"ratio {own / lk:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
