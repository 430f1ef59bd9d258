"""A reference and its source video: the one path from "what a candidate is compared with" to frames.

A `Reference` is a page to render or a recorded video, with the settings both are compared at. Its
*source video* (`source_video`) is what every consumer sees of it at its own rate — the recording, or
the page rendered at the reference's fps with its interaction script — and what `RewardScorer`
prepares from (`reference_source`: with whether the page's frames depend on its randomness; resampled to
the comparison rate), what an episode cuts clips from and what a training row's prompt frames come from.
A rendered source is kept on disk (`ReferenceCache`), keyed by what determines its pixels, so every process
that prepares a reference — a local scorer, a Ray actor, the dataset builder — renders it once per machine,
and the local and Ray backends prepare the same frames.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from v2c.render import Interaction, Page, RenderBackend, RenderConfig, RenderResult
from v2c.video import Video, VideoError, read_video, write_video

log = logging.getLogger("v2c.rewards")

CACHE_VERSION = 5
"""Bumped when the renderer changes what pixels a page gives, or what an entry holds; old entries are then never
looked up.
2: pages are served as UTF-8 with `charset=utf-8`, so non-ASCII text without `<meta charset>` is no
longer decoded as windows-1252. 3: rAF at a 60 Hz virtual display, seeded randomness, shadow-root and
iframe animations and `document.timeline` on the virtual clock. 4: animated images show the frame due at
each capture's own time, from the first capture interval on (`_RenderRun._start_ticks`). 5: whether the page's
frames depend on its randomness is kept beside them (`ReferenceSource.depends_on_seed`)."""


@dataclass(frozen=True)
class Reference:
    """What a candidate is compared with: a page to render, or a recorded video (page-less)."""

    page: Page | None = None
    """The reference's source page, when known."""
    video: Video | None = None
    """A recorded reference; it wins over `page` for appearance and motion (as Animation2Code's mp4s do)."""
    interactions: tuple[Interaction, ...] = ()
    """The user's actions, replayed on the candidate for the functional score."""
    duration_s: float = 3.0
    """Seconds compared; for a video, its duration."""
    fps: float = 10.0
    """Frames per second of the source video (a page is rendered at it); candidates are compared at this
    rate, at most `RewardConfig.score_fps`."""
    viewport: tuple[int, int] = (512, 384)
    """Width × height in CSS pixels; for a video, its frame size."""

    def __post_init__(self) -> None:
        if self.page is None and self.video is None:
            raise ValueError("a Reference needs a page or a video")

    @functools.cached_property
    def _key(self) -> str:
        digest = hashlib.sha256()
        if self.page is not None:
            digest.update(b"page" + self.page.content_hash().encode())
        if self.video is not None:
            digest.update(b"video" + hashlib.sha256(np.ascontiguousarray(self.video.frames).tobytes()).digest())
            digest.update(str(self.video.fps).encode())
        digest.update(json.dumps([[s.to_dict() for s in self.interactions], self.duration_s, self.fps,
                                  list(self.viewport)], sort_keys=True, default=str).encode())
        return digest.hexdigest()

    def key(self) -> str:
        """Hash of the content: what a prepared reference is memoised and routed by. Computed once per object
        (a recorded reference's hashes every frame: 350 MB at Animation2Code's setting)."""
        return self._key


class ReferenceRenderError(RuntimeError):
    """A reference page did not render; the message says what went wrong."""


def default_cache_dir() -> Path:
    """`$V2C_CACHE_DIR/references`, else `~/.cache/v2c/references`."""
    root = os.environ.get("V2C_CACHE_DIR")
    return (Path(root) if root else Path.home() / ".cache" / "v2c") / "references"


class ReferenceSource(NamedTuple):
    """A reference's source video and what its render said about it."""

    video: Video
    """The source video at the reference's own fps."""
    depends_on_seed: bool | None
    """Whether the page's frames change with its seeded randomness (`frames_depend_on_seed`); None for a recording
    (whose page, if it has one, is rendered when it is aligned to it)."""


class Alignment(NamedTuple):
    """How a recording aligned to its source page is compared, decided once (`RewardScorer`)."""

    start_s: float
    """Virtual time candidates start at (`PreparedReference.start_s`)."""
    shown: tuple[int, ...] | None
    """The frames the recording held (`PreparedReference.shown`)."""
    depends_on_seed: bool
    """Whether the source page's frames change with its seeded randomness (`ReferenceClip.depends_on_seed`)."""


