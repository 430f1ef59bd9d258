"""Dense-flow features of a video's animated crop: what moves where, and what appears or fades.

The input of the flow temporal score (`v2c.rewards.temporal`). For each step between two
frames, on a `grid`×`grid` partition of the crop, six numbers per cell:

    u, v         mean optical flow (translation),
    curl         rotation inside the cell, with its sign (clockwise vs counter-clockwise),
    div          expansion or contraction (a pulse that scales),
    ink rate     how fast the cell's "ink" grows or fades (opacity, a colour that pales or darkens),
    colour rate  how fast the cell's colour changes in ways its ink does not (a hue that cycles at
                 the same distance from the background).

All are in thumbnail sides per second (curl and divergence times the cell's side), so they do not
depend on the page's resolution, the crop's size or the frame rate.

Colour does not enter, by construction. Every frame is turned into an *ink* image: each pixel's
CIELAB distance (ΔE76) from the page background (the median colour of the thumbnail's border),
divided by the video's own ink scale (its `ink_percentile`-th percentile). A hue rotation or a
recolour changes an element's distance from the background by a factor, which that normalisation
divides out; what is left is where things are drawn and how strongly, relative to the rest of the
video. Flow runs on the ink image after a local contrast normalisation (Lucas–Kanade's
brightness-constancy problem: a fading edge would otherwise read as motion), and only where the
normalised image has structure; the ink rate is read from the un-normalised ink, so that fades
and pulses have a temporal signature.

The colour rate is each pixel's CIELAB change between the two frames less its change of distance
from the background (never negative, by the triangle inequality), over the same ink scale: a solid
element moving over the page gives 0 there (its pixels' change is all distance from the
background, which the ink and the flow see), a colour animation gives its speed in ΔE per second.
It measures how fast colour changes, not which colour: a recolour scales it like the ink, and the
same normalisation divides that out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from v2c.rewards.crop import Box, crop_and_resize

__all__ = ["FlowConfig", "FlowFeatures", "POOLED_CHANNELS", "flow_features", "ink_speed", "noise_level",
           "normalise_contrast"]


@dataclass(frozen=True)
class FlowConfig:
    """Dense-flow feature settings.

    Thumbnail:
        max_side, min_side, motion_fps
    Ink:
        ink_percentile, ink_min_delta_e
    Flow:
        norm_sigma, norm_floor, noise_floor
    Cells:
        grid, ink_weight, colour_weight
    """

    max_side: int = 112
    """Longer side of the crop thumbnail that flow runs on (the 1024×768 setting costs the same: the
    crop is shrunk first). On the 12 real-library loaders, 64 px dropped the worst ×1.15 temporal
    from 0.78 to 0.74 and let a 165° hue rotation move temporal by 0.09 (96 px: 0.01). From 96 to 112:
    at 1024×768, dot-revolution's fast dots gave ×1.15 temporal 0.848 at raster 0.5 against 0.893 at
    raster 1 (96 px), 0.889 and 0.889 (112 px); on the loaders at 512×384 the worst ×1.15 loss went
    0.147 → 0.128, the colour leak stayed 0.012, and the timing ladders kept their order."""
    min_side: int = 32
    """Each side of the thumbnail is at least this (a thin crop is stretched): OpenCV 5.0's DIS flow
    crashes the process (segfault) on images 20–24 px high with its fast presets, and raises below
    ~16 px; 32 px passed on every preset."""
    motion_fps: float = 10.0
    """Videos are subsampled to this rate (at most) before flow, so that two videos at other frame
    rates give comparable step sequences and the cost does not grow with the frame rate."""
    ink_percentile: float = 99.0
    """The ink image is divided by this percentile of the video's ink: a robust "full strength"
    that one stray bright pixel cannot set."""
    ink_min_delta_e: float = 2.0
    """A video whose ink scale is below this ΔE (just noticeable) draws nothing: its ink is 0."""
    norm_sigma: float = 2.0
    """Scale (thumbnail pixels) of the local contrast normalisation before flow: a loader dot of
    5–20 px keeps its edges (3 px lowered the worst ×1.15 temporal from 0.78 to 0.73)."""
    norm_floor: float = 6.0
    """Local spread (ink levels, 0–200 full strength) below which a region is flat: not amplified
    into texture, and its flow not counted."""
    noise_floor: float = 5.0
    """The flat-region floor is at least this many times the video's noise level (as in the
    Lucas–Kanade tracker), so codec noise is never amplified into structure."""
    grid: int = 4
    """Cells per side: what moves where is kept at the scale of a loader's parts. 3×3 lowered the
    worst ×1.15 temporal of the 12 loaders from 0.78 to 0.75 (reversals were seen no better)."""
    ink_weight: float = 1.0
    """Weight of the ink rate against the flow channels (all in sides, or ink, per second). Lower,
    the noisier flow of fast spinners dominates: at 0.5 the worst ×1.15 temporal fell from 0.85 to
    0.73, at 0.25 to 0.57."""
    colour_weight: float = 1.0
    """Weight of the colour rate (ink per second, like the ink rate)."""
    direction_bins: int = 8
    """Direction bins of the pooled flow (`FlowFeatures.pooled`): 45° apart, each pixel's flow shared
    linearly between its two nearest, so a direction that drifts does not jump from bin to bin."""
    speed_sigma: float = 4.0
    """Blur (thumbnail pixels) of the ink images whose change and gradient give `FlowFeatures.ink_motion`:
    coarse enough that a small particle moving 3–4 px a step (160 px/s at 512 px, 10 fps) still overlaps
    its previous place, so the change grows with its speed instead of saturating. On the three random
    canvases of tests/test_stochastic.py, ×2.5 copies measured 1.86, 1.99 and 1.34× (particles, confetti,
    a starfield whose stars cross several pixels a step) at 4 px, 1.79, 1.89 and 1.25× at 8 px; copies
    from another random stream 1.03, 0.82 and 0.88×."""


@dataclass(frozen=True)
class FlowFeatures:
    """A video's per-step, per-cell features."""

    values: np.ndarray
    """(L, grid, grid, 6) float64: u, v, curl, div, ink rate, colour rate for each of L steps."""
    rate: float
    """Steps per second."""
    pooled: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    """(L, direction_bins + 8) float64: the same step's change pooled over the whole crop, wherever it
    happens (`POOLED_CHANNELS`): the flow per direction bin (structure × speed, so a bin's value is the
    flux in that direction), the rms speed, the crop's mean flow u, v and its rotation and expansion
    about its centre of structure (signed: a spinner turned the other way, particles that fall
    instead of rise or converge instead of burst differ), ink appearing, ink fading and the colour
    rate. All are means over the crop in the cells' units (sides, or ink, per second), so a copy
    played ρ× slower gives values 1/ρ as large. What a random particle field, confetti or a starfield
    keep from one random stream to another (`FlowTemporalScorer`), where the cells' features do not."""
    ink_motion: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    """(L, 2) float64 per step: the mean squared change of the ink image blurred at `speed_sigma`, and
    the mean squared gradient of that image (over the two frames' mean). By brightness constancy their
    ratio is the mean squared speed along the gradient, in pixels per step, without optical flow: the
    speed measure of `FlowTemporalScorer`'s pooled comparison (see `ink_speed`)."""

    @property
    def flat(self) -> np.ndarray:
        """(L, grid·grid·6): one feature vector per step."""
        return self.values.reshape(len(self.values), -1)


