"""Video I/O: decode videos and frame folders into RGB arrays, retime them, encode them back.

(Over 400 lines: reading, retiming, clipping, trimming and writing share the `Video` type and its timeline rules; split, each half would re-import the other.)

Everything goes through PyAV (or Pillow for still images and GIF writing); torchvision.io is not
used because its decoders do not load under the CPU torch build this project runs on.

Conventions, relied on by rewards and the env:

* ``Video.frames`` is uint8 RGB, shape (T, H, W, 3); ``Video.timestamps`` are float64 seconds.
* ``read_video`` rebases timestamps so the first decoded frame is at 0.0 (containers often start
  at a non-zero pts, which would otherwise leak into every comparison).
* Frame i is shown on [timestamps[i], timestamps[i+1]); the last frame lasts 1/fps, so
  ``duration = timestamps[-1] - timestamps[0] + 1/fps``.
* Retiming picks, for each target time t, the last frame whose timestamp is <= t ("sample and
  hold"), i.e. the frame a viewer would see at t. It never interpolates, so every output frame is
  a real source frame, bit for bit.
"""

from __future__ import annotations

import glob as globlib
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple, Sequence

import av
import av.error
import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

__all__ = [
    "FLAT_LEVELS",
    "IMAGE_EXTENSIONS",
    "Video",
    "VideoError",
    "clip",
    "clip_length",
    "clip_sample",
    "evenly_spaced",
    "read_video",
    "resample",
    "resampled_indices",
    "subsample",
    "trim_lead_in",
    "write_video",
]

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp"})
DEFAULT_SEQUENCE_FPS = 30.0
FLAT_LEVELS = 8
"""A frame is flat when no RGB channel spans this many levels over its pixels. H.264 yuv420p leaves a
uniform frame within a level or two; anything drawn to be seen stands further from its background."""

# Timestamps that differ by less than this are treated as equal: k/fps computed in floating point
# lands a hair before the frame time it should hit (e.g. 3 * (1/30) < 0.1).
_TIME_EPS = 1e-6

_GLOB_CHARS = re.compile(r"[*?\[]")


class VideoError(ValueError):
    """A video or frame file is missing, corrupt, unreadable, or cannot be written."""


@dataclass(frozen=True)
class Video:
    """Decoded frames with their presentation times."""

    frames: np.ndarray
    """uint8 RGB frames, shape (T, H, W, 3)."""
    timestamps: np.ndarray
    """float64 presentation time of each frame in seconds, shape (T,), non-decreasing."""
    fps: float
    """Nominal frame rate; for variable-rate sources (GIF) the average rate."""
    lead_in_frames: int = 0
    """Frames of a lead-in (blank pre-paint frames, a loading frame) dropped from the start of the recording
    (`trim_lead_in`); 0 when none were."""
    lead_in_s: float = 0.0
    """Seconds of the recording those frames covered: where its first kept frame was, now t = 0."""

    def __post_init__(self) -> None:
        if self.frames.dtype != np.uint8 or self.frames.ndim != 4 or self.frames.shape[-1] != 3:
            raise ValueError(f"frames must be uint8 (T,H,W,3), got {self.frames.dtype} {self.frames.shape}")
        if self.timestamps.shape != (self.frames.shape[0],):
            raise ValueError(f"timestamps shape {self.timestamps.shape} does not match {self.frames.shape[0]} frames")
        if not self.fps > 0:
            raise ValueError(f"fps must be positive, got {self.fps}")

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.frames.shape[2]), int(self.frames.shape[1])

    @property
    def duration(self) -> float:
        """Seconds covered: first frame's start to the end of the last frame (1/fps long)."""
        if len(self) == 0:
            return 0.0
        return float(self.timestamps[-1] - self.timestamps[0]) + 1.0 / self.fps


# --------------------------------------------------------------------------------------------
# Reading


def read_video(path: str | Path, fps: float = DEFAULT_SEQUENCE_FPS) -> Video:
    """Read a video file (mp4, webm, gif, anything FFmpeg demuxes), a ``.npz`` written by
    ``write_video``, a single image, a folder of images, or a glob of images.

    ``fps`` is used only for image sequences, whose files carry no timing. Folder and glob frames
    are ordered by natural sort (``frame_2`` before ``frame_10``).
    Raises ``VideoError`` naming the offending file on any missing, corrupt or empty input.
    """
    text = str(path)
    p = Path(path)
    if p.is_dir():
        files = [f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS]
        if not files:
            raise VideoError(f"{p}: folder has no image frames ({', '.join(sorted(IMAGE_EXTENSIONS))})")
        return _read_image_sequence(sorted(files, key=_natural_key), fps)
    if not p.exists() and _GLOB_CHARS.search(text):
        files = [Path(f) for f in globlib.glob(text) if Path(f).suffix.lower() in IMAGE_EXTENSIONS]
        if not files:
            raise VideoError(f"{text}: glob matched no image files")
        return _read_image_sequence(sorted(files, key=_natural_key), fps)
    if not p.exists():
        raise VideoError(f"{p}: no such file or folder")
    if not p.is_file():
        raise VideoError(f"{p}: not a regular file")
    suffix = p.suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return _read_image_sequence([p], fps)
    if suffix == ".npz":
        return _read_npz(p)
    return _read_av(p)


