"""The words an episode says back to the model: one formatter for the Gymnasium env and the TRL tool env.

A submission's feedback reports everything the render and the scorer found: the render status,
page errors, blocked network requests, the gates that fired, and (with `reveal_scores`) every
score in `RewardBreakdown.scores` and the total.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from v2c.rewards import RewardBreakdown, format_scores
from v2c.render import RenderResult

from .tasks.task import Task

MAX_LISTED = 3
"""Page errors (and blocked requests) quoted per submission: enough to act on, short enough for a prompt."""
MAX_LISTED_RANGES = 8
"""Ranges of a clip request named in its feedback and episode record (a request may hold thousands)."""


def scores_text(breakdown: RewardBreakdown) -> str:
    """`Scores: appearance 0.912, temporal 0.801, total 0.870.` — every score that applies, then the total."""
    applicable = {name: value for name, value in breakdown.scores.items() if value is not None}
    return f"Scores: {format_scores(applicable, breakdown.total)}."


def problems(breakdown: RewardBreakdown, rendered: RenderResult) -> list[str]:
    """What went wrong with a submitted page: render status, page errors, blocked requests, gates."""
    found = [f"render {rendered.status.value}: {rendered.reason}"] if not rendered.ok else []
    found += [f"page error: {e}" for e in rendered.page_errors[:MAX_LISTED]]
    found += [f"blocked request: {u}" for u in rendered.blocked_requests[:MAX_LISTED]]
    found += [f"text repaired: {note}" for note in rendered.repairs]
    found += [f"{g.name}: {g.reason}" for g in breakdown.gates]
    return found


def submission_text(breakdown: RewardBreakdown, rendered: RenderResult, reveal_scores: bool) -> str:
    """The feedback on a rendered page (scores only with `reveal_scores`)."""
    text = "Rendered your page."
    if reveal_scores:
        text += " " + scores_text(breakdown)
    found = problems(breakdown, rendered)
    return text + (" Problems: " + "; ".join(found) if found else "")


def intro_text(task: Task, clips_left: int) -> str:
    """What the episode says first."""
    return (f"Task {task.id}: reproduce this {task.kind} ({task.duration_s:g} s, {task.viewport[0]}x{task.viewport[1]}). "
            f"You may request clips ({clips_left} left), write HTML, patch it, or finish.")


def times_text(timestamps: np.ndarray, decimals: int = 2) -> str:
    return ", ".join(f"{t:.{decimals}f} s" for t in timestamps)


def coarse_text(timestamps: np.ndarray, fps: float, duration_s: float) -> str:
    """The line beside the coarse pass's frames, for a model that sees them as images."""
    return (f"Coarse pass: {len(timestamps)} frames at {fps:g} fps, at {times_text(timestamps, 1)} "
            f"(the video lasts {duration_s:g} s).")


def ranges_text(segments: Sequence[tuple[float, float]]) -> str:
    """`0-1 s, 2-3 s`, naming at most `MAX_LISTED_RANGES` ranges."""
    text = ", ".join(f"{start:g}-{end:g} s" for start, end in segments[:MAX_LISTED_RANGES])
    more = len(segments) - MAX_LISTED_RANGES
    return text + (f" and {more} more ranges" if more > 0 else "")


def clip_text(segments: Sequence[tuple[float, float]], fps: float, timestamps: np.ndarray, available: int,
              clips_left: int, asked_fps: float | None = None) -> str:
    """The feedback on a clip: its ranges, rate and frame times; how many were left out; requests left."""
    shown = len(timestamps)
    rate = f"{fps:g} fps" + (f" (asked {asked_fps:g}: clips come at most at the video's own rate)"
                             if asked_fps and asked_fps > fps else "")
    note = f" (an even sample of the {available} frames in range: the cap is reached)" if shown < available else ""
    return (f"Clip {ranges_text(segments)} at {rate}: {shown} frames at {times_text(timestamps)}{note}. "
            f"{clips_left} clip requests left.")


__all__ = ["clip_text", "coarse_text", "intro_text", "problems", "ranges_text", "scores_text", "submission_text",
           "times_text"]
