"""Frame-level scorers (rewards.crop, rewards.dtw, rewards.appearance, rewards.temporal, rewards.tracks).

The videos are drawn here with OpenCV: a card (a coloured square with a dark stripe and a
light bar, so that it has corners to track) on a white page, 256×192, 10 fps, 3 s. The
reference card slides from left to right with an ease-in-out curve; candidates change one
thing at a time. The orderings asserted are the behaviour the scores exist for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import cv2
import numpy as np
import pytest

from v2c.rewards.appearance import (
    AppearanceMetric,
    DreamSimEmbedder,
    FrameEmbedder,
    LabSSIMConfig,
    LabSSIMEmbedder,
    aligned_cost,
    dreamsim_missing_files,
)
from v2c.rewards.config import RewardConfig
from v2c.rewards.crop import animated_region, comparison_size, crop
from v2c.rewards.dtw import dtw, normalized_dtw
from v2c.rewards.temporal import FlowTemporalScorer, make_temporal_scorer
from v2c.rewards.tracks import CoTrackerTracker, LucasKanadeTracker, PointTracker, TrackTemporalScorer

W, H, FPS, SECONDS = 256, 192, 10, 3.0

# --------------------------------------------------------------------------- synthetic videos


@dataclass(frozen=True)
class Card:
    """One animated card; every (start, end) pair is interpolated by the eased progress."""

    duration: float = 3.0
    easing: str = "ease"  # "ease" (smoothstep), "linear", "ease-in"
    x: tuple[float, float] = (0.3, 0.7)  # centre, fraction of the width
    angle: tuple[float, float] = (0.0, 0.0)  # degrees
    alpha: tuple[float, float] = (1.0, 1.0)
    colour: tuple[tuple[int, int, int], tuple[int, int, int]] = ((220, 60, 50), (220, 60, 50))
    size: float = 0.3  # side, fraction of the height
    reverse: bool = False
    delay: float = 0.0
    shift: tuple[int, int] = (0, 0)  # page offset in pixels (dx, dy)


def _ease(p: float, kind: str) -> float:
    return {"linear": p, "ease-in": p * p}.get(kind, p * p * (3 - 2 * p))


def render(
    card: Card, *, fps: float = FPS, seconds: float = SECONDS, static: bool = False, blank: bool = False
) -> np.ndarray:
    n = int(round(fps * seconds))
    out = np.full((n, H, W, 3), 255, np.uint8)
    for k in range(n):
        if blank:
            continue
        p = 0.0 if static else min(max((k / fps - card.delay) / card.duration, 0.0), 1.0)
        q = _ease(1.0 - p if card.reverse else p, card.easing)

        def lerp(r: tuple[float, float]) -> float:
            return r[0] + (r[1] - r[0]) * q

        cx, cy = lerp(card.x) * W + card.shift[0], 0.5 * H + card.shift[1]
        th, s = np.deg2rad(lerp(card.angle)), card.size * H
        rot = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
        img = out[k]

        def poly(pts: list[list[float]], colour: tuple[float, ...]) -> None:
            xy = (np.asarray(pts) @ rot.T + [cx, cy]) * 16  # 4 fractional bits: sub-pixel motion
            cv2.fillConvexPoly(img, np.round(xy).astype(np.int32), colour, cv2.LINE_AA, 4)

        colour = tuple(float(lerp((a, b))) for a, b in zip(*card.colour))
        poly([[-s / 2, -s / 2], [s / 2, -s / 2], [s / 2, s / 2], [-s / 2, s / 2]], colour)
        poly([[-s / 2, -s / 2], [s / 2, -s / 2], [s / 2, -s / 4], [-s / 2, -s / 4]], (40, 40, 90))
        poly([[-s / 6, s / 12], [s / 6, s / 12], [s / 6, s / 4], [-s / 6, s / 4]], (250, 230, 120))
        a = lerp(card.alpha)
        if a < 1.0:
            out[k] = np.round(255 - a * (255 - img.astype(np.float32))).astype(np.uint8)
    return out


REF = Card()
CANDIDATES: dict[str, np.ndarray] = {}


def candidates() -> dict[str, np.ndarray]:
    if not CANDIDATES:
        CANDIDATES.update(
            {
                "identical": render(REF),
                "tint": render(replace(REF, colour=((235, 85, 60), (235, 85, 60)))),
                "recolour": render(replace(REF, colour=((40, 160, 220), (40, 160, 220)))),
                "slower x1.1": render(replace(REF, duration=3.3)),
                "slower x1.6": render(replace(REF, duration=4.8)),
                "slower x2.5": render(replace(REF, duration=7.5)),
                "linear easing": render(replace(REF, easing="linear")),
                "reversed": render(replace(REF, reverse=True)),
                "static": render(REF, static=True),
                "blank": render(REF, blank=True),
                "shifted 40px": render(replace(REF, shift=(40, 0))),
            }
        )
    return CANDIDATES


@pytest.fixture(scope="module")
def scores() -> dict[str, tuple[float, float]]:
    """name -> (appearance, temporal) against the reference, each scorer's reference prepared once."""
    app, tmp = AppearanceMetric(), make_temporal_scorer()
    ref = render(REF)
    ref_a, ref_t = app.prepare_reference(ref, FPS), tmp.prepare_reference(ref, FPS)
    return {name: (app.score(ref_a, v, FPS), tmp.score(ref_t, v, FPS)) for name, v in candidates().items()}