def _natural_key(path: Path) -> list[object]:
    return [int(tok) if tok.isdigit() else tok.lower() for tok in re.split(r"(\d+)", path.name)]


def _read_image_sequence(files: Sequence[Path], fps: float) -> Video:
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    frames: list[np.ndarray] = []
    for f in files:
        try:
            with Image.open(f) as im:
                arr = np.asarray(im.convert("RGB"))
        except (OSError, UnidentifiedImageError, SyntaxError) as e:
            raise VideoError(f"{f}: cannot read image: {e}") from e
        if frames and arr.shape != frames[0].shape:
            raise VideoError(
                f"{f}: frame size {arr.shape[1]}x{arr.shape[0]} differs from "
                f"{frames[0].shape[1]}x{frames[0].shape[0]} of {files[0]}"
            )
        frames.append(arr)
    timestamps = np.arange(len(frames), dtype=np.float64) / fps
    return Video(np.stack(frames), timestamps, float(fps))


def _read_npz(path: Path) -> Video:
    try:
        with np.load(path, allow_pickle=False) as data:
            frames = np.asarray(data["frames"])
            timestamps = np.asarray(data["timestamps"], dtype=np.float64)
            fps = float(data["fps"]) if "fps" in data else _rate_from_timestamps(timestamps)
    except (OSError, ValueError, KeyError) as e:
        raise VideoError(f"{path}: cannot read frames archive: {e}") from e
    try:
        return Video(frames, timestamps, fps)
    except ValueError as e:
        raise VideoError(f"{path}: {e}") from e


def _read_av(path: Path) -> Video:
    frames: list[np.ndarray] = []
    times: list[float | None] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoError(f"{path}: no video stream")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            rate = stream.average_rate or stream.guessed_rate
            for frame in container.decode(stream):
                frames.append(frame.to_ndarray(format="rgb24"))
                times.append(frame.time)
    except VideoError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as e:
        # FFmpeg reports corrupt data as e.g. "Invalid data found when processing input" without
        # the file name when it fails inside decode; always prefix it.
        raise VideoError(f"{path}: cannot decode video: {e}") from e
    if not frames:
        raise VideoError(f"{path}: video stream has no decodable frames")

    fps = float(rate) if rate else 0.0
    if any(t is None for t in times):
        # No pts at all (raw streams): fall back to a constant rate.
        fps = fps or DEFAULT_SEQUENCE_FPS
        timestamps = np.arange(len(frames), dtype=np.float64) / fps
    else:
        timestamps = np.asarray(times, dtype=np.float64)
        timestamps -= timestamps[0]
        fps = fps or _rate_from_timestamps(timestamps)
    if np.any(np.diff(timestamps) < 0):
        # Only broken muxes reach here (decoders output in presentation order); keep the data
        # usable rather than failing, since the frames themselves decoded fine.
        order = np.argsort(timestamps, kind="stable")
        frames = [frames[i] for i in order]
        timestamps = timestamps[order]
    return Video(np.stack(frames), timestamps, fps)


def trim_lead_in(video: Video, levels: int = FLAT_LEVELS) -> Video:
    """The video without its lead-in, timestamps rebased so its first kept frame is at 0; the same video
    when it has none.

    The lead-in is what a recorder started at navigation captures before the page is the page a renderer
    shows at t = 0 (after its load):

    * the run of leading frames that together are one flat colour (every channel within `levels` over
      all their pixels): the blank page before the first paint. It is dropped only when some later frame
      is not flat, so a video of flat colours throughout (a blank reference, a fading background) is
      kept whole;
    * then one *loading frame* (`_is_loading_frame`): a first painted frame from which the page jumps,
      in some region, by far more than that region ever changes again (a script or stylesheet applied
      after the first paint, a panel a script appends).
    """
    count = _flat_run(video.frames, levels)
    if count == len(video.frames) or all(_flat(frame, levels) for frame in video.frames[count:]):
        return video
    count += _is_loading_frame(video.frames[count:])
    if count == 0:
        return video
    start = float(video.timestamps[count])
    return Video(video.frames[count:], video.timestamps[count:] - start, video.fps, lead_in_frames=count,
                 lead_in_s=start - float(video.timestamps[0]))


