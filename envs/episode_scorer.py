"""`LocalEpisodeScorer`: the `EpisodeScorer` of one process, a `RewardScorer` over a local renderer.

A task's reference is its recording, or its page rendered at the task's fps through the on-disk reference
cache (`render_reference`); the scorer prepares it (its in-memory cache answers a task seen again), and
candidates are rendered and scored on the same renderer. Frames stay as rendered: nothing travels, and the
episode resizes what it shows. The Ray counterpart is `v2c.rewards.ray_pool.RayEpisodeScorer`.
"""
from __future__ import annotations

from v2c.render import Page, RenderResult
from v2c.rewards import RewardBreakdown, RewardScorer
from v2c.rewards.episode_scoring import EpisodeReference

from .tasks import Task, render_reference


class LocalEpisodeScorer:
    """Episodes scored in this process by `scorer` (an `EpisodeScorer`)."""

    def __init__(self, scorer: RewardScorer) -> None:
        self.scorer = scorer

    def prepare(self, task: Task, frame_size: tuple[int, int]) -> EpisodeReference:
        prepared = self.scorer.prepare(task.to_reference(video=render_reference(task, self.scorer.renderer)))
        return EpisodeReference.of(prepared, handle=prepared)

    def evaluate(self, reference: EpisodeReference, page: Page,
                 frame_size: tuple[int, int]) -> tuple[RewardBreakdown, RenderResult]:
        return self.scorer.evaluate(reference.handle, page)


__all__ = ["LocalEpisodeScorer"]
