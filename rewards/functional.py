"""Functional score: does the candidate page *behave* like the reference under the same interactions?

Video2Code's functional replay, made deterministic for RL. The reference's interaction script is
replayed on the candidate page; each step passes when the candidate's state after the step matches
the reference's, and the score is the share of steps that pass (pages weigh equally, as in the
paper).

States
------
A step is judged by what it *changed*, so every step needs a before- and an after-state (visible
text + frame). The renderer records, for each step, the state just before the next step (or at the
end); the before-state of step i is the after-state of step i-1. Step 0 has no predecessor, so
`with_baseline_step` prepends a `wait` at the first step's time: its recorded state is the page at
that time, before anything was done, and it is left out of the score.

Per-step similarity (`compare_step`)
------------------------------------
A step fails outright when its target was not found on the candidate (`StepResult.ok` False) or
the candidate's render stopped before it. Otherwise:

1. **Effect**: a step "changes" the page when its visible text changed or more than
   `min_change_fraction` of the viewport's pixels changed. A reference step that changes nothing
   must change (almost) nothing on the candidate: similarity falls linearly from 1 at
   `min_change_fraction` to 0 at `max_spurious_fraction`, and is 0 when the text changed. A
   reference step that changes something must change something: if it does not, similarity 0
   ("no visible effect": a dead handler).
2. **Text** (present when either side's text changed): the tokens the step added and removed
   (difflib over lower-cased word/punctuation tokens of before vs after), as a multiset of signed
   tokens; similarity = weighted Jaccard of the reference's and the candidate's multisets. "+1 −0"
   vs "+2 −0" scores 1/3: a counter that adds 2, or a to-do item with the wrong words, fails here
   even though its pixels barely differ.
3. **Colour** (present when both sides changed pixels): the changed pixels are grown by
   `region_dilation` into a changed *region* (a changed glyph becomes a block of its text line,
   so stroke width and anti-aliasing of another font barely matter); the after-frames' colours
   inside it, as CIELAB signatures (coarse bins, mean colour per bin, mass = share of the
   region), are compared by earth mover's distance: similarity = 1 − EMD / `colour_emd_max`.
   The region is a mask, not a box at fixed coordinates, so a layout moved by 40 px still
   matches, while a theme that turns the page navy instead of charcoal, or swaps foreground and
   background (moving most of the mass across the lightness axis), does not.
4. **Size** (present when either side changed pixels): the region's share of the viewport,
   compared on a log scale: 1 at equal size, 0 at a ratio of `size_ratio_max`.

similarity = weighted geometric mean of the present components (each floored at
`component_floor`), so one clearly wrong aspect cannot be averaged away by two right ones; a
step passes at `pass_threshold`.

Reference given as a video
--------------------------
With only a recording and the step times (`ReferenceVideo`), the reference's state after step i
is the last frame strictly before step i+1 (the video's last frame for the last step) and its
before-state is the last frame strictly before step i. There is no text, so only the frame-based
parts (effect by pixels, colour, size) are used, on the candidate's side too for symmetry. This
is much weaker: on the test pages a counter that adds 2, a to-do list that shows the wrong text,
or even one whose Add does nothing (the input still blurs and repaints) pass; missing effects,
spurious effects and wrong colours are still caught. Steps closer together than one video frame
share a frame and look like no-ops; a step at t=0 has no earlier frame (frame 0 stands in).

Judge model (the paper's protocol)
----------------------------------
`judge_functional_score` with an `OpenAIJudge` (any OpenAI-compatible `/v1/chat/completions`
endpoint): per step, the judge grounds the step on the candidate's rendered DOM summary
(`click[id]`, `enter[id][text]`, `select[id][option]`, `scroll[id]`, `scroll[]`, `None`), the
grounded actions are replayed (state carries across steps), then the judge compares the expected
and actual before/after frames and answers a 0–100 visual score and success/failed. Score = share
of successes. Slow and costly: for evaluation, not for rewards inside an RL loop. The renderer
returns only text and frames, so the DOM summary is read by a listener injected into a separate
probe render, which a key chord makes print the summary as one JSON line of the page's text.
"""
from __future__ import annotations

import asyncio
import base64
import difflib
import json
import os
import re
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence, Union

import cv2
import numpy as np

from v2c.render import Interaction, Page, RenderResult, StepResult
from v2c.render.pool import RenderBackend, Viewport

