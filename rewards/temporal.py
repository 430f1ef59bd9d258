"""Temporal score: do the two animations change the same way at the same speed?

Backends (`TEMPORAL_BACKENDS`, chosen by `make_temporal_scorer`):

- `flow` (default, embedded, no weights): `FlowTemporalScorer`, below.
- `lk`: Animation2Code's track-based score with OpenCV Lucas–Kanade tracks (`v2c.rewards.tracks`).
- `cotracker3`: the same with CoTracker3 tracks, as in the paper (`RewardConfig.paper()`; needs weights).

The flow score
--------------
1. Each video is cropped to its own animated region, resized to the reference crop's thumbnail (`FlowConfig.max_side`), and
   described step by step by dense-flow features on a grid (`v2c.rewards.flow`): per cell the
   mean flow, the rotation (signed) and expansion, the rate at which ink appears or fades, and the
   rate at which colour changes beyond that.
   What it sees: translation, rotation and its direction, scaling, opacity, any change of how
   strongly something is drawn (a colour that pales or darkens against the background), and a
   colour animation's speed (a hue that cycles at one distance from the background).
   What it does not see, by construction: which colours. The features are computed on each
   pixel's colour distance from the background and on how fast colour changes, normalised by the
   video's own scale, so a hue rotation or a recolour leaves them (nearly) unchanged; colour is
   the appearance score's job.
2. **Content** = 1 − Σ‖f_i − g_j‖² / Σ(‖f_i‖² + ‖g_j‖²) along the DTW path between the two
   feature sequences, the candidate's first mapped to the reference's speed by the measured
   time scale (step 3), so that content and timing are measured apart; ¾ of it on the signed
   features, ¼ on their absolute values (`activity_weight`: where and how much things change) (each aligned pair's squared difference, capped at its energy, over the
   pairs' energy: 0 for identical steps, 1 for a step against stillness, or against motion in
   another direction or place). Energy-weighted, so a pause both share weighs nothing; two
   videos in which nothing moves agree (1), and a still candidate against a moving reference
   gets 0. DTW lets a slightly early or late change match its counterpart.
3. **Timing** = exp(−|ln ρ| / σ), ρ the measured time-scale ratio (`v2c.rewards.timing`): the
   stretch that best maps the reference's feature sequence onto the candidate's. Smooth, never
   0, monotone in the error; σ and the measurement behind it are in `TimingConfig.sigma`.
4. score = content × timing; where several mappings fit about as well as the best (a page whose
   parts changed speed by different factors), the weighted mean of content × timing over them
   (`TimingConfig.peak_tolerance`), so the score does not jump between them.
5. **Random content** (`FlowTemporalScorer._pooled`): the score above compares where things move,
   cell by cell. A particle field, confetti or a starfield drawn from another random stream (the
   renderer's `RenderConfig.seed`, or a real-time recording of the page) is the same animation to a
   person, but its cells' signals are uncorrelated with the reference's: content 0.5–0.65 and a
   time scale measured anywhere from 0.67 to 1.53, temporal 0.40–0.54, below its own ×1.15 copy. So
   the same steps are also compared *pooled* over the crop (`FlowFeatures.pooled`: flux per flow
   direction, rms speed, the crop's mean flow, rotation and expansion, ink appearing and fading,
   colour rate), which another random stream keeps: content by the same DTW, the time scale from
   the ratio of the two clips' mean speeds instead of from correlation (a stationary random
   stream's pooled signals are flat, and correlate at every ratio; their amplitude scales as
   1/ρ), the geometric mean of optical flow's rms speed and the ink's speed along its gradient
   (`flow.ink_speed`), whose errors lie on opposite sides, in page pixels (each crop's own size
   multiplied back); or the cells' time scale where the cells match at it and it maps the pooled
   signals better (`FlowTemporalConfig.pooled_cells_content`: text typed in place changes without
   moving, which the speeds misread). Pooled content × timing(ρ) is the pooled score.
   The pooled score replaces the cells' (where higher) by a weight that grows from 0 to 1 as the
   pooled content exceeds the cells' by 0.1 to 0.3 (`pooled_gap`), the cells' content taken at
   its best over the reference as drawn, mirrored left–right, top–bottom, and played backwards.
   Pooling forgets where things happen, so every deterministic page's wrong variants could match
   pooled: but a wrong timing is seen by both comparisons alike (gap ≈ 0), and a page that turns
   or runs the other way matches one of the symmetric references per cell (0.86–1.00 on the 12
   loaders' reversed copies, against 0.16–0.72 for random copies at any speed, 0.49–0.64 at the
   right one). On the 12 loaders
   the pooled comparison changed one score of 96 (dot-revolution ×2.5: 0.527 → 0.569); on the
   random canvases of tests/test_stochastic.py (particles, confetti, starfield) another seed went
   from 0.54 / 0.48 / 0.40 to 0.95 / 0.97 / 0.97, ×2.5 from 0.50 / 0.15 / 0.28 to 0.52 / 0.51 /
   0.72. A deterministic one-shot move ×2.5 slower, whose crop holds 40% of its path and matches
   no cells, is scored pooled too (tests/test_rewards_frames.py's card: 0.63, ratio 2.25).
   Against real-time recordings (benchmarks/recorded_fidelity.py) the oracles of the random
   canvases went from 0.51–0.71 to 0.72–0.91 (particles.js 0.51 → 0.91 and 0.52 → 0.72, confetti
   0.71 → 0.90, fireworks 0.60 → 0.91), an SVG spinner drawn as an <img> (whose renders vary from
   run to run) from 0.53 to 0.69–0.76 with its variants, no other by more than 0.01; the mean from
   0.905 to 0.938, the timing ladder held on 36 pages of 39 (33 before).
6. **Known randomness**: a reference with a page comes with a render of that page (the reference's own, or, for a
   recording shipped with its page, the render it is aligned to, `RewardConfig.align_recording`), which says
   whether the page's frames depend on its randomness (`FlowTemporalReference.depends_on_seed`: it drew random
   words, `RenderResult.random_words`, and a render with another seed differs,
   `v2c.rewards.reference.frames_depend_on_seed`). On the 39 recorded pages exactly the 8 with randomness do
   (canvas-confetti, particles.js, fireworks-js, typed.js, nprogress). A page whose frames do not cannot be shown
   from another random stream, so its copies are compared per cell only: the pooled comparison had lifted wrong
   timings of deterministic pages whose cells lose more than their pooled motion does (against their recordings:
   ldrs-tail-chase ×2.5, fast motion aliased at 10 fps, 0.810 above its ×1.6 copy's 0.731; vivus-hi-there ×2.5
   0.703; dot-revolution ×2.5, smil-rings ×1.15), and now does not (0.575, 0.630). A page whose frames do gets the
   two comparisons blended about an equal match (`FlowTemporalConfig.pooled_gap_random`: each counts half where
   both match equally well): another random stream is what a copy of it is expected to show. Against the 8 random
   pages' recordings every ordering holds (the one-sided gate of `pooled_gap` lifted confetti-cannon's recoloured
   copy above its source). Where it is not known (a video alone) the gap is `pooled_gap`.

Measured on 12 loaders from three npm libraries, 512×384, 10 fps, 3 s
(tests/test_reward_validity_real.py, benchmarks/reward_validity.py): identical and moved by 40 px
1.00; a hue rotation by 20° or 165° within ±0.012; every duration and delay ×1.15 / ×1.6 / ×2.5
loses 0.09 / 0.23 / 0.39 on average, in that order on every page (worst ×1.15: 0.13); spinners
turned the other way 0.14–0.26.

What it does not see or only partly:
- a lag alone (see `v2c.rewards.timing`): a loop has no start; a one-shot motion played late
  loses only what no longer fits in the clip (the `lk` backend charges delays);
- motion faster than the frame rate resolves: at 10 fps a spinner that turns one dot spacing per
  frame looks still, as it does in the frames themselves;
- the direction of a single element's rotation in place is weighed against its ink changes,
  which are the same either way: a card rotating 180° in place, reversed, keeps ~0.75 (the
  loaders' spinners, whose parts cross cells, keep 0.15–0.30).

Cost: one DIS flow per step on a ≤112-px thumbnail, a 30×30 DTW, a ratio search over two small
Gram matrices and one content comparison per mode of the ratio profile: per 30-frame candidate about
1.55× what the `lk` backend costs (144 vs 93 ms, benchmarks/reward_validity.py; 1.4× before the pooled
comparison of random content), whatever the frame size. The whole candidate costs less than with the earlier scores (`lk` temporal, DTW
appearance): 0.81× of it in `benchmarks/score.py`'s same run, appearance's nearest-frame pairing
being cheaper than DTW.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from v2c.rewards.crop import Box, CropConfig, animated_region, comparison_size
from v2c.rewards.dtw import dtw
from v2c.rewards.flow import FlowConfig, FlowFeatures, flow_features, ink_speed
from v2c.rewards.timing import TimeScale, TimingConfig, time_scales, timing_score, undo_time_scale
from v2c.rewards.score import CandidateClip, ReferenceClip, ScoreResult
from v2c.rewards.tracks import (CoTrackerTracker, LKConfig, LucasKanadeTracker, TrackTemporalConfig, TrackTemporalScorer,
                                compare_motion, track_polylines)

if TYPE_CHECKING:
    from .config import RewardConfig

__all__ = [
    "TEMPORAL_BACKENDS",
    "TemporalBackend",
    "TemporalOptions",
    "TemporalScore",
    "make_temporal_scorer",
    "FlowTemporalConfig",
    "FlowTemporalReference",
    "FlowTemporalScorer",
]

TEMPORAL_BACKENDS = ("flow", "lk", "cotracker3")
"""Names `RewardConfig.backends["temporal"]` accepts; the first is the default."""


class TemporalBackend(Protocol):
    """What every temporal backend offers (`FlowTemporalScorer`, `TrackTemporalScorer`)."""

    def prepare_reference(self, frames: np.ndarray, fps: float) -> Any: ...

    def score(self, reference: Any, frames: np.ndarray, fps: float) -> float: ...


def make_temporal_scorer(backend: str = "flow", cache_dir: str | None = None,
                         options: "TemporalOptions | None" = None) -> TemporalBackend:
    """The temporal scorer named `backend` (`TEMPORAL_BACKENDS`) with `options`; `cache_dir` holds CoTracker3's
    weights."""
    options = options or TemporalOptions()
    if backend == "flow":
        return FlowTemporalScorer(options.flow)
    if backend == "lk":
        return TrackTemporalScorer(options.tracks, tracker=LucasKanadeTracker(options.lk))
    if backend == "cotracker3":
        if cache_dir is None:
            raise ValueError("the cotracker3 temporal backend needs cache_dir (where its weights are)")
        return TrackTemporalScorer(options.tracks, tracker=CoTrackerTracker(cache_dir=cache_dir))
    raise ValueError(f"unknown temporal backend {backend!r}; one of {TEMPORAL_BACKENDS}")


@dataclass(frozen=True)
class FlowTemporalConfig:
    """Flow temporal score settings."""

    crop: CropConfig = field(default_factory=CropConfig)
    """How each video's animated region is found."""
    flow: FlowConfig = field(default_factory=FlowConfig)
    """Thumbnail, grid and flow of the per-step features."""
    timing: TimingConfig = field(default_factory=TimingConfig)
    """Time-scale search and the σ of the timing score."""
    smooth_passes: int = 1
    """Passes of a [¼, ½, ¼] filter along time over both feature sequences before their content is
    compared. At 10 fps a fast spinner moves ~30° a step, and a copy sampled at other phases gives
    step features that differ by more than their motion does; one pass raised the worst ×1.15
    content of the 12 loaders from 0.86 to 0.91 (two passes: no further gain)."""
    activity_weight: float = 0.25
    """Share of the content term that compares only how much changes in each cell and channel
    (absolute values), not in which direction: a motion played backwards changes the same cells as
    much, and is closer than a frozen page (the validity suites' order blank < frozen < wrong motion). At
    0.25 a reversed pulse keeps 0.25 of temporal; the direction term still takes the rest."""
    energy_floor: float = 1e-4
    """Energy ((sides per second)²) added to every aligned pair's weight: steps where neither
    video changes weigh ~nothing but keep the ratio defined (a 1-px/s drift of one cell at 96 px
    is ~1e-4 of that: noise below it does not count)."""
    pooled_energy_floor: float = 1e-5
    """`energy_floor` of the pooled comparison, whose values are means over the whole crop (one cell's
    motion counts 1/16 there)."""
    pooled_gap: tuple[float, float] = (0.1, 0.2)
    """(start, span) of the weight of the pooled comparison: 0 while the pooled content exceeds the
    cells' content by less than `start`, rising linearly to 1 at `start + span` (see the module
    docstring, "Random content"), where it is not known whether the reference's frames depend on randomness
    (`FlowTemporalReference.depends_on_seed` None: a video alone). A deterministic
    page's copies, right or wrong, match about as well pooled as per cell (a wrong timing or direction shows
    in both): the cells decide alone. Copies of the three random canvases of tests/test_stochastic.py drawn
    from another random stream (at any speed) match 0.88–0.99 pooled against 0.21–0.72 per cell."""
    pooled_cells_content: float = 0.8
    """The pooled comparison is timed by the ratio of the two videos' speeds, or by the cells' time scale
    (`time_scales`) where the cells match at it (their content at least this) and it maps the pooled signals
    better. Text typed or a bar grown in place changes without moving, which the speed measures misread:
    typed.js's source against its recording read 0.82 by the speeds and 0.96 by the cells (content 0.93), its
    ×1.15 copy 1.07 and 1.10. Where the cells do not match, their time scale is chance: a random stream's
    (taken whatever the cells' content, confetti-random's ×2.5 copy read 0.87 and scored above its ×1.6 copy),
    or a one-shot move ×2.5 slower whose crop holds 40% of its path (tests/test_rewards_frames.py's card: 1.24
    at content 0.64). Against their recordings (benchmarks/recorded_fidelity.py) typed.js matched 0.84–0.93 and
    nprogress 0.92–0.94 at every timing; the particle, confetti and fireworks canvases 0.08–0.60, but for
    confetti-cannon's source and recoloured copy (0.89, 0.88: a burst from one place), where the speeds still
    mapped the pooled signals better."""
    pooled_gap_random: tuple[float, float] = (-0.1, 0.2)
    """`pooled_gap` where the reference's frames are known to depend on its page's randomness (a rendered reference,
    or a recording aligned to its source page, `RewardConfig.align_recording`); where they are known not to, the
    pooled comparison is not made: no copy of a deterministic page is another random stream.

    Known, the gate no longer guards deterministic pages, and another random stream is what a copy of the page is
    expected to show: so the two comparisons count equally where they match equally well (the weight is ½ at a
    gap of 0), and one of them alone where it matches 0.1 better. A one-sided gate (the weight 0 until the pooled
    content is well above the cells') lifted a copy less the better its cells matched: against its recording,
    confetti-cannon's source (cells 0.894, pooled 0.989, its mirror image 0.935 per cell) got weight 0.08 at
    (0.05, 0.05) and its recoloured copy 0.45, which then scored above it (0.947 against 0.937). The pages whose
    randomness moves little, which the cells see well, keep the cells where the pooled score is lower: typed.js's
    random typing rhythm (cells 0.84–0.93; benchmarks/recorded_fidelity.py, all 8 random pages' orderings)."""


