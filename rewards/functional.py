"""Functional score: does the candidate page *behave* like the reference under the same interactions?

(Over 400 lines: replay states, the per-step comparison of text, colour and size, and the score registered from them: one rule, read in one place.)

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
   (difflib over the word/punctuation tokens of before vs after), as a multiset of signed
   tokens; similarity = Jaccard of the reference's and the candidate's multisets, with partial
   credit for the tokens left unmatched (`_soft_jaccard`). "+1 −0" vs "+2 −0" scores 1/3: a
   counter that adds 2, or a to-do item with the wrong words, fails here even though its pixels
   barely differ. Text is compared exactly up to whitespace: visible text is split into words
   (runs of word characters) and single punctuation marks, so any run of spaces, tabs, line breaks or non-breaking
   spaces only separates tokens and layout does not matter; case, digits, punctuation and accents
   all count ("BUY MILK" is not "Buy milk": the text a page shows is part of its behaviour,
   `text-transform` included). An unmatched token of the candidate is paired with an unmatched
   one of the same sign in the reference, and the pair earns its difflib character similarity
   (case-sensitive): "BUY MILK" for "Buy milk" gets 0.09, not a pass and not a plain 0.
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

The paper's judge-model protocol lives in `rewards/judge.py`.
"""
from __future__ import annotations

import asyncio
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence, Union

import cv2
import numpy as np

from v2c.render import Interaction, Page, RenderResult, StepResult
from v2c.render.pool import RenderBackend, Viewport

from .score import CandidateClip, ReferenceClip, ScoreResult

if TYPE_CHECKING:
    from .config import RewardConfig

__all__ = [
    "FunctionalConfig", "PageState", "ReplayStates", "ReferenceVideo", "StepScore", "FunctionalResult",
    "with_baseline_step", "states_from_render", "states_from_video", "compare_step", "score_replay",
    "functional_score", "FunctionalScore",
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
    """Signed tokens the step added (+) and removed (−), exactly (case included).

    Lines are diffed first (cheap, and a step's change is usually a few lines), then the tokens of
    each changed block, so a line that only changed a digit contributes just that digit.
    """
    a_lines, b_lines = before.splitlines(), after.splitlines()
    change: Counter = Counter()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False).get_opcodes():
        if op != "equal":
            _token_diff(_TOKEN.findall("\n".join(a_lines[i1:i2])), _TOKEN.findall("\n".join(b_lines[j1:j2])), change)
    return change


def _soft_jaccard(x: Counter, y: Counter) -> float:
    """Multiset Jaccard |x ∩ y| / |x ∪ y| where, after the exact matches, each leftover token of y
    is paired with the most similar leftover token of x of the same sign (greedily, best pairs
    first) and the pair counts as that much of a match: difflib's character ratio, case-sensitive."""
    exact = x & y
    left_x, left_y = list((x - exact).elements()), list((y - exact).elements())
    pairs = sorted(((difflib.SequenceMatcher(None, a[1], b[1], autojunk=False).ratio(), i, j)
                    for i, a in enumerate(left_x) for j, b in enumerate(left_y) if a[0] == b[0]), reverse=True)
    used_x, used_y, partial = set(), set(), 0.0
    for ratio, i, j in pairs:
        if ratio > 0 and i not in used_x and j not in used_y:
            used_x.add(i)
            used_y.add(j)
            partial += ratio
    matched = sum(exact.values()) + partial
    union = sum(x.values()) + sum(y.values()) - matched
    return matched / union if union else 1.0


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
        text_sim = _soft_jaccard(ref_text, cand_text)
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


# --------------------------------------------------------------------------- the reward component


@dataclass(frozen=True)
class _FunctionalReference:
    script_steps: int
    states: ReplayStates
    frames_only: bool


class FunctionalScore:
    """`functional` in the reward (`v2c.rewards.score.Score`): the reference's interaction script replayed
    on the candidate, step by step. Applies only to references with a script (None otherwise).

    Details: `FunctionalResult.info()` (per-step similarity, pass, reason)."""

    name = "functional"
    needs_motion = False
    backend = "replay"

    def __init__(self, config: "RewardConfig") -> None:
        self.config: FunctionalConfig = config.score_options(self.name)

    def prepare(self, reference: ReferenceClip) -> _FunctionalReference | None:
        if not reference.interactions:
            return None
        n = len(reference.interactions)
        if reference.render is not None:
            return _FunctionalReference(n, states_from_render(reference.render, n, baseline=True), frames_only=False)
        if reference.video is None:
            raise ValueError("a reference with interactions needs its render or its recording")
        # A recording and its step times only: steps are compared on pixels.
        states = states_from_video(ReferenceVideo.from_video(reference.video), [s.t for s in reference.interactions])
        return _FunctionalReference(n, states, frames_only=True)

    def score(self, prepared: _FunctionalReference, candidate: CandidateClip) -> ScoreResult:
        replay = score_replay(prepared.states, states_from_render(candidate.render, prepared.script_steps, baseline=True),
                              self.config, frames_only=prepared.frames_only)
        return ScoreResult(replay.score, replay.info())
