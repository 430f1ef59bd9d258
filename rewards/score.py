"""The contract of one reward component: `Score`, and what it sees (`ReferenceClip`, `CandidateClip`).

A score is one class in one module plus one registration line (`v2c.rewards.registry`):

    class TextVisible:
        '''Share of the candidate's frames that show any text (a toy score).'''
        name = "text_visible"
        needs_motion = False

        def __init__(self, config: RewardConfig) -> None: ...
        def prepare(self, reference: ReferenceClip) -> object | None:
            return True                                   # None: this reference has nothing to compare
        def score(self, prepared: object, candidate: CandidateClip) -> ScoreResult:
            return ScoreResult(value=..., details={...})

    register_score("text_visible", TextVisible)           # or "my_package.module:TextVisible"

`RewardScorer` renders the reference once and calls every configured score's `prepare` once per
reference (on a worker thread), then renders each candidate once and calls `score` with the same
render for every score. It owns what is common to all scores: rendering, the gates (a failed or blank
render scores 0 everywhere; a static candidate against a moving reference gets 0 on the scores with
`needs_motion`), and the weighted total (`RewardConfig.weights`, over the scores whose value is not None).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from v2c.render import Interaction, RenderResult
from v2c.video import Video

from .crop import Box, CropConfig, animated_region

__all__ = ["CandidateClip", "ReferenceClip", "Score", "ScoreResult"]


@dataclass(frozen=True)
class ReferenceClip:
    """What every score may look at on the reference side, computed once per reference."""

    frames: np.ndarray
    """(T, H, W, 3) uint8 frames at `fps` (the recording, resampled, or the render)."""
    fps: float
    """Frames per second of `frames` (the comparison rate)."""
    interactions: tuple[Interaction, ...] = ()
    """The user's recorded actions (without the baseline step the scorer adds)."""
    render: RenderResult | None = None
    """The reference page's render with the interaction script, when the reference was rendered."""
    video: Video | None = None
    """The recording at its own rate, when the reference is a video."""
    moving: bool = True
    """Whether anything on the reference changes between frames."""
    depends_on_seed: bool | None = None
    """Whether the frames of the page that made the reference change with its seeded randomness (a render with
    another seed differs, `v2c.rewards.reference.frames_depend_on_seed`): a recording of such a page shows the
    browser's own random stream, and a copy of it can be another stream of the same animation. None where no render
    of that page was seen (a video alone)."""


@dataclass(frozen=True)
class CandidateClip:
    """A candidate page rendered the way the reference was recorded (same duration, fps, viewport, script)."""

    frames: np.ndarray
    """(T, H, W, 3) uint8 frames at `fps`."""
    fps: float
    """Frames per second of `frames`."""
    render: RenderResult
    """The whole render: page text, per-step results, errors, blocked requests."""
    _regions: dict[CropConfig, Box] = field(default_factory=dict, init=False, repr=False, compare=False)

    def animated_region(self, config: CropConfig) -> Box:
        """The frames' animated region under `config`, found once (appearance and temporal crop alike, and
        the search is 40 ms of a 1024×768, 15 fps candidate)."""
        if config not in self._regions:
            self._regions[config] = animated_region(self.frames, config)
        return self._regions[config]


@dataclass
class ScoreResult:
    """One score's verdict on one candidate."""

    value: float | None
    """In [0, 1]; None when the score does not apply to this reference (e.g. functional without a script)."""
    details: dict[str, Any] = field(default_factory=dict)
    """JSON-ready explanation (what widgets draw and `info` shows): alignments, per-frame values, boxes."""


@runtime_checkable
class Score(Protocol):
    """One reward component. Instances are built from a `RewardConfig` and are used from worker threads."""

    name: str
    """The key of this score in `RewardConfig.weights` and `RewardBreakdown.scores`."""
    needs_motion: bool
    """True when a static candidate against a moving reference must get 0 here (the static gate)."""

    def prepare(self, reference: ReferenceClip) -> Any | None:
        """Everything the score needs of the reference, computed once; None when it does not apply."""
        ...

    def score(self, prepared: Any, candidate: CandidateClip) -> ScoreResult:
        """Score one candidate against what `prepare` returned (never called with None)."""
        ...

    @property
    def backend(self) -> str:
        """What computes it (e.g. `labssim`, `dreamsim:ensemble`), for logs and `RewardBreakdown.backends`."""
        ...
