"""Render a candidate page and score it against a reference: the reward RL optimises.

`RewardScorer` is the one place where the renderer, the scores and the gates meet. A reference
(a page to render, or a video) is prepared once — its source video (`v2c.rewards.reference`: a page is
rendered once per machine, kept on disk) resampled to the comparison rate, cropped, embedded, tracked —
and kept in an in-memory cache keyed by its content hash, so the candidates of a GRPO group only pay for their
own render and scoring. Scoring runs on worker threads, so `score_many_async` renders and scores a
whole group concurrently.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from v2c.render import Interaction, Page, RenderBackend, RenderConfig, RenderResult, default_pool
from v2c.memo import AsyncMemo
from v2c.video import Video, resample, resize_frames

from . import gates
from .breakdown import GateHit, RewardBreakdown
from .config import RewardConfig
from .functional import with_baseline_step
from .reference import (CACHE_VERSION, Alignment, Reference, ReferenceCache, ReferenceRenderError,
                        frames_depend_on_seed, pixel_recipe, reference_source)
from .recording import HELD_RECIPE, frame_differences, held_frames, repeated_pictures
from .registry import make_score
from .score import CandidateClip, ReferenceClip, Score


@dataclass
class PreparedReference:
    """A reference with everything candidates are compared against computed once."""

    reference: Reference
    clip: ReferenceClip
    """What every score saw of the reference."""
    source: Video
    """The source video at its own rate (`v2c.rewards.reference.source_video`): what episodes cut clips from."""
    prepared: dict[str, Any]
    """Score name → what that score's `prepare` returned (None: the score does not apply)."""
    script: list[Interaction] = field(default_factory=list)
    """The interaction script as rendered (with a leading baseline step), replayed on every candidate."""
    start_s: float = 0.0
    """Virtual time every candidate's first frame is rendered at: the recording's phase on the page's clock, when
    it was aligned to its page (`RewardConfig.align_recording`), else 0."""
    shown: tuple[int, ...] | None = None
    """Per reference frame, the candidate frame it is compared with, where an aligned recording held older pictures
    (`v2c.rewards.recording.held_frames`); None: frame k with frame k."""

    @property
    def frames(self) -> np.ndarray:
        return self.clip.frames

    @property
    def moving(self) -> bool:
        """Whether anything on the reference changes between frames (static candidates are gated only then)."""
        return self.clip.moving