# --------------------------------------------------------------------------- crop


def test_animated_region_bounds_the_motion_and_follows_the_page():
    ref = render(REF)
    y0, y1, x0, x1 = animated_region(ref)
    s = REF.size * H
    # Left edge of the first frame to the right edge of the last, plus a small margin.
    assert 0.3 * W - s / 2 - 15 < x0 < 0.3 * W - s / 2
    assert 0.7 * W + s / 2 < x1 < 0.7 * W + s / 2 + 15
    assert H / 2 - s / 2 - 10 < y0 < H / 2 - s / 2 and H / 2 + s / 2 < y1 < H / 2 + s / 2 + 10
    shifted = animated_region(render(replace(REF, shift=(40, 0))))
    assert shifted == (y0, y1, x0 + 40, x1 + 40)  # past the right border: padded, not clipped
    assert crop(render(replace(REF, shift=(40, 0))), shifted).shape == crop(ref, (y0, y1, x0, x1)).shape


def test_the_margin_past_the_page_holds_its_still_edge_not_what_crosses_it():
    """Dots running along the page's edges, one into a corner (particles, confetti): the crop's margin past the
    page repeats the edge as it stands still, so nothing moves there, on whichever sides the crop passes the page;
    a page whose edge never changes is padded exactly as its own edge pixels (`cv2.BORDER_REPLICATE`)."""
    page = np.repeat(np.linspace(200, 250, W).astype(np.uint8)[None, :, None], H, axis=0).repeat(3, axis=2)
    frames = np.repeat(page[None], 12, axis=0)
    for k, f in enumerate(frames):
        cv2.circle(f, (W - 60 + 6 * k, 2), 4, (30, 30, 200), -1)  # along the top, into the corner at k = 10
        cv2.circle(f, (1, 20 + 12 * k), 4, (200, 30, 30), -1)  # down the left edge
        cv2.circle(f, (30 + 15 * k, H - 2), 4, (30, 160, 30), -1)  # along the bottom
    for box in ((-20, 60, W - 100, W + 30), (-20, H + 20, -25, W + 30)):
        y0, y1, x0, x1 = box
        padded = crop(frames, box)
        inside = np.zeros(padded.shape[1:3], bool)
        top, left = max(0, -y0), max(0, -x0)
        inside[top : top + min(H, y1) - max(0, y0), left : left + min(W, x1) - max(0, x0)] = True
        outside = padded[:, ~inside]
        assert (outside == outside[:1]).all(), box  # nothing moves past the page
        assert (padded[:, inside] == frames[:, max(0, y0) : y1, max(0, x0) : x1].reshape(len(frames), -1, 3)).all()
        expected = cv2.copyMakeBorder(page[max(0, y0) : y1, max(0, x0) : x1], max(0, -y0), max(0, y1 - H),
                                      max(0, -x0), max(0, x1 - W), cv2.BORDER_REPLICATE)
        assert (crop(np.repeat(page[None], 2, axis=0), box) == expected).all(), box


