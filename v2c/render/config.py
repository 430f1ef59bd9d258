"""Settings of the renderer: bounds that keep hostile pages in check, and where Chromium is."""
from __future__ import annotations

import argparse

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class RenderConfig:
    """Bounds and browser settings shared by every render of a pool."""

    executable: str | None = None
    """Chromium binary. None: $V2C_CHROMIUM, then a headless shell (Debian's or Playwright's), then a full Chromium."""
    load_timeout_s: float = 10.0
    """Bound on loading the page (HTML, vendored scripts, fonts) before frame 0."""
    frame_timeout_s: float = 4.0
    """Bound on one frame: advancing the virtual clock (the page's timers and rAF) plus the capture."""
    render_timeout_s: float = 60.0
    """Bound on a whole render, load included."""
    max_page_bytes: int = 4_000_000
    """Pages (HTML plus files) above this size are refused without starting the browser."""
    memory_limit_mb: int = 2048
    """Resident memory of one browser's process tree above which the render is stopped as crashed."""
    js_heap_mb: int = 512
    """V8 heap limit per renderer: a memory bomb in JS crashes its tab instead of the machine."""
    frame_format: Literal["png", "jpeg"] = "png"
    """How Chromium encodes each frame. "png" is lossless; "jpeg" (see `jpeg_quality`) is 1.3-4x faster
    per frame on content-rich pages (encoding dominates capture) at the cost of JPEG artefacts. Both are
    deterministic: the same page gives byte-identical frames."""
    jpeg_quality: int = 90
    """JPEG quality (0-100) when `frame_format` is "jpeg"."""
    raster_scale: float | None = None
    """Device pixels per CSS pixel. The page is laid out at its CSS viewport whatever this is (`innerWidth`,
    text wrapping and media queries as at full size); Chromium rasterises and encodes at this scale, so a
    frame is viewport × scale pixels and costs about scale² as much. None: the largest scale ≤ 1 that keeps
    the longer side within `max_raster_side` (1024×768 → 0.5; 512×384 and smaller → 1)."""
    max_raster_side: int = 512
    """Longest frame side, in device pixels, that `raster_scale=None` aims for. 512 was chosen by measuring
    the scores at full and at this resolution on the same pages (`benchmarks/score.py --setting a2c`)."""
    unencodable_text: Literal["error", "replace"] = "error"
    """What a page whose text UTF-8 cannot hold (lone UTF-16 surrogates, e.g. "\\ud800") gets. "error": the
    render ends at once, before the browser is asked for anything, with status `error` and a reason that
    names each file and its count of such code points. "replace": each is served as U+FFFD, which is what
    a browser decoding ill-formed UTF-8 would show, the page renders and `RenderResult.repairs` lists the
    replacements. The default refuses, so a model learns that its output must be well-formed text; a
    caller rendering scraped pages may prefer "replace". NUL is valid UTF-8 and needs neither."""
    skip_static_frames: bool = True
    """After two identical frames, ask Chromium whether the next one has any damage before paying for a
    screenshot, and repeat the last frame when it has none: static stretches (most of an interaction
    video) cost a compositor pass instead of an encode. Frames are the same as without skipping for
    pages driven by virtual time (tested on the built-in tasks). A request the page makes after load is
    answered in real time, so each frame waits for the page's open requests first (up to 2 s per render
    in all), and skipping resumes only once the network has been quiet for two screenshots: what a
    request brings is in the next frame whatever the machine's load."""
    prepare_next_tab: bool = True
    """Open the next render's context and tab as soon as a render ends, so its ~50 ms start overlaps
    with the caller's scoring; costs one idle renderer process (~40 MB) per browser."""
    display_hz: float = 60.0
    """Refresh rate of the virtual display: requestAnimationFrame callbacks run at every tick of it between
    two captured frames (script only, no capture), as a browser on such a display runs them, so a page that
    steps per callback (frame-counted durations, particle steps, most canvas demos) moves the same whatever
    the capture fps. Real-time recordings come from 60 Hz displays."""
    seed: int = 0
    """Seed of the page's randomness (`Math.random`, `crypto.getRandomValues`, `crypto.randomUUID`): the same
    page and seed give byte-identical frames. Reference and candidate share it unless a caller renders
    them with different configs."""
    extra_flags: tuple[str, ...] = field(default_factory=tuple)
    """More Chromium command-line flags."""

    def __post_init__(self) -> None:
        if self.frame_format not in ("png", "jpeg"):
            raise ValueError(f"frame_format must be 'png' or 'jpeg', got {self.frame_format!r}")
        if not 0 <= self.jpeg_quality <= 100:
            raise ValueError(f"jpeg_quality must be within 0-100, got {self.jpeg_quality!r}")
        if self.unencodable_text not in ("error", "replace"):
            raise ValueError(f"unencodable_text must be 'error' or 'replace', got {self.unencodable_text!r}")
        if self.raster_scale is not None and not 0.05 <= self.raster_scale <= 4:
            raise ValueError(f"raster_scale must be within 0.05-4 (or None for automatic), got {self.raster_scale!r}")
        if not 1 <= self.display_hz <= 1000:
            raise ValueError(f"display_hz must be within 1-1000, got {self.display_hz!r}")
        if not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be an integer within 0-2**32-1, got {self.seed!r}")
        if self.max_raster_side < 16:
            raise ValueError(f"max_raster_side must be at least 16, got {self.max_raster_side!r}")

    def scale_for(self, viewport: tuple[int, int]) -> float:
        """The device scale factor a render of `viewport` (CSS pixels) uses."""
        if self.raster_scale is not None:
            return float(self.raster_scale)
        return min(1.0, self.max_raster_side / max(viewport))

    def frame_size(self, viewport: tuple[int, int]) -> tuple[int, int]:
        """(width, height) in device pixels of the frames of a render of `viewport`."""
        scale = self.scale_for(viewport)
        return max(1, round(viewport[0] * scale)), max(1, round(viewport[1] * scale))

    @property
    def screenshot_params(self) -> dict[str, object]:
        """CDP screenshot parameters (`beginFrame`'s `screenshot`, `Page.captureScreenshot`) for `frame_format`."""
        if self.frame_format == "jpeg":
            return {"format": "jpeg", "quality": self.jpeg_quality}
        return {"format": "png", "optimizeForSpeed": True}

    def pixel_recipe(self, viewport: tuple[int, int]) -> str:
        """The settings that change the pixels of a render of `viewport`, e.g. "png", "jpeg:90", "png@0.5" or
        "png/seed7"
        (caches of frames key on it)."""
        recipe = "png" if self.frame_format == "png" else f"jpeg:{self.jpeg_quality}"
        scale = self.scale_for(viewport)
        if scale != 1.0:
            recipe = f"{recipe}@{scale:g}"
        # Only settings away from the defaults are spelled out, so the default recipe stays short.
        if self.display_hz != 60.0:
            recipe += f"/{self.display_hz:g}Hz"
        if self.seed != 0:
            recipe += f"/seed{self.seed}"
        return recipe


def parse_raster_scale(text: str) -> float | None:
    """A `--raster-scale` value: a number, or `auto` (None, `RenderConfig`'s automatic scale)."""
    if text.lower() == "auto":
        return None
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'auto', got {text!r}") from None
