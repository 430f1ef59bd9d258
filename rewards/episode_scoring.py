"""What an episode needs from its scorer: a reference to show and clip from, and scored candidates.

An env's episode (`v2c.envs.episode_core.EpisodeCore`) talks to an `EpisodeScorer`, not to a renderer:
`prepare(task, frame_size)` gives the task's `EpisodeReference` (the prepared reference's frames, the
source video clips are cut from, which scores apply), and `evaluate(reference, page, frame_size)` renders
and scores one candidate. `frame_size` is the size the episode shows frames at: an implementation whose
frames travel (`v2c.rewards.ray_pool.RayEpisodeScorer`: the reference is prepared and the candidate
rendered and scored on a Ray actor) resizes them to it before they leave; the local one
(`LocalEpisodeScorer`, here) returns them as rendered, and the episode resizes what it shows. Both
prepare through `RewardScorer.prepare_async`, the one reference path (`v2c.rewards.reference`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from v2c.render import Page, RenderResult
from v2c.video import Video, resize_frames

from .breakdown import RewardBreakdown
from .reference import Reference
from .scorer import PreparedReference, RewardScorer


@dataclass(frozen=True)
class EpisodeReference:
    """An episode's view of its prepared reference."""

    frames: np.ndarray
    """The prepared reference's frames, at the comparison rate `fps` (full size, or the episode's frame size
    where they crossed a process boundary)."""
    fps: float
    """The comparison rate: of `frames` and of every candidate render (`RewardScorer.compare_fps`)."""
    source: Video
    """What clips are cut from, at its own rate: the recording, or the page rendered at the task's fps."""
    applies: dict[str, bool]
    """Score name → whether it applies to this reference, in the config's order."""
    handle: Any = None
    """What the scorer that made it evaluates candidates against (a `PreparedReference`, or where one is)."""

    @classmethod
    def of(cls, prepared: PreparedReference, frame_size: tuple[int, int] | None = None,
           handle: Any = None) -> "EpisodeReference":
        """The view of `prepared`; frames resized to `frame_size` when given."""
        source, frames = prepared.source, prepared.frames
        if frame_size is not None:
            frames = resize_frames(frames, frame_size)
            source = Video(resize_frames(source.frames, frame_size), source.timestamps, source.fps)
        return cls(frames=frames, fps=prepared.clip.fps, source=source,
                   applies={name: value is not None for name, value in prepared.prepared.items()}, handle=handle)


class HasReference(Protocol):
    """A task: anything that names its `Reference` (`v2c.envs.tasks.Task`)."""

    def to_reference(self) -> Reference: ...


class EpisodeScorer(Protocol):
    """Prepares an episode's reference and renders and scores its candidates."""

    def prepare(self, task: HasReference, frame_size: tuple[int, int]) -> EpisodeReference:
        """The task's reference, prepared for scoring, with its source video."""
        ...

    def evaluate(self, reference: EpisodeReference, page: Page,
                 frame_size: tuple[int, int]) -> tuple[RewardBreakdown, RenderResult]:
        """`page` rendered the way the reference was recorded and scored, and the render (its frames as
        rendered, or at `frame_size` where they travelled)."""
        ...


def resized_render(rendered: RenderResult, frame_size: tuple[int, int]) -> RenderResult:
    """`rendered` with its frames (and each interaction step's frame) at `frame_size`: what an episode
    needs of a render (status, errors, blocked requests, times) without the full-size pixels."""
    steps = [step if step.frame_after is None else replace(step, frame_after=resize_frames(
        step.frame_after[None], frame_size)[0]) for step in rendered.steps]
    return replace(rendered, frames=resize_frames(rendered.frames, frame_size), steps=steps)


class LocalEpisodeScorer:
    """The `EpisodeScorer` of one process: a `RewardScorer` over a local renderer prepares the task's reference
    (its in-memory cache answers a task seen again) and renders and scores candidates. Frames stay as
    rendered: nothing travels, and the episode resizes what it shows."""

    def __init__(self, scorer: RewardScorer) -> None:
        self.scorer = scorer

    def prepare(self, task: HasReference, frame_size: tuple[int, int]) -> EpisodeReference:
        prepared = self.scorer.prepare(task.to_reference())
        return EpisodeReference.of(prepared, handle=prepared)

    def evaluate(self, reference: EpisodeReference, page: Page,
                 frame_size: tuple[int, int]) -> tuple[RewardBreakdown, RenderResult]:
        return self.scorer.evaluate(reference.handle, page)
