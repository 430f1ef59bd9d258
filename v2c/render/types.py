"""Value types that cross the renderer's boundary: what to render, and what came back."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

import numpy as np


@dataclass(frozen=True)
class Page:
    """A page to render: an HTML document plus files served beside it at the page's origin."""

    html: str
    """The document served as `index.html`."""
    files: Mapping[str, bytes | str] = field(default_factory=dict)
    """Other files by relative path (e.g. `style.css`, `src/script.js`), for multi-file sources."""

    def content_hash(self) -> str:
        """A stable hash of everything that is served, for caches keyed by content."""
        digest = hashlib.sha256(self.html.encode("utf-8", "surrogatepass"))
        for name in sorted(self.files):
            body = self.files[name]
            digest.update(b"\0" + name.encode() + b"\0")
            digest.update(body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body)
        return digest.hexdigest()

    @property
    def size_bytes(self) -> int:
        return len(self.html.encode("utf-8", "surrogatepass")) + sum(
            len(b.encode("utf-8", "surrogatepass")) if isinstance(b, str) else len(b) for b in self.files.values()
        )


ACTIONS = ("click", "type", "press", "select", "scroll", "hover", "wait")


@dataclass(frozen=True)
class Interaction:
    """One scripted user action, executed at virtual time `t` during a render.

    `target` is a descriptor, not an id, because a generated page shares no ids with the reference:
    any of `selector`, `text`, `role` (+ `name`), `label`, `placeholder`, `tag`, `point` [x, y], `nth`.
    See `v2c/render/targets.js` for the documented resolution rule.
    """

    action: str
    """One of click, type, press, select, scroll, hover, wait."""
    t: float = 0.0
    """Virtual time in seconds at which the action happens."""
    target: Mapping[str, Any] | None = None
    """Element descriptor; None for page-level actions (press on the focused element, scroll the page, wait)."""
    value: Any = None
    """Text to type, key to press, option to select (text or value), pixels to scroll (dy or [dx, dy])."""

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown interaction action {self.action!r}; expected one of {', '.join(ACTIONS)}")
        if not (self.t >= 0):
            raise ValueError(f"interaction time must be a non-negative number of seconds, got {self.t!r}")

    @classmethod
    def from_dict(cls, step: Mapping[str, Any]) -> "Interaction":
        if not isinstance(step, Mapping) or "action" not in step:
            raise ValueError(f"an interaction step must be an object with an 'action', got {step!r}")
        return cls(action=step["action"], t=float(step.get("t", 0.0)), target=step.get("target"), value=step.get("value"))

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "t": self.t, "target": dict(self.target) if self.target else None, "value": self.value}


class RenderStatus(str, Enum):
    OK = "ok"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    ERROR = "error"


@dataclass
class StepResult:
    """What happened when one interaction was replayed, and the page's state once it took effect."""

    index: int
    """Position of the step in the script."""
    t: float
    """Virtual time of the step, seconds."""
    ok: bool
    """Whether the target was found and the action dispatched."""
    error: str = ""
    """Why the step could not be performed (no matching element, option missing, ...)."""
    target: dict[str, Any] | None = None
    """The element the descriptor resolved to: tag, text, bbox."""
    text_after: str = ""
    """The page's visible text just before the next step (or the end of the render)."""
    frame_after: np.ndarray | None = None
    """A frame captured at the same moment as `text_after`."""


@dataclass
class RenderResult:
    """Frames of a page at exact virtual times, and everything that went wrong on the way."""

    frames: np.ndarray
    """uint8 array T×H×W×3 (RGB); frame k shows the page at `timestamps[k]`. Fewer than requested when the render failed."""
    timestamps: np.ndarray
    """float64 seconds, k / fps."""
    status: RenderStatus
    """ok, timeout (a time bound was hit), crashed (the page's renderer died), or error (bad page or browser failure)."""
    reason: str = ""
    """A human-readable explanation when status is not ok."""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    """alert/confirm/prompt/window.open calls, which are refused."""
    steps: list[StepResult] = field(default_factory=list)
    """One entry per interaction, in script order."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each phase (launch, load, frames, total)."""
    repeated_frames: int = 0
    """Frames that repeat the previous one without a screenshot: Chromium reported no damage."""
    fps: float = 0.0
    viewport: tuple[int, int] = (0, 0)
    """The page's CSS viewport (width, height); frames are viewport × `raster_scale` device pixels."""
    raster_scale: float = 1.0
    """Device pixels per CSS pixel of the frames (`RenderConfig.raster_scale`)."""

    @property
    def ok(self) -> bool:
        return self.status is RenderStatus.OK

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly description without the pixels."""
        return {
            "status": self.status.value,
            "reason": self.reason,
            "frames": int(self.frames.shape[0]),
            "fps": self.fps,
            "viewport": list(self.viewport),
            "raster_scale": self.raster_scale,
            "console_errors": self.console_errors[:20],
            "page_errors": self.page_errors[:20],
            "blocked_requests": self.blocked_requests[:50],
            "dialogs": self.dialogs[:20],
            "steps": [
                {"index": s.index, "t": s.t, "ok": s.ok, "error": s.error, "target": s.target} for s in self.steps
            ],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "repeated_frames": self.repeated_frames,
        }
