"""Frames as things a browser shows: JPEG/PNG data URLs, animated GIFs, thumbnails.

Widgets ship frames to the front end as data URLs inside their synced state (no file server is
needed, and a notebook saved with widget state keeps them), and their static fallbacks embed
animated GIFs, which play in any HTML viewer without a kernel or JavaScript.
"""
from __future__ import annotations

import base64
import io

import cv2
import numpy as np
from PIL import Image


def fit(frames: np.ndarray, max_side: int) -> np.ndarray:
    """Frames (T, H, W, 3) or one frame (H, W, 3) shrunk so the longer side is at most `max_side`."""
    array = np.asarray(frames)
    single = array.ndim == 3
    stack = array[None] if single else array
    h, w = stack.shape[1:3]
    scale = max_side / max(h, w)
    if scale >= 1.0 or len(stack) == 0:
        return array
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    out = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in stack])
    return out[0] if single else out


def image_data_url(frame: np.ndarray, fmt: str = "jpeg", quality: int = 85) -> str:
    """One RGB uint8 frame as a `data:` URL (JPEG is ~10× smaller than PNG for rendered pages)."""
    buffer = io.BytesIO()
    image = Image.fromarray(np.ascontiguousarray(frame, dtype=np.uint8))
    if fmt == "jpeg":
        image.save(buffer, format="JPEG", quality=quality)
    else:
        image.save(buffer, format="PNG", optimize=True)
    return f"data:image/{fmt};base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def frame_urls(frames: np.ndarray, max_side: int, fmt: str = "jpeg") -> list[str]:
    """Every frame as a data URL, shrunk to `max_side`."""
    return [image_data_url(f, fmt) for f in fit(frames, max_side)] if len(frames) else []


def gif_data_url(frames: np.ndarray, fps: float, max_side: int = 160) -> str:
    """An animated, looping GIF of `frames` as a data URL: a preview that plays without JavaScript."""
    small = fit(np.asarray(frames), max_side)
    if len(small) == 0:
        return ""
    images = [Image.fromarray(f) for f in small]
    delay_ms = max(20, int(round(100.0 / fps)) * 10)  # GIF delays are whole centiseconds; <20 ms is clamped by browsers
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=delay_ms, loop=0,
                   disposal=1)
    return "data:image/gif;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def side_by_side(a: np.ndarray, b: np.ndarray | None, gap: int = 4) -> np.ndarray:
    """Two videos of one size as one (reference | candidate); a missing or shorter one holds its last frame."""
    if b is None or len(b) == 0:
        b = np.full_like(a, 255)
    n = max(len(a), len(b))
    a = a[np.minimum(np.arange(n), len(a) - 1)]
    b = b[np.minimum(np.arange(n), len(b) - 1)]
    if b.shape[1:3] != a.shape[1:3]:
        b = np.stack([cv2.resize(f, (a.shape[2], a.shape[1]), interpolation=cv2.INTER_AREA) for f in b])
    white = np.full((n, a.shape[1], gap, 3), 255, np.uint8)
    return np.concatenate([a, white, b], axis=2)