__all__ = [
    "FunctionalConfig", "PageState", "ReplayStates", "ReferenceVideo", "StepScore", "FunctionalResult",
    "with_baseline_step", "states_from_render", "states_from_video", "compare_step", "score_replay",
    "functional_score", "FunctionalJudge", "OpenAIJudge", "GroundedAction", "JudgeVerdict", "parse_action",
    "parse_verdict", "dom_summary", "judge_functional_score",
]


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class FunctionalConfig:
    """Thresholds of the deterministic functional score.

    Change detection:
        pixel_threshold, min_change_fraction, max_spurious_fraction
    Components:
        region_dilation, colour_emd_max, colour_bin_lab, colour_max_bins, colour_max_samples, size_ratio_max
    Combination:
        text_weight, colour_weight, size_weight, component_floor, pass_threshold
    Rendering (`functional_score`):
        settle_s
    """

    pixel_threshold: int = 24
    """A pixel changed when one RGB channel moved by more than this (0–255). High enough to ignore
    anti-aliasing jitter and video-compression noise, low enough to see a pale hover tint."""
    min_change_fraction: float = 1e-4
    """Share of the viewport that must change for a step to count as changing the page without a
    text change (~20 px at 512×384: one small glyph changing is ~50 px)."""
    max_spurious_fraction: float = 0.02
    """When the reference step changes nothing, candidate change up to `min_change_fraction` is
    free and the similarity reaches 0 at this share (a hover tint or focus ring is ~0.1–1%)."""
    region_dilation: float = 0.012
    """The changed pixels are grown by this share of the frame width (~6 px at 512) into the
    changed *region* whose colours and size are compared: a changed glyph becomes a block of text
    line with its background, so other fonts (thinner strokes, other anti-aliasing) barely move
    the colour proportions or the area."""
    colour_emd_max: float = 30.0
    """Earth mover's distance (CIELAB ΔE76 units) between the changed regions' colour signatures
    at which colour similarity reaches 0. ~2 is just noticeable; charcoal vs navy is ~25."""
    colour_bin_lab: tuple[float, float, float] = (8.0, 12.0, 12.0)
    """Bin sizes in L*, a*, b* for the colour signatures; each bin is represented by its mean colour."""
    colour_max_bins: int = 48
    """Heaviest bins kept per signature, bounding the EMD's cost; the rest is anti-aliasing dust."""
    colour_max_samples: int = 20_000
    """At most about this many changed pixels (an even grid) per region are binned, bounding the
    cost of full-page changes (~10 ms per step at 512×384)."""
    size_ratio_max: float = 8.0
    """Ratio of changed areas (larger/smaller) at which size similarity reaches 0; a restyle with
    other fonts and padding changes areas by ~1.2–2×."""
    text_weight: float = 0.5
    """Weight of the text-change component (the most reliable "what happened" signal)."""
    colour_weight: float = 0.35
    """Weight of the changed-region colour component."""
    size_weight: float = 0.15
    """Weight of the changed-region size component (a weak "how much" signal)."""
    component_floor: float = 0.05
    """Components are clipped below at this before the geometric mean, so one zero yields a low
    similarity rather than exactly 0 and the RL signal keeps some gradation."""
    pass_threshold: float = 0.7
    """A step passes when its similarity is at least this."""
    settle_s: float = 1.0
    """`functional_score` renders this long past the last step, so that the last step's effect
    (transitions, timers) has time to show before its after-state is recorded."""


# --------------------------------------------------------------------------- states


@dataclass
class PageState:
    """The page at one moment: its visible text (None when only a frame is known) and its frame."""

    text: str | None
    frame: np.ndarray | None


@dataclass
class ReplayStates:
    """One side of a replay: `states[0]` is before step 0, `states[i + 1]` is after step i."""

    states: list[PageState]
    """n_steps + 1 states; shorter when the render stopped early."""
    ok: list[bool]
    """Per step: the target was found and the action dispatched."""
    errors: list[str]
    """Per step: why it could not be performed ("" when it was)."""
    status: str = "ok"
    """The render's status, for the reasons of steps it never reached."""

    @property
    def n_steps(self) -> int:
        return len(self.ok)


@dataclass
class ReferenceVideo:
    """A reference known only as a recording: frames and the time (seconds) each shows."""

    frames: np.ndarray
    """T×H×W×3 uint8 RGB."""
    timestamps: np.ndarray
    """T seconds, increasing."""

    @classmethod
    def from_fps(cls, frames: np.ndarray, fps: float) -> "ReferenceVideo":
        return cls(frames, np.arange(len(frames), dtype=np.float64) / fps)

    @classmethod
    def from_video(cls, video: Any) -> "ReferenceVideo":
        """From a decoded `v2c.video.Video` (or anything with `frames` and `timestamps`)."""
        return cls(np.asarray(video.frames), np.asarray(video.timestamps, dtype=np.float64))


def _as_steps(script: Sequence[Interaction | dict]) -> list[Interaction]:
    steps = [s if isinstance(s, Interaction) else Interaction.from_dict(s) for s in script]
    # The renderer replays in time order (stable), and states come back in that order.
    return sorted(steps, key=lambda s: s.t)


def with_baseline_step(script: Sequence[Interaction | dict]) -> list[Interaction]:
    """The script with a `wait` prepended at the first step's time.

    The renderer records a step's state just before the next step runs, so the `wait`'s state is
    the page at the first step's time, untouched: the before-state of step 0. The renderer sorts
    steps by time stably, so the `wait` stays first even at the same time. Drop it from scoring
    (`states_from_render` does).
    """
    steps = _as_steps(script)
    if not steps:
        return []
    return [Interaction("wait", t=steps[0].t)] + steps


def states_from_render(result: RenderResult | Sequence[StepResult], n_steps: int,
                       baseline: bool | None = None) -> ReplayStates:
    """States of a render made with `with_baseline_step(script)`, for a script of `n_steps` steps.

    Also accepts a render made without the baseline step (`baseline=False`; None guesses from the
    number of step results, which a render that stopped early makes ambiguous): the before-state
    of step 0 is then the last frame before step 0, without text (so step 0 is judged on pixels
    only), or unknown when `result` carries no frames.
    """
    steps = list(result.steps if isinstance(result, RenderResult) else result)
    status = result.status.value if isinstance(result, RenderResult) else "ok"
    if baseline is None:
        baseline = len(steps) > n_steps
    if baseline and steps:
        first, steps = steps[0], steps[1:]
        start = PageState(first.text_after if first.frame_after is not None else None, first.frame_after)
    else:
        frame = None
        if isinstance(result, RenderResult) and len(result.frames) and steps:
            before = np.flatnonzero(result.timestamps < steps[0].t)
            frame = result.frames[before[-1] if len(before) else 0]
        start = PageState(None, frame)
    states = [start] + [PageState(s.text_after if s.frame_after is not None else None, s.frame_after) for s in steps]
    # A render that stopped early leaves the last reached step without a recorded state.
    while len(states) > 1 and states[-1].frame is None:
        states.pop()
    return ReplayStates(states, [s.ok for s in steps], [s.error for s in steps], status)


