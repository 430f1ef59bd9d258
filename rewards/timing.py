"""Explicit timing: by how much is the candidate's animation slower or faster than the reference's?

`time_scale` searches the time-scale ratio ρ (candidate seconds per reference second) and a lag τ
that best map the reference's feature sequence f onto the candidate's g: g(ρ·t + τ) ≈ f(t). The
match is the normalised correlation Σ f·g / √(Σ|f|² Σ|g|²) over the times both cover, with g
linearly interpolated between its samples (which the correlation computes exactly from the two
Gram matrices, so the whole search costs a few milliseconds). One measurement covers both kinds
of animation: a loop played slower has its period stretched by ρ, a one-shot motion its profile;
scaling every CSS duration and delay by k gives exactly ρ = k. The correlation ignores amplitude,
so a slower copy, whose velocities are 1/ρ as large, still matches fully at its ratio.

The lag is searched but not charged for: a loop has no start, so a loader whose cycle begins at
another phase is not late. A one-shot motion that starts late is seen by the content term
(`v2c.rewards.temporal`) only where it no longer fits in the clip.

Where several mappings fit about equally well (a page whose parts changed speed by different factors
has no single time scale), `time_scales` returns each with a weight, and the temporal score averages
what each mapping gives, so that the score moves smoothly with the page instead of jumping from one
mapping to the other (`TimingConfig.peak_tolerance`).

`timing_score` turns the ratio into exp(−|ln ρ| / σ): symmetric in slower and faster, 1 at ρ = 1,
never 0, and strictly decreasing in the size of the error (see `TimingConfig.sigma`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["TimingConfig", "TimeScale", "time_scale", "time_scales", "timing_score", "undo_time_scale"]


@dataclass(frozen=True)
class TimingConfig:
    """Time-scale search and timing score settings."""

    max_ratio: float = 3.0
    """Ratios from 1/max_ratio to max_ratio are searched. A 3 s clip of a ×3 slower copy covers
    1 s of the reference: less than that is too little to compare."""
    ratio_step: float = 0.01
    """Step of the ratio grid in ln ρ (1%): far below the timing errors that matter (10% and up)."""
    max_lag_s: float = 1.0
    """Lags from −max_lag_s to +max_lag_s are searched, in steps of one sample: enough to bring
    any loop of up to 2 s into phase."""
    min_overlap_s: float = 1.0
    """A (ρ, τ) whose mapped reference covers less than this many seconds of both videos is not
    considered: too short a stretch correlates well by chance."""
    confidence: float = 1.0
    """Mappings are compared by their correlation's lower confidence bound, `confidence` standard errors below
    it in Fisher's z (tanh(atanh r − c/√(N − 3)), N the samples compared), not by the correlation itself: a
    short overlap correlates well by chance. Measured on text that changes every frame (a counter, a typed
    line: `tests/test_reward_validity.py`), whose step features are nearly uncorrelated from step to step:
    the raw correlation took ρ = 0.55 over 1 s (r 0.68) for a copy 1.15× slower, and its temporal fell below
    the ×1.6 copy's (0.47 vs 0.68); with the bound it takes ρ ≈ 1.15 over 2.5 s. 0 compares raw correlations."""
    peak_tolerance: float = 0.1
    """Ratios whose misfit (1 − correlation) exceeds the best's by less than this fraction of it count (see
    `time_scales`): relative, so a copy that fits exactly has no rival and an identical page measures exactly
    1. Measured at 1024×768, 30 fps (`benchmarks/score_resolution.py --quick`), default raster 0.5 against
    every device pixel: `score.py`'s candidate 1 (one of two boxes 1.3× slower) had two modes 0.0006 apart
    (ρ 0.90 and 1.05) and took one or the other with the raster, temporal 0.831 vs 0.869; candidate 5 (a
    shorter move) had two bumps on one hill (ρ 1.26 and 1.38), 0.600 vs 0.642. With modes averaged and each
    taken at its centroid: 0.840 vs 0.845 and 0.628 vs 0.610, and every score of the 36 pages within 0.018
    of full resolution. At 0.05–0.1 the 12 real loaders' timing ladders, colour leak and identical copies
    (1.000) are as with the plain arg-max (0); at 0.2 two identical copies fell to 0.96–0.98."""
    sigma: float = 2.0
    """Timing score exp(−|ln ρ|/σ). σ = 2 gives 0.93 at ×1.15, 0.79 at ×1.6, 0.63 at ×2.5.
    Measured on the 12 real-library pages (benchmarks/reward_validity.py): the content term
    loses 0.00–0.08 more at ×1.15 (fast spinners sampled at other phases), so a 15% error costs
    0.07–0.15 of temporal (mean 0.09; a person barely sees ×1.15, so it should cost little, ≤ ~0.15),
    while ×2.5 still costs 0.40.
    σ = 1.5 made the worst ×1.15 page lose 0.18."""


