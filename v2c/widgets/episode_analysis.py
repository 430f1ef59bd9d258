"""What the viewer draws besides the frames: a per-frame appearance curve and the moving point tracks.

Both are recomputed from an `Episode`'s stored frames with the reward's own pieces
(`AppearanceScorer.distances`, the temporal score's tracker and crop), so they explain the scores
without an env or a browser. The stored frames are the observation-size copies (256×192 by
default), not the full-size renders the reward saw, so the curve's mean is close to, not equal to,
1 − appearance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from v2c.rewards.appearance import AppearanceReference, AppearanceScorer
from v2c.rewards.crop import animated_region, crop
from v2c.rewards.tracks import TrackTemporalScorer


@dataclass
class AppearanceCurve:
    """Per reference frame, how far the candidate looks from it (0 = identical, 1 = unrelated)."""

    aligned: list[float]
    """Mean distance to the candidate frames DTW matches this frame with (what the score averages)."""
    same_time: list[float | None]
    """Distance to the candidate frame shown at the same time (None past the candidate's end)."""

    @property
    def score(self) -> float:
        """1 − mean aligned distance: this curve's estimate of the appearance score."""
        return float(1.0 - np.mean(self.aligned)) if self.aligned else 0.0


def dtw_path(cost: np.ndarray) -> list[tuple[int, int]]:
    """The cheapest monotone path through `cost` (N, M) from (0, 0) to (N-1, M-1), with the symmetric
    step pattern of `v2c.rewards.dtw` (which returns only totals; the viewer needs the cells)."""
    n, m = cost.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            acc[i, j] = cost[i - 1, j - 1] + min(acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
    path, i, j = [], n, m
    while i > 0 and j > 0:
        path.append((i - 1, j - 1))
        moves = ((acc[i - 1, j - 1], i - 1, j - 1), (acc[i - 1, j], i - 1, j), (acc[i, j - 1], i, j - 1))
        _, i, j = min(moves, key=lambda move: move[0])
    return path[::-1]


class EpisodeAnalyser:
    """Prepares the reference once, then gives each candidate's curve and tracks."""

    def __init__(self, reference_frames: np.ndarray, fps: float, max_tracks: int = 24) -> None:
        self.fps = float(fps)
        self.reference_frames = np.asarray(reference_frames)
        self.max_tracks = max_tracks
        self.appearance = AppearanceScorer()
        self.temporal = TrackTemporalScorer()
        self._reference: AppearanceReference | None = None

    @property
    def reference(self) -> AppearanceReference:
        if self._reference is None:
            self._reference = self.appearance.prepare_reference(self.reference_frames, self.fps)
        return self._reference

    def curve(self, candidate_frames: np.ndarray) -> AppearanceCurve:
        distances = self.appearance.distances(self.reference, candidate_frames, self.fps)
        sums, counts = np.zeros(distances.shape[0]), np.zeros(distances.shape[0])
        for i, j in dtw_path(distances):
            sums[i] += distances[i, j]
            counts[i] += 1
        same = [float(distances[i, i]) if i < distances.shape[1] else None for i in range(distances.shape[0])]
        return AppearanceCurve(aligned=[float(v) for v in sums / np.maximum(counts, 1)], same_time=same)

    def tracks(self, frames: np.ndarray) -> np.ndarray:
        """Moving point tracks (N, T, 2) as (x, y) in `frames`' pixels, NaN where a point is not tracked.

        The temporal score's own rule: crop to the animated region, track it, keep tracks long enough
        and travelling at least `min_travel` frame diagonals; the longest `max_tracks` are kept.
        """
        frames = np.asarray(frames)
        if len(frames) < 2:
            return np.zeros((0, len(frames), 2))
        cfg = self.temporal.config
        box = animated_region(frames, cfg.crop)
        raw = self.temporal.tracker.track(crop(frames, box))
        if len(raw) == 0:
            return np.zeros((0, len(frames), 2))
        raw = raw + np.array([box[2], box[0]], dtype=float)  # crop pixels -> frame pixels
        valid = ~np.isnan(raw[..., 0])
        first = np.argmax(valid, axis=1)
        start = raw[np.arange(len(raw)), first]
        with np.errstate(invalid="ignore"):
            travel = np.nanmax(np.linalg.norm(raw - start[:, None], axis=2), axis=1, initial=0.0)
        diagonal = float(np.hypot(frames.shape[1], frames.shape[2]))
        moving = (valid.sum(axis=1) > cfg.min_track_samples) & (travel >= cfg.min_travel * diagonal)
        keep = np.flatnonzero(moving)
        keep = keep[np.argsort(-valid[keep].sum(axis=1), kind="stable")][: self.max_tracks]
        return raw[keep]
