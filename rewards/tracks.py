"""Track-based temporal score (backends `lk` and `cotracker3`): do the point tracks move alike?

(Over 400 lines: the two trackers, the `Motion` they produce and the score that compares it are
one unit, moved whole from temporal.py; the flow backend there is the default.)

Animation2Code's temporal similarity, on numpy videos. The embedded default is the flow score
(`v2c.rewards.temporal`); this one stays for `RewardConfig.paper()` (CoTracker3) and as `lk`:

1. each video is cropped to its own animated region (`v2c.rewards.crop`) and point tracks are
   computed on the crop, so coordinates are relative to the crop and page position does not
   matter. Motion is measured in frame diagonals per second, so it does not depend on the
   resolution or frame rate either (but a candidate that moves twice as far is twice as fast);
2. only moving tracks describe the animation: a track is kept when it gets `min_travel` away
   from where it started, and farther than a random walk of its own step-to-step jitter
   would (points on pixel noise wander without going anywhere);
3. each pair of tracks (a from the reference, b from the candidate) is compared on its
   frame-to-frame velocities: c = cos(va, vb)⁺ · min(|va|, |vb|) / max(|va|, |vb|), 1 when
   both are still, 0 when only one moves. The two velocity sequences are aligned in time with
   DTW rather than frame-locked, which makes the score graded: a velocity profile played a
   little early, late or with another easing is matched to its counterpart and loses only
   what actually differs (mostly speed), while a frame-locked comparison drops to ~0 as soon
   as the motions stop overlapping. A Gaussian penalty on the time offset of each aligned pair
   (`time_sigma_s`) keeps a motion three seconds late from matching for free. Aligned pairs
   where neither track moves get (almost) no weight, so a long pause shared by both videos
   does not dominate the mean over the motion that matters. A pair is compared over the time
   both tracks exist; c(a, b) is that similarity times the share of a's samples it covers
   (so a fragment of a track, a point lost and re-seeded, matches the part it covers, and a
   track is not fully accounted for by a fragment);
4. tracks are matched with a symmetric Chamfer rule:
   score = ½[mean_a max_b c(a, b) + mean_b max_a c(b, a)]. A video without moving tracks
   against one with them scores 0; two videos without any score 1.

What it does not see, by construction: opacity and colour changes (no point moves; the
appearance score sees them), and only partly a rotation's direction (velocities, not
positions, are compared; what differs is how the velocity turns over time).

Trackers (`PointTracker`): `LucasKanadeTracker` (OpenCV pyramidal Lucas–Kanade on Shi–Tomasi
corners, re-seeded every few frames, forward–backward checked, on contrast-normalised frames
so fades do not read as motion; no weights) and `CoTrackerTracker` (CoTracker3
offline through torch.hub, from a local weight cache).
`TrackTemporalScorer.prepare_reference` tracks the reference once and reuses it for every candidate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import cv2
import numpy as np

from v2c.rewards.crop import Box, CropConfig, animated_region, crop
from v2c.rewards.dtw import dtw
from v2c.rewards.flow import noise_level, normalise_contrast
from v2c.rewards.model_weights import WeightSet, downloads_disabled, torch_hub_dir

if TYPE_CHECKING:
    from .config import RewardConfig

__all__ = [
    "PointTracker",
    "LKConfig",
    "LucasKanadeTracker",
    "CoTrackerTracker",
    "TrackTemporalConfig",
    "Motion",
    "TrackTemporalReference",
    "TrackTemporalScorer",
    "compare_motion",
    "pair_similarity",
    "temporal_weights",
    "track_polylines",
]


@runtime_checkable
class PointTracker(Protocol):
    """Point tracks through a video."""

    def track(self, frames: np.ndarray) -> np.ndarray:
        """Tracks (N, T, 2) as (x, y) pixels of `frames` (T, H, W, 3) uint8 RGB; NaN where a point is not tracked."""
        ...


# --------------------------------------------------------------------------- Lucas–Kanade


@dataclass(frozen=True)
class LKConfig:
    """Lucas–Kanade tracker settings.

    Seeding:
        max_points, quality_level, min_distance, block_size, reseed_every
    Tracking:
        win_size, max_level, fb_max_error, max_side
    Contrast normalisation (against fades and noise):
        norm_sigma, norm_floor, noise_floor, refine_max_shift
    """

    max_points: int = 100
    """Most points tracked at once."""
    quality_level: float = 0.01
    """Shi–Tomasi corners weaker than this fraction of the strongest one are not seeded."""
    min_distance: float = 4.0
    """Smallest distance between seeded points (tracking pixels)."""
    block_size: int = 5
    """Neighbourhood of the corner measure (tracking pixels)."""
    reseed_every: int = 3
    """Seed new points every this many frames, away from live ones: elements that appear
    later, and points lost on the way, get tracks too."""
    win_size: int = 15
    """Lucas–Kanade window (tracking pixels)."""
    max_level: int = 3
    """Pyramid levels above the base: with 15-px windows, motions up to ~100 px per frame."""
    fb_max_error: float = 0.5
    """A point is dropped when tracking it forward then backward misses its start by more
    than this (tracking pixels): the standard forward–backward check against drift."""
    norm_sigma: float = 4.0
    """Scale (tracking pixels) of the local contrast normalisation used to refine each step; 0
    turns it off. Lucas–Kanade assumes constant brightness: on a fading or recolouring element
    the changing contrast of an edge reads as motion and corners drift by several pixels.
    Dividing out the local mean and spread keeps an edge's pattern the same while it fades.
    Normalised frames are band-pass, though, and lose the coarse pyramid levels that large
    motions need; so each step is tracked coarse-to-fine on the plain grey frames first, and
    only then refined at full resolution on the normalised ones."""
    norm_floor: float = 4.0
    """Grey levels of local spread below which a region is treated as flat (not amplified)."""
    noise_floor: float = 5.0
    """The flat-region floor is also at least this many times the video's pixel-noise level
    (estimated from the frames), so codec noise is never amplified into trackable texture.
    Points are seeded, and kept, only where the local spread exceeds the floor: on real
    structure, not on noise or on an element that has faded out."""
    refine_max_shift: float = 2.0
    """A refinement on the normalised frames that moves a point farther than this (tracking
    pixels) from the coarse-to-fine estimate is discarded: a correction, not a new answer."""
    max_side: int = 320
    """Frames whose longer side exceeds this are shrunk before tracking (speed); tracks are
    returned in the input's pixels."""


