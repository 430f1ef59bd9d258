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

from dataclasses import dataclass

import cv2
import numpy as np

from v2c.rewards.crop import Box, crop_and_resize

__all__ = ["FlowConfig", "FlowFeatures", "flow_features", "ink_images", "noise_level", "normalise_contrast"]


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


@dataclass(frozen=True)
class FlowFeatures:
    """A video's per-step, per-cell features."""

    values: np.ndarray
    """(L, grid, grid, 6) float64: u, v, curl, div, ink rate, colour rate for each of L steps."""
    rate: float
    """Steps per second."""

    @property
    def flat(self) -> np.ndarray:
        """(L, grid·grid·6): one feature vector per step."""
        return self.values.reshape(len(self.values), -1)


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


def ink_images(thumbs: np.ndarray, config: FlowConfig | None = None) -> np.ndarray:
    """(T, h, w) float32 ink of RGB thumbnails: ΔE76 from the border's median colour over the
    video's ink scale, so 1 is "full strength" whatever the colours (0 everywhere for a video
    that draws nothing)."""
    return _ink_and_colour_change(thumbs, config or FlowConfig())[0]


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


def _cell_motion(u: np.ndarray, v: np.ndarray, mask: np.ndarray, xs: np.ndarray, ys: np.ndarray,
                 grid: int) -> np.ndarray:
    """(grid, grid, 4) per cell: mean flow u, v and the least-squares rotation and expansion about
    the cell's centre of structure (curl and div, times the cell's radius of gyration so they are
    velocities too), each scaled by the share of the cell that has structure (so an empty cell
    is 0, and a cell's weight grows with what it holds).

    A first-moment fit rather than derivatives of the flow: the mean curl of a field over a cell
    is, by Stokes, its circulation along the cell's border, which is 0 for a spinner drawn inside
    one cell."""
    m = mask
    sums = _cell_means(np.stack([m, m * u, m * v, m * xs, m * ys, m * xs * v, m * ys * u, m * xs * u, m * ys * v,
                                 m * (xs * xs + ys * ys)]), grid)
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
    if n < 2:
        return FlowFeatures(values=np.zeros((0, cfg.grid, cfg.grid, 6)), rate=rate)
    levels = np.clip(ink * 200.0, 0, 255).astype(np.uint8)  # 200 = full strength, headroom above
    floor = max(cfg.norm_floor, cfg.noise_floor * noise_level(levels))
    normed, structure = zip(*(normalise_contrast(g, cfg.norm_sigma, floor) for g in levels))
    # The fast preset: the medium one doubled the whole temporal score's cost (0.13 → 0.28 s per
    # candidate on the loaded 2-core machine).
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    side = float(max(h, w))
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    out = np.empty((n - 1, cfg.grid, cfg.grid, 6))
    for k in range(n - 1):
        flow = dis.calc(normed[k], normed[k + 1], None).astype(np.float64)  # (h, w, 2) px per step
        mask = np.maximum(structure[k], structure[k + 1]).astype(np.float64) / 255.0
        out[k, ..., :4] = _cell_motion(flow[..., 0], flow[..., 1], mask, xs, ys, cfg.grid) * (rate / side)
        out[k, ..., 4] = _cell_means((ink[k + 1] - ink[k]).astype(np.float64), cfg.grid) * (rate * cfg.ink_weight)
        out[k, ..., 5] = _cell_means(colour[k].astype(np.float64), cfg.grid) * (rate * cfg.colour_weight)
    return FlowFeatures(values=out, rate=rate)
