"""Where a real-time recording showed its page late: the frames it held while the page's clock ran on.

A screen recording shows a picture only when the browser delivered one. When frames are dropped (a busy
compositor, a screencast that waits for its acknowledgement), the recording holds an older picture for a few
frames and then jumps to where the page's clock is. On the 39 recorded npm pages of
`benchmarks/recorded_fidelity.py`, a run held 100–133 ms twice in 3 s on some pages (smil-puff, ldrs-tail-chase);
every render of a candidate is on time, so the page's own source lost 0.04 against such a recording (smil-puff
0.936 against 0.978 with the held frames matched) and its variants lost nothing.

With the recording's source page at hand (`RewardConfig.align_recording`), its render at the display rate says what
each recorded frame should show. A frame that repeats the recording's picture before it (`repeated_pictures`) and
matches an older display frame far better than the one at the recording's usual lag is held, and the candidate is
compared there through its frame as many steps earlier as the picture is older (`held_frames`), as the recording
would have shown it. Both tests are needed:
a page that stands still repeats its frames on time, and a page whose random stream differs from its render's
(confetti bursting elsewhere) can match an earlier display frame better, but never repeats a moving picture.
"""
from __future__ import annotations

import cv2
import numpy as np

from v2c.video import Video, resampled_indices

__all__ = ["HELD_MATCH_RATIO", "HELD_RECIPE", "MAX_HELD_STEPS", "REPEAT_LEVEL", "THUMBNAIL_SIDE", "frame_differences",
           "held_frames", "repeated_pictures"]

MAX_HELD_STEPS = 2
"""How far back (comparison steps) a recorded frame is looked for on the page's clock: the 100–133 ms holds seen
are within 2 steps at 10 fps."""
HELD_MATCH_RATIO = 0.5
"""A recorded frame is held when an older display frame differs from it by less than this share of what the display
frame at the recording's usual lag does (mean squared difference). A recording on time differs from that frame by
codec noise, which no other frame halves; one whose random streams differ (confetti, particles) differs from every
frame alike."""
REPEAT_LEVEL = 0.1
"""A recorded frame repeats the one before it when their thumbnails differ by less than this (mean squared, levels²):
on the recordings of `benchmarks/recorded_fidelity.py`, H.264 leaves a repeated picture within 0.05 and the slowest
motion seen (smil-puff's fading rings) at 0.67 or more."""
THUMBNAIL_SIDE = 128
"""Longer side the frames are compared at: a held picture differs from the page's clock by whole motions, and
a 3 s recording's comparisons take about 0.2 s at 512×384 or 1024×768."""
HELD_RECIPE = (MAX_HELD_STEPS, HELD_MATCH_RATIO, REPEAT_LEVEL, THUMBNAIL_SIDE)
"""What a held-frame decision depends on besides its inputs: part of the key it is kept on disk by."""


def _thumbnails(frames: np.ndarray) -> np.ndarray:
    """(T, P) float64 pixels of each frame shrunk to `THUMBNAIL_SIDE` (area-averaged)."""
    height, width = frames.shape[1:3]
    scale = min(1.0, THUMBNAIL_SIDE / max(height, width))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]
    return np.stack(small).reshape(len(frames), -1).astype(np.float64)


def repeated_pictures(recording: Video, fps: float) -> np.ndarray:
    """(T,) bool per frame of `resample(recording, fps)`: whether the picture it shows is one the recording already
    showed before that frame's time: a frame that repeats the recording's frame before it (a recorder at a constant
    rate repeats a picture it was not given), or one captured more than 1.5 of the recording's usual frame intervals
    earlier (a recorder that only writes frames it was given leaves a gap instead)."""
    thumbs = _thumbnails(recording.frames)
    repeats = np.zeros(len(thumbs), bool)
    # Differences taken directly, so that two equal frames are at exactly 0.
    repeats[1:] = ((thumbs[1:] - thumbs[:-1]) ** 2).mean(axis=1) < REPEAT_LEVEL
    shown = resampled_indices(recording, fps)
    resampled = recording.timestamps[0] + np.arange(len(shown)) / fps
    interval = float(np.median(np.diff(recording.timestamps))) if len(recording) > 1 else np.inf
    return repeats[shown] | (resampled - recording.timestamps[shown] > 1.5 * interval)


def frame_differences(recorded: np.ndarray, display: np.ndarray, per_step: int) -> np.ndarray:
    """(T, N) mean squared difference (levels², on thumbnails) of each recorded frame (T, H, W, 3) from the display
    frames (N, H, W, 3) it may show at any phase: frame k from display frames k·per_step − `MAX_HELD_STEPS`·per_step
    to k·per_step + per_step − 1; inf elsewhere."""
    a, b = _thumbnails(recorded), _thumbnails(display)
    out = np.full((len(a), len(b)), np.inf)
    for k, frame in enumerate(a):
        first, end = max(0, (k - MAX_HELD_STEPS) * per_step), min(len(b), (k + 1) * per_step)
        # Differences taken directly, so that a recorded frame equal to a display frame is at exactly 0.
        out[k, first:end] = ((b[first:end] - frame) ** 2).mean(axis=1)
    return out


def held_frames(differences: np.ndarray, repeated: np.ndarray, per_step: int, phase: int) -> tuple[int, ...] | None:
    """Per recorded frame, the comparison frame to compare it with; None when every frame is on time.

    `differences`: `frame_differences` of the recording at the comparison rate and its page rendered at the
    display rate; `repeated`: `repeated_pictures` of the same frames; `per_step` display frames per comparison
    step, recorded frame k due at display frame k·per_step + `phase`. Each frame shows the display frame it
    matches best within `MAX_HELD_STEPS` before it is due; the median of those lags is the recording's own (a
    constant lag is a phase, which the scores take as it is). A repeated frame that shows an older picture than
    that by m display frames, matching it better than its frame at the recording's lag by `HELD_MATCH_RATIO`, is
    held: it is compared with the candidate's frame k − m / per_step, rounded half down (never before 0). The
    first `MAX_HELD_STEPS` frames, which have no full window of older display frames, are taken as on time.
    """
    if not 0 <= phase < per_step:
        raise ValueError(f"phase must be a display frame within one step (0 to {per_step - 1}), got {phase}")
    window = MAX_HELD_STEPS * per_step
    due = np.arange(len(differences)) * per_step + phase
    rows = [k for k in range(len(differences)) if window <= due[k] < differences.shape[1]]
    if not rows:
        return None
    lag = {k: int(np.argmin(differences[k, due[k] - np.arange(window + 1)])) for k in rows}
    usual = int(np.median(list(lag.values())))
    shown = list(range(len(differences)))
    for k in rows:
        extra = lag[k] - usual
        older = differences[k, due[k] - lag[k]] < HELD_MATCH_RATIO * differences[k, due[k] - usual]
        if repeated[k] and extra > 0 and older:
            shown[k] = max(0, k - (2 * extra + per_step - 1) // (2 * per_step))
    return None if shown == list(range(len(differences))) else tuple(shown)