@dataclass(frozen=True)
class FlowTemporalReference:
    """A reference prepared once: its crop, thumbnail size and features."""

    box: Box
    """The reference's animated region."""
    size: tuple[int, int]
    """(height, width) of the thumbnail both videos are described at."""
    features: FlowFeatures
    """The reference's per-step features."""
    depends_on_seed: bool | None = None
    """Whether the reference's frames depend on its page's randomness (`ReferenceClip.depends_on_seed`): which gate the pooled
    comparison has (`FlowTemporalConfig.pooled_gap_random`, `pooled_gap` for None), or none (False)."""


@dataclass(frozen=True)
class _Comparison:
    score: float
    """Content × timing, averaged over the mappings that fit about as well as the best (`time_scales`)."""
    content: float
    """The content term, averaged likewise."""
    timing: float
    """The timing term, averaged likewise."""
    scale: TimeScale
    """The best mapping."""
    mappings: int
    cand: FlowFeatures
    pooled: dict[str, float]
    """The pooled comparison (`_pooled`): its score, content, timing, ratio and weight."""


class FlowTemporalScorer:
    """Content (DTW over dense-flow features) × timing (measured time-scale ratio), in [0, 1]."""

    def __init__(self, config: FlowTemporalConfig | None = None) -> None:
        self.config = config or FlowTemporalConfig()

    def prepare_reference(self, frames: np.ndarray, fps: float,
                          depends_on_seed: bool | None = None) -> FlowTemporalReference:
        """The reference's crop and features; `depends_on_seed`: whether its frames depend on its page's
        randomness, when known."""
        frames = np.asarray(frames)
        box = animated_region(frames, self.config.crop)
        size = comparison_size(box, self.config.flow.max_side)
        return FlowTemporalReference(box=box, size=size, features=flow_features(frames, fps, box, size, self.config.flow),
                                     depends_on_seed=depends_on_seed)

    def score(self, reference: FlowTemporalReference, frames: np.ndarray, fps: float, box: Box | None = None) -> float:
        """Temporal score of a candidate video (T, H, W, 3) uint8 at `fps` against a prepared reference.

        `box`: the candidate's animated region when the caller already has it, else it is found here.
        """
        return self._compare(reference, frames, fps, box).score

    def explain(self, reference: FlowTemporalReference, frames: np.ndarray, fps: float,
                box: Box | None = None) -> dict[str, Any]:
        """JSON-able account of a score: its two factors, the measured time scale, and per grid cell
        the share of each video's change energy there (where things happen)."""
        c = self._compare(reference, frames, fps, box)

        def cell_share(f: FlowFeatures) -> list[list[float]]:
            energy = (f.values**2).sum(axis=(0, 3))
            total = energy.sum()
            return np.round(energy / total if total > 0 else energy, 4).tolist()

        return {"backend": "flow", "score": c.score, "content": round(c.content, 4),
                "timing": round(c.timing, 4), "time_scale": c.scale.to_dict(), "mappings": c.mappings,
                "pooled": {k: round(v, 4) for k, v in c.pooled.items()},
                "cell_energy_reference": cell_share(reference.features), "cell_energy_candidate": cell_share(c.cand)}

    def _compare(self, reference: FlowTemporalReference, frames: np.ndarray, fps: float, box: Box | None) -> _Comparison:
        cfg = self.config
        frames = np.asarray(frames)
        box = animated_region(frames, cfg.crop) if box is None else box
        cand = flow_features(frames, fps, box, reference.size, cfg.flow)
        f, g = reference.features.flat, cand.flat
        rate = reference.features.rate
        scales = time_scales(f, rate, g, cand.rate, cfg.timing)
        terms = np.array([(self._content(f, g, cand.rate, rate, scale), timing_score(scale.ratio, cfg.timing.sigma))
                          for scale, _ in scales])
        weights = np.array([w for _, w in scales]) / sum(w for _, w in scales)
        cells = float(np.clip(weights @ (terms[:, 0] * terms[:, 1]), 0.0, 1.0))
        content = float(weights @ terms[:, 0])
        comparison = _Comparison(score=cells, content=content, timing=float(weights @ terms[:, 1]), scale=scales[0][0],
                                 mappings=len(scales), cand=cand, pooled={"weight": 0.0})
        if reference.depends_on_seed is False:
            return comparison
        pooled = self._pooled(reference, cand, box, scales[0][0], float(terms[0, 0]))
        # The pooled comparison counts by how much better it matches than the cells do, as drawn or under any of
        # the reference's symmetries (random content, see the module docstring: from a gap of 0.1 where the
        # reference's randomness is not known, about an equal match where it is), and only ever raises the
        # score: a smooth max of the two.
        start, span = cfg.pooled_gap if reference.depends_on_seed is None else cfg.pooled_gap_random
        structured = content
        if span > 0 and pooled["content"] - content > start:
            structured = max(content, *self._symmetric_contents(reference.features, cand))
        weight = float(np.clip((pooled["content"] - structured - start) / span, 0.0, 1.0)) if span > 0 else 0.0
        pooled.update(weight=weight, structured=structured)
        return replace(comparison, score=cells + weight * max(0.0, pooled["score"] - cells), pooled=pooled)

    def _symmetric_contents(self, ref: FlowFeatures, cand: FlowFeatures) -> list[float]:
        """The content term of the candidate against the reference mirrored left–right, mirrored top–bottom and
        played backwards (each at its own best time scale): a page that turns or runs the other way matches
        one of them as well as the pooled statistics, a copy drawn from another random stream none."""
        v = ref.values
        mirrored_x = v[:, :, ::-1] * np.array([-1, 1, -1, 1, 1, 1])  # u and the rotation change sign
        mirrored_y = v[:, ::-1] * np.array([1, -1, -1, 1, 1, 1])
        backwards = v[::-1] * np.array([-1, -1, -1, -1, -1, 1])  # every rate but the colour rate's
        g, out = cand.flat, []
        for t in (mirrored_x, mirrored_y, backwards):
            f = t.reshape(len(t), -1)
            scale = time_scales(f, ref.rate, g, cand.rate, self.config.timing)[0][0]
            out.append(self._content(f, g, cand.rate, ref.rate, scale))
        return out

    def _pooled(self, reference: FlowTemporalReference, cand: FlowFeatures, box: Box,
                cells_scale: TimeScale, cells_content: float) -> dict[str, float]:
        """Score, content, timing and time-scale ratio of the comparison of the pooled features (where in the
        crop things change does not count; see the module docstring, "Random content"); `box`: the candidate's
        crop; `cells_scale`, `cells_content`: the cells' best time scale and their content at it."""
        cfg = self.config
        ref = reference.features
        side = float(max(reference.size))
        # Speeds are in sides of each video's own crop; the time scale compares them on the page, in pixels: a
        # one-shot move played ×2.5 slower shows 40% of its path in the clip, in a crop as much narrower, whose
        # sides would read its speed as higher (the test card of tests/test_rewards_frames.py: ρ 1.74 in sides).
        extent = np.sqrt(_extent(reference.box) / _extent(box)) if _extent(box) > 0 else 1.0
        f, g = ref.pooled, cand.pooled
        none = {"score": 0.0, "content": 0.0, "timing": 0.0, "ratio": 1.0}
        if len(f) < 2 or len(g) < 2:
            return none
        # The time scale from two speed measures, each the clip's mean: optical flow's rms speed (which
        # over-reads a slow copy of small fast things: at ×2.5 confetti gave 6×, particles 2.3×) and the
        # ink's speed along its gradient (which saturates for fast things: 1.9–2.0× there, and 1.3× for a
        # starfield whose stars cross several pixels a step). Their geometric mean measured 1.6–3 (the
        # searched limit) at ×2.5 and 0.99–1.11 for another random stream, where the correlation of the
        # cells' features (`time_scales`) measured anything from 0.67 to 1.53.
        rms = cfg.flow.direction_bins  # the rms speed's channel
        flow_ref, flow_cand = np.sqrt(np.mean(f[:, rms] ** 2)), np.sqrt(np.mean(g[:, rms] ** 2))
        ink_ref, ink_cand = ink_speed(ref, side), ink_speed(cand, side)
        if not (flow_ref > 0 and flow_cand > 0 and ink_ref > 0 and ink_cand > 0):
            return none
        ratio = float(np.clip(np.sqrt(flow_ref / flow_cand * ink_ref / ink_cand) * extent,
                              1.0 / cfg.timing.max_ratio, cfg.timing.max_ratio))
        passes = cfg.smooth_passes

        def content_at(scale: TimeScale) -> float | None:
            mapped, covered = undo_time_scale(g, cand.rate, scale, len(f), ref.rate)
            if covered.sum() < 2:
                return None
            return _content_similarity(_smooth(f[covered], passes), _smooth(mapped[covered], passes),
                                       cfg.pooled_energy_floor)

        mappings = [TimeScale(ratio=ratio, lag_s=0.0, correlation=0.0, overlap_s=len(f) / ref.rate)]
        if cells_content >= cfg.pooled_cells_content:
            mappings.append(cells_scale)
        candidates = [(content_at(m), m.ratio) for m in mappings]
        candidates = [c for c in candidates if c[0] is not None]
        if not candidates:
            return none
        content, ratio = max(candidates, key=lambda c: c[0])
        timing = timing_score(ratio, cfg.timing.sigma)
        return {"score": content * timing, "content": content, "timing": timing, "ratio": ratio}

    def _content(self, f: np.ndarray, g: np.ndarray, cand_rate: float, rate: float, scale: TimeScale) -> float:
        """The content term with the candidate mapped onto the reference's timeline by `scale`."""
        cfg = self.config
        if scale.overlap_s > 0:
            g, covered = undo_time_scale(g, cand_rate, scale, len(f), rate)
            f, g = f[covered], g[covered]
        f, g = _smooth(f, cfg.smooth_passes), _smooth(g, cfg.smooth_passes)
        return ((1 - cfg.activity_weight) * _content_similarity(f, g, cfg.energy_floor)
                + cfg.activity_weight * _content_similarity(np.abs(f), np.abs(g), cfg.energy_floor))