class LucasKanadeTracker:
    """Default tracker: OpenCV pyramidal Lucas–Kanade, re-seeded, forward–backward checked."""

    def __init__(self, config: LKConfig | None = None) -> None:
        self.config = config or LKConfig()

    def track(self, frames: np.ndarray) -> np.ndarray:
        """Tracks (N, T, 2) in `frames`' pixels, NaN before a point is seeded and after it is lost."""
        cfg = self.config
        t, h, w = frames.shape[:3]
        scale = min(1.0, cfg.max_side / max(h, w))
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        grey = []
        for f in frames:
            g = cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY)
            grey.append(cv2.resize(g, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else g)
        # Seeds only where there is contrast above the noise: corners found on pixel noise in a
        # flat region are tracked as noise, which wanders far enough to pass for motion.
        normed: list[np.ndarray] | None = None
        seedable: list[np.ndarray | None] = [None] * t
        if cfg.norm_sigma > 0:
            floor = max(cfg.norm_floor, cfg.noise_floor * noise_level(grey))
            normed, seedable = map(list, zip(*(normalise_contrast(g, cfg.norm_sigma, floor) for g in grey)))
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)
        lk = dict(winSize=(cfg.win_size, cfg.win_size), maxLevel=cfg.max_level, criteria=criteria)
        refine = dict(winSize=(cfg.win_size, cfg.win_size), maxLevel=0, criteria=criteria,
                      flags=cv2.OPTFLOW_USE_INITIAL_FLOW)  # fmt: skip

        n_tracks = 0
        per_frame: list[tuple[np.ndarray, np.ndarray]] = []  # (track ids, positions) at each frame
        live_pts = np.empty((0, 1, 2), np.float32)
        live_ids = np.empty(0, np.int64)
        for k in range(t):
            if k > 0 and len(live_pts):
                fwd, st_f, _ = cv2.calcOpticalFlowPyrLK(grey[k - 1], grey[k], live_pts, None, **lk)
                back, st_b, _ = cv2.calcOpticalFlowPyrLK(grey[k], grey[k - 1], fwd, None, **lk)
                fb = np.linalg.norm((back - live_pts).reshape(-1, 2), axis=1)
                ok = (st_f.ravel() == 1) & (st_b.ravel() == 1) & (fb < cfg.fb_max_error)
                if normed is not None:
                    fine, st_n, _ = cv2.calcOpticalFlowPyrLK(normed[k - 1], normed[k], live_pts, fwd.copy(), **refine)
                    # Keep the refinement unless it wandered off (a lost point, not a fade).
                    moved = np.linalg.norm((fine - fwd).reshape(-1, 2), axis=1)
                    use = (st_n.ravel() == 1) & (moved < cfg.refine_max_shift)
                    fwd[use] = fine[use]
                x, y = fwd[:, 0, 0], fwd[:, 0, 1]
                ok &= (x >= 0) & (y >= 0) & (x <= size[0] - 1) & (y <= size[1] - 1)
                if seedable[k] is not None:
                    # A point whose structure has faded into the noise is no longer tracked:
                    # Lucas–Kanade would follow the fading contrast, not the element.
                    xi = np.clip(np.round(x), 0, size[0] - 1).astype(int)
                    yi = np.clip(np.round(y), 0, size[1] - 1).astype(int)
                    ok &= seedable[k][yi, xi] > 0
                live_pts, live_ids = fwd[ok], live_ids[ok]
            if k % cfg.reseed_every == 0 and k < t - 1 and len(live_pts) < cfg.max_points:
                mask = np.full(grey[k].shape, 255, np.uint8) if seedable[k] is None else seedable[k].copy()
                for x, y in live_pts.reshape(-1, 2):
                    cv2.circle(mask, (int(round(x)), int(round(y))), int(np.ceil(cfg.min_distance)), 0, -1)
                new = cv2.goodFeaturesToTrack(
                    grey[k] if normed is None else normed[k],
                    maxCorners=cfg.max_points - len(live_pts),
                    qualityLevel=cfg.quality_level,
                    minDistance=cfg.min_distance,
                    mask=mask,
                    blockSize=cfg.block_size,
                )
                if new is not None and len(new):
                    live_pts = np.concatenate([live_pts, new.astype(np.float32).reshape(-1, 1, 2)])
                    live_ids = np.concatenate([live_ids, np.arange(n_tracks, n_tracks + len(new))])
                    n_tracks += len(new)
            per_frame.append((live_ids, live_pts.reshape(-1, 2)))
        tracks = np.full((n_tracks, t, 2), np.nan)
        for k, (ids, pts) in enumerate(per_frame):
            tracks[ids, k] = pts
        return tracks / scale


