"""`Task`: one video-to-code problem — what to reproduce, how it is recorded, and a known solution.

A task is a reference (a source page, a recorded video, or both) plus the recording settings the
candidate is rendered with (duration, fps, viewport), the user's actions for interactive pages,
and bookkeeping (difficulty, metadata). `to_reference()` turns it into what `RewardScorer` takes;
`cheat()` returns a page that reproduces it — the oracle tests and baselines rely on — and `cheat_html()` that
page as the one document an agent would submit.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

from v2c.rewards.scorer import Reference
from v2c.render import Interaction, Page, inline_page
from v2c.video import Video, VideoError, clip, read_video, trim_lead_in

TaskKind = Literal["animation", "interaction"]
KINDS: tuple[str, ...] = ("animation", "interaction")


class NoOracleError(LookupError):
    """The task has no known page that reproduces it (a video-only reference)."""


@dataclass(frozen=True)
class Task:
    """A reference to reproduce and the settings it is compared under.

    Identity:
        id, kind, source
    Reference:
        page, video, video_fps, video_start_s, trim_lead_in
    Recording:
        duration_s, fps, viewport, interactions
    Bookkeeping:
        difficulty, metadata, oracle
    """

    id: str
    """Unique within its source: file or folder stems for loaded tasks, `<generator>-<seed>-<index>` for generated ones."""
    kind: TaskKind
    """`animation` (watch and reproduce the motion) or `interaction` (a page driven by a user script)."""
    page: Page | None = None
    """The reference's source page, when known."""
    video: Path | None = None
    """A recorded reference (mp4, webm, gif, npz); when present it is what candidates are compared with."""
    video_fps: float | None = None
    """The recording's own frame rate, as probed by the loader (None when there is no video or it was not probed)."""
    video_start_s: float = 0.0
    """Where this task starts in `video`, in seconds: the reference is the video's [start, start + duration_s),
    rebased to 0 (one segment of a longer recording, such as a Video2Code timeline entry)."""
    trim_lead_in: bool = True
    """Drop the recording's lead-in (`v2c.video.trim_lead_in`): the blank frames of one flat colour that a
    recording started at navigation holds before the page first paints, and a first painted frame the page
    changes from once and never again (its scripts' start), both of which would charge the source itself
    (0.99 → 0.42 for a CSS loader's source after 3 white frames, 0.99 → 0.46 after one frame without its
    script's panel, `tests/test_lead_in.py`). The first kept frame becomes t = 0 and the reference keeps `duration_s`
    from the rest of the recording (it is only shorter when the recording is); `Video.lead_in_frames` says what
    was dropped. Applied when the task's range starts at the recording's start and it has no interaction
    script: step times are on the recording's clock (Video2Code's are), which trimming alone would move the
    reference's responses away from."""
    duration_s: float = 3.0
    """Seconds compared."""
    fps: float = 10.0
    """Frames per second at which reference and candidate are compared."""
    viewport: tuple[int, int] = (512, 384)
    """Width × height in CSS pixels at which candidates (and a page reference) are rendered."""
    interactions: tuple[Interaction, ...] = ()
    """The user's actions, at virtual times; empty for pure animations."""
    difficulty: int = 1
    """1 (one element, one property) to 3 (several elements, sequenced); 0 when unknown (loaded tasks)."""
    source: str = ""
    """Where the task came from: `builtin:animations`, `anim2code:/path`, ..."""
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)
    """Free-form facts: family, technique, title, url, status, ... (JSON-serialisable)."""
    oracle: Page | None = None
    """A page that reproduces the reference, written differently from it; None: the source page is the oracle."""

    def __post_init__(self) -> None:
        if not self.id or not isinstance(self.id, str):
            raise ValueError(f"a task needs a non-empty string id, got {self.id!r}")
        if self.kind not in KINDS:
            raise ValueError(f"task {self.id}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.page is None and self.video is None:
            raise ValueError(f"task {self.id}: needs a source page or a video")
        if not self.video_start_s >= 0:
            raise ValueError(f"task {self.id}: video_start_s must be at least 0, got {self.video_start_s!r}")
        if not (self.duration_s > 0 and self.fps > 0):
            raise ValueError(f"task {self.id}: duration_s and fps must be positive, got {self.duration_s!r}, {self.fps!r}")
        width, height = self.viewport
        object.__setattr__(self, "viewport", (int(width), int(height)))
        if self.video is not None and not isinstance(self.video, Path):
            object.__setattr__(self, "video", Path(self.video))
        steps = tuple(s if isinstance(s, Interaction) else Interaction.from_dict(s) for s in self.interactions)
        object.__setattr__(self, "interactions", tuple(sorted(steps, key=lambda s: s.t)))

    # ------------------------------------------------------------------ reference

    def load_video(self) -> Video:
        """The recorded reference, decoded: `part_of` the recording; `VideoError` names the file when it is
        missing, corrupt or has no frames in the range."""
        if self.video is None:
            raise VideoError(f"task {self.id} has no reference video")
        return self.part_of(read_video(self.video))

    def part_of(self, video: Video) -> Video:
        """What this task compares of a decoded recording: its [video_start_s, video_start_s + duration_s) range
        after its lead-in (`trim_lead_in`), timestamps from 0."""
        if self.trim_lead_in and self.video_start_s == 0 and not self.interactions:
            video = trim_lead_in(video)
        if self.video_start_s == 0 and video.duration <= self.duration_s + 0.5 / video.fps:
            return video  # the whole recording (the usual case): no copy
        # Half-open range: the frame at start + duration belongs to the next segment.
        part = clip(video, self.video_start_s, self.video_start_s + self.duration_s - 0.5 / video.fps)
        if len(part) == 0:
            raise VideoError(f"{self.video}: no frames from {self.video_start_s:g} s (task {self.id}; the video "
                             f"lasts {video.duration:.2f} s)")
        return replace(video, frames=part.frames, timestamps=part.timestamps - self.video_start_s)

    def to_reference(self, video: Video | None = None) -> Reference:
        """What `RewardScorer` compares candidates with.

        `video` overrides the reference recording — pass `render_reference(task)` (cached on disk) so
        the scorer does not render the source page again. A page is kept beside a video for
        interactive tasks, whose functional score needs the page's text after each step.
        """
        if video is None and self.video is not None:
            video = self.load_video()
        return Reference(page=self.page, video=video, interactions=self.interactions, duration_s=self.duration_s,
                         fps=self.fps, viewport=self.viewport)

    def cheat(self) -> Page:
        """A page that reproduces the reference: the oracle when one was written, else the source page."""
        if self.oracle is not None:
            return self.oracle
        if self.page is not None:
            return self.page
        raise NoOracleError(f"task {self.id}: no page is known to reproduce it (the reference is only a video, "
                            f"{self.video})")

    def cheat_html(self) -> str:
        """`cheat()` as the one document an agent answers with: a multi-file source's local files inlined
        (`v2c.render.inline_page`), so it renders as the page served with its files does."""
        return inline_page(self.cheat())

    @property
    def has_oracle(self) -> bool:
        return self.oracle is not None or self.page is not None

    # ------------------------------------------------------------------ description

    def summary(self) -> dict[str, Any]:
        """A JSON-ready row without page sources (what `v2c tasks list` prints)."""
        return {
            "id": self.id, "kind": self.kind, "source": self.source, "duration_s": round(self.duration_s, 3),
            "fps": self.fps, "viewport": list(self.viewport), "difficulty": self.difficulty,
            "steps": len(self.interactions), "has_page": self.page is not None,
            "video": str(self.video) if self.video else None, "has_oracle": self.has_oracle,
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready: pages as `{"html", "files"}` (bytes as `{"base64": ...}`), steps as dicts."""
        return {
            **self.summary(),
            "video_fps": self.video_fps,
            "video_start_s": self.video_start_s,
            "trim_lead_in": self.trim_lead_in,
            "page": _page_dict(self.page),
            "oracle": _page_dict(self.oracle),
            "interactions": [s.to_dict() for s in self.interactions],
            "metadata": json.loads(json.dumps(dict(self.metadata), default=str)),
        }


def _page_dict(page: Page | None) -> dict[str, Any] | None:
    if page is None:
        return None
    files = {name: body if isinstance(body, str) else {"base64": base64.b64encode(body).decode("ascii")}
             for name, body in page.files.items()}
    return {"html": page.html, "files": files}


def page_from_dict(data: Mapping[str, Any] | None) -> Page | None:
    """The inverse of the `page` entry of `Task.to_dict()`."""
    if data is None:
        return None
    files = {name: base64.b64decode(body["base64"]) if isinstance(body, Mapping) else body
             for name, body in data.get("files", {}).items()}
    return Page(html=data["html"], files=files)


def interactions_from(steps: Sequence[Mapping[str, Any] | Interaction]) -> tuple[Interaction, ...]:
    """Steps as `Interaction`s; a malformed step raises `ValueError` saying which one."""
    out = []
    for i, step in enumerate(steps):
        try:
            out.append(step if isinstance(step, Interaction) else Interaction.from_dict(step))
        except (TypeError, ValueError) as error:
            raise ValueError(f"interaction step {i}: {error}") from None
    return tuple(out)