LOADING_GRID = 8
"""The loading-frame test compares regions: cells of an 8×8 grid over the frame."""
LOADING_LEVELS = 10.0
"""A loading frame's jump is at least this mean change (grey levels of 255) in a cell."""
LOADING_RATIO = 6.0
"""…and this many times the largest change that cell shows later. On 39 real-time recordings of npm
libraries' pages (benchmarks/recorded_fidelity.py) the four pages that change after their first paint
(vivus drawing an SVG's strokes hidden, stats.js appending its panel, Motion setting its start state)
jump 8.7–22× in their first frame; of the 35 others none does more than 3.7× (a confetti burst)."""


def _is_loading_frame(frames: np.ndarray) -> bool:
    """Whether frame 0 is the page still loading: some cell changes from frame 0 to 1 by at least
    `LOADING_LEVELS` and by `LOADING_RATIO`× any later change of that cell. Only frame 0 is tested: a
    change at the start that the rest of the video never repeats is the page's load, which a render's
    t = 0 has finished; a one-frame flash at the start of an animation is indistinguishable from it and
    costs one frame's shift when dropped."""
    if len(frames) < 4:
        return False
    grid = (LOADING_GRID, LOADING_GRID)
    grey = [cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) for frame in frames]
    changes = np.stack([cv2.resize(cv2.absdiff(a, b).astype(np.float32), grid, interpolation=cv2.INTER_AREA)
                        for a, b in zip(grey, grey[1:])])
    first, later = changes[0], changes[1:].max(axis=0)
    return bool(np.any((first >= LOADING_LEVELS) & (first >= LOADING_RATIO * np.maximum(later, 1.0))))


def _flat(frame: np.ndarray, levels: int) -> bool:
    return int((frame.max(axis=(0, 1)).astype(np.int16) - frame.min(axis=(0, 1))).max()) < levels


def _flat_run(frames: np.ndarray, levels: int) -> int:
    """How many leading frames are together one flat colour."""
    low, high = np.full(3, 255, np.int16), np.zeros(3, np.int16)
    for i, frame in enumerate(frames):
        low, high = np.minimum(low, frame.min(axis=(0, 1))), np.maximum(high, frame.max(axis=(0, 1)))
        if int((high - low).max()) >= levels:
            return i
    return len(frames)


def _rate_from_timestamps(timestamps: np.ndarray) -> float:
    steps = np.diff(timestamps)
    steps = steps[steps > 0]
    return float(1.0 / np.median(steps)) if steps.size else DEFAULT_SEQUENCE_FPS


# --------------------------------------------------------------------------------------------
# Retiming