def test_full_resolution_and_the_default_raster_crop_and_score_alike():
    """Pixel sizes scale with frames larger than `CropConfig.nominal_side`: the papers' 1024×768
    rendered at every device pixel and at the default raster scale (0.5) gives the same box and appearance."""
    from v2c.render import LocalRendererPool, RenderConfig

    page = ("<body style='margin:0;background:#fafafa'><style>@keyframes go{to{transform:translateX(260px) "
            "rotate(180deg)}} div{position:absolute;width:50px;height:50px;left:40px;animation:go 2s ease-in-out both}"
            "</style><div style='top:120px;background:{0}'></div><div style='top:220px;background:#29335c'></div>")
    videos = {}
    for scale in (1.0, 0.5):
        with LocalRendererPool(size=1, config=RenderConfig(raster_scale=scale)) as pool:
            videos[scale] = [pool.render(page.replace("{0}", colour), 2.0, 10, (1024, 768)).frames
                             for colour in ("#e4572e", "#3aa655")]
    full, half = (np.array(animated_region(videos[s][0])) for s in (1.0, 0.5))
    assert np.abs(full / 2 - half).max() <= 1.5, (full, half)
    scorer = AppearanceMetric()
    recoloured = {s: scorer.score(scorer.prepare_reference(v[0], 10), v[1], 10) for s, v in videos.items()}
    assert recoloured[1.0] < 0.95 and abs(recoloured[1.0] - recoloured[0.5]) <= 0.01, recoloured


def test_a_slow_fade_at_a_high_frame_rate_is_not_static():
    """Each step of this fade is under `change_level`; the page still changes, so the static gate must not fire."""
    from v2c.rewards import RewardConfig
    from v2c.rewards.gates import is_static

    config = RewardConfig()
    levels = np.linspace(255, 120, 150).astype(np.uint8)  # 5 s at 30 fps: < 1 level per frame
    fade = np.full((150, H, W, 3), 255, np.uint8)
    fade[:, 60:120, 80:160] = levels[:, None, None, None]
    assert int(np.abs(np.diff(levels.astype(int))).max()) <= config.change_level
    assert not is_static(fade, config)
    assert is_static(np.repeat(fade[:1], 150, axis=0), config)


def test_nothing_moves_means_full_frame():
    assert animated_region(render(REF, static=True)) == (0, H, 0, W)
    assert animated_region(render(REF, blank=True)) == (0, H, 0, W)


def test_comparison_size_keeps_aspect():
    assert comparison_size((0, 100, 0, 200), 224) == (112, 224)


# --------------------------------------------------------------------------- dtw


def _dtw_loops(c: np.ndarray, w: np.ndarray) -> tuple[float, int, float]:
    n, m = c.shape
    acc = np.full((n + 1, m + 1), np.inf)
    acc[0, 0] = 0.0
    length, mass = np.zeros((n + 1, m + 1)), np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if i == j == 1:
                pi, pj = 0, 0
            else:
                pi, pj = min([(i - 1, j - 1), (i - 1, j), (i, j - 1)], key=lambda p: acc[p])
            acc[i, j] = c[i - 1, j - 1] + acc[pi, pj]
            length[i, j], mass[i, j] = length[pi, pj] + 1, mass[pi, pj] + w[i - 1, j - 1]
    return acc[n, m], int(length[n, m]), mass[n, m]


def test_dtw_matches_the_textbook_recursion():
    rng = np.random.default_rng(0)
    for _ in range(30):
        n, m = rng.integers(1, 10, 2)
        c, w = rng.random((n, m)), rng.random((n, m))
        r = dtw(c, w)
        cost, length, mass = _dtw_loops(c, w)
        assert np.isclose(r.cost, cost) and r.length == length and np.isclose(r.mass, mass)
    # A batch padded to a common size, with per-item ends, in either layout.
    c = rng.random((12, 9, 7))
    ends = np.stack([rng.integers(0, 9, 12), rng.integers(0, 7, 12)], axis=1)
    r = dtw(c, ends=ends)
    r_last = dtw(np.ascontiguousarray(c.transpose(1, 2, 0)), ends=ends, batch_last=True)
    for k, (i, j) in enumerate(ends):
        cost, length, _ = _dtw_loops(c[k, : i + 1, : j + 1], np.zeros((i + 1, j + 1)))
        assert np.isclose(r.cost[k], cost) and r.length[k] == length
        assert np.isclose(r_last.cost[k], cost) and r_last.length[k] == length


