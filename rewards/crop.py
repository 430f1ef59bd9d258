"""The animated region of a video, and cropping to it.

Both frame-level scores are computed on the cropped animated region (as in Animation2Code),
so where on the page an animation sits does not matter, only what it looks like and how it
moves.

The rule (`animated_region`):

1. Frames are first blurred with a `blur`×`blur` box, which averages pixel noise (codec
   noise, dithering) down by that factor while any visible change survives. (Differencing at
   full resolution keeps the box exact: a crop one pixel off is, after resizing, a small
   misalignment that the appearance score sees.)
2. A pixel *changes* when any RGB channel differs by more than `threshold` levels between two
   consecutive frames, or between a frame and the first frame. The second test catches slow
   changes (a long fade) whose per-frame step stays under the threshold.
3. The union of those pixels over the whole video is opened (3×3: eroded then dilated by
   one pixel; every pixel size here scales up for frames larger than `nominal_side`), which removes isolated specks of noise, then dilated by `dilation` pixels, so
   anti-aliased edges and the thin gaps of a moving outline join the region.
4. The region is the bounding box of that union, grown by `margin` (a fraction of the box's
   size, at least `min_margin_px`) on every side. It is NOT clipped to the frame: `crop`
   pads what lies outside with the page's edge pixels as they stand still (each one's median
   over the video), so an animation near the border gives the same crop as the same
   animation a few dozen pixels further in (clipping would change the crop's shape, and
   resizing would turn that into a small misalignment).
5. When fewer than `min_pixels` pixels change, nothing moves: the region is the full frame.
   (A static or blank page is then compared as a whole, which is what it looks like.)

Comparing two videos: each video is cropped to ITS OWN animated region, then both crops are
resized to one common size (`comparison_size`: the reference crop's shape, scaled so its
longer side is `max_side`). A page whose animation sits a few dozen pixels away from the
reference's therefore gives the same crop and scores the same. A crop of another shape is
stretched to the reference's, which the scores then see as an appearance difference: fair,
since a different animated extent is a different animation.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from v2c.video import Size, resize_frames

__all__ = ["Box", "CropConfig", "animated_region", "crop", "comparison_size", "crop_and_resize"]

Box = tuple[int, int, int, int]
"""(y0, y1, x0, x1), half-open pixel bounds: `frames[:, y0:y1, x0:x1]`; may extend past the
frame by the margin (`crop` pads)."""


@dataclass(frozen=True)
class CropConfig:
    """How the animated region is found (see the module docstring for the rule)."""

    blur: int = 3
    """Box blur (pixels) applied before differencing, against pixel noise; 1 turns it off."""
    threshold: int = 12
    """Per-channel difference (0-255) above which a pixel counts as changed; above the few
    levels of noise that lossy video codecs add, below any visible change."""
    dilation: int = 2
    """Radius in pixels by which the changed pixels are grown before taking their bounding box."""
    margin: float = 0.05
    """Fraction of the box's height/width added on each side, so the element's edges are kept."""
    min_margin_px: int = 4
    """Smallest margin in pixels, for tiny animated regions."""
    min_pixels: int = 16
    """Fewer changed pixels than this means nothing moves (stray noise is ignored)."""
    nominal_side: int = 512
    """The pixel sizes above (`blur`, `dilation`, the opening, `min_margin_px`, `min_pixels`) are for frames
    whose longer side is at most this; larger frames scale them up. So a page rendered at full resolution
    and at the default raster scale (`RenderConfig.max_raster_side`, also 512) gets the same box: with
    fixed pixel sizes the half-resolution box came out ~2% larger and moved appearance by up to 0.025 at
    1024×768. Below it nothing changes, so every smaller setting keeps its boxes."""


def animated_region(frames: np.ndarray, config: CropConfig | None = None) -> Box:
    """Bounding box of everything that changes in `frames` (T, H, W, 3) uint8; full frame if nothing does."""
    frames = _check_frames(frames)
    t, h, w = frames.shape[:3]
    cfg = config or CropConfig()
    scale = max(1.0, max(h, w) / cfg.nominal_side)
    blur, dilation, opening = max(1, round(cfg.blur * scale)), round(cfg.dilation * scale), 2 * round(scale) + 1
    full: Box = (0, h, 0, w)
    if t < 2:
        return full
    # Running per-pixel maximum of both differences; cv2 keeps this at uint8 speed.
    def smooth(f: np.ndarray) -> np.ndarray:
        return cv2.blur(f, (blur, blur)) if blur > 1 else f

    first = prev = smooth(frames[0])
    peak = np.zeros_like(first)
    for k in range(1, t):
        cur = smooth(frames[k])
        cv2.max(peak, cv2.absdiff(cur, prev), dst=peak)
        cv2.max(peak, cv2.absdiff(cur, first), dst=peak)
        prev = cur
    changed = (peak.max(axis=2) > cfg.threshold).astype(np.uint8)
    changed = cv2.morphologyEx(changed, cv2.MORPH_OPEN, np.ones((opening, opening), np.uint8))
    if int(changed.sum()) < cfg.min_pixels * scale * scale:
        return full
    if dilation > 0:
        k = 2 * dilation + 1
        changed = cv2.dilate(changed, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    ys = np.flatnonzero(changed.any(axis=1))
    xs = np.flatnonzero(changed.any(axis=0))
    y0, y1, x0, x1 = int(ys[0]), int(ys[-1]) + 1, int(xs[0]), int(xs[-1]) + 1
    min_margin = round(cfg.min_margin_px * scale)
    my = max(min_margin, int(round(cfg.margin * (y1 - y0))))
    mx = max(min_margin, int(round(cfg.margin * (x1 - x0))))
    return (y0 - my, y1 + my, x0 - mx, x1 + mx)


def crop(frames: np.ndarray, box: Box) -> np.ndarray:
    """`frames[:, y0:y1, x0:x1]`: a view when `box` lies inside the frame, else a copy whose outside part repeats
    the video's edge pixels as they stand still (each one's median over `frames`, per channel: the page background,
    in practice; so the same video cropped in parts could be padded differently part by part).

    Not each frame's own edge pixels: a particle, a line or a confetto that reaches the page's edge would be
    smeared over the whole margin (a block as large as the corner's margin, from one pixel), and the smear's
    change counted as motion: on particles.js's full-page canvas, the steps where a particle crossed a corner
    carried 15× the ink change of the others, so its copies ×1.15 and ×2.5 slower read as faster."""
    y0, y1, x0, x1 = box
    h, w = frames.shape[1:3]
    inner = frames[:, max(0, y0) : min(h, y1), max(0, x0) : min(w, x1)]
    top, bottom, left, right = max(0, -y0), max(0, y1 - h), max(0, -x0), max(0, x1 - w)
    if not (top or bottom or left or right):
        return inner
    # Only the edge rows and columns of this frame reach the padding (BORDER_REPLICATE), so it is built once.
    still = np.array(inner[0])
    for edge in (np.s_[:, 0], np.s_[:, -1], np.s_[:, :, 0], np.s_[:, :, -1]):
        still[edge[1:]] = np.median(inner[edge], axis=0)
    out = np.repeat(cv2.copyMakeBorder(still, top, bottom, left, right, cv2.BORDER_REPLICATE)[None], len(inner), axis=0)
    out[:, top : top + inner.shape[1], left : left + inner.shape[2]] = inner
    return out


def comparison_size(box: Box, max_side: int) -> tuple[int, int]:
    """(height, width) that both crops are resized to: `box`'s aspect, longer side `max_side`."""
    h, w = box[1] - box[0], box[3] - box[2]
    s = max_side / max(h, w)
    return max(1, int(round(h * s))), max(1, int(round(w * s)))


def crop_and_resize(frames: np.ndarray, box: Box, size: tuple[int, int]) -> np.ndarray:
    """Crop to `box`, then resize to `size` (height, width, as `comparison_size` gives it): the input of a frame
    comparison."""
    height, width = size
    return resize_frames(crop(frames, box), Size(width, height))


def _check_frames(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[3] != 3 or frames.dtype != np.uint8 or frames.shape[0] == 0:
        raise ValueError(f"frames must be a non-empty uint8 array (T, H, W, 3), got {frames.dtype} {frames.shape}")
    return np.ascontiguousarray(frames)  # OpenCV needs contiguous rows