def states_from_video(video: ReferenceVideo, step_times: Sequence[float]) -> ReplayStates:
    """Reference states from a recording: after step i = last frame before step i+1 (or the last frame)."""
    ts = np.asarray(video.timestamps, dtype=np.float64)

    def frame_before(t: float) -> np.ndarray:
        earlier = np.flatnonzero(ts < t - 1e-9)
        return video.frames[earlier[-1] if len(earlier) else 0]

    times = sorted(float(t) for t in step_times)
    states = [PageState(None, frame_before(times[0]))] if times else []
    for i in range(len(times)):
        frame = frame_before(times[i + 1]) if i + 1 < len(times) else video.frames[-1]
        states.append(PageState(None, frame))
    return ReplayStates(states, [True] * len(times), [""] * len(times))


# --------------------------------------------------------------------------- per-step comparison


_TOKEN = re.compile(r"\w+|[^\w\s]")


def _token_diff(a: list[str], b: list[str], change: Counter) -> None:
    # Trimming the common ends first keeps difflib off long runs of repeated tokens (~O(n²) there).
    lo = 0
    while lo < min(len(a), len(b)) and a[lo] == b[lo]:
        lo += 1
    hi = 0
    while hi < min(len(a), len(b)) - lo and a[-1 - hi] == b[-1 - hi]:
        hi += 1
    a, b = a[lo:len(a) - hi], b[lo:len(b) - hi]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            change.update(("-", tok) for tok in a[i1:i2])
        if op in ("replace", "insert"):
            change.update(("+", tok) for tok in b[j1:j2])


def _text_change(before: str, after: str) -> Counter:
    """Signed tokens the step added (+) and removed (−); lower-cased so `text-transform` is ignored.

    Lines are diffed first (cheap, and a step's change is usually a few lines), then the tokens of
    each changed block, so a line that only changed a digit contributes just that digit.
    """
    a_lines, b_lines = before.lower().splitlines(), after.lower().splitlines()
    change: Counter = Counter()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False).get_opcodes():
        if op != "equal":
            _token_diff(_TOKEN.findall("\n".join(a_lines[i1:i2])), _TOKEN.findall("\n".join(b_lines[j1:j2])), change)
    return change


def _jaccard(x: Counter, y: Counter) -> float:
    union = sum((x | y).values())
    return sum((x & y).values()) / union if union else 1.0


def _show(change: Counter, limit: int = 8) -> str:
    items = sorted(change.elements(), key=lambda st: st[0])
    text = " ".join(f"{sign}{tok}" for sign, tok in items[:limit])
    return (text + " …") if len(items) > limit else (text or "nothing")


def _change_mask(before: np.ndarray, after: np.ndarray, threshold: int) -> np.ndarray:
    if before.shape != after.shape:  # a resized video frame; compare at the after-frame's size
        before = cv2.resize(before, (after.shape[1], after.shape[0]), interpolation=cv2.INTER_AREA)
    return (cv2.absdiff(before, after).max(axis=2) > threshold)


def _region(mask: np.ndarray, cfg: FunctionalConfig) -> np.ndarray:
    radius = int(round(cfg.region_dilation * mask.shape[1]))
    if radius <= 0 or not mask.any():
        return mask
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


def _colour_signature(frame: np.ndarray, mask: np.ndarray, cfg: FunctionalConfig) -> np.ndarray:
    """EMD signature [mass, L, a, b] of the frame's colours under the mask."""
    stride = max(1, int(np.ceil(np.sqrt(np.count_nonzero(mask) / cfg.colour_max_samples))))
    pixels = frame[::stride, ::stride][mask[::stride, ::stride]]  # an even grid keeps the proportions
    lab = cv2.cvtColor((pixels.astype(np.float32) / 255.0)[None], cv2.COLOR_RGB2Lab)[0]
    bins = np.floor((lab + [0.0, 128.0, 128.0]) / np.asarray(cfg.colour_bin_lab, np.float32)).astype(np.int64)
    codes = (bins[:, 0] * 64 + bins[:, 1]) * 64 + bins[:, 2]
    uniq, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    means = np.stack([np.bincount(inverse, lab[:, c], len(uniq)) for c in range(3)], axis=1) / counts[:, None]
    keep = np.argsort(-counts, kind="stable")[: cfg.colour_max_bins]
    mass = counts[keep] / counts[keep].sum()
    return np.column_stack([mass, means[keep]]).astype(np.float32)


def _colour_similarity(ref_frame: np.ndarray, ref_mask: np.ndarray, cand_frame: np.ndarray, cand_mask: np.ndarray,
                       cfg: FunctionalConfig) -> tuple[float, float]:
    emd, _, _ = cv2.EMD(_colour_signature(ref_frame, ref_mask, cfg), _colour_signature(cand_frame, cand_mask, cfg),
                        cv2.DIST_L2)
    return float(np.clip(1.0 - emd / cfg.colour_emd_max, 0.0, 1.0)), float(emd)


def _size_similarity(ref_fraction: float, cand_fraction: float, cfg: FunctionalConfig) -> float:
    if min(ref_fraction, cand_fraction) <= 0:
        return 0.0
    log_ratio = abs(np.log(cand_fraction / ref_fraction))
    return float(np.clip(1.0 - log_ratio / np.log(cfg.size_ratio_max), 0.0, 1.0))


@dataclass
class StepScore:
    """How one step of the candidate compares with the reference's."""

    index: int
    """Position of the step in the (time-sorted) script."""
    similarity: float
    """In [0, 1]; 0 when the step could not be performed."""
    passed: bool
    """similarity ≥ `pass_threshold`."""
    reason: str = ""
    """Why the step failed ("" when it passed); goes to the env's `info`."""
    components: dict[str, float] = field(default_factory=dict)
    """The present components (effect, text, colour, size) and measurements (changed shares, EMD)."""
    scored: bool = True
    """False when the reference's own step could not be performed: it counts for neither side."""