def test_dtw_aligns_a_time_warped_copy_for_free():
    x = np.sin(np.linspace(0, 3, 30))
    y = np.sin(np.linspace(0, 3, 30) ** 1.3 / 3**0.3)  # same values, other timing
    cost = np.abs(x[:, None] - y[None, :])
    assert normalized_dtw(cost) < 0.02 < np.abs(x - y).mean()


# --------------------------------------------------------------------------- the scores


def test_nearest_alignment_ignores_cycle_count_and_charges_what_is_missing():
    """Frames of a 10-phase loop: 3 cycles against 1.2 cycles of the same phases (a loop played 2.5× slower)
    cost nothing under `nearest` while DTW, monotone in time, charges them; a frozen first frame costs the
    same under both (the worse direction counts: everything the reference shows and the candidate never does)."""
    phase = lambda k: np.exp(2j * np.pi * (k % 10) / 10)  # noqa: E731
    def distances(a, b):
        return np.abs(np.array([[phase(i) - phase(j) for j in b] for i in a])) / 2
    reference, slower, frozen = range(30), [int(k / 2.5) for k in range(30)], [0] * 30
    assert aligned_cost(distances(reference, slower), "nearest")[0] == 0.0
    assert aligned_cost(distances(reference, slower), "dtw")[0] > 0.1
    d = distances(reference, frozen)
    assert aligned_cost(d, "nearest")[0] == pytest.approx(aligned_cost(d, "dtw")[0]) == pytest.approx(d[:, 0].mean())
    assert RewardConfig.paper().score_options("appearance").alignment == "dtw"
    assert RewardConfig().score_options("appearance").alignment == "nearest"


def dots(seed: int, colour: tuple[int, int, int] = (230, 80, 40), count: int = 40) -> np.ndarray:
    """30 frames of `count` dots at random places (the `seed`'s stream) drifting right on a white page."""
    rng = np.random.default_rng(seed)
    xy, out = rng.uniform([0, 0], [W, H], (count, 2)), np.full((30, H, W, 3), 255, np.uint8)
    for k, frame in enumerate(out):
        for x, y in xy:
            cv2.circle(frame, (int(x + 3 * k) % W, int(y)), 4, colour, -1)
    return out


def test_layout_free_distances_see_another_random_stream_as_the_same_and_a_recolour_as_not():
    """Against a reference whose frames depend on randomness the structure term compares the windows' brightness and
    contrast as distributions (`LabSSIMEmbedder.layout_free_distances`): another stream draws the same dots
    elsewhere. Measured: 0.79 placed, 0.96 free for another stream; a recolour still costs (0.76 free)."""
    metric = AppearanceMetric()
    placed = metric.prepare_reference(dots(0), FPS)
    free = metric.prepare_reference(dots(0), FPS, depends_on_seed=True)
    assert metric.score(free, dots(0), FPS) == metric.score(placed, dots(0), FPS) == 1.0
    other_placed, other_free = metric.score(placed, dots(1), FPS), metric.score(free, dots(1), FPS)
    assert other_free > other_placed + 0.1 and other_free > 0.95, (other_placed, other_free)
    recoloured = metric.score(free, dots(1, colour=(40, 90, 230)), FPS)
    assert recoloured < other_free - 0.15, (recoloured, other_free)
    # Only the structure term differs: without it (its weight is what the other three leave) the two are one mix.
    embedder = LabSSIMEmbedder(LabSSIMConfig(colour_weight=0.4, contrast_weight=0.3, palette_weight=0.3))
    a, b = embedder.embed(dots(0)[:4]), embedder.embed(dots(1, colour=(40, 90, 230))[:4])
    assert np.array_equal(embedder.layout_free_distances(a, b), embedder.distances(a, b))
    assert embedder.distances(a, b).min() > 0.1