@dataclass(frozen=True)
class TimeScale:
    """The best mapping of the reference's timeline onto the candidate's."""

    ratio: float
    """Candidate seconds per reference second (>1: the candidate is slower)."""
    lag_s: float
    """Seconds the candidate's timeline is shifted by."""
    correlation: float
    """Normalised correlation at that mapping, in [−1, 1] (0 when nothing moves)."""
    overlap_s: float
    """Reference seconds compared at that mapping."""

    def to_dict(self) -> dict[str, float]:
        return {k: round(float(v), 4) for k, v in vars(self).items()}


def time_scale(ref: np.ndarray, ref_rate: float, cand: np.ndarray, cand_rate: float,
               config: TimingConfig | None = None) -> TimeScale:
    """Best (ρ, τ) for feature sequences `ref` (L, D) sampled at `ref_rate` and `cand` (M, D) at
    `cand_rate`; ρ = 1 with correlation 0 when either has no energy or no mapping overlaps enough."""
    return time_scales(ref, ref_rate, cand, cand_rate, config)[0][0]


def time_scales(ref: np.ndarray, ref_rate: float, cand: np.ndarray, cand_rate: float,
                config: TimingConfig | None = None) -> list[tuple[TimeScale, float]]:
    """The mappings that fit about as well as the best, each with a weight: the best first, at weight 1,
    then every other peak of the ratio profile within `peak_tolerance` of it, weighted from 1 down to 0
    at that tolerance (see `TimingConfig.peak_tolerance`)."""
    cfg = config or TimingConfig()
    ref, cand = np.asarray(ref, np.float64), np.asarray(cand, np.float64)
    none = [(TimeScale(ratio=1.0, lag_s=0.0, correlation=0.0, overlap_s=0.0), 1.0)]
    n, m = len(ref), len(cand)
    if n < 2 or m < 2 or not (ref**2).sum() > 0 or not (cand**2).sum() > 0:
        return none
    cross = ref @ cand.T  # (n, m): f_i · g_j
    g_sq = (cand**2).sum(axis=1)
    g_next = (cand[:-1] * cand[1:]).sum(axis=1)  # g_j · g_{j+1}
    f_sq = (ref**2).sum(axis=1)
    # Symmetric grids that contain ρ = 1 and τ = 0 exactly: an identical copy measures exactly 1.
    k = int(np.log(cfg.max_ratio) / cfg.ratio_step)
    ratios = np.exp(np.arange(-k, k + 1) * cfg.ratio_step)
    n_lags = int(round(cfg.max_lag_s * cand_rate))
    lags = np.arange(-n_lags, n_lags + 1) / cand_rate
    p = _sample_positions(n, ref_rate, cand_rate, ratios[:, None, None], lags[None, :, None])  # (R, Λ, n)
    valid = (p >= 0) & (p <= m - 1)
    lo = np.clip(np.floor(p).astype(int), 0, m - 2)
    a = np.clip(p - lo, 0.0, 1.0)
    rows = np.broadcast_to(np.arange(n), p.shape)
    dot = (1 - a) * cross[rows, lo] + a * cross[rows, lo + 1]
    energy = (1 - a) ** 2 * g_sq[lo] + 2 * a * (1 - a) * g_next[lo] + a**2 * g_sq[lo + 1]
    num = np.where(valid, dot, 0.0).sum(axis=2)
    e_f = np.where(valid, f_sq, 0.0).sum(axis=2)
    e_g = np.where(valid, energy, 0.0).sum(axis=2)
    overlap = valid.sum(axis=2) / ref_rate
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.where((overlap >= cfg.min_overlap_s) & (e_f > 0) & (e_g > 0), num / np.sqrt(e_f * e_g), -np.inf)
    if not np.isfinite(corr).any():
        return none
    fit = _lower_bound(corr, valid.sum(axis=2), cfg.confidence)

    def at(position: float) -> TimeScale:
        # The ratio at a fractional grid position (a mode's centroid), with the best lag of the nearest grid
        # ratio; among lags as good (to rounding), the smallest.
        r = int(round(position))
        near = np.flatnonzero(fit[r] >= fit[r].max() - 1e-9)
        k = min(near, key=lambda k: abs(k - len(lags) // 2))
        return TimeScale(ratio=float(np.exp((position - len(ratios) // 2) * cfg.ratio_step)), lag_s=float(lags[k]),
                         correlation=float(corr[r, k]), overlap_s=float(overlap[r, k]))

    profile = fit.max(axis=1)
    return [(at(r), w) for r, w in _peaks(profile, cfg.peak_tolerance * (1.0 - profile.max()))]


def _lower_bound(corr: np.ndarray, samples: np.ndarray, confidence: float) -> np.ndarray:
    """`confidence` standard errors below each correlation in Fisher's z; a perfect fit stays exactly 1, so an
    identical copy still has no rival (`TimingConfig.peak_tolerance`)."""
    if confidence <= 0:
        return corr
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.arctanh(np.clip(corr, -1.0, 1.0)) - confidence / np.sqrt(np.maximum(samples - 3, 1))
    return np.where(corr >= 1.0, 1.0, np.tanh(z))


def _peaks(profile: np.ndarray, tolerance: float) -> list[tuple[float, float]]:
    """(fractional ratio index, weight) of the profile's modes within `tolerance` of its best: the best mode at
    weight 1, the others weighted linearly down to 0 at `tolerance` below it. A mode is the run of ratios
    around a local maximum that stay within `tolerance` of the best, and its position is their centroid
    (each ratio weighted like a mode): two bumps of one hill then give one position between them that moves
    smoothly as the page does, where the arg-max would jump from one to the other. The best mode of a
    profile with no rival within `tolerance` (an exact copy: tolerance 0) is its arg-max, among equal ones
    the one nearest ρ = 1."""
    centre, best = len(profile) // 2, profile.max()
    top = min(np.flatnonzero(profile >= best - 1e-9), key=lambda r: abs(r - centre))
    if tolerance <= 0:
        return [(float(top), 1.0)]
    weights = np.clip(1.0 - (best - profile) / tolerance, 0.0, 1.0)
    inside = np.concatenate([[False], weights > 0, [False]])
    starts, stops = np.flatnonzero(~inside[:-1] & inside[1:]), np.flatnonzero(inside[:-1] & ~inside[1:])
    modes = []
    for a, b in zip(starts, stops):
        w = weights[a:b]
        position = float((w * np.arange(a, b)).sum() / w.sum())
        modes.append((position, 1.0 if a <= top < b else float(w.max())))
    return sorted(modes, key=lambda m: -m[1])


def _sample_positions(n: int, ref_rate: float, cand_rate: float, ratio: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """Fractional candidate sample index of each reference step's midpoint under g(ρ·t + τ)."""
    t = (np.arange(n) + 0.5) / ref_rate
    return (ratio * t + lag) * cand_rate - 0.5


def undo_time_scale(cand: np.ndarray, cand_rate: float, scale: TimeScale, n: int, ref_rate: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The candidate's features on the reference's n steps under `scale`, with its rates multiplied
    by ρ (a copy slowed down by ρ changes 1/ρ as fast), and which steps it covers: the candidate as
    it would be at the reference's speed, for a comparison of content alone."""
    p = _sample_positions(n, ref_rate, cand_rate, np.asarray(scale.ratio), np.asarray(scale.lag_s))
    valid = (p >= 0) & (p <= len(cand) - 1)
    if len(cand) < 2:
        return np.zeros((n, cand.shape[1] if cand.ndim == 2 else 0)), np.zeros(n, bool)
    lo = np.clip(np.floor(p).astype(int), 0, len(cand) - 2)
    a = np.clip(p - lo, 0.0, 1.0)[:, None]
    return ((1 - a) * cand[lo] + a * cand[lo + 1]) * scale.ratio, valid


def timing_score(ratio: float, sigma: float) -> float:
    """exp(−|ln ratio| / σ): 1 at the right speed, smoothly lower for any error, never 0."""
    return float(np.exp(-abs(np.log(ratio)) / sigma))
