"""Value types that cross the renderer's boundary: what to render, and what came back."""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping

import numpy as np


def utf8(text: str) -> tuple[bytes, int]:
    """`text` as UTF-8, read the way the web platform turns a JavaScript string into text (WebIDL's
    USVString rule): two code points that form a surrogate pair become the character they encode, and
    a lone surrogate, which UTF-8 cannot represent, becomes U+FFFD. Returns the bytes and how many
    lone surrogates were replaced.

    Whether such a page is served so repaired or refused is `RenderConfig.unencodable_text`'s call; the
    repair is what a browser decoding ill-formed UTF-8 would show. NUL needs no repair: it is valid UTF-8,
    and the HTML parser drops it from text and shows U+FFFD for it in attributes and scripts, as every
    browser does.
    """
    try:
        return text.encode("utf-8"), 0
    except UnicodeEncodeError:
        pass
    repaired = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return repaired.encode("utf-8"), repaired.count("\ufffd") - text.count("\ufffd")


@dataclass(frozen=True)
class ServedFile:
    """One file of a page as the renderer serves it."""

    body: bytes
    """The bytes sent to the browser."""
    text: bool
    """The file was given as text and is UTF-8 (its Content-Type says `charset=utf-8`)."""
    replaced: int = 0
    """Lone surrogates of the text served as U+FFFD (see `utf8`)."""


@dataclass(frozen=True)
class Page:
    """A page to render: an HTML document plus files served beside it at the page's origin."""

    html: str
    """The document served as `index.html`."""
    files: Mapping[str, bytes | str] = field(default_factory=dict)
    """Other files by relative path (e.g. `style.css`, `src/script.js`), for multi-file sources."""

    @functools.cached_property
    def served(self) -> dict[str, ServedFile]:
        """Every file by path, `index.html` (the document, over any file of that name) included,
        encoded once: see `utf8` for text that UTF-8 cannot hold."""
        served = {}
        for name, body in {**self.files, "index.html": self.html}.items():
            if isinstance(body, str):
                data, replaced = utf8(body)
                served[name] = ServedFile(data, text=True, replaced=replaced)
            else:
                served[name] = ServedFile(bytes(body), text=False)
        return served

    @property
    def unencodable(self) -> list[str]:
        """One note per file whose text UTF-8 cannot hold: its name and count of lone surrogates."""
        return [f"{name}: {file.replaced} lone UTF-16 surrogate{'s' * (file.replaced > 1)} (not encodable as UTF-8)"
                for name, file in self.served.items() if file.replaced]

    @property
    def repairs(self) -> list[str]:
        """What serving with `unencodable_text="replace"` changes, one note per file: lone surrogates as U+FFFD."""
        return [f"{note} served as U+FFFD" for note in self.unencodable]

    def content_hash(self) -> str:
        """A stable hash of everything that is served, for caches keyed by content. A page with unencodable text
        is marked too: the default `RenderConfig.unencodable_text` refuses it, so it must not share a key
        with its repaired twin (a page with U+FFFD where it had lone surrogates)."""
        served = self.served
        digest = hashlib.sha256(served["index.html"].body)
        for name in sorted(set(self.files) - {"index.html"}):
            digest.update(b"\0" + utf8(name)[0] + b"\0")
            digest.update(served[name].body)
        if self.unencodable:
            digest.update(b"\0unencodable\0" + "\n".join(self.unencodable).encode())
        return digest.hexdigest()

    @property
    def size_bytes(self) -> int:
        return sum(len(file.body) for file in self.served.values())


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
    repairs: list[str] = field(default_factory=list)
    """What serving changed about the page's text (`Page.repairs`, with `RenderConfig.unencodable_text=
    "replace"`): lone surrogates shown as U+FFFD."""
    steps: list[StepResult] = field(default_factory=list)
    """One entry per interaction, in script order."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent in each phase (launch, load, frames, total)."""
    real_time_sources: list[str] = field(default_factory=list)
    """Time sources the page used that the virtual clock does not drive, so its frames may depend on real
    time: `Worker`/`SharedWorker` (a worker's timers run on its own thread), `video (seek timed out)` and
    `video (not seekable)` (a video the clock could not seek to its virtual time), `cross-origin iframe`,
    `SMIL in an SVG image` (a CSS image or cross-origin `<img>` whose SVG animates: Chromium plays it on the
    image's own real-time timer; a same-origin or data: `<img>`'s is shown as stills at the virtual time).
    Empty for a page whose frames are a pure function of the page, the seed and the frame times."""
    random_words: int = 0
    """32-bit words the page drew from the seeded generator (`Math.random` takes two, `crypto` one per 4 bytes),
    its same-origin iframes' included: 0 for a page whose frames cannot depend on `RenderConfig.seed`, unless a
    real-time source (a worker) drew its own."""
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

    @property
    def draws_randomness(self) -> bool:
        """Whether the page's frames may depend on randomness: it drew from the seeded generator, or ran code whose
        randomness the generator does not reach (a worker, a cross-origin iframe)."""
        unseeded = ("Worker", "SharedWorker", "cross-origin iframe")
        return self.random_words > 0 or any(source in unseeded for source in self.real_time_sources)

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
            "repairs": self.repairs,
            "steps": [
                {"index": s.index, "t": s.t, "ok": s.ok, "error": s.error, "target": s.target} for s in self.steps
            ],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "repeated_frames": self.repeated_frames,
            "random_words": self.random_words,
            "real_time_sources": self.real_time_sources,
        }
