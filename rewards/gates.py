"""Anti-hacking gates: cheap checks on a candidate's frames and code that override the scores.

Known reward hacks in this field are pages that fail to render, blank pages, static pages against a
moving reference, and giant outputs (the failure modes the Animation2Code and Video2Code evaluations
report of generated pages).
"""
from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np

from .breakdown import GateHit
from .config import RewardConfig


def is_blank(frames: np.ndarray, config: RewardConfig) -> bool:
    """Every frame is (nearly) one flat colour."""
    if frames.shape[0] == 0:
        return True
    # OpenCV's per-channel spread, frame by frame, stopping at the first frame with content: numpy's std
    # over the whole stack took 90 ms of a 1024×768, 30 fps candidate's scoring.
    return all(float(cv2.meanStdDev(np.ascontiguousarray(f[::4, ::4]))[1].max()) < config.blank_std for f in frames)


def max_changed_pixels(frames: np.ndarray, config: RewardConfig, stop_above: int | None = None) -> int:
    """The largest number of pixels by which a frame differs from the one before it or from the first frame
    (early exit past `stop_above`). The first frame counts because a slow change's step between consecutive
    frames can stay under `change_level` at a high frame rate: spinkit's dot-flashing played 1.15× slower
    changed no pixel between consecutive frames at 30 fps (576 against the first frame), so the candidate
    was gated as static and temporal fell from 0.79 at 15 fps to 0 (`benchmarks/score_resolution.py`)."""
    most = 0
    for changed in changed_pixels(frames, config, since_first=True):
        most = max(most, changed)
        if stop_above is not None and most > stop_above:
            break
    return most


def is_static(frames: np.ndarray, config: RewardConfig) -> bool:
    return max_changed_pixels(frames, config, stop_above=config.static_max_pixels) <= config.static_max_pixels


def changed_pixels(frames: np.ndarray, config: RewardConfig, since_first: bool = False) -> Iterator[int]:
    """For each frame after the first, the number of pixels that differ by more than `change_level` from the
    frame before it (and, with `since_first`, from the first frame)."""
    for before, after in zip(frames[:-1], frames[1:]):
        diff = cv2.absdiff(before, after)
        if since_first:
            cv2.max(diff, cv2.absdiff(frames[0], after), dst=diff)
        # Thresholded per channel by OpenCV, then "any channel" on bytes: numpy's max over the channel axis
        # made this 16× slower, 0.9 s for a static 1024×768 candidate at 15 fps.
        changed = cv2.threshold(diff, config.change_level, 1, cv2.THRESH_BINARY)[1].reshape(-1, 3)
        yield int(np.count_nonzero(changed[:, 0] | changed[:, 1] | changed[:, 2]))


def moving_intervals(frames: np.ndarray, fps: float, config: RewardConfig) -> list[tuple[float, float]]:
    """The time ranges (seconds, frame k at k / fps) in which the video moves, by the static gate's levels: a step
    from one frame to the next moves when more than `static_max_pixels` pixels change by more than `change_level`.
    (Only the step: the gate's comparison with the first frame would count every frame after a one-shot motion.)"""
    intervals: list[tuple[float, float]] = []
    for k, changed in enumerate(changed_pixels(frames, config)):
        if changed <= config.static_max_pixels:
            continue
        start, end = k / fps, (k + 1) / fps
        if intervals and intervals[-1][1] >= start:
            intervals[-1] = (intervals[-1][0], end)
        else:
            intervals.append((start, end))
    return intervals


def oversize(code_bytes: int, config: RewardConfig) -> GateHit | None:
    if code_bytes > config.max_code_bytes:
        return GateHit("oversize", f"page is {code_bytes} bytes, over the {config.max_code_bytes}-byte limit: "
                                   f"total reduced by {config.size_penalty:.0%}")
    return None