# --------------------------------------------------------------------------- CoTracker3


class CoTrackerTracker:
    """CoTracker3 (offline model) point tracks on a regular grid, via torch.hub.

    `cache_dir` is used as the torch.hub directory and must hold the hub repo and the weights:
    `facebookresearch_co-tracker_main/hubconf.py` and `checkpoints/scaled_offline.pth`. When
    they are missing and we are offline (`offline=True`, or HF_HUB_OFFLINE=1) the constructor
    raises FileNotFoundError saying how to get them; otherwise torch.hub downloads them on the
    first `track`. Slow on CPU (seconds per video): meant for evaluation on a GPU.
    """

    REPO = "facebookresearch/co-tracker"
    ENTRY = "cotracker3_offline"
    FILES = ("facebookresearch_co-tracker_main/hubconf.py", "checkpoints/scaled_offline.pth")

    def __init__(
        self,
        *,
        cache_dir: str | os.PathLike,
        device: str = "cpu",
        grid_size: int = 20,
        offline: bool | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir).expanduser().resolve()
        self.device = device
        self.grid_size = grid_size
        missing = [f for f in self.FILES if not (self.cache_dir / f).is_file()]
        if missing and downloads_disabled(offline):
            raise FileNotFoundError(
                f"CoTracker3 weights are not in cache_dir {str(self.cache_dir)!r} and downloads are off "
                f"(offline=True, or HF_HUB_OFFLINE=1). Missing: {', '.join(missing)}.\n"
                f"To fill it, on a machine with internet run once: "
                f"`torch.hub.set_dir({str(self.cache_dir)!r}); torch.hub.load({self.REPO!r}, {self.ENTRY!r})` "
                "(it clones the repo into facebookresearch_co-tracker_main/ and saves "
                "https://huggingface.co/facebook/cotracker3/resolve/main/scaled_offline.pth as "
                "checkpoints/scaled_offline.pth), then copy the folder here."
            )
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            import torch

            repo = self.cache_dir / "facebookresearch_co-tracker_main"
            with torch_hub_dir(self.cache_dir):
                if repo.is_dir():
                    model = torch.hub.load(str(repo), self.ENTRY, source="local")
                else:
                    model = torch.hub.load(self.REPO, self.ENTRY)
            self._model = model.to(self.device).eval()
        return self._model

    def track(self, frames: np.ndarray) -> np.ndarray:
        import torch

        model = self._load()
        video = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2)[None].float().to(self.device)
        with torch.inference_mode():
            tracks, visible = model(video, grid_size=self.grid_size)  # (1, T, N, 2), (1, T, N)
        pts = tracks[0].permute(1, 0, 2).cpu().numpy().astype(np.float64)
        vis = visible[0].permute(1, 0).cpu().numpy().astype(bool)
        pts[~vis] = np.nan
        return pts