def _extent(box: Box) -> float:
    """Height × width of a crop box (y0, y1, x0, x1), in page pixels."""
    y0, y1, x0, x1 = box
    return float(max(y1 - y0, 0) * max(x1 - x0, 0))


def _smooth(x: np.ndarray, passes: int) -> np.ndarray:
    """[¼, ½, ¼] along the first axis, `passes` times; the ends are kept."""
    for _ in range(passes if len(x) >= 3 else 0):
        x = np.concatenate([x[:1], 0.25 * x[:-2] + 0.5 * x[1:-1] + 0.25 * x[2:], x[-1:]])
    return x


def _content_similarity(f: np.ndarray, g: np.ndarray, energy_floor: float) -> float:
    """1 − energy-normalised DTW cost of two (L, D) feature sequences (see the module docstring)."""
    if len(f) == 0 or len(g) == 0:
        return 1.0 if len(f) == len(g) else 0.0
    f_sq, g_sq = (f**2).sum(axis=1), (g**2).sum(axis=1)
    # Squared differences computed directly (not |f|² + |g|² − 2f·g): identical steps give exactly 0.
    diff = ((f[:, None, :] - g[None, :, :]) ** 2).sum(axis=2)
    energy = f_sq[:, None] + g_sq[None, :] + energy_floor
    result = dtw(np.minimum(diff, energy), weights=energy)
    return float(np.clip(1.0 - result.normalized, 0.0, 1.0))