def test_backends_satisfy_the_protocols():
    assert isinstance(LabSSIMEmbedder(), FrameEmbedder)
    assert isinstance(LucasKanadeTracker(), PointTracker)


def test_identical_copy_scores_one(scores):
    app, tmp = scores["identical"]
    assert app > 0.999 and tmp > 0.999


@pytest.mark.parametrize("name", ["slower x1.6", "linear easing", "reversed"])
def test_timing_change_costs_temporal_more_than_appearance(scores, name):
    # The flow score's slope is gentler than the track score's by design (×1.6 costs ~0.2). The
    # card's ×1.6 move is cut off by the clip's end, which costs appearance too (0.10; temporal 0.19).
    app, tmp = scores[name]
    assert (1 - tmp) > (1 - app) + 0.08, (app, tmp)


def test_colour_change_costs_appearance_more_than_temporal(scores):
    app, tmp = scores["recolour"]
    assert (1 - app) > 3 * (1 - tmp) and (1 - app) > (1 - tmp) + 0.05, (app, tmp)


def test_static_candidate_has_no_temporal_score(scores):
    assert scores["static"][1] < 0.05
    assert scores["blank"][1] < 0.05


def test_blank_page_is_the_worst_appearance(scores):
    blank = scores["blank"][0]
    assert all(blank < app - 0.05 for name, (app, _) in scores.items() if name != "blank")


def test_scores_are_graded(scores):
    t11, t16, t25 = (scores[f"slower x{k}"][1] for k in ("1.1", "1.6", "2.5"))
    assert t11 > t16 + 0.1 and t16 > t25 + 0.1, (t11, t16, t25)
    m11, m16, m25 = (sum(scores[f"slower x{k}"]) / 2 for k in ("1.1", "1.6", "2.5"))
    assert m11 > m16 > m25
    assert scores["tint"][0] > scores["recolour"][0] + 0.05


def test_timing_errors_are_graded_not_a_cliff():
    """A short, fast move (0.6 s): frame-locked, a 0.1 s delay already halves the score and
    anything past the move's length scores 0; aligned in time, the score degrades gradually.
    The track backend: the flow score measures a time scale, and does not charge a lag (a loop
    has no start), so a delay alone costs it nothing while the motion fits in the clip."""
    card = replace(REF, duration=0.6, delay=0.8)
    scorer = TrackTemporalScorer()
    prepared = scorer.prepare_reference(render(card), FPS)
    delayed = [scorer.score(prepared, render(replace(card, delay=0.8 + d)), FPS) for d in (0.1, 0.3, 0.6, 1.0)]
    assert delayed[0] > 0.9, delayed
    assert all(x > y + 0.1 for x, y in zip(delayed, delayed[1:])), delayed
    slower = [scorer.score(prepared, render(replace(card, duration=0.6 * k)), FPS) for k in (1.1, 1.6, 2.5)]
    assert slower[0] > slower[1] > slower[2], slower


def _hue_cycle(period_s: float, hue0_deg: float = 0.0, frames: int = 30) -> np.ndarray:
    """A square whose hue swings by 135° and back with ease-in-out, at one CIELAB distance (40 ΔE) from
    a background of its own lightness: nothing moves and its ink (distance from the background) stays."""
    out = []
    for k in range(frames):
        tri = 1 - abs(2 * ((k / FPS / period_s) % 1.0) - 1)
        hue = np.radians(hue0_deg + 135 * tri * tri * (3 - 2 * tri))
        lab = np.full((96, 128, 3), (60.0, 0.0, 0.0), np.float32)
        lab[30:66, 40:88] = (60.0, 40 * np.cos(hue), 40 * np.sin(hue))
        out.append(np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB) * 255 + 0.5, 0, 255).astype(np.uint8))
    return np.stack(out)