def temporal_weights(config: "RewardConfig") -> list[WeightSet]:
    """CoTracker3, when the temporal score's backend is `cotracker3` (the embedded `flow` and `lk` need nothing)."""
    if config.backend("temporal", "flow") != "cotracker3":
        return []
    cache_dir = Path(config.model_cache_dir).expanduser()

    def download() -> None:
        CoTrackerTracker(cache_dir=cache_dir, offline=False).track(np.zeros((2, 64, 64, 3), np.uint8))

    missing = tuple(f for f in CoTrackerTracker.FILES if not (cache_dir / f).is_file())
    return [WeightSet("CoTracker3 (offline model)", cache_dir, missing, download)]


# --------------------------------------------------------------------------- the score


@dataclass(frozen=True)
class TrackTemporalConfig:
    """Track-based temporal score settings.

    Tracks:
        crop, min_track_samples, min_travel, jitter_sigmas, max_tracks, motion_fps
    Comparison:
        still_speed, time_sigma_s, still_weight
    """

    crop: CropConfig = field(default_factory=CropConfig)
    """How each video's animated region is found."""
    min_track_samples: int = 3
    """Tracks with fewer velocity samples than this are noise and dropped."""
    min_travel: float = 0.01
    """A track is moving if it gets this far from its start, in frame diagonals (6 px at 512×384)..."""
    jitter_sigmas: float = 4.0
    """...and farther than this many random-walk spreads (jitter per step × √steps, jitter
    from the track's second differences): points seeded on pixel noise wander a few pixels
    without going anywhere, while real motion is smooth from step to step."""
    max_tracks: int = 32
    """Most moving tracks kept per video (longest first, spread over the crop); the cost of
    the pair comparisons grows as its square."""
    motion_fps: float = 10.0
    """Tracks are sampled at this rate before comparison (higher-rate videos are subsampled),
    so videos at different frame rates compare step for step and DTW stays small."""
    still_speed: float = 0.01
    """Below this speed (frame diagonals per second; 6.4 px/s at 512×384) a point counts as still."""
    time_sigma_s: float = 0.5
    """Aligned velocity samples Δt seconds apart keep exp(−½(Δt/σ)²) of their similarity:
    small timing errors cost little, a motion seconds late cannot match."""
    still_weight: float = 1e-3
    """Weight of aligned pairs where neither point moves, relative to 1 for pairs where one does."""