def compare_step(index: int, ref_before: PageState, ref_after: PageState, cand_before: PageState,
                 cand_after: PageState, config: FunctionalConfig | None = None) -> StepScore:
    """Similarity of what one step changed on the reference and on the candidate (see the module docstring)."""
    cfg = config or FunctionalConfig()
    if any(s.frame is None for s in (ref_before, ref_after, cand_before, cand_after)):
        return StepScore(index, 0.0, False, "no frame recorded for this step")
    use_text = all(s.text is not None for s in (ref_before, ref_after, cand_before, cand_after))
    ref_text = _text_change(ref_before.text, ref_after.text) if use_text else Counter()  # type: ignore[arg-type]
    cand_text = _text_change(cand_before.text, cand_after.text) if use_text else Counter()  # type: ignore[arg-type]
    ref_mask = _change_mask(ref_before.frame, ref_after.frame, cfg.pixel_threshold)  # type: ignore[arg-type]
    cand_mask = _change_mask(cand_before.frame, cand_after.frame, cfg.pixel_threshold)  # type: ignore[arg-type]
    ref_frac, cand_frac = float(ref_mask.mean()), float(cand_mask.mean())
    measured = {"ref_changed_share": ref_frac, "cand_changed_share": cand_frac}
    ref_changed = bool(ref_text) or ref_frac > cfg.min_change_fraction
    cand_changed = bool(cand_text) or cand_frac > cfg.min_change_fraction

    if not ref_changed:
        if cand_text:
            return StepScore(index, 0.0, False, f"the reference step changes nothing but the candidate's text changed "
                             f"({_show(cand_text)})", {"effect": 0.0, **measured})
        span = max(cfg.max_spurious_fraction - cfg.min_change_fraction, 1e-12)
        effect = float(np.clip(1.0 - (cand_frac - cfg.min_change_fraction) / span, 0.0, 1.0))
        passed = effect >= cfg.pass_threshold
        reason = "" if passed else (f"the reference step changes nothing but the candidate changed "
                                    f"{cand_frac:.1%} of the viewport")
        return StepScore(index, effect, passed, reason, {"effect": effect, **measured})
    if not cand_changed:
        what = f"text {_show(ref_text)}, " if ref_text else ""
        return StepScore(index, 0.0, False, f"no visible effect (the reference's step changed {what}"
                         f"{ref_frac:.1%} of the viewport)", {"effect": 0.0, **measured})

    parts: dict[str, tuple[float, float]] = {}  # name -> (similarity, weight)
    reasons: list[str] = []
    if ref_text or cand_text:
        text_sim = _jaccard(ref_text, cand_text)
        parts["text"] = (text_sim, cfg.text_weight)
        if text_sim < cfg.pass_threshold:
            reasons.append(f"text changed by {_show(cand_text)}, expected {_show(ref_text)}")
    ref_region, cand_region = _region(ref_mask, cfg), _region(cand_mask, cfg)
    ref_area, cand_area = float(ref_region.mean()), float(cand_region.mean())
    measured.update(ref_region_share=ref_area, cand_region_share=cand_area)
    if ref_frac > 0 and cand_frac > 0:
        colour_sim, emd = _colour_similarity(ref_after.frame, ref_region, cand_after.frame, cand_region, cfg)  # type: ignore[arg-type]
        parts["colour"] = (colour_sim, cfg.colour_weight)
        measured["colour_emd"] = emd
        if colour_sim < cfg.pass_threshold:
            reasons.append(f"the changed region's colours differ (EMD {emd:.1f} ΔE)")
    if ref_frac > 0 or cand_frac > 0:
        size_sim = _size_similarity(ref_area, cand_area, cfg)
        parts["size"] = (size_sim, cfg.size_weight)
        if size_sim < cfg.pass_threshold:
            reasons.append(f"the changed region covers {cand_area:.1%} of the viewport, expected {ref_area:.1%}")
    # Both sides changed, so at least the size component is present.
    total_weight = sum(w for _, w in parts.values()) or 1.0
    similarity = float(np.exp(sum(w * np.log(max(s, cfg.component_floor)) for s, w in parts.values()) / total_weight))
    passed = similarity >= cfg.pass_threshold
    reason = "" if passed else ("; ".join(reasons) or f"similarity {similarity:.2f} below {cfg.pass_threshold}")
    return StepScore(index, similarity, passed, reason, {**{k: s for k, (s, _) in parts.items()}, **measured})


# --------------------------------------------------------------------------- whole replay


@dataclass
class FunctionalResult:
    """The functional score of one candidate and how each step went."""

    score: float
    """Share of scored steps that passed (1.0 for a script without scorable steps)."""
    steps: list[StepScore]
    """One per script step, in time order."""
    mean_similarity: float = 1.0
    """Mean per-step similarity: a denser signal than the pass rate, for shaping."""

    @property
    def similarities(self) -> list[float]:
        return [s.similarity for s in self.steps]

    @property
    def passed(self) -> list[bool]:
        return [s.passed for s in self.steps]

    @property
    def reasons(self) -> list[str]:
        return [s.reason for s in self.steps]

    def info(self) -> dict[str, Any]:
        """JSON-friendly summary for an env's `info`."""
        return {
            "functional_score": self.score,
            "functional_mean_similarity": round(self.mean_similarity, 4),
            "functional_steps": [
                {"index": s.index, "similarity": round(s.similarity, 4), "passed": s.passed, "scored": s.scored,
                 "reason": s.reason} for s in self.steps
            ],
        }