def test_a_colour_animation_has_a_timing_and_none_of_its_colours():
    """The flow features' colour rate: a hue that cycles at one distance from the background is graded by
    its speed (without that channel: 0.50 / 0.34 / 0.47, out of order), and the same cycle in other
    colours keeps its score (without it: 0.08)."""
    scorer = FlowTemporalScorer()
    prepared = scorer.prepare_reference(_hue_cycle(1.0), FPS)
    ladder = [scorer.score(prepared, _hue_cycle(k), FPS) for k in (1.0, 1.15, 1.6, 2.5)]
    assert ladder[0] > 0.99 and ladder[1] > 0.85, ladder
    assert all(x > y + 0.05 for x, y in zip(ladder, ladder[1:])), ladder
    assert scorer.score(prepared, _hue_cycle(1.0, hue0_deg=160), FPS) > 0.95


def test_position_does_not_matter(scores):
    app, tmp = scores["shifted 40px"]
    assert app > 0.9 and tmp > 0.9


@pytest.mark.parametrize("backend", ["flow", "lk"])
def test_two_static_videos_agree_on_timing(backend):
    scorer = make_temporal_scorer(backend)
    ref = scorer.prepare_reference(render(REF, static=True), FPS)
    assert scorer.score(ref, render(replace(REF, colour=((40, 160, 220),) * 2), static=True), FPS) == 1.0


@pytest.mark.parametrize(
    "card",
    [
        Card(x=(0.5, 0.5), angle=(0, 180)),  # rotating in place
        Card(x=(0.5, 0.5), alpha=(1, 0)),  # fading out
        Card(x=(0.5, 0.5), colour=((220, 60, 50), (60, 200, 90))),  # changing colour
    ],
    ids=["rotate", "fade", "colour"],
)
def test_other_animations_match_themselves_and_not_a_blank_page(card):
    app, tmp, lk = AppearanceMetric(), FlowTemporalScorer(), TrackTemporalScorer()
    ref = render(card)
    ref_a, ref_t, ref_lk = app.prepare_reference(ref, FPS), tmp.prepare_reference(ref, FPS), lk.prepare_reference(ref, FPS)
    assert app.score(ref_a, render(card), FPS) > 0.999 and tmp.score(ref_t, render(card), FPS) > 0.999
    assert app.score(ref_a, render(card, blank=True), FPS) < 0.75
    if card.colour[0] == card.colour[1]:
        # Rotations and fades are seen by the flow score: frozen, they lose it.
        assert tmp.score(ref_t, render(card, static=True), FPS) < 0.05
    if card.angle == (0, 0):
        # Fades and colour changes move no point: Lucas–Kanade must not invent motion.
        assert ref_lk.motion.n_tracks == 0


def test_a_lossy_copy_still_matches():
    """Reference videos are often mp4s: codec noise must not move the crop or invent motion."""
    app, tmp = AppearanceMetric(), make_temporal_scorer()
    ref = render(REF)
    jpeg = np.stack([cv2.imdecode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, 75])[1], -1) for f in ref])
    noisy = np.clip(ref + np.random.default_rng(0).normal(0, 2, ref.shape), 0, 255).astype(np.uint8)
    ref_a, ref_t = app.prepare_reference(ref, FPS), tmp.prepare_reference(ref, FPS)
    for copy in (jpeg, noisy):
        assert np.abs(np.subtract(animated_region(copy), ref_a.box)).max() <= 3  # JPEG rings a little
        assert app.score(ref_a, copy, FPS) > 0.95 and tmp.score(ref_t, copy, FPS) > 0.95


def test_frame_rate_does_not_matter():
    app, tmp = AppearanceMetric(), make_temporal_scorer()
    ref = render(REF)
    at_30 = render(REF, fps=30)
    assert app.score(app.prepare_reference(ref, FPS), at_30, 30) > 0.95
    assert tmp.score(tmp.prepare_reference(ref, FPS), at_30, 30) > 0.95


# --------------------------------------------------------------------------- DreamSim, offline