@dataclass(frozen=True)
class Motion:
    """A video's moving tracks as velocity sequences, zero-padded to a common length."""

    velocity: np.ndarray
    """(N, L, 2) velocities in frame diagonals per second."""
    start: np.ndarray
    """(N,) time in seconds of each track's first velocity sample."""
    length: np.ndarray
    """(N,) number of valid samples per track."""
    rate: float
    """Samples per second."""
    origin: np.ndarray | None = None
    """(N, 2) first position of each track in frame diagonals, relative to the crop (positions =
    origin + cumulative displacement); None for motion built from velocities alone."""

    @property
    def n_tracks(self) -> int:
        return int(self.velocity.shape[0])


@dataclass(frozen=True)
class TrackTemporalReference:
    """A reference video prepared once: its crop and moving tracks are reused for every candidate."""

    box: Box
    """The reference's animated region."""
    motion: Motion
    """Its moving tracks."""


class TrackTemporalScorer:
    """Symmetric Chamfer match of DTW-aligned track velocities, in [0, 1]."""

    def __init__(self, config: TrackTemporalConfig | None = None, tracker: PointTracker | None = None) -> None:
        self.config = config or TrackTemporalConfig()
        self.tracker: PointTracker = tracker or LucasKanadeTracker()

    def motion(self, frames: np.ndarray, fps: float, box: Box | None = None) -> tuple[Box, Motion]:
        """Crop a video to its animated region (`box`, computed when not given), track it and keep the moving tracks."""
        frames = np.asarray(frames)
        box = animated_region(frames, self.config.crop) if box is None else box
        tracks = self.tracker.track(crop(frames, box))
        diag = float(np.hypot(frames.shape[1], frames.shape[2]))
        return box, _to_motion(tracks / diag, fps, self.config)

    def prepare_reference(self, frames: np.ndarray, fps: float) -> TrackTemporalReference:
        box, motion = self.motion(frames, fps)
        return TrackTemporalReference(box=box, motion=motion)

    def score(self, reference: TrackTemporalReference, frames: np.ndarray, fps: float, box: Box | None = None) -> float:
        """Temporal score of a candidate video (T, H, W, 3) uint8 at `fps` against a prepared reference.

        `box`: the candidate's animated region when the caller already has it (the appearance
        score finds the same one), else it is computed here.
        """
        _, motion = self.motion(frames, fps, box)
        return compare_motion(reference.motion, motion, self.config)


def compare_motion(a: Motion, b: Motion, config: TrackTemporalConfig | None = None) -> float:
    """Chamfer score of two videos' moving tracks (see the module docstring)."""
    cfg = config or TrackTemporalConfig()
    if a.n_tracks == 0 or b.n_tracks == 0:
        return 1.0 if a.n_tracks == b.n_tracks else 0.0
    sim, cover_a, cover_b = pair_similarity(a, b, cfg)
    # c(a, b) credits b for the share of a's life it accounts for, and c(b, a) the other way.
    a_to_b, b_to_a = sim * cover_a, sim * cover_b
    return float(np.clip(0.5 * (a_to_b.max(axis=1).mean() + b_to_a.max(axis=0).mean()), 0.0, 1.0))