def _result(steps: list[StepScore]) -> FunctionalResult:
    scored = [s for s in steps if s.scored]
    if not scored:
        return FunctionalResult(1.0, steps, 1.0)
    return FunctionalResult(float(np.mean([s.passed for s in scored])), steps,
                            float(np.mean([s.similarity for s in scored])))


def score_replay(reference: ReplayStates, candidate: ReplayStates, config: FunctionalConfig | None = None,
                 *, frames_only: bool = False, n_steps: int | None = None) -> FunctionalResult:
    """Compare two replays of the same script step by step.

    `frames_only` ignores text on both sides; `n_steps` (the script's length, default the
    reference's) lists steps a truncated reference never reached, as not scored.
    """
    cfg = config or FunctionalConfig()

    def state(side: ReplayStates, k: int) -> PageState | None:
        if k >= len(side.states):
            return None
        s = side.states[k]
        return PageState(None, s.frame) if frames_only else s

    steps: list[StepScore] = []
    for i in range(reference.n_steps if n_steps is None else n_steps):
        unusable = _unusable_reference_step(reference, i)
        if unusable is not None:
            steps.append(unusable)
            continue
        ref_before, ref_after = state(reference, i), state(reference, i + 1)
        assert ref_before is not None and ref_after is not None
        if i >= candidate.n_steps:
            steps.append(StepScore(i, 0.0, False, f"the candidate's render stopped before this step "
                                   f"({candidate.status})"))
            continue
        if not candidate.ok[i]:
            steps.append(StepScore(i, 0.0, False, f"target not found on the candidate: {candidate.errors[i]}"))
            continue
        cand_before, cand_after = state(candidate, i), state(candidate, i + 1)
        if cand_before is None or cand_after is None:
            steps.append(StepScore(i, 0.0, False, f"the candidate's render stopped during this step "
                                   f"({candidate.status})"))
            continue
        steps.append(compare_step(i, ref_before, ref_after, cand_before, cand_after, cfg))
    return _result(steps)


def _unusable_reference_step(reference: ReplayStates, i: int) -> StepScore | None:
    """A not-scored entry when the reference itself has no usable state for step i."""
    if i < reference.n_steps and not reference.ok[i]:
        return StepScore(i, 0.0, False, f"reference step failed ({reference.errors[i]}); not scored", scored=False)
    if i >= reference.n_steps or i + 1 >= len(reference.states):
        return StepScore(i, 0.0, False, "the reference has no state for this step; not scored", scored=False)
    return None


ReferenceLike = Union[Page, str, RenderResult, Sequence[StepResult], ReferenceVideo, ReplayStates]


def _default_duration(steps: list[Interaction], cfg: FunctionalConfig, video: ReferenceVideo | None) -> float:
    end = (steps[-1].t if steps else 0.0) + cfg.settle_s
    if video is not None and len(video.timestamps):
        end = max(end, float(video.timestamps[-1]))
    return end


def _default_renderer() -> RenderBackend:
    from v2c.render import default_pool  # started only when no renderer is given
    return default_pool()


async def _reference_states(reference: ReferenceLike, steps: list[Interaction], renderer: RenderBackend,
                            duration: float, fps: float, viewport: Viewport) -> ReplayStates:
    if isinstance(reference, (Page, str)):
        result = await renderer.render_async(reference, duration, fps, viewport, with_baseline_step(steps))
        return states_from_render(result, len(steps), baseline=True)
    if isinstance(reference, ReplayStates):
        return reference
    if isinstance(reference, ReferenceVideo):
        return states_from_video(reference, [s.t for s in steps])
    return states_from_render(reference, len(steps))


async def functional_score(reference_page_or_steps: ReferenceLike, candidate_page: Page | str,
                           script: Sequence[Interaction | dict], renderer: RenderBackend | None = None,
                           duration_s: float | None = None, fps: float = 2.0, viewport: Viewport = (512, 384),
                           config: FunctionalConfig | None = None) -> FunctionalResult:
    """Render what is needed with `with_baseline_step(script)` and score the candidate's behaviour.

    `reference_page_or_steps`: a `Page`/HTML (rendered here, concurrently with the candidate), a
    `RenderResult` or its `steps` (rendered with `with_baseline_step(script)`, or see
    `states_from_render`), a `ReferenceVideo` (frame-only comparison), or ready `ReplayStates`.
    `duration_s` defaults to `settle_s` past the last step (and at least the video's length); the
    frames themselves are not scored, so a low `fps` only saves time. Reference and candidate must
    be rendered with the same duration, fps and viewport for their states to be comparable.
    """
    cfg = config or FunctionalConfig()
    renderer = renderer or _default_renderer()
    steps = _as_steps(script)
    video = reference_page_or_steps if isinstance(reference_page_or_steps, ReferenceVideo) else None
    duration = duration_s if duration_s is not None else _default_duration(steps, cfg, video)
    reference, cand_result = await asyncio.gather(
        _reference_states(reference_page_or_steps, steps, renderer, duration, fps, viewport),
        renderer.render_async(candidate_page, duration, fps, viewport, with_baseline_step(steps)),
    )
    candidate = states_from_render(cand_result, len(steps), baseline=True)
    return score_replay(reference, candidate, cfg, frames_only=video is not None, n_steps=len(steps))


# --------------------------------------------------------------------------- judge model (paper protocol)