def _vit_b_layout(patch: int) -> dict[str, tuple[int, ...]]:
    """State-dict shapes of dreamsim's ViT-B (feature_extraction/vision_transformer.py, vit_base)."""
    shapes: dict[str, tuple[int, ...]] = {
        "cls_token": (1, 1, 768),
        "pos_embed": (1, 1 + (224 // patch) ** 2, 768),
        "patch_embed.proj.weight": (768, 3, patch, patch),
        "patch_embed.proj.bias": (768,),
    }
    for i in range(12):
        for name, shape in {
            "norm1.weight": (768,), "norm1.bias": (768,), "attn.qkv.weight": (2304, 768), "attn.qkv.bias": (2304,),
            "attn.proj.weight": (768, 768), "attn.proj.bias": (768,), "norm2.weight": (768,), "norm2.bias": (768,),
            "mlp.fc1.weight": (3072, 768), "mlp.fc1.bias": (3072,),
            "mlp.fc2.weight": (768, 3072), "mlp.fc2.bias": (768,),
        }.items():  # fmt: skip
            shapes[f"blocks.{i}.{name}"] = shape
    shapes.update({"norm.weight": (768,), "norm.bias": (768,)})
    return shapes


def _random_like(shapes: dict[str, tuple[int, ...]], seed: int = 0) -> dict:
    """Random weights that are strided views of one small pool (torch.save stores the pool once:
    a ViT-B checkpoint of ~1 MB); LayerNorm scales are 1 so the random net stays input-dependent."""
    import torch

    pool = torch.randn(1 << 18, generator=torch.Generator().manual_seed(seed)) * 0.05
    out = {}
    for name, shape in shapes.items():
        if name.endswith(("norm1.weight", "norm2.weight", "norm.weight", "pos_drop.weight")):
            out[name] = torch.ones(1).expand(shape)
            continue
        # Rows over the last axis, each starting 3 elements after the previous one.
        strides, acc = [0] * len(shape), 3
        strides[-1] = 1
        for k in range(len(shape) - 2, -1, -1):
            strides[k], acc = acc, acc * shape[k]
        out[name] = pool.as_strided(shape, strides)
    return out


def _write_lora(folder, seed: int = 1) -> None:
    """A LoRA adapter on every block's qkv, as dreamsim's `<tag>lora/` folder holds."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True)
    g = torch.Generator().manual_seed(seed)
    prefix = "base_model.model.extractor_list.0.model.blocks"
    tensors = {}
    for i in range(12):
        tensors[f"{prefix}.{i}.attn.qkv.lora_A.weight"] = torch.randn(16, 768, generator=g) * 0.05
        tensors[f"{prefix}.{i}.attn.qkv.lora_B.weight"] = torch.randn(2304, 16, generator=g) * 0.05
    save_file(tensors, str(folder / "adapter_model.safetensors"))
    config = {"peft_type": "LORA", "r": 16, "lora_alpha": 0.5, "lora_dropout": 0.3, "bias": "none",
              "target_modules": ["qkv"]}  # fmt: skip
    (folder / "adapter_config.json").write_text(json.dumps(config))


def _fake_clip_cache(root, name: str = "clip_vitb32") -> None:
    """`<name>_pretrain.pth.tar` ({'state_dict': ViT-B/32 + 'proj'}) and `<name>_single_lora/`."""
    import torch

    sd = _random_like({**_vit_b_layout(32), "pos_drop.weight": (768,), "pos_drop.bias": (768,), "proj": (768, 512)})
    torch.save({"state_dict": sd}, root / f"{name}_pretrain.pth.tar")
    _write_lora(root / f"{name}_single_lora")


DINO_HUBCONF = '''
import os
import torch

dependencies = ["torch"]


def dino_vitb16(pretrained=True, **kwargs):
    from dreamsim.feature_extraction.vision_transformer import vit_base

    model = vit_base(patch_size=16, num_classes=0, **kwargs)
    if pretrained:  # what the real hubconf fetches with load_state_dict_from_url, into the hub dir
        path = os.path.join(torch.hub.get_dir(), "checkpoints", "dino_vitbase16_pretrain.pth")
        model.load_state_dict(torch.load(path, map_location="cpu"))
    return model
'''


def _fake_dino_cache(root) -> None:
    """dino_vitb16: DreamSim's head checkpoint + LoRA, and the torch.hub repo + DINO checkpoint."""
    import torch

    head = {"mlp.0.weight": (2048, 768), "mlp.0.bias": (2048,), "mlp.2.weight": (2048, 2048), "mlp.2.bias": (2048,),
            "mlp.4.weight": (256, 2048), "mlp.4.bias": (256,), "last_layer.weight": (2048, 256)}  # fmt: skip
    student = {f"module.head.{k}": v for k, v in _random_like(head).items()}
    torch.save({"student": student}, root / "dino_vitb16_pretrain.pth")
    _write_lora(root / "dino_vitb16_single_lora")
    (root / "facebookresearch_dino_main").mkdir()
    (root / "facebookresearch_dino_main" / "hubconf.py").write_text(DINO_HUBCONF)
    (root / "checkpoints").mkdir()
    torch.save(_random_like(_vit_b_layout(16)), root / "checkpoints" / "dino_vitbase16_pretrain.pth")


@pytest.fixture
def offline(monkeypatch):
    """No network, and one torch thread: on a busy 2-core machine two threads contend badly."""
    import torch

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_dreamsim_missing_cache_is_a_clear_error(tmp_path, offline):
    with pytest.raises(FileNotFoundError) as err:
        DreamSimEmbedder(cache_dir=tmp_path)
    msg = str(err.value)
    for expected in ("ensemble_lora/", "dino_vitb16_pretrain.pth", "clip_vitb16_pretrain.pth.tar",
                     "facebookresearch_dino_main/hubconf.py", "dreamsim_ensemble_checkpoint.zip"):  # fmt: skip
        assert expected in msg
    _fake_clip_cache(tmp_path)
    assert dreamsim_missing_files(tmp_path, "clip_vitb32") == []
    with pytest.raises(FileNotFoundError, match="open_clip_vitb32_pretrain.pth.tar"):
        DreamSimEmbedder("open_clip_vitb32", cache_dir=tmp_path)


def test_dreamsim_loads_a_random_weight_cache_through_the_real_code_path(tmp_path, offline):
    import torch

    _fake_clip_cache(tmp_path)
    embedder = DreamSimEmbedder("clip_vitb32", cache_dir=tmp_path)
    frames = render(REF)[::12]  # 3 frames keep it quick
    emb = embedder.embed(frames)
    assert emb.shape == (3, 512) and np.isfinite(emb).all()
    d = embedder.distances(emb, embedder.embed(frames[::-1]))
    assert ((d >= 0) & (d <= 1)).all() and np.allclose(np.diag(d[:, ::-1]), 0, atol=1e-5)
    assert d[0, 0] > 1e-3  # different frames, different embeddings
    # The weights in use are the ones written to the cache.
    params = dict(embedder._model.named_parameters())
    lora_a = [v for k, v in params.items() if k.endswith("blocks.0.attn.qkv.lora_A.default.weight")][0]
    from safetensors.torch import load_file

    written = load_file(str(tmp_path / "clip_vitb32_single_lora" / "adapter_model.safetensors"))
    assert torch.equal(lora_a, written["base_model.model.extractor_list.0.model.blocks.0.attn.qkv.lora_A.weight"])
    # And it plugs into the appearance score.
    scorer = AppearanceMetric(embedder=embedder)
    ref = scorer.prepare_reference(frames, FPS / 12)
    assert scorer.score(ref, frames, FPS / 12) > 0.999


def test_dreamsim_dino_variant_uses_the_cache_as_hub_dir_and_restores_it(tmp_path, offline):
    import torch.hub

    _fake_dino_cache(tmp_path)
    before = torch.hub.get_dir()
    embedder = DreamSimEmbedder("dino_vitb16", cache_dir=tmp_path)
    emb = embedder.embed(render(REF)[::15])
    assert emb.shape == (2, 768) and np.isfinite(emb).all()
    assert torch.hub.get_dir() == before != str(tmp_path)


def test_cotracker_missing_cache_is_a_clear_error(tmp_path, offline):
    with pytest.raises(FileNotFoundError, match=r"checkpoints/scaled_offline\.pth") as err:
        CoTrackerTracker(cache_dir=tmp_path)
    assert "facebookresearch/co-tracker" in str(err.value)