@dataclass
class ReferenceCache:
    """Rendered source videos on disk, one lossless `.npz` per key with a `.source.json` beside it (whether its frames
    depend on the page's randomness); and how recordings aligned to their source page are compared (`get_alignment`:
    where candidates start, which frames the recording held, whether the page's frames depend on its randomness),
    one small `.start.json` per key."""

    root: Path | None = None
    """Folder of the entries; None: `default_cache_dir()`."""

    def __post_init__(self) -> None:
        self.root = Path(self.root) if self.root is not None else default_cache_dir()

    @staticmethod
    def key(reference: Reference, pixel_recipe: str = "png") -> str:
        """Hash of everything the rendered frames depend on: the page's content, duration, fps, viewport,
        script, and the renderer's `RenderConfig.pixel_recipe(viewport)` (raster, frame format, display
        rate, seed) — an edited page, another fps or JPEG frames are a new entry, so nothing is ever stale."""
        if reference.page is None:
            raise ValueError("a reference without a page has nothing to render")
        recipe = [CACHE_VERSION, reference.page.content_hash(), reference.duration_s, reference.fps,
                  list(reference.viewport), [s.to_dict() for s in reference.interactions]]
        if pixel_recipe != "png":  # png keys stay as they were before JPEG frames existed
            recipe.append(pixel_recipe)
        return hashlib.sha256(json.dumps(recipe, sort_keys=True, default=str).encode()).hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def source_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.source.json"

    def get(self, key: str) -> ReferenceSource | None:
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            seeded = json.loads(self.source_path(key).read_text())["depends_on_seed"]
            if not isinstance(seeded, bool):
                raise ValueError(f"depends_on_seed is {seeded!r}")
            return ReferenceSource(read_video(path), seeded)
        except (OSError, ValueError, KeyError, TypeError, VideoError) as error:
            # a torn write or a disk error: drop it and render again
            log.warning("reference cache entry %s is unreadable (%s); rendering again", path, error)
            path.unlink(missing_ok=True)
            return None

    def start_path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.start.json"

    def get_alignment(self, key: str) -> Alignment | None:
        """How a recording's candidates were found to be compared (`RewardScorer`, `RewardConfig.align_recording`);
        None when not aligned before."""
        try:
            entry = json.loads(self.start_path(key).read_text())
            shown = None if entry["shown"] is None else tuple(int(i) for i in entry["shown"])
            if shown is not None and not all(0 <= i <= k for k, i in enumerate(shown)):
                return None  # not a decision this code wrote: decide again
            seeded = entry["depends_on_seed"]
            if not isinstance(seeded, bool):
                return None
            return Alignment(float(entry["start_s"]), shown, seeded)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put_alignment(self, key: str, alignment: Alignment) -> None:
        path = self.start_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json")
        with os.fdopen(handle, "w") as out:
            json.dump({"start_s": float(alignment.start_s),
                       "shown": None if alignment.shown is None else list(alignment.shown),
                       "depends_on_seed": bool(alignment.depends_on_seed)}, out)
        os.replace(tmp, path)

    def put(self, key: str, source: ReferenceSource) -> Path:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the entry and rename: readers never see half a file, racing writers both succeed. The frames
        # come last: a reader that finds them finds what is known of them.
        handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".json")
        with os.fdopen(handle, "w") as out:
            json.dump({"depends_on_seed": bool(source.depends_on_seed)}, out)
        os.replace(tmp, self.source_path(key))
        handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        os.close(handle)
        try:
            write_video(tmp, source.video.frames, source.video.fps)
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return path


def pixel_recipe(renderer: RenderBackend, viewport: tuple[int, int]) -> str:
    """The renderer's pixel recipe for `viewport` (a backend that does not say renders with the defaults)."""
    config = getattr(renderer, "config", None)
    return (config if isinstance(config, RenderConfig) else RenderConfig()).pixel_recipe(tuple(viewport))


async def reference_source(reference: Reference, renderer: RenderBackend,
                           cache: ReferenceCache | None = None) -> ReferenceSource:
    """The reference's source video at its own fps: its recording, or its page rendered with its script
    (from `cache` when rendered before; `cache=None` renders every time)."""
    if reference.video is not None:
        return ReferenceSource(reference.video, None)
    key = ReferenceCache.key(reference, pixel_recipe(renderer, reference.viewport))
    hit = cache.get(key) if cache is not None else None
    if hit is not None:
        return hit
    result = await renderer.render_async(reference.page, reference.duration_s, reference.fps, reference.viewport,
                                         list(reference.interactions))
    if not result.ok:
        errors = "; ".join(result.page_errors[:3])
        raise ReferenceRenderError(f"the reference page could not be rendered ({result.status.value}): {result.reason}"
                                   + (f"; page errors: {errors}" if errors else ""))
    seeded = await frames_depend_on_seed(renderer, result, reference.page, reference.duration_s, reference.fps,
                                         reference.viewport, list(reference.interactions))
    source = ReferenceSource(Video(result.frames, result.timestamps, reference.fps), seeded)
    if cache is not None:
        cache.put(key, source)
    return source


async def frames_depend_on_seed(renderer: RenderBackend, result: RenderResult, page: Page, duration_s: float,
                                fps: float, viewport: tuple[int, int], interactions: list[Interaction] | None = None,
                                start_s: float = 0.0) -> bool:
    """Whether the frames of `result`, a render of `page` with these settings, change with the seeded randomness: the
    same render with another seed (`RenderBackend.render`'s `seed`) gives other frames. A page that drew no random
    word cannot (no second render); one whose randomness the generator does not reach (a worker, a cross-origin
    iframe) is taken to. Drawing is not enough: jQuery draws at load for its own bookkeeping (its expando) and
    changes no pixel, and an animation that only loads it is as deterministic as its CSS.
    A real-time recording of a page that drew none may still hold another stream (a generator of the page's own,
    seeded from the clock): such a page is taken as deterministic."""
    if not result.draws_randomness:
        return False
    if result.random_words == 0:
        return True  # only sources the generator does not reach
    config = getattr(renderer, "config", None)
    other = ((config.seed if isinstance(config, RenderConfig) else 0) + 1) % 2**32
    again = await renderer.render_async(page, duration_s, fps, viewport, interactions, start_s, seed=other)
    if not again.ok:  # not decided, so not kept: the reference is prepared again next time
        raise ReferenceRenderError(f"the reference page rendered once but not with another seed "
                                   f"({again.status.value}): {again.reason}")
    return not np.array_equal(again.frames, result.frames)


async def source_video(reference: Reference, renderer: RenderBackend, cache: ReferenceCache | None = None) -> Video:
    """`reference_source`'s video: what every consumer of a reference sees of it at its own rate."""
    return (await reference_source(reference, renderer, cache)).video