POOLED_CHANNELS = ("direction flux ×bins", "rms speed", "u", "v", "curl", "div", "ink appearing", "ink fading",
                   "colour rate")
"""What `FlowFeatures.pooled` holds per step, in order (the first entry stands for `direction_bins` values)."""


def noise_level(grey: list[np.ndarray] | np.ndarray) -> float:
    """Pixel-noise standard deviation (grey levels), from a few frames.

    Immerkær's estimator, with a median instead of a mean so that the sparse, strong edges of
    a web page do not count as noise: the 3×3 kernel below cancels any locally linear image,
    leaving noise with 6σ spread, whose median absolute value is 0.6745 of that.
    """
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    picks = sorted({0, len(grey) // 2, len(grey) - 1})
    levels = [np.median(np.abs(cv2.filter2D(grey[k].astype(np.float32), -1, kernel)[1:-1, 1:-1])) for k in picks]
    return float(np.median(levels)) / (0.6745 * 6.0)


def normalise_contrast(grey: np.ndarray, sigma: float, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """(g − local mean) / max(local spread, floor), mapped to uint8 around 128 (±3 spreads),
    and the mask (255) of where the local spread exceeds the floor: real structure."""
    g = grey.astype(np.float32)
    mean = cv2.GaussianBlur(g, (0, 0), sigma)
    centred = g - mean
    spread = np.sqrt(cv2.GaussianBlur(centred * centred, (0, 0), sigma))
    out = centred / np.maximum(spread, floor)
    structure = np.where(spread > floor, 255, 0).astype(np.uint8)
    return np.clip(128.0 + out * (127.0 / 3.0), 0, 255).astype(np.uint8), structure


def _ink_and_colour_change(thumbs: np.ndarray, cfg: FlowConfig) -> tuple[np.ndarray, np.ndarray]:
    """The ink images (T, h, w) and, per step (T − 1, h, w), the colour change that the ink's change
    does not explain, both over the video's ink scale (see the module docstring)."""
    lab = np.stack([cv2.cvtColor(t.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab) for t in thumbs])
    border = np.concatenate([lab[:, 0], lab[:, -1], lab[:, :, 0], lab[:, :, -1]], axis=1).reshape(-1, 3)
    background = np.median(border, axis=0).astype(np.float32)
    ink = np.sqrt(((lab - background) ** 2).sum(axis=-1))
    scale = float(np.percentile(ink, cfg.ink_percentile))
    if scale < cfg.ink_min_delta_e:
        return np.zeros(ink.shape, np.float32), np.zeros((max(len(ink) - 1, 0), *ink.shape[1:]), np.float32)
    change = np.sqrt(((lab[1:] - lab[:-1]) ** 2).sum(axis=-1))
    colour = np.maximum(change - np.abs(ink[1:] - ink[:-1]), 0.0)
    return (ink / np.float32(scale)).astype(np.float32), (colour / np.float32(scale)).astype(np.float32)


def _cell_means(x: np.ndarray, grid: int) -> np.ndarray:
    """(..., h, w) → (..., grid, grid) means over an even partition (cells differ by ≤ 1 px)."""
    h, w = x.shape[-2:]
    ys = np.linspace(0, h, grid + 1).round().astype(int)
    xs = np.linspace(0, w, grid + 1).round().astype(int)
    rows = np.add.reduceat(x, ys[:-1], axis=-2) / np.diff(ys)[:, None]
    return np.add.reduceat(rows, xs[:-1], axis=-1) / np.diff(xs)


def _cell_and_crop_motion(u: np.ndarray, v: np.ndarray, mask: np.ndarray, xs: np.ndarray, ys: np.ndarray,
                          grid: int) -> tuple[np.ndarray, np.ndarray]:
    """(grid, grid, 4) per cell: mean flow u, v and the least-squares rotation and expansion about
    the cell's centre of structure (curl and div, times the cell's radius of gyration so they are
    velocities too), each scaled by the share of the cell that has structure (so an empty cell
    is 0, and a cell's weight grows with what it holds).

    A first-moment fit rather than derivatives of the flow: the mean curl of a field over a cell
    is, by Stokes, its circulation along the cell's border, which is 0 for a spinner drawn inside
    one cell.

    Also (4,): the same for the whole crop, from the same sums (the cells' means weighted by their areas)."""
    m = mask
    sums = _cell_means(np.stack([m, m * u, m * v, m * xs, m * ys, m * xs * v, m * ys * u, m * xs * u, m * ys * v,
                                 m * (xs * xs + ys * ys)]), grid)
    h, w = mask.shape
    areas = np.outer(np.diff(np.linspace(0, h, grid + 1).round()), np.diff(np.linspace(0, w, grid + 1).round()))
    whole = (sums * (areas / (h * w))).sum(axis=(1, 2))[:, None, None]
    return _motion_from_sums(sums), _motion_from_sums(whole)[0, 0]


def _motion_from_sums(sums: np.ndarray) -> np.ndarray:
    """(10, a, b) structure-weighted moment means (see `_cell_and_crop_motion`) → (a, b, 4): u, v, curl, div."""
    mass, su, sv, sx, sy, sxv, syu, sxu, syv, sr2 = sums
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(mass > 1e-9, mass, 1.0)
        cx, cy = sx / safe, sy / safe
        inertia = np.maximum(sr2 - mass * (cx * cx + cy * cy), 0.0)  # Σ m r² about the centre, per pixel
        gyration = np.sqrt(inertia / safe)
        # Σ m (dx·v − dy·u) and Σ m (dx·u + dy·v) about the centre over Σ m r² (an angular rate),
        # times the radius of gyration and the share of structure.
        scale = np.where(inertia > 1e-9, mass * gyration / np.where(inertia > 1e-9, inertia, 1.0), 0.0)
        curl = (sxv - cx * sv - (syu - cy * su)) * scale
        div = (sxu - cx * su + syv - cy * sv) * scale
    return np.stack([su, sv, curl, div], axis=-1)


def flow_features(frames: np.ndarray, fps: float, box: Box, size: tuple[int, int],
                  config: FlowConfig | None = None) -> FlowFeatures:
    """Features of `frames` (T, H, W, 3) uint8 at `fps`, cropped to `box` and resized to `size`
    (height, width; the reference's thumbnail size, so both videos' cells cover the same part)."""
    cfg = config or FlowConfig()
    step = max(1, int(round(fps / cfg.motion_fps)))
    frames = np.asarray(frames)[::step]
    rate = fps / step
    size = (max(size[0], cfg.min_side), max(size[1], cfg.min_side))
    thumbs = crop_and_resize(frames, box, size)
    ink, colour = _ink_and_colour_change(thumbs, cfg)
    n, (h, w) = len(ink), size
    n_pooled = cfg.direction_bins + 8
    if n < 2:
        return FlowFeatures(values=np.zeros((0, cfg.grid, cfg.grid, 6)), rate=rate, pooled=np.zeros((0, n_pooled)),
                            ink_motion=np.zeros((0, 2)))
    levels = np.clip(ink * 200.0, 0, 255).astype(np.uint8)  # 200 = full strength, headroom above
    floor = max(cfg.norm_floor, cfg.noise_floor * noise_level(levels))
    normed, structure = zip(*(normalise_contrast(g, cfg.norm_sigma, floor) for g in levels))
    # The fast preset: the medium one doubled the whole temporal score's cost (0.13 → 0.28 s per
    # candidate on the loaded 2-core machine).
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    side = float(max(h, w))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((n - 1, cfg.grid, cfg.grid, 6))
    pooled = np.empty((n - 1, n_pooled))
    bins = cfg.direction_bins
    blurred = [cv2.GaussianBlur(x, (0, 0), cfg.speed_sigma) for x in ink]
    ink_motion = np.empty((n - 1, 2))
    for k in range(n - 1):
        flow = dis.calc(normed[k], normed[k + 1], None).astype(np.float64)  # (h, w, 2) px per step
        mask = np.maximum(structure[k], structure[k + 1]).astype(np.float64) / 255.0
        cells, crop = _cell_and_crop_motion(flow[..., 0], flow[..., 1], mask, xs, ys, cfg.grid)
        out[k, ..., :4] = cells * (rate / side)
        delta = (ink[k + 1] - ink[k]).astype(np.float64)
        out[k, ..., 4] = _cell_means(delta, cfg.grid) * (rate * cfg.ink_weight)
        out[k, ..., 5] = _cell_means(colour[k].astype(np.float64), cfg.grid) * (rate * cfg.colour_weight)
        # Pooled over the crop: the flow's direction histogram weighted by structure × speed (soft bins).
        speed, angle = cv2.cartToPolar(flow[..., 0], flow[..., 1])  # angle in [0, 2π)
        position = angle * (bins / (2 * np.pi))
        lo = position.astype(int)
        share = (position - lo).ravel()
        flux = (mask * speed).ravel()
        hist = (np.bincount((lo % bins).ravel(), flux * (1 - share), bins)
                + np.bincount(((lo + 1) % bins).ravel(), flux * share, bins))
        pooled[k, :bins] = hist / mask.size * (rate / side)
        pooled[k, bins] = np.sqrt((mask * speed**2).mean()) * (rate / side)
        pooled[k, bins + 1:bins + 5] = crop * (rate / side)
        pooled[k, bins + 5] = np.maximum(delta, 0).mean() * (rate * cfg.ink_weight)
        pooled[k, bins + 6] = np.maximum(-delta, 0).mean() * (rate * cfg.ink_weight)
        pooled[k, bins + 7] = out[k, ..., 5].mean()
        change, middle = (blurred[k + 1] - blurred[k]).ravel(), 0.5 * (blurred[k] + blurred[k + 1])
        gx, gy = (cv2.Sobel(middle, cv2.CV_32F, *d, ksize=1).ravel() for d in ((1, 0), (0, 1)))  # 2 × ∂
        ink_motion[k] = float(change @ change) / change.size, float(gx @ gx + gy @ gy) / (4 * change.size)
    return FlowFeatures(values=out, rate=rate, pooled=pooled, ink_motion=ink_motion)


def ink_speed(features: FlowFeatures, side: float) -> float:
    """The video's speed along the ink's gradient over all its steps, in thumbnail sides per second (`side`:
    the thumbnail's longer side): √(Σ change² / Σ gradient²) of `FlowFeatures.ink_motion`; 0 when nothing
    is drawn."""
    change, gradient = features.ink_motion.sum(axis=0) if len(features.ink_motion) else (0.0, 0.0)
    return float(np.sqrt(change / gradient)) * features.rate / side if gradient > 0 else 0.0