@dataclass(frozen=True)
class GroundedAction:
    """One action in the paper's grammar, grounded on an element id of the DOM summary."""

    kind: str
    """click, enter, select, scroll, or none (no matching element)."""
    element: int | None = None
    """Id in the DOM summary; None for `scroll[]` (page bottom) and `none`."""
    value: str | None = None
    """Text to enter or option to select."""

    def to_interaction(self, t: float, dom: Sequence[dict[str, Any]], viewport: Viewport) -> Interaction | None:
        """The renderer's equivalent; None for `none` or an id not in the summary."""
        if self.kind == "none":
            return None
        if self.kind == "scroll" and self.element is None:  # scroll[]: to the bottom; scrollBy clamps
            return Interaction("scroll", t, None, [0, 10**6])
        node = next((n for n in dom if n.get("id") == self.element), None)
        if node is None:
            return None
        if self.kind == "scroll":  # bring the element to the middle of the viewport
            _, y, _, h = node["address"]
            return Interaction("scroll", t, None, [0, int(y + h / 2 - viewport[1] / 2)])
        target = {"selector": node["selector"]}
        if self.kind == "click":
            return Interaction("click", t, target)
        if self.kind == "enter":  # typed as a person would (the renderer clicks, then types)
            return Interaction("type", t, target, self.value or "")
        if self.kind == "select":
            return Interaction("select", t, target, self.value or "")
        return None


@dataclass(frozen=True)
class JudgeVerdict:
    """The judge's comparison of expected and actual after-states."""

    visual_score: int
    """0–100, or −1 when the judge found the pages incomparable."""
    success: bool
    """Whether the operation took effect as expected."""
    text: str = ""
    """The judge's answer, for the reasons."""


_BOXED = re.compile(r"\\boxed\{(.*)\}", re.S)
_ACTION = re.compile(r"^\s*(click|enter|select|scroll)\s*\[\s*(\d*)\s*\](?:\s*\[(.*)\])?\s*$", re.S | re.I)


def parse_action(answer: str) -> list[GroundedAction]:
    """Parse `\\boxed{click[3]}` (or `click[1]; click[4]`, `None`) from a grounding answer."""
    boxes = _BOXED.findall(answer)
    body = boxes[-1] if boxes else answer.strip().splitlines()[-1] if answer.strip() else "None"
    # A greedy match may swallow a later brace pair; the instruction never contains '}'.
    body = body.split("}")[0].strip()
    if body.lower() in ("none", ""):
        return [GroundedAction("none")]
    actions = []
    for part in body.split(";"):
        m = _ACTION.match(part)
        if not m:
            return [GroundedAction("none")]
        kind, element, value = m.group(1).lower(), m.group(2), m.group(3)
        actions.append(GroundedAction(kind, int(element) if element else None, value))
    return actions


_SCORE = re.compile(r"\\score\{\s*(-?\d+)\s*\}")
_PASSED = re.compile(r"\\passed\{\s*(success|failed)\s*\}", re.I)


def parse_verdict(answer: str) -> JudgeVerdict:
    """Parse `\\score{N}` and `\\passed{success|failed}`; an unparsable answer is a failure."""
    score = _SCORE.findall(answer) or re.findall(r"visual score\D{0,10}(-?\d+)", answer, re.I)
    passed = _PASSED.findall(answer) or re.findall(r"\b(success|failed)\b", answer, re.I)
    return JudgeVerdict(int(score[-1]) if score else -1, bool(passed) and passed[-1].lower() == "success",
                        answer.strip()[:500])


class FunctionalJudge(Protocol):
    """A model that grounds a step on the candidate's DOM and judges its outcome."""

    def ground(self, dom: Sequence[dict[str, Any]], description: str,
               frames: Sequence[np.ndarray] = ()) -> list[GroundedAction]: ...

    def verdict(self, description: str, expected: Sequence[np.ndarray],
                actual: Sequence[np.ndarray]) -> JudgeVerdict: ...


_GROUND_PROMPT = """You replay a user interaction on a replicated web page.
The interaction on the original page: {description}
{frames_note}
Below is the DOM summary of the replicated page: one JSON object per element, with id (use it in
your answer), tag, attrs, visible_text, address [x, y, w, h] in viewport pixels, can_interact,
input_value and options.

Answer with exactly one of, wrapped in \\boxed{{}}:
click[id] | enter[id][text] | select[id][option text] | scroll[id] | scroll[] (to the page bottom) |
click[id1]; click[id2] (only for a custom dropdown with no <select>) | None (nothing matches).
Explain briefly, then give the answer.

## DOM summary
{dom}"""

_VERDICT_PROMPT = """You judge whether an interaction was replicated.
The interaction: {description}
Group 1 (expected, the original page): the images before and after the interaction.
Group 2 (actual, the replicated page): the images before and after the same interaction.
Compare the pages after the interaction; ignore differences already present before it.
Visual score: an integer 0-100 for how alike the two after-states look (-1 if incomparable).
Functional score: success if the interaction took the intended effect on the replicated page,
failed if it had no effect or the wrong one.
Explain briefly, then write both on separate lines: \\score{{N}} and \\passed{{success}} or \\passed{{failed}}."""