def _hold_indices(timestamps: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Index of the last frame with timestamp <= each target (frame 0 for targets before it)."""
    idx = np.searchsorted(timestamps, targets + _TIME_EPS, side="right") - 1
    return np.clip(idx, 0, len(timestamps) - 1)


def resample(video: Video, fps: float) -> Video:
    """Retime to a constant ``fps`` over the video's duration.

    Output frame k is at ``t0 + k/fps`` (t0 = first source timestamp) for every k with
    ``k/fps < duration``, and shows the last source frame whose timestamp is <= that time.
    So 3 s at 30 fps -> 10 fps keeps frames 0, 3, 6, ... (30 frames); -> 60 fps shows each frame
    twice (180 frames).
    """
    targets = _resample_targets(video, fps)
    if len(video) == 0:
        return Video(video.frames, video.timestamps, float(fps))
    return Video(video.frames[_hold_indices(video.timestamps, targets)], targets, float(fps))


def resampled_indices(video: Video, fps: float) -> np.ndarray:
    """Index of the frame of `video` that each frame of `resample(video, fps)` shows."""
    targets = _resample_targets(video, fps)
    return _hold_indices(video.timestamps, targets) if len(video) else np.zeros(0, dtype=int)


def _resample_targets(video: Video, fps: float) -> np.ndarray:
    """The times of `resample(video, fps)`'s frames (none for an empty video)."""
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if len(video) == 0:
        return np.zeros(0, dtype=np.float64)
    count = max(int(np.floor(video.duration * fps + _TIME_EPS)), 1)
    # k/fps (not k * (1/fps)) keeps targets exact for integer-ish rates.
    return float(video.timestamps[0]) + np.arange(count, dtype=np.float64) / fps


def evenly_spaced(count: int, most: int) -> np.ndarray:
    """Indices of at most `most` of `count` items, evenly spaced, the first and the last included."""
    if count <= 0 or most <= 0:
        return np.zeros(0, dtype=int)
    return np.unique(np.linspace(0, count - 1, min(most, count)).round().astype(int))


def subsample(video: Video, max_frames: int) -> Video:
    """At most `max_frames` of the video's frames, evenly spaced (with their own timestamps)."""
    keep = evenly_spaced(len(video), max_frames)
    return Video(video.frames[keep], video.timestamps[keep], video.fps)


class Size(NamedTuple):
    """A frame size in pixels, width first: OpenCV's, CSS's and every v2c config's order (arrays are (T, H, W, 3))."""

    width: int
    height: int


def resize_frames(frames: np.ndarray, size: Size | tuple[int, int]) -> np.ndarray:
    """Frames (T, H, W, C) at `size` (width, height): area-averaged when shrinking (no aliasing), bilinear when
    enlarging. The one resize of the package: observations, recordings matched to a render's pixels, score crops."""
    width, height = size
    if frames.shape[1:3] == (height, width):
        return frames
    out = np.empty((len(frames), height, width, *(frames.shape[3:] or (3,))), dtype=frames.dtype)
    for k, frame in enumerate(frames):
        shrink = frame.shape[0] > height or frame.shape[1] > width
        out[k] = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    return out


def clip_length(video: Video, start: float, end: float, fps: float | None = None) -> int:
    """How many frames ``clip(video, start, end, fps)`` has, without gathering any: with ``fps``
    this is arithmetic, so a request for a range of 1e12 s at 1e6 fps costs nothing to measure."""
    if end < start:
        raise ValueError(f"clip end {end} is before start {start}")
    if fps is None:
        ts = video.timestamps
        return int(np.count_nonzero((ts >= start - _TIME_EPS) & (ts <= end + _TIME_EPS)))
    if not 0 < fps < np.inf:
        raise ValueError(f"fps must be positive and finite, got {fps}")
    if len(video) == 0:
        return 0
    video_end = float(video.timestamps[0]) + video.duration
    stop = min(end + _TIME_EPS, video_end - _TIME_EPS)
    return int(np.floor((stop - start) * fps)) + 1 if stop >= start else 0


def clip_sample(video: Video, ranges: Sequence[tuple[float, float]], fps: float, most: int) -> tuple[Video, int]:
    """At most `most` frames evenly spaced over the clips of `ranges` at `fps` laid end to end, and how many
    frames those clips hold. Only the picked frames are gathered, and the count is arithmetic
    (`clip_length`), so the cost follows `most` and the number of ranges, not their lengths."""
    lengths = np.array([clip_length(video, start, end, fps) for start, end in ranges], dtype=np.int64)
    total = int(lengths.sum())
    keep = evenly_spaced(total, most)
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    which = np.searchsorted(bounds, keep, side="right") - 1
    starts = np.array([start for start, _ in ranges], dtype=np.float64)
    times = starts[which] + (keep - bounds[which]) / fps if len(keep) else np.zeros(0)
    frames = video.frames[_hold_indices(video.timestamps, times)] if len(keep) else video.frames[:0]
    return Video(frames, times, float(fps)), total


def clip(video: Video, start: float, end: float, fps: float | None = None, max_frames: int | None = None) -> Video:
    """Frames in the closed time range [start, end] (seconds, on the video's own timeline).

    Without ``fps``: the source frames whose timestamps lie in [start, end], at the source rate.
    With ``fps``: targets ``start + k/fps`` up to ``end`` (inclusive) and before the video ends,
    each showing the last source frame at or before it, as in ``resample``.
    ``max_frames``: only the first that many, and only they are gathered (the cost follows the
    answer's size, not the range's).
    Timestamps keep the source timeline (a clip of [1, 2] starts at 1.0), so clips can be matched
    back to the source; subtract ``clip.timestamps[0]`` to rebase.
    """
    count = clip_length(video, start, end, fps)
    if max_frames is not None:
        count = max(0, min(count, max_frames))
    if fps is None:
        ts = video.timestamps
        keep = np.flatnonzero((ts >= start - _TIME_EPS) & (ts <= end + _TIME_EPS))[:count]
        return Video(video.frames[keep], ts[keep], video.fps)
    if len(video) == 0:
        return Video(video.frames, video.timestamps, float(fps))
    targets = start + np.arange(count, dtype=np.float64) / fps
    idx = _hold_indices(video.timestamps, targets)
    return Video(video.frames[idx], targets, float(fps))


# --------------------------------------------------------------------------------------------
# Writing


def write_video(
    path: str | Path,
    frames: np.ndarray | Sequence[np.ndarray],
    fps: float,
    lossless: bool = False,
) -> Path:
    """Encode RGB uint8 frames (T, H, W, 3) to ``path``; the format follows the suffix.

    * ``.mp4``: H.264. Default is yuv420p crf 18 with faststart, which browsers play (reports);
      yuv420p needs even sizes, so odd frames are padded by repeating the last row/column and read
      back one pixel larger. ``lossless=True`` uses libx264rgb crf 0 (rgb24, no padding), which
      reads back bit-exact but few browsers play: use it for reference frames. Lossy bitstreams
      are not reproducible byte for byte: this libx264 build gave run-to-run differences (a few
      levels per pixel) in about half of fresh processes, so never compare or cache by lossy
      bytes.
    * ``.webm``: VP9 yuv420p (lossy; padded like mp4). ``lossless`` is rejected.
    * ``.gif``: Pillow, per-frame palette; lossy colours, frame delays rounded to 10 ms.
    * ``.npz``: ``frames``, ``timestamps``, ``fps`` arrays (exact, compressed).

    Returns the path written. Parent folders are created.
    """
    out = Path(path)
    array = _as_frames(frames)
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".npz":
        timestamps = np.arange(len(array), dtype=np.float64) / fps
        np.savez_compressed(out, frames=array, timestamps=timestamps, fps=np.float64(fps))
    elif suffix == ".gif":
        _write_gif(out, array, fps)
    elif suffix == ".mp4":
        if lossless:
            _write_av(out, array, fps, "libx264rgb", "rgb24", {"crf": "0", "preset": "veryfast"})
        else:
            options = {"crf": "18", "preset": "medium", "profile": "high"}
            _write_av(out, _pad_even(array), fps, "libx264", "yuv420p", options, {"movflags": "+faststart"})
    elif suffix == ".webm":
        if lossless:
            raise VideoError(f"{out}: lossless output is only supported for .mp4 and .npz")
        options = {"crf": "32", "b": "0", "deadline": "good", "cpu-used": "4", "row-mt": "1"}
        _write_av(out, _pad_even(array), fps, "libvpx-vp9", "yuv420p", options)
    else:
        raise VideoError(f"{out}: unsupported output format {suffix!r} (use .mp4, .webm, .gif or .npz)")
    return out


def _as_frames(frames: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    array = frames if isinstance(frames, np.ndarray) else np.stack(list(frames))
    if array.dtype != np.uint8 or array.ndim != 4 or array.shape[-1] != 3 or array.shape[0] == 0:
        raise ValueError(f"frames must be non-empty uint8 (T,H,W,3), got {array.dtype} {array.shape}")
    return np.ascontiguousarray(array)


def _pad_even(frames: np.ndarray) -> np.ndarray:
    _, h, w, _ = frames.shape
    pad_h, pad_w = h % 2, w % 2
    if not (pad_h or pad_w):
        return frames
    # Edge replication, not black: a black seam would show up as an artefact in reports.
    return np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")


def _fps_fraction(fps: float) -> Fraction:
    # 29.97 must become 30000/1001, not a 50-digit binary fraction the muxer would reject.
    return Fraction(fps).limit_denominator(1001)


def _write_av(
    out: Path,
    frames: np.ndarray,
    fps: float,
    codec: str,
    pix_fmt: str,
    options: dict[str, str],
    container_options: dict[str, str] | None = None,
) -> None:
    rate = _fps_fraction(fps)
    try:
        with av.open(str(out), mode="w", options=container_options or {}) as container:
            stream = container.add_stream(codec, rate=rate, options=options)
            stream.width = int(frames.shape[2])
            stream.height = int(frames.shape[1])
            stream.pix_fmt = pix_fmt
            # Frame pts count frames. Keep this time base in a local: the muxer replaces
            # stream.time_base (mp4: 1/15360) once the header is written.
            time_base = 1 / rate
            for i, rgb in enumerate(frames):
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts = i
                frame.time_base = time_base
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
    except (av.error.FFmpegError, OSError) as e:
        raise VideoError(f"{out}: cannot encode with {codec}: {e}") from e


def _write_gif(out: Path, frames: np.ndarray, fps: float) -> None:
    images = [Image.fromarray(f) for f in frames]
    delay_ms = max(10, int(round(100.0 / fps)) * 10)  # GIF delays are whole centiseconds
    try:
        images[0].save(out, save_all=True, append_images=images[1:], duration=delay_ms, loop=0, disposal=1)
    except OSError as e:
        raise VideoError(f"{out}: cannot write GIF: {e}") from e