@dataclass(frozen=True)
class TemporalOptions:
    """The temporal score's options (`RewardConfig.options["temporal"]`), one part per backend.

    Backends:
        flow, tracks, lk
    """

    flow: FlowTemporalConfig = field(default_factory=FlowTemporalConfig)
    """The `flow` backend: crop, flow features, timing, content terms."""
    tracks: TrackTemporalConfig = field(default_factory=TrackTemporalConfig)
    """The track backends (`lk`, `cotracker3`): crop and the track comparison."""
    lk: LKConfig = field(default_factory=LKConfig)
    """The `lk` backend's Lucas–Kanade tracker."""


class TemporalScore:
    """`temporal` in the reward (`v2c.rewards.score.Score`): backends `flow` (default), `lk` and `cotracker3`.

    Details, flow: `FlowTemporalScorer.explain` (content, timing, the measured time scale, where the
    change energy is) and both crop boxes. Tracks: both crop boxes (y0, y1, x0, x1), the frame size
    (w, h), the number of moving tracks on each side, and up to 16 of each side's moving tracks
    (`track_polylines`, sampled at `track_rate`).
    """

    name = "temporal"
    needs_motion = True

    def __init__(self, config: "RewardConfig") -> None:
        self.backend = config.backend(self.name, TEMPORAL_BACKENDS[0])
        self.scorer = make_temporal_scorer(self.backend, config.model_cache_dir, config.score_options(self.name))

    def prepare(self, reference: ReferenceClip) -> tuple[Any, tuple[int, int]]:
        if isinstance(self.scorer, FlowTemporalScorer):
            prepared = self.scorer.prepare_reference(reference.frames, reference.fps, reference.depends_on_seed)
        else:
            prepared = self.scorer.prepare_reference(reference.frames, reference.fps)
        return prepared, reference.frames.shape[1:3]

    def score(self, prepared: tuple[Any, tuple[int, int]], candidate: CandidateClip) -> ScoreResult:
        reference, reference_shape = prepared
        frames = candidate.frames
        if isinstance(self.scorer, FlowTemporalScorer):
            box = candidate.animated_region(self.scorer.config.crop)
            details = self.scorer.explain(reference, frames, candidate.fps, box)
            details.update(reference_box=[int(v) for v in reference.box], candidate_box=[int(v) for v in box])
            return ScoreResult(details["score"], details)
        box, motion = self.scorer.motion(frames, candidate.fps)
        value = compare_motion(reference.motion, motion, self.scorer.config)
        return ScoreResult(value, {
            "reference_box": [int(v) for v in reference.box], "candidate_box": [int(v) for v in box],
            "frame_size": [int(frames.shape[2]), int(frames.shape[1])], "track_rate": motion.rate,
            "reference_moving_tracks": reference.motion.n_tracks, "candidate_moving_tracks": motion.n_tracks,
            "reference_tracks": track_polylines(reference.motion, reference.box, reference_shape),
            "candidate_tracks": track_polylines(motion, box, frames.shape[1:3]),
        })