class RewardScorer:
    """Scores candidate pages against references with the scores, weights and gates of a `RewardConfig`.

    Every score named in `config.weights` is built from the registry (`v2c.rewards.registry`) once.
    """

    def __init__(self, config: RewardConfig | None = None, renderer: RenderBackend | None = None,
                 cache_size: int = 64, reference_cache: ReferenceCache | None = None,
                 use_disk_cache: bool = True) -> None:
        self.config = config or RewardConfig()
        self._renderer = renderer
        self.reference_cache = (reference_cache or ReferenceCache()) if use_disk_cache else None
        """Where rendered reference pages are kept between processes (None: rendered by every scorer)."""
        self.scores: dict[str, Score] = {name: make_score(name, self.config) for name in self.config.weights}
        self._prepared: AsyncMemo[PreparedReference] = AsyncMemo(cache_size)

    @property
    def cache_stats(self) -> dict[str, int]:
        """Requests whose reference was already prepared (or being prepared), and references prepared."""
        return {"reference_hits": self._prepared.hits, "reference_misses": self._prepared.misses}

    @property
    def renderer(self) -> RenderBackend:
        if self._renderer is None:
            self._renderer = default_pool()
        return self._renderer

    def compare_fps(self, reference: Reference) -> float:
        """The rate both videos are rendered and compared at: the reference's, at most `RewardConfig.score_fps`."""
        cap = self.config.score_fps
        return float(reference.fps if cap is None else min(reference.fps, cap))

    @property
    def backends(self) -> dict[str, str]:
        return {name: score.backend for name, score in self.scores.items()}

    # ------------------------------------------------------------------ references

    async def prepare_async(self, reference: Reference, key: str | None = None) -> PreparedReference:
        """The prepared reference, from the cache when this content was seen before. `key`: its `key()`, when
        the caller has it already (a recorded reference's key hashes every frame: 350 MB at Animation2Code's
        setting)."""
        # A GRPO group asks for the same reference at once: it is prepared once.
        return await self._prepared.get(key or reference.key(), lambda: self._prepare_uncached(reference))

    def clear_cache(self) -> None:
        """Forget every prepared reference (the next candidate of each prepares it again)."""
        self._prepared.clear()

    def prepare(self, reference: Reference) -> PreparedReference:
        return run_sync(self.prepare_async(reference))

    async def _prepare_uncached(self, reference: Reference) -> PreparedReference:
        # The one preparation path, whatever process runs it: the source video at the reference's own rate
        # (a page rendered once per machine through the disk cache), resampled to the comparison rate.
        script = with_baseline_step(reference.interactions) if reference.interactions else []
        fps = self.compare_fps(reference)
        source = await reference_source(reference, self.renderer, self.reference_cache)
        rendered = None
        if reference.page is not None and reference.interactions:
            # The functional score reads the page's state after each step of the script (with its baseline).
            rendered = await self.renderer.render_async(reference.page, reference.duration_s, fps,
                                                        reference.viewport, script)
            if not rendered.ok:
                raise ValueError(f"the reference page could not be rendered ({rendered.status.value}): {rendered.reason}")
        seeded = source.depends_on_seed
        if seeded is None and rendered is not None:  # a recording with its page and script: the page's render says
            seeded = await frames_depend_on_seed(self.renderer, rendered, reference.page, reference.duration_s, fps,
                                                 reference.viewport, script)
        phases = self._render_phases(reference, fps)
        if len(phases) == 1:
            return await self._prepare_from(reference, source.video, fps, script, rendered, seeded)
        return await self._aligned(reference, source.video, fps, phases)

    async def _aligned(self, reference: Reference, source: Video, fps: float, phases: list[float]) -> PreparedReference:
        """The recording with the render phase of `phases` that the page that made it matches best
        (`RewardConfig.align_recording`): decided once per recording, page, scores and pixels, then kept on disk.

        A real-time recording's frames show the page at the display's frame times, counted from a first paint
        some frames after the page's animations started: on 39 recorded npm pages (benchmarks/recorded_fidelity.py)
        frame k showed the page at k/30 s plus 17, 50 or -17 ms. Every candidate is rendered at that phase
        (`PreparedReference.start_s`); the recording itself is kept whole, from its first painted frame. Where it
        held an older picture (dropped display frames), candidates are compared through their frame nearest the time
        it shows (`PreparedReference.shown`, `v2c.rewards.recording`)."""
        key = hashlib.sha256(json.dumps(["render-phase+held+seeded", CACHE_VERSION, reference.key(),
                                         pixel_recipe(self.renderer, reference.viewport), repr(self.config),
                                         phases, HELD_RECIPE]).encode()).hexdigest()
        known = self.reference_cache.get_alignment(key) if self.reference_cache is not None else None
        if known is not None and known.start_s in phases:
            prepared = await self._prepare_from(reference, source, fps, [], None, known.depends_on_seed)
            return replace(prepared, start_s=known.start_s, shown=known.shown)
        # One render at the display rate holds every phase's frames: phase j's frame k is its frame k·n + j. It also
        # says whether the page's frames depend on its randomness, which the scores' preparation takes (another
        # random stream is compared without asking where things are, `v2c.rewards.temporal`, `.appearance`): the
        # render comes first.
        n = len(phases)
        own, repeated = await asyncio.gather(
            self.renderer.render_async(reference.page, reference.duration_s, fps * n, reference.viewport),
            asyncio.to_thread(repeated_pictures, source, fps))
        try:
            seeded = await frames_depend_on_seed(self.renderer, own, reference.page, reference.duration_s, fps * n,
                                                 reference.viewport) if own.ok else None
        except ReferenceRenderError:  # rendered once, not with another seed
            seeded = None
        if seeded is None:
            # Not kept on disk: a page that failed to render may render in the next process. Kept in this scorer's
            # memory like any preparation, so the rest of a GRPO group is scored against the same reference.
            return await self._prepare_from(reference, source, fps, [], None)
        prepared = await self._prepare_from(reference, source, fps, [], None, seeded)
        count = max(1, int(round(reference.duration_s * fps)))
        renders = [replace(own, frames=own.frames[j::n][:count], timestamps=own.timestamps[j::n][:count], fps=fps)
                   for j in range(n)]
        # Each phase with the frames the recording held at it: a stall must not pull the phase to where it fits.
        differences = await asyncio.to_thread(frame_differences, prepared.clip.frames, own.frames, n)
        held = [held_frames(differences, repeated, n, j) for j in range(n)]
        totals = await asyncio.gather(*(asyncio.to_thread(
            lambda j: self.score_render(replace(prepared, shown=held[j]), renders[j], 0).total, j) for j in range(n)))
        best = int(np.argmax(totals))
        alignment = Alignment(phases[best], held[best], seeded)
        if self.reference_cache is not None:
            self.reference_cache.put_alignment(key, alignment)
        return replace(prepared, start_s=alignment.start_s, shown=alignment.shown)

    def _render_phases(self, reference: Reference, fps: float) -> list[float]:
        """Virtual start times candidates may be rendered at: 0 only, or, for a recording aligned to its page, every
        display frame (`RenderConfig.display_hz`) within one comparison step."""
        config = getattr(self.renderer, "config", None)
        if not (self.config.align_recording and reference.video is not None and reference.page is not None
                and not reference.interactions and isinstance(config, RenderConfig)):
            return [0.0]
        count = max(1, int(round(config.display_hz / fps)))
        return [j / (fps * count) for j in range(count)]

    async def _prepare_from(self, reference: Reference, source: Video, fps: float, script: list[Interaction],
                            rendered: RenderResult | None, depends_on_seed: bool | None = None) -> PreparedReference:
        frames = resample(source, fps).frames
        config = getattr(self.renderer, "config", None)
        if reference.video is not None and isinstance(config, RenderConfig):
            # compare a recording at the pixels candidates are rendered at
            frames = resize_frames(frames, config.frame_size(reference.viewport))
        clip = ReferenceClip(frames=frames, fps=fps, interactions=tuple(reference.interactions), render=rendered,
                             video=source if reference.video is not None else None,
                             moving=not gates.is_static(frames, self.config), depends_on_seed=depends_on_seed)
        names = list(self.scores)
        prepared = await asyncio.gather(*(asyncio.to_thread(self.scores[n].prepare, clip) for n in names))
        return PreparedReference(reference=reference, clip=clip, source=source, prepared=dict(zip(names, prepared)),
                                 script=script)

    # ------------------------------------------------------------------ candidates

    async def evaluate_async(self, reference: Reference | PreparedReference,
                             candidate: Page | str) -> tuple[RewardBreakdown, RenderResult]:
        """Render `candidate` the way the reference was recorded and score it; also return the render."""
        started = time.perf_counter()
        prepared = reference if isinstance(reference, PreparedReference) else await self.prepare_async(reference)
        page = candidate if isinstance(candidate, Page) else Page(html=str(candidate))
        ref = prepared.reference
        # `start_s` only where a recording was aligned: a render backend written before it existed renders the rest.
        phase = {"start_s": prepared.start_s} if prepared.start_s else {}
        rendered = await self.renderer.render_async(page, ref.duration_s, prepared.clip.fps, ref.viewport,
                                                    prepared.script, **phase)
        breakdown = await asyncio.to_thread(self.score_render, prepared, rendered, page.size_bytes)
        breakdown.timings_s["render"] = rendered.timings.get("total", 0.0)
        breakdown.timings_s["total"] = time.perf_counter() - started
        return breakdown, rendered

    async def score_async(self, reference: Reference | PreparedReference, candidate: Page | str) -> RewardBreakdown:
        """Render `candidate` the way the reference was recorded and score it."""
        breakdown, _ = await self.evaluate_async(reference, candidate)
        return breakdown

    def evaluate(self, reference: Reference | PreparedReference,
                 candidate: Page | str) -> tuple[RewardBreakdown, RenderResult]:
        return run_sync(self.evaluate_async(reference, candidate))

    def score(self, reference: Reference | PreparedReference, candidate: Page | str) -> RewardBreakdown:
        return run_sync(self.score_async(reference, candidate))

    async def score_many_async(self, reference: Reference | PreparedReference,
                               candidates: Sequence[Page | str]) -> list[RewardBreakdown]:
        """Score a group of candidates of one reference concurrently (the hot path of GRPO)."""
        prepared = reference if isinstance(reference, PreparedReference) else await self.prepare_async(reference)
        return list(await asyncio.gather(*(self.score_async(prepared, c) for c in candidates)))

    def score_many(self, reference: Reference | PreparedReference, candidates: Sequence[Page | str]) -> list[RewardBreakdown]:
        return run_sync(self.score_many_async(reference, candidates))

    def score_render(self, prepared: PreparedReference, rendered: RenderResult, code_bytes: int) -> RewardBreakdown:
        """Scores and gates for an already rendered candidate (no browser needed)."""
        breakdown = RewardBreakdown(backends=self.backends, render_status=rendered.status.value)
        breakdown.details["render"] = rendered.summary()
        if prepared.clip.video is not None:
            video = prepared.clip.video
            breakdown.details["reference"] = {"lead_in_frames": video.lead_in_frames, "lead_in_s": video.lead_in_s,
                                              "start_s": prepared.start_s, "held_frames": _held_count(prepared.shown),
                                              "depends_on_seed": prepared.clip.depends_on_seed}
        applies = {name: prepared.prepared.get(name) is not None for name in self.scores}
        breakdown.scores = {name: (0.0 if applies[name] else None) for name in self.scores}
        if not rendered.ok or rendered.frames.shape[0] == 0:
            breakdown.gates.append(GateHit("render_failed", f"{rendered.status.value}: {rendered.reason}"))
            return self._combine(breakdown, code_bytes)
        frames = rendered.frames
        if prepared.shown is not None:
            # Where the recording held an older picture, the candidate as the recording would have shown it; a
            # candidate longer or shorter than the recording keeps its own length.
            index = np.arange(len(frames))
            overlap = min(len(frames), len(prepared.shown))
            index[:overlap] = np.minimum(prepared.shown[:overlap], len(frames) - 1)
            frames = frames[index]
        if gates.is_blank(frames, self.config) and not gates.is_blank(prepared.frames, self.config):
            breakdown.gates.append(GateHit("blank", "every frame of the candidate is one flat colour"))
            return self._combine(breakdown, code_bytes)
        static = prepared.moving and gates.is_static(frames, self.config)
        if static:
            breakdown.gates.append(GateHit("static", "the candidate never changes while the reference moves"))
        candidate = CandidateClip(frames=frames, fps=prepared.clip.fps, render=rendered)
        for name, score in self.scores.items():
            if not applies[name] or (static and score.needs_motion):
                continue
            clock = time.perf_counter()
            result = score.score(prepared.prepared[name], candidate)
            breakdown.timings_s[name] = time.perf_counter() - clock
            breakdown.scores[name] = None if result.value is None else float(np.clip(result.value, 0.0, 1.0))
            if result.details:
                breakdown.details[name] = result.details
        return self._combine(breakdown, code_bytes)

    def _combine(self, breakdown: RewardBreakdown, code_bytes: int = 0) -> RewardBreakdown:
        cfg = self.config
        parts = [(value, cfg.weights[name]) for name, value in breakdown.scores.items() if value is not None]
        weight = sum(w for _, w in parts)
        total = sum(v * w for v, w in parts) / weight if weight > 0 else 0.0
        if any(g.name in ("render_failed", "blank") for g in breakdown.gates):
            total = 0.0
        size_gate = gates.oversize(code_bytes, cfg)
        if size_gate is not None:
            breakdown.gates.append(size_gate)
            total *= 1.0 - cfg.size_penalty
        breakdown.total = float(np.clip(total, 0.0, 1.0))
        return breakdown


def _held_count(shown: tuple[int, ...] | None) -> int:
    """How many reference frames are compared with an earlier candidate frame than their own."""
    return 0 if shown is None else sum(i != k for k, i in enumerate(shown))


def run_sync(coro: Any) -> Any:
    """Run a coroutine to completion from sync code, also when the caller's thread has a running loop (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as executor:
        return executor.submit(asyncio.run, coro).result()