def _png_data_url(frame: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("could not encode a frame as PNG")
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode()


class OpenAIJudge:
    """A judge behind an OpenAI-compatible `/v1/chat/completions` endpoint (standard library only).

    The API key comes from `api_key`, else $V2C_JUDGE_API_KEY, else $OPENAI_API_KEY; with none, no
    Authorization header is sent (local servers). Transport errors, 429 and 5xx are retried
    `retries` times with exponential backoff.
    """

    def __init__(self, base_url: str = "https://api.openai.com/v1", model: str = "gpt-4o", api_key: str | None = None,
                 timeout: float = 120.0, retries: int = 2, backoff_s: float = 1.0, temperature: float = 0.0,
                 max_tokens: int = 1024) -> None:
        base = base_url.rstrip("/")
        self.url = (base if base.endswith("/v1") else base + "/v1") + "/chat/completions"
        self.model = model
        self.api_key = api_key or os.environ.get("V2C_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self.timeout = timeout
        self.retries = retries
        self.backoff_s = backoff_s
        self.temperature = temperature
        self.max_tokens = max_tokens

    def chat(self, content: list[dict[str, Any]]) -> str:
        """One user message (text and image parts) in, the assistant's text out."""
        body = json.dumps({
            "model": self.model, "messages": [{"role": "user", "content": content}],
            "temperature": self.temperature, "max_tokens": self.max_tokens,
        }).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        last_error: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    reply = json.loads(response.read())
                message = reply["choices"][0]["message"]["content"]
                if isinstance(message, list):  # some servers answer in parts
                    message = "".join(p.get("text", "") for p in message if isinstance(p, dict))
                return str(message or "")
            except urllib.error.HTTPError as error:
                last_error = error
                if error.code != 429 and error.code < 500:
                    break  # a client error will not improve by asking again
            except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, IndexError) as error:
                last_error = error
        raise RuntimeError(f"judge request to {self.url} failed: {last_error}")

    def ground(self, dom: Sequence[dict[str, Any]], description: str,
               frames: Sequence[np.ndarray] = ()) -> list[GroundedAction]:
        shown = [{k: v for k, v in node.items() if k != "selector"} for node in dom]
        note = ("The images are the original page before and after the interaction, then the replicated page now."
                if frames else "")
        content: list[dict[str, Any]] = [{"type": "text", "text": _GROUND_PROMPT.format(
            description=description, frames_note=note, dom="\n".join(json.dumps(n) for n in shown))}]
        content += [{"type": "image_url", "image_url": {"url": _png_data_url(f)}} for f in frames]
        return parse_action(self.chat(content))

    def verdict(self, description: str, expected: Sequence[np.ndarray], actual: Sequence[np.ndarray]) -> JudgeVerdict:
        content: list[dict[str, Any]] = [{"type": "text", "text": _VERDICT_PROMPT.format(description=description)}]
        for label, group in (("Group 1 (expected)", expected), ("Group 2 (actual)", actual)):
            content.append({"type": "text", "text": label})
            content += [{"type": "image_url", "image_url": {"url": _png_data_url(f)}} for f in group]
        return parse_verdict(self.chat(content))


# The renderer returns only visible text and frames, so the DOM summary travels as text: a key
# chord nobody binds makes this script prepend the summary, as one JSON line, to the page's text.
_PROBE_KEY = "Control+Alt+Shift+F12"
_PROBE_MARK = "__V2C_DOM__"
_PROBE_SCRIPT = """<script>(() => {
window.addEventListener('keydown', (e) => {
  if (!(e.key === 'F12' && e.ctrlKey && e.altKey && e.shiftKey)) return;
  e.stopImmediatePropagation();
  const norm = (s) => String(s == null ? '' : s).replace(/\\s+/g, ' ').trim();
  const path = (el) => {
    const parts = [];
    for (let n = el; n && n !== document.body; n = n.parentElement) {
      parts.unshift(n.tagName.toLowerCase() + ':nth-child(' + ([...n.parentElement.children].indexOf(n) + 1) + ')');
    }
    return ['body', ...parts].join(' > ');
  };
  const interactive = (el) => ['a', 'button', 'input', 'select', 'textarea', 'summary', 'label', 'option']
    .includes(el.tagName.toLowerCase()) || el.hasAttribute('role') || el.hasAttribute('onclick')
    || el.hasAttribute('tabindex') || el.isContentEditable || getComputedStyle(el).cursor === 'pointer';
  const ownText = (el) => norm([...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join(' '));
  const nodes = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (['script', 'style', 'option', 'noscript'].includes(el.tagName.toLowerCase())) continue;
    const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    if (r.width <= 0 || r.height <= 0 || cs.visibility === 'hidden' || cs.display === 'none') continue;
    const can = interactive(el);
    if (!can && !ownText(el)) continue;
    const attrs = {};
    for (const a of ['id', 'class', 'type', 'name', 'placeholder', 'aria-label', 'role', 'href', 'title'])
      if (el.hasAttribute(a)) attrs[a] = norm(el.getAttribute(a)).slice(0, 60);
    const node = { id: nodes.length, tag: el.tagName.toLowerCase(), attrs,
      visible_text: norm(el.innerText).slice(0, 80), address: [r.left, r.top, r.width, r.height].map(Math.round),
      can_interact: can, selector: path(el) };
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) node.input_value = String(el.value).slice(0, 60);
    if (el.tagName === 'SELECT') node.options = [...el.options].map((o) => norm(o.textContent).slice(0, 40));
    nodes.push(node);
  }
  // The renderer keeps 20,000 characters of text: shed text-only elements, then the tail.
  let keep = nodes, json = JSON.stringify(keep);
  if (json.length > 18000) { keep = nodes.filter((n) => n.can_interact); json = JSON.stringify(keep); }
  while (json.length > 18000 && keep.length) {
    keep = keep.slice(0, Math.floor(keep.length * 0.8)); json = JSON.stringify(keep);
  }
  const pre = document.createElement('pre');
  pre.style.cssText = 'position:fixed;top:0;left:0;z-index:2147483647;white-space:pre;font:1px monospace;margin:0';
  pre.textContent = '__V2C_DOM__' + json;
  document.body.prepend(pre);
}, true);
})();</script>"""


def _with_probe(page: Page | str) -> Page:
    page = page if isinstance(page, Page) else Page(html=page)
    # Appended after everything: the parser moves a trailing script into <body>, and it only listens.
    return Page(html=page.html + _PROBE_SCRIPT, files=page.files)


async def dom_summary(page: Page | str, prefix: Sequence[Interaction], t: float, renderer: RenderBackend,
                      viewport: Viewport = (512, 384)) -> tuple[list[dict[str, Any]], np.ndarray | None]:
    """The candidate's DOM summary (paper's fields + a CSS path) and screenshot at time `t`, after `prefix`.

    Rendered fresh each time: the renderer is deterministic, so the same prefix gives the same DOM
    in the scored render, and the CSS paths stay valid there.
    """
    probe = list(prefix) + [Interaction("wait", t), Interaction("press", t, None, _PROBE_KEY)]
    # One frame suffices: steps after the last frame still run, each at its own virtual time.
    result = await renderer.render_async(_with_probe(page), 0.1, 10.0, viewport, probe)
    if len(result.steps) < len(probe) or not result.steps[-1].ok:
        return [], None
    text = result.steps[-1].text_after
    start = text.find(_PROBE_MARK)
    if start < 0:
        return [], result.steps[-2].frame_after
    line = text[start + len(_PROBE_MARK):].split("\n", 1)[0]
    try:
        nodes = json.loads(line)
    except json.JSONDecodeError:
        nodes = []
    return nodes, result.steps[-2].frame_after


def describe_step(step: Interaction) -> str:
    """A plain-language description of a scripted step, for the judge."""
    target = json.dumps(dict(step.target)) if step.target else "the page"
    value = f" with value {json.dumps(step.value)}" if step.value is not None else ""
    verbs = {"type": "type into", "select": "select an option of", "press": "press a key on"}
    verb = verbs.get(step.action, step.action)
    return f"{verb} the element matching {target}{value}"


async def judge_functional_score(reference_page_or_steps: ReferenceLike, candidate_page: Page | str,
                                 script: Sequence[Interaction | dict], renderer: RenderBackend | None,
                                 judge: FunctionalJudge, duration_s: float | None = None, fps: float = 2.0,
                                 viewport: Viewport = (512, 384), descriptions: Sequence[str] | None = None,
                                 config: FunctionalConfig | None = None) -> FunctionalResult:
    """The paper's protocol: judge-grounded actions on the candidate, judge-compared outcomes.

    Per step i: render the candidate with the actions grounded so far and read its DOM summary at
    step i's time; the judge picks the action; then one render replays all grounded actions (state
    carries) and the judge compares expected vs actual before/after frames. Score = share of
    `success`; a step's similarity is the visual score / 100. `n + 1` renders and `2n` judge calls.
    """
    cfg = config or FunctionalConfig()
    renderer = renderer or _default_renderer()
    steps = _as_steps(script)
    video = reference_page_or_steps if isinstance(reference_page_or_steps, ReferenceVideo) else None
    duration = duration_s if duration_s is not None else _default_duration(steps, cfg, video)
    reference = await _reference_states(reference_page_or_steps, steps, renderer, duration, fps, viewport)
    texts = list(descriptions) if descriptions is not None else [describe_step(s) for s in steps]

    def ref_frames(i: int) -> list[np.ndarray]:
        pair = reference.states[i: i + 2]
        return [s.frame for s in pair if s.frame is not None]

    # Ground step by step: each action is chosen on the DOM the previous actions left.
    grounded: list[list[Interaction]] = []
    notes: list[str] = []
    for i, step in enumerate(steps):
        prefix = [x for group in grounded for x in group]
        dom, screenshot = await dom_summary(candidate_page, prefix, step.t, renderer, viewport)
        frames = ref_frames(i) + ([screenshot] if screenshot is not None else [])
        actions = await asyncio.to_thread(judge.ground, dom, texts[i], frames)
        group = [a.to_interaction(step.t, dom, viewport) for a in actions]
        if not group or any(x is None for x in group):
            grounded.append([])
            notes.append(f"the judge found no element for this step ({', '.join(a.kind for a in actions)})")
        else:
            grounded.append([x for x in group if x is not None])
            notes.append("")

    # A step without an action still gets a slot (a wait), so every step has a recorded state.
    replay: list[Interaction] = [Interaction("wait", steps[0].t)] if steps else []
    last_of_step: list[int] = []
    for step, group in zip(steps, grounded, strict=True):
        replay += group or [Interaction("wait", step.t)]
        last_of_step.append(len(replay) - 1)
    cand_result = await renderer.render_async(candidate_page, duration, fps, viewport, replay)
    rs = cand_result.steps

    def cand_state(k: int) -> np.ndarray | None:
        return rs[k].frame_after if k < len(rs) else None

    scores: list[StepScore] = []
    for i in range(len(steps)):
        unusable = _unusable_reference_step(reference, i)
        if unusable is not None:
            scores.append(unusable)
            continue
        if notes[i]:
            scores.append(StepScore(i, 0.0, False, notes[i]))
            continue
        first = last_of_step[i] - len(grounded[i]) + 1
        performed = all(k < len(rs) and rs[k].ok for k in range(first, last_of_step[i] + 1))
        before, after = cand_state(first - 1), cand_state(last_of_step[i])
        if not performed or before is None or after is None:
            errors = "; ".join(rs[k].error for k in range(first, min(last_of_step[i] + 1, len(rs))) if rs[k].error)
            scores.append(StepScore(i, 0.0, False,
                                    f"the grounded action could not be performed: {errors or cand_result.reason}"))
            continue
        verdict = await asyncio.to_thread(judge.verdict, texts[i], ref_frames(i), [before, after])
        similarity = max(verdict.visual_score, 0) / 100.0
        reason = "" if verdict.success else f"judge: failed (visual {verdict.visual_score}): {verdict.text[-200:]}"
        scores.append(StepScore(i, similarity, verdict.success, reason,
                                {"visual_score": float(verdict.visual_score)}))
    return _result(scores)