def pair_similarity(
    a: Motion, b: Motion, config: TrackTemporalConfig | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Similarity of every pair of tracks over the time both exist, and how much of each that is.

    Returns three (N_a, N_b) arrays: 1 − weighted, normalised DTW cost of the two velocity
    sequences cut to their common lifetime (0 when it is shorter than `min_track_samples`),
    and the fraction of a's and of b's samples in that common lifetime. Comparing over the
    common lifetime only lets a fragment of a track (a point lost and re-seeded, which noise
    causes) match the part of the full track it covers, instead of failing against all of it.
    """
    cfg = config or TrackTemporalConfig()
    f32 = np.float32
    na, nb = a.n_tracks, b.n_tracks
    # Common lifetime of every pair, in seconds, then as sample ranges [i0, i1) of a and [j0, j1) of b.
    a0, b0 = a.start[:, None], b.start[None, :]
    a1, b1 = a0 + a.length[:, None] / a.rate, b0 + b.length[None, :] / b.rate
    lo, hi = np.maximum(a0, b0), np.minimum(a1, b1)
    i0, i1 = np.round((lo - a0) * a.rate).astype(int), np.round((hi - a0) * a.rate).astype(int)
    j0, j1 = np.round((lo - b0) * b.rate).astype(int), np.round((hi - b0) * b.rate).astype(int)
    overlap = (np.minimum(i1 - i0, j1 - j0) >= cfg.min_track_samples) & (hi > lo)
    i1, j1 = np.maximum(i1, i0 + 1), np.maximum(j1, j0 + 1)
    la, lb = int((i1 - i0).max()), int((j1 - j0).max())

    # Each pair's windows gathered so that they start at (0, 0), laid out (L_a, L_b, N_a, N_b)
    # in float32: the layout DTW runs in, with long contiguous inner loops over pairs.
    ia = np.minimum(i0[None] + np.arange(la)[:, None, None], a.velocity.shape[1] - 1)  # (la, Na, Nb)
    jb = np.minimum(j0[None] + np.arange(lb)[:, None, None], b.velocity.shape[1] - 1)  # (lb, Na, Nb)
    va = a.velocity.astype(f32)[np.arange(na)[None, :, None], ia][:, None]  # (la, 1, Na, Nb, 2)
    vb = b.velocity.astype(f32)[np.arange(nb)[None, None, :], jb][None]  # (1, lb, Na, Nb, 2)
    dot = va[..., 0] * vb[..., 0] + va[..., 1] * vb[..., 1]
    sq_a, sq_b = (va**2).sum(-1), (vb**2).sum(-1)
    move_a = (sq_a > f32(cfg.still_speed**2)).astype(f32)
    move_b = (sq_b > f32(cfg.still_speed**2)).astype(f32)
    # cos(va, vb) · min(|va|, |vb|) / max(|va|, |vb|) = va·vb / max(|va|, |vb|)², where both move;
    # 1 where neither moves, 0 where one does: sim = moving·both + neither.
    sim = np.maximum(dot, 0)
    sim /= np.maximum(np.maximum(sq_a, sq_b), f32(1e-12))
    sim *= move_a * move_b
    neither = (1 - move_a) * (1 - move_b)
    sim += neither
    ta = (a.start[None, :, None] + ia / a.rate).astype(f32)[:, None]
    tb = (b.start[None, None, :] + jb / b.rate).astype(f32)[None]
    dt = ta - tb
    dt *= dt
    dt *= f32(-0.5 / cfg.time_sigma_s**2)
    sim *= np.exp(dt, out=dt)
    weight = 1 - neither * f32(1 - cfg.still_weight)
    cost = np.subtract(1, sim, out=sim)
    cost *= weight
    ends = np.stack([i1 - i0 - 1, j1 - j0 - 1], axis=-1)
    res = dtw(cost, weights=weight, ends=ends, batch_last=True)
    similarity = np.where(overlap, 1.0 - res.normalized.astype(np.float64), 0.0)
    cover_a = np.where(overlap, (i1 - i0) / a.length[:, None], 0.0)
    cover_b = np.where(overlap, (j1 - j0) / b.length[None, :], 0.0)
    return similarity, cover_a, cover_b


def _to_motion(tracks: np.ndarray, fps: float, cfg: TrackTemporalConfig) -> Motion:
    """Subsample tracks (N, T, 2) to `motion_fps`, keep moving ones, turn positions into velocities."""
    step = max(1, int(round(fps / cfg.motion_fps)))
    pos = tracks[:, ::step]
    rate = fps / step
    empty = Motion(velocity=np.zeros((0, 1, 2)), start=np.zeros(0), length=np.zeros(0, np.int64), rate=rate,
                   origin=np.zeros((0, 2)))
    if len(pos) == 0:
        return empty
    # Cheap vectorised pre-filter (most tracks are short or still), then per-track checks.
    valid = ~np.isnan(pos[..., 0])
    first = np.argmax(valid, axis=1)
    start_xy = pos[np.arange(len(pos)), first]
    with np.errstate(invalid="ignore"):
        travel = np.nanmax(np.linalg.norm(pos - start_xy[:, None], axis=2), axis=1, initial=0.0)
    keep = np.flatnonzero((valid.sum(axis=1) >= cfg.min_track_samples + 1) & (travel >= cfg.min_travel))
    vel_list, start_list, where = [], [], []
    for n in keep:
        idx = np.flatnonzero(valid[n])
        seg = pos[n, idx[0] : idx[-1] + 1].copy()
        # Gaps (a point briefly lost by CoTracker) are bridged linearly; LK tracks have none.
        gaps = np.isnan(seg[:, 0])
        if gaps.any():
            at = np.arange(len(seg))
            for d in range(2):
                seg[:, d] = np.interp(at, at[~gaps], seg[~gaps, d])
        steps = np.diff(seg, axis=0)
        # Per-axis step noise from second differences (√2 × step noise for a random walk),
        # robustly: the median ignores the few real accelerations of a smooth motion.
        jitter = 1.4826 * np.median(np.abs(np.diff(steps, axis=0))) / np.sqrt(2.0) if len(steps) > 2 else 0.0
        if travel[n] < cfg.jitter_sigmas * jitter * np.sqrt(len(steps)):
            continue
        vel_list.append(steps * rate)
        start_list.append(idx[0] / rate)
        where.append(seg[0])
    if not vel_list:
        return empty
    order = _spread_out(np.array(where), np.array([len(v) for v in vel_list]), cfg.max_tracks)
    length = np.array([len(vel_list[i]) for i in order], np.int64)
    velocity = np.zeros((len(order), int(length.max()), 2))
    for row, i in enumerate(order):
        velocity[row, : length[row]] = vel_list[i]
    return Motion(velocity=velocity, start=np.array([start_list[i] for i in order]), length=length, rate=rate,
                  origin=np.array([where[i] for i in order]))


def _spread_out(xy: np.ndarray, length: np.ndarray, k: int, cells: int = 4) -> list[int]:
    """Up to `k` track indices, longest first but taken in turn from a cells×cells grid over the
    start positions, so that one big textured element cannot take every slot."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    cell = np.floor((xy - lo) / np.maximum(hi - lo, 1e-9) * (cells - 1e-6)).astype(int)
    cell_id = cell[:, 0] * cells + cell[:, 1]
    by_length = np.argsort(-length, kind="stable")
    rank = np.empty(len(xy), int)
    for c in np.unique(cell_id):
        members = by_length[cell_id[by_length] == c]
        rank[members] = np.arange(len(members))
    return sorted(range(len(xy)), key=lambda i: (rank[i], -length[i], i))[:k]


def track_polylines(motion: Motion, box: Box, frame_shape: tuple[int, int], limit: int = 16) -> list[dict[str, Any]]:
    """Up to `limit` moving tracks, each `{"start_s", "points"}`: [x, y] in frame pixels, one point per
    `motion.rate` sample from `start_s` on (what widgets draw)."""
    if motion.origin is None or motion.n_tracks == 0:
        return []
    diag = float(np.hypot(*frame_shape))
    lines = []
    for n in range(min(limit, motion.n_tracks)):
        steps = motion.velocity[n, : motion.length[n]] / motion.rate
        xy = np.vstack([motion.origin[n], motion.origin[n] + np.cumsum(steps, axis=0)]) * diag
        xy += (box[2], box[0])
        lines.append({"start_s": round(float(motion.start[n]), 4), "points": np.round(xy, 1).tolist()})
    return lines
